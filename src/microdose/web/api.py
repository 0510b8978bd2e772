"""JSON API under ``/api/v1``: check-ins, doses, plan and today's status.

Routes parse, call services, and present. Every POST goes through
:func:`microdose.web.idempotency.perform` (one transaction; ``Idempotency-Key`` honoured).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from microdose.domain import protocols
from microdose.domain.checkins import RATINGS, make_checkin
from microdose.domain.errors import InvalidInput, NotFound
from microdose.services import doses as dose_service
from microdose.services.checkins import checkins, record_checkin
from microdose.services.overview import status
from microdose.services.people import local_today
from microdose.services.plans import active_plan, create_plan
from microdose.services.safety import plan_safety, reminders_paused
from microdose.web import crisis_gate
from microdose.web.convert import checkin_public, dose_public, plan_public, status_public
from microdose.web.deps import IdempotencyKey, PersonDep, SessionDep, StateDep, require_api_login
from microdose.web.group_commit import write as write_grouped
from microdose.web.idempotency import Work, perform, prepare, respond
from microdose.web.lean_route import LeanJsonRoute
from microdose.web.problems import PROBLEM_RESPONSES
from microdose.web.schemas import (
    CheckinCreate,
    CheckinPublic,
    DoseCreate,
    DosePublic,
    IsoDate,
    PlanCreate,
    PlanPublic,
    StatusPublic,
)

router = APIRouter(
    prefix="/api/v1",
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(require_api_login)],
)
FromDate = Annotated[IsoDate | None, Query(alias="from", description="First day, YYYY-MM-DD")]
ToDate = Annotated[IsoDate | None, Query(alias="to", description="Last day, YYYY-MM-DD")]


def write(
    request: Request, state: StateDep, key: str | None, payload: Any, work: Work
) -> JSONResponse:
    """Run a POST's work once per ``Idempotency-Key`` and answer with its outcome."""
    return respond(
        perform(state, key=key, method="POST", path=request.url.path, payload=payload, work=work)
    )


def check_range(start: dt.date | None, end: dt.date | None) -> None:
    """``from`` must not be after ``to``."""
    if start and end and start > end:
        raise InvalidInput("from", f"{start} is after to={end}", "from <= to")


async def create_checkin(
    body: CheckinCreate, request: Request, key: IdempotencyKey = None
) -> JSONResponse:
    """Record a day's 0–10 ratings (201); a second check-in for the same day updates it (200)."""
    # async: the checks run on the event loop, the write in the app's group-commit thread
    # (web.group_commit), and the answer comes after its commit
    ratings = {name: getattr(body, name) for name in RATINGS}
    entry = make_checkin(
        body.date, ratings, body.side_effects, body.notes, body.guess, body.guess_confidence
    )

    def work(session: Any, person_id: Any) -> tuple[int, dict[str, Any]]:
        row, created = record_checkin(session=session, person_id=person_id, checkin=entry)
        return (201 if created else 200), checkin_public(row, created).model_dump(mode="json")

    keyed = key is not None  # without a key there is nothing to fingerprint or store
    job = prepare(key=key, method="POST", path=request.url.path if keyed else "",
                  payload=body.model_dump(mode="json") if keyed else None, by_id=work)
    return respond(await write_grouped(request.app, job))


# the daily hot path: FastAPI documents and guards it, a lean handler serves it (lean_route)
router.add_api_route(
    "/checkins",
    create_checkin,
    methods=["POST"],
    status_code=201,
    response_model=CheckinPublic,
    responses={200: {"model": CheckinPublic, "description": "The day's check-in was updated"}},
    tags=["check-ins"],
    route_class_override=LeanJsonRoute,
)


@router.get("/checkins", response_model=list[CheckinPublic], tags=["check-ins"])
def list_checkins(
    session: SessionDep, person: PersonDep, start: FromDate = None, end: ToDate = None
) -> list[CheckinPublic]:
    """Check-ins in date order, optionally from one day to another (both included)."""
    check_range(start, end)
    rows = checkins(session=session, person_id=person.id, start=start, end=end)
    return [checkin_public(row) for row in rows]


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


@router.get("/status", response_model=StatusPublic, tags=["today"])
def get_status(state: StateDep, session: SessionDep, person: PersonDep) -> StatusPublic:
    """Today: what is planned, what is due, the streak, latest scores, an open crisis."""
    result = status(session=session, person=person, today=local_today(person))
    crisis = crisis_gate.open_crisis(state, session, person)
    return status_public(result, crisis.payload if crisis else None)


@router.get("/plan", response_model=PlanPublic, tags=["plan"])
def get_plan(session: SessionDep, person: PersonDep) -> PlanPublic:
    """The active plan and its dose days (404 when there is none)."""
    plan = active_plan(session=session, person_id=person.id)
    if plan is None:
        raise NotFound("no plan yet: POST /api/v1/plan to make one")
    return plan_public(plan)


@router.post("/plan", status_code=201, response_model=PlanPublic, tags=["plan"])
def create_plan_route(
    body: PlanCreate, request: Request, state: StateDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Make a plan; it replaces the active one."""
    spec = protocols.PlanSpec(
        protocol=protocols.parse_protocol(body.protocol),
        start=body.start,
        weeks=body.weeks,
        weekdays=protocols.parse_weekdays(",".join(body.weekdays)) if body.weekdays else (),
        off_weeks=body.off_weeks,
        cycles=body.cycles,
    )
    protocols.validate_spec(spec)

    def work(session: Any, person: Any) -> tuple[int, dict[str, Any]]:
        plan = create_plan(session=session, person_id=person.id, spec=spec)
        checks = plan_safety(
            session=session, person=person, spec=spec, env_region=state.settings.region
        )
        public = plan_public(plan)
        public.warnings, public.reminders_paused = checks.warnings, checks.reminders_paused
        return 201, public.model_dump(mode="json")

    return write(request, state, key, body.model_dump(mode="json"), work)


@router.get(
    "/plan/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar file"}},
    tags=["plan"],
)
def plan_calendar_file(
    session: SessionDep, person: PersonDep, reminders: bool = False
) -> Response:
    """The active plan as an iCalendar file, to import or subscribe to."""
    from microdose.reports.ics import plan_calendar

    plan = active_plan(session=session, person_id=person.id)
    if plan is None:
        raise NotFound("no plan yet")
    if reminders_paused(session=session, person_id=person.id):
        plan = replace(plan, dose_days=())  # no dose reminders while a crisis is open
    body = plan_calendar(plan, tz=person.timezone, reminders=reminders)
    return Response(body, media_type="text/calendar; charset=utf-8")
