"""JSON API: today's status (what is planned and due, the streak, latest scores, a crisis)."""

from __future__ import annotations

from microdose.services.overview import status
from microdose.services.people import local_today
from microdose.web.api.common import api_router
from microdose.web.platform import crisis_gate
from microdose.web.platform.deps import (
    PersonDep,
    SessionDep,
    StateDep,
)
from microdose.web.schemas.convert import status_public
from microdose.web.schemas.journal import (
    StatusPublic,
)

router = api_router()


@router.get("/status", response_model=StatusPublic, tags=["today"])
def get_status(state: StateDep, session: SessionDep, person: PersonDep) -> StatusPublic:
    """Today: what is planned, what is due, the streak, latest scores, an open crisis."""
    result = status(session=session, person=person, today=local_today(person))
    crisis = crisis_gate.open_crisis(state, session, person)
    return status_public(result, crisis.payload if crisis else None)
