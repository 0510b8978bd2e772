"""Stored rows and service results → the API's ``…Public`` models (no queries here)."""

from __future__ import annotations

from typing import Any

from microdose.domain.instruments import CRISIS_FLAGS, Instrument
from microdose.domain.protocols import Plan
from microdose.services.checkins import StoredCheckin
from microdose.services.overview import Status
from microdose.store.models import CheckinRow, DoseRow, JournalRow, ResponseRow
from microdose.web.schemas.journal import (
    CheckinPublic,
    Crisis,
    DosePublic,
    EntryPublic,
    InstrumentPublic,
    PlanPublic,
    ResponsePublic,
    StatusPublic,
)


def checkin_public(row: CheckinRow | StoredCheckin, created: bool = False) -> CheckinPublic:
    """A check-in row as the API shows it."""
    return CheckinPublic(
        id=row.id,
        date=row.local_date,
        mood=row.mood,
        anxiety=row.anxiety,
        energy=row.energy,
        focus=row.focus,
        sleep=row.sleep,
        connectedness=row.connectedness,
        side_effects=list(row.side_effects),
        notes=row.notes,
        guess=row.guess,
        guess_confidence=row.guess_confidence,
        created=created,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def dose_public(row: DoseRow) -> DosePublic:
    """A dose row as the API shows it."""
    return DosePublic(
        id=row.id,
        date=row.local_date,
        taken_at=row.taken_at,
        timezone=row.timezone,
        material=row.material,
        grams=row.grams,
        mg_low=row.mg_low,
        mg_typical=row.mg_typical,
        mg_high=row.mg_high,
        classification=row.classification,
        envelope_code=row.envelope_code,
        notes=row.notes,
        warnings=list(row.warnings),
    )


def response_public(row: ResponseRow, crisis: dict[str, Any] | None = None) -> ResponsePublic:
    """A questionnaire response, with the crisis object when it raised a crisis flag."""
    return ResponsePublic(
        id=row.id,
        instrument=row.instrument,
        date=row.local_date,
        answers=list(row.answers),
        total=row.total,
        severity=row.severity,
        flags=list(row.flags),
        score=dict(row.score),
        crisis=Crisis.model_validate(crisis) if crisis else None,
    )


def has_crisis_flag(flags: list[str]) -> bool:
    """Whether any flag opens the crisis flow."""
    return not CRISIS_FLAGS.isdisjoint(flags)


def entry_public(row: JournalRow) -> EntryPublic:
    """A journal entry as the API shows it."""
    return EntryPublic(
        id=row.id, kind=row.kind, date=row.local_date, text=row.text, created_at=row.created_at
    )


def plan_public(plan: Plan) -> PlanPublic:
    """The active plan as the API shows it."""
    return PlanPublic.model_validate(plan.to_dict())


def instrument_public(inst: Instrument) -> InstrumentPublic:
    """A questionnaire's texts."""
    return InstrumentPublic(
        key=inst.key,
        name=inst.name,
        title=inst.title,
        stem=inst.stem,
        items=list(inst.items),
        answer_labels=list(inst.answer_labels),
        min_answer=inst.min_answer,
        max_answer=inst.max_answer,
        recall_period=inst.recall_period,
        personal_default=inst.personal_default,
    )


def status_public(status: Status, crisis: dict[str, Any] | None) -> StatusPublic:
    """Today's status, with the crisis object while a crisis is open."""
    data = status.to_dict()
    data["crisis"] = crisis
    return StatusPublic.model_validate(data)
