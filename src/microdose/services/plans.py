"""Protocol plans: store a plan (the new one replaces the active one) and read it back."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from microdose.domain import plan_history, protocols
from microdose.domain.errors import NeedsConfirmation
from microdose.domain.plan_history import PlanPeriod
from microdose.services.people import local_today
from microdose.services.safety import check_plan_allowed
from microdose.store.models import Person, PlanRow

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def spec_of(row: PlanRow) -> protocols.PlanSpec:
    """The domain spec stored in a plan row."""
    weekdays = tuple(int(d) for d in row.weekdays.split(",") if d)
    return protocols.PlanSpec(
        protocol=protocols.Protocol(row.protocol),
        start=row.start_date,
        weeks=row.weeks,
        weekdays=weekdays,
        off_weeks=row.off_weeks,
        cycles=row.cycles,
    )


def create_plan(
    *,
    session: Session,
    person_id: uuid.UUID,
    spec: protocols.PlanSpec,
    past_confirmed: bool = False,
) -> protocols.Plan:
    """Validate and store ``spec`` as the person's active plan.

    Refused (``SafetyBlock``) without a current safety screen or under a ``block``, and
    (``NeedsConfirmation``) when dose days are already behind unless ``past_confirmed``.
    """
    plan = protocols.build_plan(spec)
    check_plan_allowed(session=session, person_id=person_id)
    check_start(session=session, person_id=person_id, plan=plan, past_confirmed=past_confirmed)
    session.execute(update(PlanRow).where(PlanRow.person_id == person_id).values(active=False))
    session.add(
        PlanRow(
            person_id=person_id,
            protocol=spec.protocol.value,
            start_date=spec.start,
            weeks=spec.weeks,
            weekdays=",".join(str(d) for d in spec.weekdays),
            off_weeks=spec.off_weeks,
            cycles=spec.cycles,
            active=True,
        )
    )
    session.flush()
    return plan


def check_start(
    *, session: Session, person_id: uuid.UUID, plan: protocols.Plan, past_confirmed: bool
) -> None:
    """A plan with dose days before today needs the person's confirmation."""
    person = session.get(Person, person_id)
    if person is None or past_confirmed:
        return
    today = local_today(person)
    behind = plan_history.days_behind(plan, today)
    if behind:
        raise NeedsConfirmation(
            "start",
            f"{plan.start.isoformat()} is before today ({today.isoformat()}): "
            f"{plan_history.behind_text(behind)} and would count as missed; confirm to keep it",
            allowed="a start today or later, or a confirmed start in the past",
        )


def plan_history_of(*, session: Session, person_id: uuid.UUID) -> tuple[PlanPeriod, ...]:
    """Every plan the person has made, each with the days it governed (see ``plan_history``)."""
    person = session.get(Person, person_id)
    zone = ZoneInfo(person.timezone if person else "UTC")
    rows = session.scalars(
        select(PlanRow).where(PlanRow.person_id == person_id).order_by(PlanRow.created_at)
    ).all()
    made = [
        (protocols.build_plan(spec_of(row)), row.created_at.astimezone(zone).date())
        for row in rows
    ]
    return plan_history.periods_of(made)


def active_plan(*, session: Session, person_id: uuid.UUID) -> protocols.Plan | None:
    """The person's active plan, or None."""
    row = session.scalars(
        select(PlanRow)
        .where(PlanRow.person_id == person_id, PlanRow.active.is_(True))
        .order_by(PlanRow.created_at.desc())
        .limit(1)
    ).first()
    return protocols.build_plan(spec_of(row)) if row else None
