"""JSON API of reminder schedules (service mode only; every route needs a login).

- ``GET /api/v1/people/{person_id}/reminders``
- ``PUT /api/v1/people/{person_id}/reminders`` ``{checkin_time, dose_time,
  questionnaire_time, questionnaires, paused}``
- ``GET``/``PUT /api/v1/studies/{study_id}/participants/{pseudonym}/reminders``: the same
  for a study's researcher, who knows participants by pseudonym only

The person, a clinician they are linked to, or a researcher of a study they are enrolled
in may read and set the schedule (others: 404, as if the person did not exist); only the
person pauses or resumes (others: 403). Changes by others are audited by the service.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
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
        return _set(session, who, person_id, body)

    payload = {"person": str(person_id), **body.model_dump(mode="json")}
    return perform_as(request, state, actor, key=key, payload=payload, work=work)


def _set(session: Session, who: Actor, person_id: uuid.UUID,
         body: ReminderScheduleUpdate) -> tuple[int, dict[str, Any]]:
    chosen = reminders.set_schedule(
        session=session, actor=who, person_id=person_id,
        checkin_time=body.checkin_time, dose_time=body.dose_time,
        questionnaire_time=body.questionnaire_time, questionnaires=body.questionnaires,
        paused=body.paused,
    )  # fmt: skip
    return 200, ReminderSchedulePublic.model_validate(chosen.to_dict()).model_dump()


STUDY_PATH = "/studies/{study_id}/participants/{pseudonym}/reminders"
Pseudonym = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$")]


@router.get(STUDY_PATH, response_model=ReminderSchedulePublic)
def get_study_reminders(study_id: uuid.UUID, pseudonym: Pseudonym, state: StateDep,
                        actor: ActorDep) -> Any:
    """A study participant's reminder schedule, for the study's researcher (audited)."""

    def read(session: Session) -> Any:
        person = reminders.person_in_study(session=session, actor=actor, study_id=study_id,
                                           pseudonym=pseudonym)
        return reminders.read_schedule(session=session, actor=actor, person_id=person)

    return ReminderSchedulePublic.model_validate(audited_read(state, read).to_dict())


@router.put(STUDY_PATH, response_model=ReminderSchedulePublic)
def put_study_reminders(
    study_id: uuid.UUID,
    pseudonym: Pseudonym,
    body: ReminderScheduleUpdate,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Set a study participant's reminder times and intervals (the pause stays theirs)."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        person = reminders.person_in_study(session=session, actor=who, study_id=study_id,
                                           pseudonym=pseudonym)
        return _set(session, who, person, body)

    payload = {"study": str(study_id), "pseudonym": pseudonym, **body.model_dump(mode="json")}
    return perform_as(request, state, actor, key=key, payload=payload, work=work)
