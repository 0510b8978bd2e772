"""Reminder schedules: read, set (by the person, their clinician or their study's researcher),
pause, and what is due on the person's day.

A person without a stored schedule gets the defaults (:class:`~microdose.domain.reminders.
Schedule`) in the calendar feed and on the page, and no email. Who may read and set a
schedule is the policy's (:data:`~microdose.domain.roles.POLICY`, resource ``reminders``),
asked through :func:`~microdose.services.access.require_person` like every other service:

- the person themself (``own``: everything, including ``paused``);
- a clinician (or admin) whose invitation the person accepted and nobody revoked
  (``linked``);
- a researcher who owns a study the person is enrolled in (not withdrawn)
  (``in_own_study``), who may also name the person by their pseudonym in that study
  (:func:`person_in_study`).

Anyone else's request is answered ``NotFound``, as if the person did not exist. One rule is
finer than the policy's resources and stays here, a field-level rule: **only the person
pauses or resumes** — a change by anyone else keeps the pause as it is (the pause wins), and
one that tries to change ``paused`` is ``AccessDenied``. Every read or change by someone
else is audited (``reminders.read``, ``reminders.write``) in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain import reminders
from microdose.domain.errors import NotFound
from microdose.domain.reminders import Due, Schedule, format_time, make_schedule
from microdose.domain.roles import AccessDenied, Action, Resource
from microdose.services.access import require_person, require_study
from microdose.services.actor import Actor
from microdose.services.checkins import checkins
from microdose.services.plans import active_plan
from microdose.services.questionnaires import latest_by_instrument
from microdose.store.base import utcnow
from microdose.store.models import DoseRow, Person
from microdose.store.reminder_models import ReminderScheduleRow
from microdose.store.service_models import EnrolmentRow

#: audit action of a schedule change by someone other than the person
SCHEDULE_WRITE = "reminders.write"
SCHEDULE_READ = "reminders.read"


def _row(session: Session, person_id: uuid.UUID) -> ReminderScheduleRow | None:
    return session.get(ReminderScheduleRow, person_id)


def schedule_from_row(row: ReminderScheduleRow | None) -> Schedule:
    """The stored schedule, or the defaults when none is stored."""
    if row is None:
        return Schedule()
    return make_schedule(
        checkin_time=row.checkin_time,
        dose_time=row.dose_time,
        questionnaire_time=row.questionnaire_time,
        questionnaires=row.questionnaires,
        paused=row.paused,
    )


def schedule_of(*, session: Session, person_id: uuid.UUID) -> Schedule:
    """The person's schedule (the defaults when none is stored)."""
    return schedule_from_row(_row(session, person_id))


def _store(
    session: Session, person_id: uuid.UUID, schedule: Schedule, by: uuid.UUID | None
) -> ReminderScheduleRow:
    row = _row(session, person_id)
    if row is None:
        row = ReminderScheduleRow(person_id=person_id)
        session.add(row)
    row.checkin_time = format_time(schedule.checkin_time)
    row.dose_time = format_time(schedule.dose_time)
    row.questionnaire_time = format_time(schedule.questionnaire_time)
    row.questionnaires = dict(schedule.questionnaires)
    row.paused = schedule.paused
    row.updated_by, row.updated_at = by, utcnow()
    session.flush()
    return row


def set_own_schedule(
    *,
    session: Session,
    person_id: uuid.UUID,
    checkin_time: str | None,
    dose_time: str | None,
    questionnaire_time: str | None,
    questionnaires: Mapping[str, int | str],
    paused: bool,
    account_id: uuid.UUID | None = None,
) -> Schedule:
    """The person sets their own schedule (InvalidInput names a bad field)."""
    schedule = make_schedule(
        checkin_time=checkin_time, dose_time=dose_time, questionnaire_time=questionnaire_time,
        questionnaires=questionnaires, paused=paused,
    )  # fmt: skip
    _store(session, person_id, schedule, account_id)
    return schedule


def _require(session: Session, actor: Actor, person_id: uuid.UUID, action: Action) -> bool:
    """Apply the policy (audits another's; NotFound for anyone else's); True for one's own."""
    require_person(session=session, actor=actor, person_id=person_id,
                   resource=Resource.REMINDERS, action=action,
                   what=SCHEDULE_WRITE if action is Action.WRITE else SCHEDULE_READ)
    return actor.person_id is not None and actor.person_id == person_id


def person_in_study(
    *, session: Session, actor: Actor, study_id: uuid.UUID, pseudonym: str
) -> uuid.UUID:
    """The person behind ``pseudonym`` in a study the actor owns (researchers see only
    pseudonyms); ``NotFound`` for another's study, an unknown or a withdrawn pseudonym."""
    require_study(session=session, actor=actor, study_id=study_id,
                  resource=Resource.STUDY_DATA, action=Action.READ)
    found = session.scalars(select(EnrolmentRow.person_id).where(
        EnrolmentRow.study_id == study_id, EnrolmentRow.pseudonym == pseudonym,
        EnrolmentRow.withdrawn_at.is_(None))).first()
    if found is None:
        raise NotFound("pseudonym: no participant with it in this study")
    return found


def read_schedule(*, session: Session, actor: Actor, person_id: uuid.UUID) -> Schedule:
    """A person's schedule, for the person or someone who may set it (audited)."""
    _require(session, actor, person_id, Action.READ)
    return schedule_of(session=session, person_id=person_id)


def set_schedule(
    *,
    session: Session,
    actor: Actor,
    person_id: uuid.UUID,
    checkin_time: str | None,
    dose_time: str | None,
    questionnaire_time: str | None,
    questionnaires: Mapping[str, int | str],
    paused: bool | None = None,
) -> Schedule:
    """Set a person's schedule as ``actor``; only the person changes ``paused``.

    Raises
    ------
    NotFound
        The actor may not manage this person's reminders (answered as if absent).
    AccessDenied
        Someone other than the person tried to pause or resume.
    InvalidInput
        A bad time or interval, naming the field.
    """
    own = _require(session, actor, person_id, Action.WRITE)
    current = schedule_of(session=session, person_id=person_id)
    if not own and paused is not None and paused != current.paused:
        raise AccessDenied("paused: only the participant pauses or resumes their reminders")
    schedule = make_schedule(
        checkin_time=checkin_time, dose_time=dose_time, questionnaire_time=questionnaire_time,
        questionnaires=questionnaires,
        paused=current.paused if paused is None else paused,
    )  # fmt: skip
    _store(session, person_id, schedule, actor.account_id)
    return schedule


def due_today(*, session: Session, person: Person, today: date) -> Due:
    """What is due on ``today`` (the person's day): check-in, dose, questionnaires."""
    schedule = schedule_of(session=session, person_id=person.id)
    plan = active_plan(session=session, person_id=person.id)
    done = checkins(session=session, person_id=person.id, start=today, end=today)
    dosed = session.execute(
        select(DoseRow.id).where(DoseRow.person_id == person.id, DoseRow.local_date == today)
        .limit(1)
    ).first() is not None
    return reminders.due_on(
        schedule, today, checked_in=bool(done), dose_day=bool(plan and plan.is_dose_day(today)),
        dosed=dosed, last_answered=last_answered(session=session, person_id=person.id),
    )  # fmt: skip


def last_answered(*, session: Session, person_id: uuid.UUID) -> dict[str, date | None]:
    """The local day each instrument was last answered."""
    latest = latest_by_instrument(session=session, person_id=person_id)
    return {key: row.local_date for key, row in latest.items()}


def calendar_inputs(
    *, session: Session, person_id: uuid.UUID
) -> tuple[Schedule | None, dict[str, date | None]]:
    """What the calendar feed's alarms need: the stored schedule (None when the person never
    chose one: the calendar keeps its plain 20:00 check-ins) and each instrument's last day."""
    row = _row(session, person_id)
    return (None if row is None else schedule_from_row(row),
            last_answered(session=session, person_id=person_id))
