"""Dose events: estimate, check against the plan, warn, and store in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain import dosing
from microdose.domain.bounds import check_date
from microdose.domain.errors import InvalidInput
from microdose.domain.protocols import Plan
from microdose.domain.tolerance import planned_weekly_maximum, tolerance_warnings
from microdose.services.plans import active_plan
from microdose.services.safety import check_dose_allowed
from microdose.store.base import utcnow
from microdose.store.models import DoseRow, Person


@dataclass(frozen=True)
class DoseCreate:
    """What the person took; ``at`` is the time, ``day`` a past day (09:00 local) or today (now)."""

    material: str | None = None
    grams: float | str | None = None
    mg: float | str | None = None
    day: date | None = None
    at: datetime | None = None
    notes: str | None = None
    envelope_code: str | None = None


def taken_at(person: Person, dose: DoseCreate) -> datetime:
    """The dose time in UTC: the given time, the given day at 09:00 local, or now."""
    zone = ZoneInfo(person.timezone)
    if dose.at is not None:  # the window first: zone arithmetic overflows at year 1 and 9999
        given = check_date("at", dose.at)
        moment = given if given.tzinfo else given.replace(tzinfo=zone)
    elif dose.day is not None and dose.day != utcnow().astimezone(zone).date():
        moment = datetime.combine(dose.day, datetime.min.time(), zone).replace(hour=9)
    else:
        moment = utcnow()
    if moment > utcnow() + timedelta(minutes=5):
        field = "at" if dose.at is not None else "date"
        raise InvalidInput(field, "a dose cannot be in the future", allowed="today or earlier")
    return moment.astimezone(UTC)


def _dose_days(session: Session, person_id: uuid.UUID) -> list[date]:
    rows = session.scalars(select(DoseRow.local_date).where(DoseRow.person_id == person_id))
    return list(rows)


def dose_warnings(
    *,
    estimate: dosing.DoseEstimate | None,
    day: date,
    plan: Plan | None,
    taken: Collection[date],
) -> list[str]:
    """Warnings stored with a dose: unplanned day, consecutive days, amount above range,
    more doses in a week than the protocol plans, 12 weeks or more without a break.

    ``taken`` holds the local days of the doses already recorded (a day twice for two doses).
    """
    warnings: list[str] = []
    if plan is None:
        warnings.append("no plan: this dose is not part of a planned protocol")
    elif not plan.is_dose_day(day):
        warnings.append(f"unplanned day: {day.isoformat()} is not a dose day of the plan")
    if (day - timedelta(days=1)) in taken or (day + timedelta(days=1)) in taken:
        warnings.append("consecutive dose days: tolerance builds from one day to the next")
    if day in taken:
        warnings.append("second dose on the same day")
    if estimate is not None and estimate.classification != "microdose":
        warnings.append(
            f"above the microdose range: about {estimate.psilocybin_mg_low:.1f}–"
            f"{estimate.psilocybin_mg_high:.1f} mg psilocybin ({estimate.classification})"
        )
    weekly = planned_weekly_maximum(plan.spec) if plan is not None else None
    warnings += tolerance_warnings(day, list(taken), weekly)
    return warnings


def _estimate(dose: DoseCreate) -> dosing.DoseEstimate | None:
    if dose.material is None:
        if dose.envelope_code is None:
            raise InvalidInput("material", "is required", allowed=", ".join(dosing.Material))
        return None
    return dosing.estimate(dose.material, dose.grams, mg=dose.mg)


def _with_envelope(session: Session, person: Person, dose: DoseCreate) -> DoseCreate:
    """Check a blinded envelope (running trial, not used twice); its content stays unknown."""
    from dataclasses import replace

    from microdose.services.trials import check_envelope

    if dose.material is not None or dose.grams is not None or dose.mg is not None:
        raise InvalidInput(
            "envelope", "an envelope dose has no material", "the envelope code alone"
        )
    code = check_envelope(session=session, person_id=person.id, code=dose.envelope_code or "")
    return replace(dose, envelope_code=code)


def record_dose(*, session: Session, person: Person, dose: DoseCreate) -> DoseRow:
    """Validate, estimate and store a dose with its warnings.

    Refused (``SafetyBlock``) under an unacknowledged crisis, without a current safety
    screen, or under a ``block``, whatever the day, time, material or envelope.
    """
    if dose.envelope_code is not None:
        dose = _with_envelope(session, person, dose)
    estimate = _estimate(dose)
    moment = taken_at(person, dose)
    check_dose_allowed(session=session, person=person)
    day = moment.astimezone(ZoneInfo(person.timezone)).date()
    plan = active_plan(session=session, person_id=person.id)
    warnings = dose_warnings(
        estimate=estimate, day=day, plan=plan, taken=_dose_days(session, person.id)
    )
    row = DoseRow(
        person_id=person.id,
        taken_at=moment,
        local_date=day,
        timezone=person.timezone,
        material=estimate.material.value if estimate else None,
        grams=estimate.grams if estimate else None,
        mg_low=estimate.psilocybin_mg_low if estimate else None,
        mg_typical=estimate.psilocybin_mg_typical if estimate else None,
        mg_high=estimate.psilocybin_mg_high if estimate else None,
        classification=estimate.classification if estimate else None,
        envelope_code=dose.envelope_code,
        notes=dose.notes or None,
        warnings=warnings,
    )
    session.add(row)
    session.flush()
    return row


def doses(*, session: Session, person_id: uuid.UUID) -> list[DoseRow]:
    """All doses in time order."""
    query = select(DoseRow).where(DoseRow.person_id == person_id).order_by(DoseRow.taken_at)
    return list(session.scalars(query))
