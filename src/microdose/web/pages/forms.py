"""What every page form shares: the base model (CSRF, idempotency key), field parsers, the write.

Forms work without JavaScript (POST, then 303 to a page); a form error re-renders the form
with the field named (:func:`microdose.web.platform.views.form_error`).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from microdose.domain.checkins import RATINGS
from microdose.domain.errors import InvalidInput
from microdose.domain.instrument_cutoffs import CHANGE_GUIDES
from microdose.reports.words import change_short, change_text
from microdose.services.people import local_today
from microdose.store.models import Person
from microdose.web.platform.idempotency import Work, perform
from microdose.web.platform.state import WebState
from microdose.web.schemas.inputs import InputModel

#: the change worth reading on each questionnaire, from the domain's one table of it
#: (``domain.instrument_cutoffs.CHANGE_GUIDES``: NHS Talking Therapies reliable change for
#: PHQ-9 and GAD-7, WHO-5's meaningful change); a sentence, and a table cell
CHANGE_WORDS: dict[str, str] = {key: change_text(key) or "" for key in CHANGE_GUIDES}
CHANGE_CELLS: dict[str, str] = {key: change_short(key) or "" for key in CHANGE_GUIDES}


class FormBase(InputModel):
    """Fields every form carries (its text a database can store)."""

    csrf_token: str = ""
    idempotency_key: str = ""


class CheckinFields(FormBase):
    """A day's ratings, side effects and notes as typed: the check-in and its correction."""

    mood: str = ""
    anxiety: str = ""
    energy: str = ""
    focus: str = ""
    sleep: str = ""
    connectedness: str = ""
    side_effects: list[str] = Field(default_factory=list)
    notes: str = ""

    def typed_ratings(self) -> dict[str, int | None]:
        """Each rating as a whole number, or None where left empty."""
        return {
            name: whole_number(text, name) if (text := getattr(self, name)).strip() else None
            for name in RATINGS
        }


def whole_number(text: str, field: str, allowed: str = "0-10") -> int:
    """A form field that must be a whole number."""
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(field, "choose a value", allowed=allowed) from None


def form_date(text: str, person: Person, field: str = "date") -> dt.date:
    """A form's YYYY-MM-DD date, or the person's today when left empty."""
    if not text.strip():
        return local_today(person)
    from microdose.domain.protocols import parse_date

    return parse_date(text, field)


def submit(state: WebState, form: FormBase, path: str, work: Work) -> None:
    """Do a form's write once per form (its hidden idempotency key)."""
    payload = form.model_dump(exclude={"csrf_token", "idempotency_key"})
    perform(
        state,
        key=form.idempotency_key or None,
        method="FORM",
        path=path,
        payload=payload,
        work=work,
    )
