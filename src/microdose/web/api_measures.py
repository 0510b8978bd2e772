"""JSON API: questionnaires and their responses, journal entries, the crisis flow."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from microdose.domain import instruments
from microdose.domain.journal import check_entry
from microdose.services.entries import add_entry, entries
from microdose.services.people import local_today
from microdose.services.questionnaires import responses
from microdose.services.safety import submit_response
from microdose.web import crisis_gate
from microdose.web.api import FromDate, ToDate, check_range, write
from microdose.web.convert import entry_public, instrument_public, response_public
from microdose.web.deps import IdempotencyKey, PersonDep, SessionDep, StateDep, require_api_login
from microdose.web.problems import PROBLEM_RESPONSES
from microdose.web.schemas import (
    Crisis,
    EntryCreate,
    EntryPublic,
    InstrumentPublic,
    ResponseCreate,
    ResponsePublic,
)

router = APIRouter(
    prefix="/api/v1",
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(require_api_login)],
)
InstrumentKey = Literal["phq9", "gad7", "who5", "dass21"]


class CrisisState(BaseModel):
    """Whether a crisis is open; the resources while it is."""

    open: bool
    crisis: Crisis | None = None


class Acknowledged(BaseModel):
    """The result of acknowledging the crisis resources."""

    acknowledged: int


@router.get("/questionnaires", response_model=list[InstrumentPublic], tags=["questionnaires"])
def list_instruments() -> list[InstrumentPublic]:
    """The questionnaires with their items and answer labels."""
    return [instrument_public(inst) for inst in instruments.INSTRUMENTS.values()]


@router.post(
    "/questionnaires/{instrument}/responses",
    status_code=201,
    response_model=ResponsePublic,
    tags=["questionnaires"],
)
def create_response(
    instrument: InstrumentKey,
    body: ResponseCreate,
    request: Request,
    state: StateDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Answer a questionnaire: scored and stored; a crisis flag adds the ``crisis`` object."""
    inst = instruments.get_instrument(instrument)
    instruments.validate_answers(inst, body.answers)

    def work(session: Any, person: Any) -> tuple[int, dict[str, Any]]:
        outcome = submit_response(
            session=session,
            person=person,
            instrument=inst.key,
            answers=body.answers,
            day=body.date or local_today(person),
        )
        event = outcome.crisis_event
        crisis = crisis_gate.payload_for(state, person, [event]) if event else None
        return 201, response_public(outcome.row, crisis).model_dump(mode="json")

    return write(request, state, key, body.model_dump(mode="json"), work)


@router.get(
    "/questionnaires/responses", response_model=list[ResponsePublic], tags=["questionnaires"]
)
def list_responses(
    session: SessionDep,
    person: PersonDep,
    instrument: Annotated[InstrumentKey | None, Query()] = None,
    start: FromDate = None,
    end: ToDate = None,
) -> list[ResponsePublic]:
    """Stored responses in date order, optionally of one instrument and period."""
    check_range(start, end)
    rows = responses(session=session, person_id=person.id, instrument=instrument)
    return [
        response_public(r)
        for r in rows
        if (start is None or r.local_date >= start) and (end is None or r.local_date <= end)
    ]


@router.post("/journal", status_code=201, response_model=EntryPublic, tags=["journal"])
def create_entry(
    body: EntryCreate, request: Request, state: StateDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Write a journal entry: an intention, integration, or a note."""
    kind, text = check_entry(body.kind, body.text)

    def work(session: Any, person: Any) -> tuple[int, dict[str, Any]]:
        row = add_entry(
            session=session,
            person_id=person.id,
            kind=kind,
            text=text,
            day=body.date or local_today(person),
        )
        return 201, entry_public(row).model_dump(mode="json")

    return write(request, state, key, body.model_dump(mode="json"), work)


@router.get("/journal", response_model=list[EntryPublic], tags=["journal"])
def list_entries(
    session: SessionDep, person: PersonDep, start: FromDate = None, end: ToDate = None
) -> list[EntryPublic]:
    """Journal entries in date order."""
    check_range(start, end)
    rows = entries(session=session, person_id=person.id)
    return [
        entry_public(r)
        for r in rows
        if (start is None or r.local_date >= start) and (end is None or r.local_date <= end)
    ]


@router.get("/crisis", response_model=CrisisState, tags=["safety"])
def get_crisis(state: StateDep, session: SessionDep, person: PersonDep) -> CrisisState:
    """Whether a crisis flag is waiting to be acknowledged, with the resources."""
    found = crisis_gate.open_crisis(state, session, person)
    if found is None:
        return CrisisState(open=False)
    return CrisisState(open=True, crisis=Crisis.model_validate(found.payload))


@router.post("/crisis/acknowledge", response_model=Acknowledged, tags=["safety"])
def acknowledge_crisis(
    request: Request, state: StateDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Say that the crisis resources were seen."""

    def work(session: Any, person: Any) -> tuple[int, dict[str, Any]]:
        count = crisis_gate.acknowledge(session, person)
        return 200, Acknowledged(acknowledged=count).model_dump(mode="json")

    return write(request, state, key, {}, work)
