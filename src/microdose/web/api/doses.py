"""JSON API: recording doses (estimated as a range, with their warnings) and listing them."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from microdose.domain.errors import InvalidInput
from microdose.services import doses as dose_service
from microdose.web.api.common import FromDate, ToDate, api_router, check_range, write
from microdose.web.platform.deps import (
    IdempotencyKey,
    PersonDep,
    SessionDep,
    StateDep,
)
from microdose.web.schemas.convert import dose_public
from microdose.web.schemas.journal import (
    DoseCreate,
    DosePublic,
)

router = api_router()


@router.post("/doses", status_code=201, response_model=DosePublic, tags=["doses"])
def create_dose(
    body: DoseCreate, request: Request, state: StateDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Record a dose: the psilocybin estimate is a range; warnings are stored with it."""
    if body.date and body.at:
        raise InvalidInput("date", "give date or at, not both", "one of date, at")
    create = dose_service.DoseCreate(
        material=body.material.value if body.material else None,
        grams=body.grams,
        mg=body.mg,
        day=body.date,
        at=body.at,
        notes=body.notes,
        envelope_code=body.envelope_code,
    )

    def work(session: Any, person: Any) -> tuple[int, dict[str, Any]]:
        row = dose_service.record_dose(session=session, person=person, dose=create)
        return 201, dose_public(row).model_dump(mode="json")

    return write(request, state, key, body.model_dump(mode="json"), work)


@router.get("/doses", response_model=list[DosePublic], tags=["doses"])
def list_doses(
    session: SessionDep, person: PersonDep, start: FromDate = None, end: ToDate = None
) -> list[DosePublic]:
    """Doses in time order, optionally from one day to another."""
    check_range(start, end)
    rows = dose_service.doses(session=session, person_id=person.id)
    return [
        dose_public(r)
        for r in rows
        if (start is None or r.local_date >= start) and (end is None or r.local_date <= end)
    ]
