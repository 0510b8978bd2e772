"""HTML pages: correct or delete a check-in, dose, questionnaire or journal entry, and the
history of corrections (services/corrections.py keeps each record as it was).

Deleting needs its confirmation box ticked; an error re-renders the page with the field
named. Every change is one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microdose.domain.checkins import RATINGS, SIDE_EFFECTS, make_checkin
from microdose.domain.errors import InvalidInput, MicrodoseError
from microdose.domain.journal import KINDS, MAX_LENGTH
from microdose.domain.protocols import parse_date
from microdose.services import corrections
from microdose.services.people import local_today
from microdose.services.preferences import preferences_of
from microdose.store.models import Person
from microdose.web.pages.forms import CheckinFields, FormBase, form_date, submit
from microdose.web.platform.deps import StateDep
from microdose.web.platform.guards import PAGE_GUARDS
from microdose.web.platform.idempotency import Work
from microdose.web.platform.state import WebState
from microdose.web.platform.views import error_page, form_error, render

router = APIRouter(dependencies=PAGE_GUARDS, include_in_schema=False)


class ConfirmForm(FormBase):
    """A deletion: the box must be ticked."""

    confirm: str = ""


class CheckinEditForm(CheckinFields):
    """A stored day's ratings, side effects and notes."""


class EntryEditForm(FormBase):
    """A journal entry's kind, text and day."""

    kind: str = "note"
    text: str = ""
    date: str = ""


def _confirmed(form: ConfirmForm) -> None:
    if form.confirm != "on":
        raise InvalidInput("confirm", "tick the box to delete", "ticked")


def _day(text: str) -> dt.date:
    return parse_date(text, "date")


#: re-renders a form's page with an error: (request, state, extra, status)
Again = Callable[[Request, WebState, dict[str, Any], int], HTMLResponse]


def _change(request: Request, state: WebState, form: FormBase, path: str,
            work: Work, done: str, again: Again) -> Response:
    """Do ``work`` once; on a domain error show ``again`` with the error."""
    try:
        submit(state, form, path, work)
    except MicrodoseError as exc:
        return again(request, state, {"error": form_error(exc),
                                      "values": form.model_dump()}, exc.http_status)
    return RedirectResponse(done, status_code=303)


def _checkin_page(request: Request, state: WebState, extra: dict[str, Any], code: int = 200,
                  *, day: dt.date) -> HTMLResponse:
    with state.sessions() as session:
        person = state.person(session)
        row = corrections.checkin_of(session, person.id, day)
        asked = preferences_of(person).tracked
        session.commit()
    shown = tuple(n for n in RATINGS if n in asked or getattr(row, n) is not None)
    from microdose.web.pages.journal import RATING_ANCHORS

    context = {"row": row, "shown": shown, "anchors": RATING_ANCHORS,
               "side_effects": SIDE_EFFECTS, "values": {}, **extra}
    return render(request, "journal/checkin_edit.html", context, code)


@router.get("/checkins/{day}/edit", response_class=HTMLResponse)
def edit_checkin_page(request: Request, state: StateDep, day: str) -> HTMLResponse:
    """Correct or delete a stored day's check-in."""
    return _checkin_page(request, state, {}, day=_day(day))


@router.post("/checkins/{day}/edit")
def edit_checkin(request: Request, state: StateDep, day: str,
                 form: Annotated[CheckinEditForm, Form()]) -> Response:
    """Store the corrected ratings, side effects and notes (the earlier ones are kept)."""
    when = _day(day)

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        row = corrections.checkin_of(session, person.id, when)
        asked = preferences_of(person).tracked
        ratings = form.typed_ratings()
        required = tuple(n for n in RATINGS if n in asked or getattr(row, n) is not None)
        entry = make_checkin(when, ratings, form.side_effects, form.notes or None,
                             tracked=required)
        corrections.correct_checkin(session=session, person_id=person.id, checkin=entry,
                                    today=local_today(person))
        return 200, {"date": when.isoformat()}

    def again(req: Request, st: WebState, extra: dict[str, Any], code: int) -> HTMLResponse:
        return _checkin_page(req, st, extra, code, day=when)

    return _change(request, state, form, f"/checkins/{when}/edit", work,
                   "/checkins?saved=corrected", again)


@router.post("/checkins/{day}/delete")
def delete_checkin(request: Request, state: StateDep, day: str,
                   form: Annotated[ConfirmForm, Form()]) -> Response:
    """Delete a day's check-in (kept in the history)."""
    when = _day(day)

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        _confirmed(form)
        corrections.delete_checkin(session=session, person_id=person.id, day=when)
        return 200, {"date": when.isoformat()}

    def again(req: Request, st: WebState, extra: dict[str, Any], code: int) -> HTMLResponse:
        return _checkin_page(req, st, extra, code, day=when)

    return _change(request, state, form, f"/checkins/{when}/delete", work,
                   "/checkins?saved=deleted", again)


def _entry_page(request: Request, state: WebState, extra: dict[str, Any], code: int = 200,
                *, entry_id: uuid.UUID) -> HTMLResponse:
    with state.sessions() as session:
        person = state.person(session)
        row = corrections.entry_of(session, person.id, entry_id)
        session.commit()
    context = {"row": row, "kinds": KINDS, "max_length": MAX_LENGTH, "values": {}, **extra}
    return render(request, "journal/entry_edit.html", context, code)


@router.get("/journal/{entry_id}/edit", response_class=HTMLResponse)
def edit_entry_page(request: Request, state: StateDep, entry_id: uuid.UUID) -> HTMLResponse:
    """Correct or delete a journal entry."""
    return _entry_page(request, state, {}, entry_id=entry_id)


@router.post("/journal/{entry_id}/edit")
def edit_entry(request: Request, state: StateDep, entry_id: uuid.UUID,
               form: Annotated[EntryEditForm, Form()]) -> Response:
    """Store the corrected entry (the earlier version is kept)."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        corrections.correct_entry(session=session, person_id=person.id, entry_id=entry_id,
                                  kind=form.kind, text=form.text,
                                  day=form_date(form.date, person))
        return 200, {"id": str(entry_id)}

    def again(req: Request, st: WebState, extra: dict[str, Any], code: int) -> HTMLResponse:
        return _entry_page(req, st, extra, code, entry_id=entry_id)

    return _change(request, state, form, f"/journal/{entry_id}/edit", work,
                   "/journal?saved=corrected", again)


def _delete(request: Request, state: WebState, form: ConfirmForm,
            remove: Callable[[Session, uuid.UUID], None], done: str) -> Response:
    """Delete one record after the confirmation; a refusal answers an error page."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        _confirmed(form)
        remove(session, person.id)
        return 200, {}

    try:
        submit(state, form, request.url.path, work)
    except MicrodoseError as exc:
        return error_page(request, exc.http_status, exc.message)
    return RedirectResponse(f"{done}?saved=deleted", status_code=303)


@router.post("/doses/{dose_id}/delete")
def delete_dose(request: Request, state: StateDep, dose_id: uuid.UUID,
                form: Annotated[ConfirmForm, Form()]) -> Response:
    """Delete a dose (kept in the history); a trial envelope's is refused."""
    return _delete(request, state, form, lambda session, pid: corrections.delete_dose(
        session=session, person_id=pid, dose_id=dose_id), "/doses")


@router.post("/journal/{entry_id}/delete")
def delete_entry(request: Request, state: StateDep, entry_id: uuid.UUID,
                 form: Annotated[ConfirmForm, Form()]) -> Response:
    """Delete a journal entry (the history keeps its day and kind, not its text)."""
    return _delete(request, state, form, lambda session, pid: corrections.delete_entry(
        session=session, person_id=pid, entry_id=entry_id), "/journal")


@router.post("/questionnaires/responses/{response_id}/delete")
def delete_response(request: Request, state: StateDep, response_id: uuid.UUID,
                    form: Annotated[ConfirmForm, Form()]) -> Response:
    """Delete a questionnaire response (kept in the history; crisis flags stay)."""
    return _delete(request, state, form, lambda session, pid: corrections.delete_response(
        session=session, person_id=pid, response_id=response_id), "/questionnaires")


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, state: StateDep) -> HTMLResponse:
    """Every correction and deletion, newest first, with the record as it was."""
    with state.sessions() as session:
        person = state.person(session)
        rows = corrections.corrections(session=session, person_id=person.id)
        session.commit()
    return render(request, "journal/history.html", {"rows": rows})
