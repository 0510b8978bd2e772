"""Safety use cases: store screens and enforce them, the crisis flow, alerts, region setting.

``plan`` and ``dose`` call :func:`check_plan_allowed` and :func:`check_dose_allowed`, which
raise ``SafetyBlock`` (CLI exit code 3, HTTP 403) with the reasons: no screen yet, a
``block`` verdict, a re-screen due, or (for doses) a crisis not yet acknowledged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain import safety, screen_merge, tolerance
from microdose.domain.errors import InvalidInput, SafetyBlock
from microdose.domain.protocols import Plan, PlanSpec
from microdose.services import crisis
from microdose.services.questionnaires import record_response, responses
from microdose.store.base import utcnow
from microdose.store.models import Person, ResponseRow
from microdose.store.safety_models import (
    AlertRow,
    CrisisEventRow,
    MedicationChangeRow,
    ScreenRow,
)

ALERT_CRISIS = "crisis"
ALERT_ADVERSE = "adverse_event"
REGION_AUTO = "auto"


@dataclass(frozen=True)
class ScreenOutcome:
    """A stored screen, what changed since the previous one, and any crisis it opened."""

    row: ScreenRow
    result: safety.ScreenResult
    changes: dict[str, list[str]] | None
    crisis_event: CrisisEventRow | None
    previous_screened_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"verdict", "reasons", …, "next_screen_due", "screen_changes"}``."""
        return {
            **self.result.to_dict(),
            "id": str(self.row.id),
            "screened_at": self.row.screened_at.isoformat(),
            "next_screen_due": safety.rescreen_due(self.row.screened_at).date().isoformat(),
            "medication_changes": self.changes,
            "screen_changes": screen_changes(self.row, self.previous_screened_at),
        }


def screen_changes(row: ScreenRow, previous_at: datetime | None) -> dict[str, Any] | None:
    """What a stored screen added, removed and kept against the one before (None: first)."""
    if row.changes is None:
        return None
    return {"previous_screened_at": previous_at.isoformat() if previous_at else None,
            **row.changes}


def latest_screen(*, session: Session, person_id: uuid.UUID) -> ScreenRow | None:
    """The person's most recent screen, or None."""
    query = (
        select(ScreenRow)
        .where(ScreenRow.person_id == person_id)
        .order_by(ScreenRow.screened_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _merged(
    previous: ScreenRow | None, declared: Sequence[str], medications: Sequence[str],
    removals: tuple[Sequence[str], Sequence[str]], fields: tuple[str, str],
) -> screen_merge.ScreenMerge:
    return screen_merge.merge_screen(
        list(previous.conditions) if previous else [],
        list(previous.medications) if previous else [],
        declared,
        medications,
        remove_conditions=removals[0],
        remove_medications=removals[1],
        fields=fields,
    )


def record_screen(
    *,
    session: Session,
    person: Person,
    conditions: Sequence[str] = (),
    medications: Sequence[str] = (),
    pregnant: bool = False,
    breastfeeding: bool = False,
    removals: tuple[Sequence[str], Sequence[str]] = ((), ()),
    removal_fields: tuple[str, str] = ("remove_condition", "remove_medication"),
    now: datetime | None = None,
) -> ScreenOutcome:
    """Screen and store the result; a crisis item opens the crisis flow in the same write.

    A block of the previous screen that this one leaves out is kept
    (``domain.screen_merge``): only ``removals`` (conditions, medications) take it away, and
    the stored ``changes`` say what was added, removed (and confirmed) and kept.
    ``removal_fields`` names the two removal fields in the caller's words for its errors.
    """
    previous = latest_screen(session=session, person_id=person.id)
    declared = [*conditions, *["pregnancy"] * pregnant, *["breastfeeding"] * breastfeeding]
    merged = _merged(previous, declared, medications, removals, removal_fields)
    result = safety.screen(merged.conditions, merged.medications)
    row = ScreenRow(
        person_id=person.id,
        screened_at=now or utcnow(),
        conditions=list(result.conditions),
        medications=list(result.medications),
        generics=list(result.generics),
        verdict=result.verdict,
        reasons=[reason.to_dict() for reason in result.reasons],
        changes=merged.changes() if previous else None,
    )
    session.add(row)
    session.flush()
    changes = safety.medication_changes(previous.generics, result.generics) if previous else None
    previous_at = previous.screened_at if previous else None
    return ScreenOutcome(row, result, changes, _screen_crisis(session, person, row, result),
                         previous_at)


def _screen_crisis(
    session: Session, person: Person, row: ScreenRow, result: safety.ScreenResult
) -> CrisisEventRow | None:
    if not result.crisis:
        return None
    return open_crisis(
        session=session,
        person=person,
        triggers=(safety.TRIGGER_SCREEN,),
        source="screen",
        source_id=row.id,
        answers_date=row.screened_at.astimezone(ZoneInfo(person.timezone)).date(),
    )


def record_medication_change(
    *, session: Session, person_id: uuid.UUID, note: str | None = None, now: datetime | None = None
) -> MedicationChangeRow:
    """Record that medications changed: a new screen is due before the next plan or dose."""
    text = " ".join(note.split()) if note else None
    if text and len(text) > 500:
        raise InvalidInput("note", "is longer than 500 characters")
    row = MedicationChangeRow(person_id=person_id, changed_at=now or utcnow(), note=text or None)
    session.add(row)
    session.flush()
    return row


def _last_medication_change(session: Session, person_id: uuid.UUID) -> datetime | None:
    query = (
        select(MedicationChangeRow.changed_at)
        .where(MedicationChangeRow.person_id == person_id)
        .order_by(MedicationChangeRow.changed_at.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def rescreen_reason(
    *, session: Session, person_id: uuid.UUID, now: datetime | None = None
) -> str | None:
    """Why a screen is due now (none yet, 4 weeks old, medications changed), or None."""
    row = latest_screen(session=session, person_id=person_id)
    if row is None:
        return "no safety screen yet"
    changed = _last_medication_change(session, person_id)
    return safety.rescreen_reason(row.screened_at, now or utcnow(), changed)


def _blocking_reasons(row: ScreenRow) -> list[str]:
    return [
        f"{r['item']}: {r['why']} [{r['source']}]"
        for r in row.reasons
        if r["severity"] == safety.BLOCK
    ]


def require_current_screen(
    *, session: Session, person_id: uuid.UUID, action: str, now: datetime | None = None
) -> ScreenRow:
    """The current screen; ``SafetyBlock`` when there is none, it blocks, or one is due."""
    row = latest_screen(session=session, person_id=person_id)
    if row is None:
        raise SafetyBlock(
            f"{action} refused: no safety screen yet — answer the safety screen (your "
            "conditions and medications) first",
            ["no safety screen"],
            next_step="safety-screen",
        )
    if row.verdict == safety.BLOCK:
        reasons = _blocking_reasons(row)
        raise SafetyBlock(
            f"{action} refused: your safety screen of {row.screened_at.date().isoformat()} "
            "says block: " + "; ".join(reasons),
            reasons,
        )
    due = safety.rescreen_reason(
        row.screened_at, now or utcnow(), _last_medication_change(session, person_id)
    )
    if due is not None:
        raise SafetyBlock(
            f"{action} refused: a new safety screen is due ({due}) — answer the safety "
            "screen again with your current conditions and medications",
            [due],
            next_step="safety-screen",
        )
    return row


def flag_date(event: CrisisEventRow) -> date:
    """The date a crisis flag carries: its answers' date, else the day it was recorded."""
    return event.answers_date or event.triggered_at.date()


def open_crises(*, session: Session, person_id: uuid.UUID) -> list[CrisisEventRow]:
    """Crisis events not yet acknowledged, oldest first."""
    query = (
        select(CrisisEventRow)
        .where(CrisisEventRow.person_id == person_id, CrisisEventRow.acknowledged_at.is_(None))
        .order_by(CrisisEventRow.triggered_at)
    )
    return list(session.scalars(query))


def reminders_paused(*, session: Session, person_id: uuid.UUID) -> bool:
    """Whether dose reminders (ICS, web) are paused: a crisis is not yet acknowledged."""
    return bool(open_crises(session=session, person_id=person_id))


def person_region(person: Person, env_region: str | None = None) -> str:
    """The crisis-resource region: journal setting, ``MICRODOSE_REGION``, locale, INTL."""
    return crisis.resolve_region(person.region, env_region)


def check_dose_allowed(
    *, session: Session, person: Person, now: datetime | None = None
) -> ScreenRow:
    """Refuse a dose under an unacknowledged crisis, without a current screen, or a block."""
    events = open_crises(session=session, person_id=person.id)
    if events:
        since = min(flag_date(e) for e in events).isoformat()
        help_now = crisis.resources_line(person_region(person))
        raise SafetyBlock(
            f"dose refused: a crisis flag from {since} is not acknowledged. Help now — "
            f"{help_now}. Once you have seen these, acknowledge them.",
            ["unacknowledged crisis"],
            next_step="crisis-ack",
        )
    return require_current_screen(session=session, person_id=person.id, action="dose", now=now)


def check_plan_allowed(
    *, session: Session, person_id: uuid.UUID, now: datetime | None = None
) -> ScreenRow:
    """Refuse a plan without a current screen or under a block."""
    return require_current_screen(session=session, person_id=person_id, action="plan", now=now)


def record_alert(
    *, session: Session, person_id: uuid.UUID, kind: str, message: str, source_id: uuid.UUID
) -> AlertRow:
    """Store an alert for the person's clinician (and the person's own view)."""
    row = AlertRow(person_id=person_id, kind=kind, message=message, source_id=source_id)
    session.add(row)
    session.flush()
    return row


def alerts(
    *, session: Session, person_id: uuid.UUID, unseen_only: bool = False
) -> list[AlertRow]:
    """Alerts, newest first."""
    query = select(AlertRow).where(AlertRow.person_id == person_id)
    if unseen_only:
        query = query.where(AlertRow.seen_at.is_(None))
    return list(session.scalars(query.order_by(AlertRow.created_at.desc())))


def open_crisis(
    *,
    session: Session,
    person: Person,
    triggers: Sequence[str],
    source: str,
    source_id: uuid.UUID | None = None,
    answers_date: date | None = None,
) -> CrisisEventRow:
    """Record a crisis event (dose refused until acknowledged) and its alert.

    ``answers_date`` is the date of the answers behind the flag (a questionnaire's own
    date), which the flag carries; the row's ``triggered_at`` is when it was recorded.
    """
    event = CrisisEventRow(
        person_id=person.id,
        triggered_at=utcnow(),
        answers_date=answers_date,
        triggers=list(triggers),
        source=source,
        source_id=source_id,
        region=person_region(person),
    )
    session.add(event)
    session.flush()
    described = "; ".join(safety.CRISIS_TRIGGERS[t][0] for t in triggers)
    record_alert(
        session=session,
        person_id=person.id,
        kind=ALERT_CRISIS,
        message=f"crisis flag ({source}, answers of {flag_date(event).isoformat()}): "
        f"{described}",
        source_id=event.id,
    )
    return event


def phq9_baseline(
    *, session: Session, person_id: uuid.UUID, current: ResponseRow | None = None
) -> int | None:
    """Total of the person's first PHQ-9, unless ``current`` is that first one."""
    history = responses(session=session, person_id=person_id, instrument="phq9")
    if not history or (current is not None and history[0].id == current.id):
        return None
    return history[0].total


def crisis_for_response(
    *, session: Session, person: Person, response: ResponseRow
) -> CrisisEventRow | None:
    """Open the crisis flow when a stored response raises a trigger; None otherwise."""
    baseline = (
        phq9_baseline(session=session, person_id=person.id, current=response)
        if response.instrument == "phq9"
        else None
    )
    triggers = safety.crisis_triggers(
        response.instrument, response.flags, response.total, baseline
    )
    if not triggers:
        return None
    return open_crisis(
        session=session,
        person=person,
        triggers=triggers,
        source=response.instrument,
        source_id=response.id,
        answers_date=response.local_date,
    )


@dataclass(frozen=True)
class ResponseOutcome:
    """A stored questionnaire response and the crisis event it opened, if any."""

    row: ResponseRow
    crisis_event: CrisisEventRow | None


def submit_response(
    *,
    session: Session,
    person: Person,
    instrument: str,
    answers: Sequence[int | None],
    day: date,
) -> ResponseOutcome:
    """Score and store a response, opening the crisis flow when it raises a trigger.

    Every interface that stores a questionnaire (CLI ``answer``, web, API) calls this.
    """
    row = record_response(
        session=session, person_id=person.id, instrument=instrument, answers=answers, day=day
    )
    return ResponseOutcome(row, crisis_for_response(session=session, person=person, response=row))


def crisis_payload_for(
    person: Person, events: Sequence[CrisisEventRow], env_region: str | None = None
) -> dict[str, Any]:
    """The ``"crisis"`` JSON object for open events (resources of the person's region)."""
    triggers = list(dict.fromkeys(t for event in events for t in event.triggers))
    payload = crisis.crisis_payload(
        person_region(person, env_region),
        message=safety.crisis_message(triggers),
        triggers=triggers,
    )
    payload["open_since"] = events[0].triggered_at.isoformat() if events else None
    payload["answers_date"] = (
        min(flag_date(e) for e in events).isoformat() if events else None
    )
    return payload


def open_crisis_payload(
    *, session: Session, person: Person, env_region: str | None = None
) -> dict[str, Any] | None:
    """The ``"crisis"`` object while a crisis is open (every screen shows it), else None."""
    events = open_crises(session=session, person_id=person.id)
    return crisis_payload_for(person, events, env_region) if events else None


def acknowledge_crises(
    *, session: Session, person_id: uuid.UUID, now: datetime | None = None
) -> list[CrisisEventRow]:
    """Acknowledge every open crisis event; dose reminders and doses resume."""
    events = open_crises(session=session, person_id=person_id)
    moment = now or utcnow()
    for event in events:
        event.acknowledged_at = moment
    session.flush()
    return events


def set_region(*, session: Session, person: Person, region: str) -> str | None:
    """Set the journal's crisis-resource region (``auto`` clears it); returns what is stored."""
    if region.strip().lower() == REGION_AUTO:
        person.region = None
    else:
        code = crisis.canonical_region(region)
        if code is None:
            allowed = ", ".join([*crisis.known_regions(), REGION_AUTO])
            raise InvalidInput("region", f"{region!r} has no crisis resources", allowed)
        person.region = code
    session.flush()
    return person.region


@dataclass(frozen=True)
class PlanSafety:
    """What the safety layer adds to a new plan: the screen, warnings, paused reminders."""

    screen: ScreenRow
    warnings: list[str]
    crisis: dict[str, Any] | None

    @property
    def reminders_paused(self) -> bool:
        """Dose reminders are paused while a crisis is not acknowledged."""
        return self.crisis is not None

    def for_calendar(self, plan: Plan) -> Plan:
        """The plan to put in a calendar: without dose days while reminders are paused."""
        return replace(plan, dose_days=()) if self.reminders_paused else plan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"screen", "warnings", "reminders_paused"[, "crisis"]}``."""
        data: dict[str, Any] = {
            "screen": {
                "verdict": self.screen.verdict,
                "screened_at": self.screen.screened_at.isoformat(),
                "next_screen_due": safety.rescreen_due(self.screen.screened_at)
                .date()
                .isoformat(),
                "reasons": self.screen.reasons,
            },
            "warnings": self.warnings,
            "reminders_paused": self.reminders_paused,
        }
        if self.crisis is not None:
            data["crisis"] = self.crisis
        return data


def plan_safety(
    *, session: Session, person: Person, spec: PlanSpec, env_region: str | None = None
) -> PlanSafety:
    """The safety side of a plan the person has just made (after ``create_plan``)."""
    screen_row = check_plan_allowed(session=session, person_id=person.id)
    payload = open_crisis_payload(session=session, person=person, env_region=env_region)
    return PlanSafety(screen_row, tolerance.plan_warnings(spec), payload)
