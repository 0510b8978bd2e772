"""JSON API of reminder schedules (service mode only; every route needs a login).

- ``GET /api/v1/people/{person_id}/reminders``
- ``PUT /api/v1/people/{person_id}/reminders`` ``{checkin_time, dose_time,
  questionnaire_time, questionnaires, paused}``

The person, a clinician they are linked to, or a researcher of a study they are enrolled
in may read and set the schedule (others: 404, as if the person did not exist); only the
person pauses or resumes (others: 403). Changes by others are audited by the service.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from microdose.services import reminders
from microdose.services.access import Actor
from microdose.web.api.clinician import audited_read
from microdose.web.platform.deps import ActorDep, IdempotencyKey, StateDep
from microdose.web.platform.problems import PROBLEM_RESPONSES
from microdose.web.platform.service_deps import SERVICE_API_DEPS, perform_as
from microdose.web.schemas.reminders import ReminderSchedulePublic, ReminderScheduleUpdate

router = APIRouter(
    prefix="/api/v1",
    tags=["reminders"],
    responses=PROBLEM_RESPONSES,
    dependencies=SERVICE_API_DEPS,
)


@router.get("/people/{person_id}/reminders", response_model=ReminderSchedulePublic)
def get_reminders(person_id: uuid.UUID, state: StateDep, actor: ActorDep) -> Any:
    """A person's reminder schedule (the defaults when none was set)."""
    found = audited_read(
        state, lambda s: reminders.read_schedule(session=s, actor=actor, person_id=person_id)
    )
    return ReminderSchedulePublic.model_validate(found.to_dict())


@router.put("/people/{person_id}/reminders", response_model=ReminderSchedulePublic)
def put_reminders(
    person_id: uuid.UUID,
    body: ReminderScheduleUpdate,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Set a person's reminder times, questionnaire intervals and (the person only) pause."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        chosen = reminders.set_schedule(
            session=session, actor=who, person_id=person_id,
            checkin_time=body.checkin_time, dose_time=body.dose_time,
            questionnaire_time=body.questionnaire_time, questionnaires=body.questionnaires,
            paused=body.paused,
        )  # fmt: skip
        return 200, ReminderSchedulePublic.model_validate(chosen.to_dict()).model_dump()

    payload = {"person": str(person_id), **body.model_dump(mode="json")}
    return perform_as(request, state, actor, key=key, payload=payload, work=work)
