"""JSON API: whether a crisis is open, its resources, and acknowledging them."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from microdose.web.api.common import api_router, write
from microdose.web.platform import crisis_gate
from microdose.web.platform.deps import (
    IdempotencyKey,
    PersonDep,
    SessionDep,
    StateDep,
)
from microdose.web.schemas.journal import (
    Crisis,
)

router = api_router()


class CrisisState(BaseModel):
    """Whether a crisis is open; the resources while it is."""

    open: bool
    crisis: Crisis | None = None


class Acknowledged(BaseModel):
    """The result of acknowledging the crisis resources."""

    acknowledged: int


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
