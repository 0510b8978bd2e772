"""JSON API: the day's check-in (its POST is the daily hot path) and the list of check-ins."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from microdose.domain.checkins import make_checkin
from microdose.services.checkins import checkins, record_checkin
from microdose.web.api.common import FromDate, ToDate, api_router, check_range
from microdose.web.platform.deps import (
    IdempotencyKey,
    PersonDep,
    SessionDep,
)
from microdose.web.platform.group_commit import write as write_grouped
from microdose.web.platform.idempotency import prepare, respond
from microdose.web.platform.lean_route import DeferredLoginRoute, deferred_login
from microdose.web.schemas.convert import checkin_public
from microdose.web.schemas.journal import (
    CheckinCreate,
    CheckinPublic,
)

router = api_router()


async def create_checkin(
    body: CheckinCreate, request: Request, key: IdempotencyKey = None
) -> JSONResponse:
    """Record a day's 0–10 ratings (201); a second check-in for the same day updates it (200)."""
    # async: the checks run on the event loop, the write in the app's group-commit thread
    # (web.group_commit), and the answer comes after its commit
    ratings = body.ratings()
    entry = make_checkin(
        body.date, ratings, body.side_effects, body.notes, body.guess, body.guess_confidence
    )

    def work(session: Any, person_id: Any) -> tuple[int, dict[str, Any]]:
        row, created = record_checkin(session=session, person_id=person_id, checkin=entry)
        return (201 if created else 200), checkin_public(row, created).model_dump(mode="json")

    keyed = key is not None  # without a key there is nothing to fingerprint or store
    job = prepare(
        key=key,
        method="POST",
        path=request.url.path if keyed else "",
        payload=body.model_dump(mode="json") if keyed else None,
        by_id=work,
        login=deferred_login(request),  # a bearer token is resolved in the write (lean_route)
    )
    return respond(await write_grouped(request.app, job))


# the daily hot path: FastAPI documents and guards it, a lean handler serves it, and on
# the service (PostgreSQL) its bearer token is resolved in the write's transaction (lean_route)
router.add_api_route(
    "/checkins",
    create_checkin,
    methods=["POST"],
    status_code=201,
    response_model=CheckinPublic,
    responses={200: {"model": CheckinPublic, "description": "The day's check-in was updated"}},
    tags=["check-ins"],
    route_class_override=DeferredLoginRoute,
)


@router.get("/checkins", response_model=list[CheckinPublic], tags=["check-ins"])
def list_checkins(
    session: SessionDep, person: PersonDep, start: FromDate = None, end: ToDate = None
) -> list[CheckinPublic]:
    """Check-ins in date order, optionally from one day to another (both included)."""
    check_range(start, end)
    rows = checkins(session=session, person_id=person.id, start=start, end=end)
    return [checkin_public(row) for row in rows]
