"""A person's page settings: which daily ratings they are asked, theme and date style."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from microdose.domain.checkins import RATINGS, tracked_ratings
from microdose.domain.factors import check_factor_names
from microdose.domain.preferences import DEFAULT_DATE_STYLE, check_date_style, check_theme
from microdose.store.models import Person


@dataclass(frozen=True)
class Preferences:
    """What the pages need to know: asked ratings, theme (None: system), date style."""

    tracked: tuple[str, ...] = RATINGS
    theme: str | None = None
    date_style: str = DEFAULT_DATE_STYLE
    factors: tuple[str, ...] = ()


def preferences_of(person: Person) -> Preferences:
    """The person's settings, defaults filled in."""
    return Preferences(
        tracked=tracked_ratings(person.tracked_ratings),
        theme=person.theme,
        date_style=person.date_style or DEFAULT_DATE_STYLE,
        factors=tuple(person.factors or ()),
    )


def set_tracked(*, session: Session, person: Person, names: Iterable[str]) -> tuple[str, ...]:
    """Choose the daily ratings the check-in asks (mood is always asked).

    Past check-ins keep every rating they have; a rating no longer asked is stored as
    missing on later days, never filled in.
    """
    chosen = tracked_ratings(names)
    person.tracked_ratings = None if chosen == RATINGS else list(chosen)
    session.flush()
    return chosen


def set_appearance(*, session: Session, person: Person, theme: str, date_style: str) -> Preferences:
    """Store the theme (``system``, ``light``, ``dark``) and the date style."""
    person.theme = check_theme(theme)
    person.date_style = check_date_style(date_style)
    session.flush()
    return preferences_of(person)


def set_factors(*, session: Session, person: Person, names: Iterable[str]) -> tuple[str, ...]:
    """Choose the daily factors the check-in asks (yes or no each); past days keep theirs."""
    chosen = check_factor_names(names)
    person.factors = list(chosen) or None
    session.flush()
    return chosen
