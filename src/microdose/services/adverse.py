"""Adverse events: store them; serious ones bring advice and an alert in the same write."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain import adverse
from microdose.services import crisis
from microdose.services.safety import ALERT_ADVERSE, person_region, record_alert
from microdose.services.serialize import row_dict
from microdose.store.models import Person
from microdose.store.safety_models import AdverseEventRow, AlertRow


@dataclass(frozen=True)
class AdverseOutcome:
    """The stored event, its alert (serious events only) and emergency resources (grade 4)."""

    row: AdverseEventRow
    alert: AlertRow | None
    resources: list[dict[str, str]] | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the event, ``grade_label``, ``advice``, ``alert`` and any resources."""
        data = row_dict(self.row)
        data["grade_label"] = adverse.GRADES[self.row.grade]
        data["alert"] = self.alert is not None
        if self.resources is not None:
            data["resources"] = self.resources
        return data


def record_adverse(
    *,
    session: Session,
    person: Person,
    event: adverse.AdverseInput,
    env_region: str | None = None,
) -> AdverseOutcome:
    """Store an adverse event; grade ≥ 3 or perceptual effects add advice and an alert."""
    serious = adverse.is_serious(event)
    row = AdverseEventRow(
        person_id=person.id,
        category=event.category,
        grade=event.grade,
        start_date=event.start,
        end_date=event.end,
        action=event.action,
        notes=event.notes,
        serious=serious,
        advice=adverse.advice(event),
    )
    session.add(row)
    session.flush()
    alert = None
    if serious:
        alert = record_alert(
            session=session,
            person_id=person.id,
            kind=ALERT_ADVERSE,
            message=(
                f"adverse event: {event.category}, grade {event.grade} ({event.grade_label}) "
                f"from {event.start.isoformat()}"
            ),
            source_id=row.id,
        )
    resources = None
    if event.grade >= max(adverse.GRADES):
        region = person_region(person, env_region)
        resources = [r.to_dict() for r in crisis.resources_for(region)]
    return AdverseOutcome(row, alert, resources)


def adverse_events(*, session: Session, person_id: uuid.UUID) -> list[AdverseEventRow]:
    """Adverse events in start-date order."""
    query = (
        select(AdverseEventRow)
        .where(AdverseEventRow.person_id == person_id)
        .order_by(AdverseEventRow.start_date, AdverseEventRow.recorded_at)
    )
    return list(session.scalars(query))
