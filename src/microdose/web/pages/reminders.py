"""HTML form in settings: the person's reminder times, questionnaire intervals and pause.

The form lives on the settings page (``settings/_reminders.html``); an error re-renders
that page (:func:`~microdose.web.pages.settings_page.settings_page`) with the field named.
The "Due today" card on the today page is ``journal/_due_today.html`` (context from
:func:`~microdose.web.pages.reminder_context.due_context`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from microdose.domain.errors import MicrodoseError
from microdose.domain.instrument_items import INSTRUMENTS
from microdose.services.reminders import set_own_schedule
from microdose.store.models import Person
from microdose.web.pages.forms import FormBase, submit
from microdose.web.pages.settings_page import settings_page
from microdose.web.platform.deps import StateDep
from microdose.web.platform.guards import PAGE_GUARDS

router = APIRouter(dependencies=PAGE_GUARDS, include_in_schema=False)

class RemindersForm(FormBase):
    """Times as HH:MM (empty: no reminder), an interval per instrument (empty: none)."""

    checkin_time: str = ""
    dose_time: str = ""
    questionnaire_time: str = ""
    interval_phq9: str = ""
    interval_gad7: str = ""
    interval_who5: str = ""
    interval_dass21: str = ""
    paused: str = ""

    def intervals(self) -> dict[str, str]:
        """The instruments given an interval."""
        given = {key: str(getattr(self, f"interval_{key}", "")) for key in INSTRUMENTS}
        return {key: days for key, days in given.items() if days.strip()}


@router.post("/settings/reminders")
def save_reminders(
    request: Request, state: StateDep, form: Annotated[RemindersForm, Form()]
) -> Response:
    """Store the reminder schedule (one transaction); a bad value re-renders with its field."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        chosen = set_own_schedule(
            session=session, person_id=person.id, checkin_time=form.checkin_time,
            dose_time=form.dose_time, questionnaire_time=form.questionnaire_time,
            questionnaires=form.intervals(), paused=bool(form.paused),
        )  # fmt: skip
        return 200, chosen.to_dict()

    try:
        submit(state, form, "/settings/reminders", work)
    except MicrodoseError as exc:
        from microdose.web.platform.views import form_error

        values = form.model_dump(exclude={"csrf_token", "idempotency_key"})
        extra = {"error": form_error(exc), "reminder_values": values}
        return settings_page(request, state, extra, exc.http_status)
    return RedirectResponse("/settings?saved=reminders#reminders", status_code=303)
