"""Is a crisis open for this person, and acknowledging it (through the safety layer).

A crisis event is opened by the safety service when a stored response or a screen raises a
crisis trigger (PHQ-9 item 9, DASS-21 item 21, a reliable deterioration …); until it is
acknowledged every page shows the resources first and doses are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from microdose.services import safety
from microdose.store.models import Person
from microdose.web.platform.state import WebState


@dataclass(frozen=True)
class OpenCrisis:
    """An unacknowledged crisis: since when, and the payload (message and resources)."""

    count: int
    payload: dict[str, Any]


def open_crisis(state: WebState, session: Session, person: Person) -> OpenCrisis | None:
    """The open crisis, or None."""
    events = safety.open_crises(session=session, person_id=person.id)
    if not events:
        return None
    payload = safety.crisis_payload_for(person, events, state.settings.region)
    return OpenCrisis(len(events), payload)


def acknowledge(session: Session, person: Person) -> int:
    """Acknowledge every open crisis event; returns how many were open."""
    return len(safety.acknowledge_crises(session=session, person_id=person.id))


def payload_for(state: WebState, person: Person, events: list[Any]) -> dict[str, Any]:
    """The crisis object for ``events`` in this person's region."""
    return safety.crisis_payload_for(person, events, state.settings.region)
