"""A year at a glance: each day's mood, dose days, trial capsule days; weekly and monthly
summaries of mood with their intervals (:mod:`microdose.analysis.summaries`).

Trial capsule days are marked the same whatever the capsule held: the calendar never
reveals an allocation, blind or not (the trial report is where the unblinded result is).
"""

from __future__ import annotations

import calendar as cal
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microdose.analysis.factors import FactorAssociation, association
from microdose.analysis.summaries import MeanSummary, lag1_bias_corrected, mean_summary
from microdose.domain.factors import factor_series
from microdose.services.checkins import checkins
from microdose.services.people import local_today
from microdose.store.models import CheckinRow, DoseRow, Person
from microdose.store.trial_models import TrialRow

WEEKS_SHOWN = 8


@dataclass(frozen=True)
class Day:
    """One day of the year: its mood (None: no check-in), a dose taken, a trial capsule day."""

    day: date
    mood: int | None
    dosed: bool
    trial: bool
    future: bool


@dataclass(frozen=True)
class Period:
    """A week or a month: its label, first and last day, mood summary, dose days taken."""

    label: str
    first: date
    last: date
    mood: MeanSummary
    doses: int


@dataclass(frozen=True)
class YearView:
    """The year's days by month (``months[m-1][d-1]``, None past a month's end)."""

    year: int
    today: date
    months: list[list[Day | None]]
    monthly: list[Period]
    weekly: list[Period]
    first_year: int
    #: mood on days with and without each of the person's daily factors, over the year
    factors: list[FactorAssociation]


def year_view(*, session: Session, person: Person, year: int | None = None) -> YearView:
    """The calendar of ``year`` (this year by default) for ``person``."""
    today = local_today(person)
    year = year or today.year
    first, last = date(year, 1, 1), date(year, 12, 31)
    since = first - timedelta(days=6)  # the first week may start in the year before
    rows = checkins(session=session, person_id=person.id, start=since, end=last)
    moods = {row.local_date: row.mood for row in rows}
    dosed = set(session.scalars(select(DoseRow.local_date).where(
        DoseRow.person_id == person.id, DoseRow.local_date >= since, DoseRow.local_date <= last)))
    trial_days = {date.fromisoformat(d) for trial in session.scalars(
        select(TrialRow).where(TrialRow.person_id == person.id)) for d in trial.dose_days}
    months = [[Day(d, moods.get(d), d in dosed, d in trial_days, d > today)
               if (d := _day(year, m, n)) else None for n in range(1, 32)]
              for m in range(1, 13)]
    # day-to-day correlation from the whole year so far: a week is too short to estimate it
    phi = lag1_bias_corrected(_series(moods, since, min(last, today)))
    monthly = [p for p in _monthly(year, moods, dosed, today, phi) if p.mood.n or p.doses]
    return YearView(year, today, months, monthly, _weekly(year, moods, dosed, today, phi),
                    _first_year(session, person, year), _factors(person, rows, first))


def _day(year: int, month: int, number: int) -> date | None:
    return date(year, month, number) if number <= cal.monthrange(year, month)[1] else None


def _series(moods: dict[date, int], first: date, last: date) -> list[float | None]:
    """Each day's mood from ``first`` to ``last`` (None: no check-in)."""
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [float(m) if (m := moods.get(d)) is not None else None for d in days]


def _period(label: str, first: date, last: date, moods: dict[date, int],
            dosed: set[date], phi: float | None) -> Period:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return Period(label, first, last, mean_summary(_series(moods, first, last), phi=phi),
                  sum(d in dosed for d in days))


def _monthly(year: int, moods: dict[date, int], dosed: set[date], today: date,
             phi: float | None) -> list[Period]:
    """Each month of the year up to today's, newest first (empty ones left out by the caller)."""
    months = [m for m in range(1, 13) if date(year, m, 1) <= today]
    return [_period(date(year, m, 1).strftime("%B"), date(year, m, 1),
                    min(date(year, m, cal.monthrange(year, m)[1]), today), moods, dosed, phi)
            for m in reversed(months)]


def _weekly(year: int, moods: dict[date, int], dosed: set[date], today: date,
            phi: float | None) -> list[Period]:
    """The last eight weeks (Monday to Sunday) of the year up to today, newest first."""
    end = min(date(year, 12, 31), today)
    monday = end - timedelta(days=end.weekday())
    weeks = []
    for back in range(WEEKS_SHOWN):
        first = monday - timedelta(weeks=back)
        if first.year < year and first + timedelta(days=6) < date(year, 1, 1):
            break
        weeks.append(_period(f"week of {first.isoformat()}", first,
                             min(first + timedelta(days=6), end), moods, dosed, phi))
    return weeks


def _first_year(session: Session, person: Person, year: int) -> int:
    """The earliest year with a check-in (for the "previous year" link)."""
    earliest = session.scalar(
        select(func.min(CheckinRow.local_date)).where(CheckinRow.person_id == person.id))
    return min(earliest.year, year) if earliest else year


def _factors(person: Person, rows: list[CheckinRow], first: date) -> list[FactorAssociation]:
    """Each daily factor's association with mood over the year's check-ins (in day order)."""
    days = [row for row in rows if row.local_date >= first]
    moods = [float(row.mood) for row in days]
    return [association(name, moods, factor_series([row.factors for row in days], name))
            for name in person.factors or ()]
