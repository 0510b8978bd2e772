"""JSON API: journal entries (free text with a kind), written and listed."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from microdose.domain.journal import check_entry
from microdose.services.entries import add_entry, entries
from microdose.services.people import local_today
from microdose.web.api.common import FromDate, ToDate, api_router, check_range, write
from microdose.web.platform.deps import (
    IdempotencyKey,
    PersonDep,
    SessionDep,
    StateDep,
)
from microdose.web.schemas.convert import entry_public
from microdose.web.schemas.journal import (
    EntryCreate,
    EntryPublic,
)

router = api_router()


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
