"""JSON API: the questionnaires with their items, answering one, and the scored responses.

An answer that raises a crisis flag (PHQ-9 item 9, see :mod:`microdose.domain.safety`) comes back
with the crisis resources.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from microdose.domain import instruments
from microdose.services.people import local_today
from microdose.services.questionnaires import responses
from microdose.services.safety import submit_response
from microdose.web.api.common import FromDate, ToDate, api_router, check_range, write
from microdose.web.platform import crisis_gate
from microdose.web.platform.deps import (
    IdempotencyKey,
    PersonDep,
    SessionDep,
    StateDep,
)
from microdose.web.schemas.convert import instrument_public, response_public
from microdose.web.schemas.journal import (
    InstrumentPublic,
    ResponseCreate,
    ResponsePublic,
)

router = api_router()


InstrumentKey = Literal["phq9", "gad7", "who5", "dass21"]


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
