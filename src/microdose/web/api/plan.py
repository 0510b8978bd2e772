"""JSON API: the active plan, making a plan (with its safety checks), and its calendar file."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from microdose.domain import protocols
from microdose.domain.errors import NotFound
from microdose.services.plans import active_plan, create_plan
from microdose.services.safety import plan_safety, reminders_paused
from microdose.web.api.common import api_router, write
from microdose.web.platform.deps import (
    IdempotencyKey,
    PersonDep,
    SessionDep,
    StateDep,
)
from microdose.web.schemas.convert import plan_public
from microdose.web.schemas.journal import (
    PlanCreate,
    PlanPublic,
)

router = api_router()


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
        plan = create_plan(
            session=session, person_id=person.id, spec=spec, past_confirmed=body.confirm_past
        )
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
def plan_calendar_file(session: SessionDep, person: PersonDep, reminders: bool = False) -> Response:
    """The active plan as an iCalendar file, to import or subscribe to."""
    from microdose.reports.ics import plan_calendar
    from microdose.services.reminders import calendar_inputs

    plan = active_plan(session=session, person_id=person.id)
    if plan is None:
        raise NotFound("no plan yet")
    schedule, last = calendar_inputs(session=session, person_id=person.id)
    if reminders_paused(session=session, person_id=person.id):
        plan = replace(plan, dose_days=())  # no dose reminders while a crisis is open
    body = plan_calendar(plan, tz=person.timezone, reminders=reminders, schedule=schedule,
                         last_answered=last)
    return Response(body, media_type="text/calendar; charset=utf-8")
