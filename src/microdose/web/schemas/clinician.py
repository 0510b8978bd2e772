"""JSON schemas of the clinician API: invitations, links, caseload, timeline, alerts, charts.

One schema per direction: ``AcknowledgementCreate`` in, ``…Public`` out. The outgoing
models list the fields of the services' JSON-ready dicts
(:mod:`microdose.services.caseload`), so the OpenAPI document says what each holds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from microdose.domain.safety import PHQ9_RELIABLE_DETERIORATION
from microdose.services.caseload import MAX_NOTE
from microdose.web.schemas.inputs import StrictModel
from microdose.web.schemas.ratings import Ratings


class InvitationPublic(BaseModel):
    """A new invitation: give ``code`` to one person (shown once; only its digest is kept)."""

    code: str = Field(description="Single use; typed in any case, with or without the hyphen")
    expires_at: dt.datetime
    link_id: uuid.UUID = Field(description="Revoke it with POST /clinician/links/{link_id}/revoke")


class LinkPublic(BaseModel):
    """An invitation and, once accepted, the link to a person."""

    id: uuid.UUID
    clinician_id: uuid.UUID
    person_id: uuid.UUID | None = Field(description="Set once the person accepted")
    created_at: dt.datetime
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    revoked_at: dt.datetime | None
    state: Literal["pending", "active", "revoked", "expired"]


class CaseloadEntryPublic(BaseModel):
    """One linked person and why they may need attention (the list is sorted by need)."""

    person_id: uuid.UUID
    display_name: str
    linked_since: dt.datetime
    open_crisis_alerts: int = Field(
        description="Crisis alerts (PHQ-9 item 9, DASS-21 item 21, deterioration, screen) "
        "no clinician has acknowledged"
    )
    open_alerts: int = Field(description="All unacknowledged alerts, crisis ones included")
    phq9_first: int | None
    phq9_latest: int | None
    phq9_change: int | None = Field(description="Latest minus first PHQ-9 total")
    phq9_reliable_change: int = Field(
        PHQ9_RELIABLE_DETERIORATION,
        description="Points of change beyond measurement error (NHS Talking Therapies); "
        "smaller changes may be noise",
    )
    deteriorated: bool = Field(description="phq9_change ≥ phq9_reliable_change")
    severe_adverse_events: int = Field(
        description="Adverse events of grade ≥ 3, ongoing or ended in the last 28 days"
    )
    missed_checkins: int = Field(
        description="Days without a check-in among the last 7 complete days since the link"
    )
    last_checkin: dt.date | None


class PersonRef(BaseModel):
    """Whose timeline this is."""

    id: uuid.UUID
    display_name: str
    timezone: str


class CheckinRecord(Ratings[int | None]):
    """A daily check-in (ratings 0–10; null for a rating the person does not track)."""

    id: uuid.UUID
    local_date: dt.date
    side_effects: list[str]
    notes: str | None
    guess: str | None
    guess_confidence: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class QuestionnaireRecord(BaseModel):
    """A scored questionnaire response."""

    id: uuid.UUID
    instrument: str
    local_date: dt.date
    answered_at: dt.datetime
    answers: list[int | None]
    total: int | None
    severity: str | None
    flags: list[str]
    score: dict[str, Any]


class DoseRecord(BaseModel):
    """A dose taken (mg: the estimated psilocybin range)."""

    id: uuid.UUID
    taken_at: dt.datetime
    local_date: dt.date
    timezone: str
    material: str | None
    grams: float | None
    mg_low: float | None
    mg_typical: float | None
    mg_high: float | None
    classification: str | None
    envelope_code: str | None
    notes: str | None
    warnings: list[str]
    created_at: dt.datetime


class AdverseEventRecord(BaseModel):
    """An adverse event, graded 1–4."""

    id: uuid.UUID
    recorded_at: dt.datetime
    category: str
    grade: int
    start_date: dt.date
    end_date: dt.date | None
    action: str | None
    notes: str | None
    serious: bool
    advice: str | None


class AcknowledgementPublic(BaseModel):
    """A clinician's acknowledgement of an alert."""

    id: uuid.UUID
    alert_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    account_id: uuid.UUID | None
    note: str
    acknowledged_at: dt.datetime


class AlertPublic(BaseModel):
    """A safety alert; open until a linked clinician acknowledges it."""

    id: uuid.UUID
    created_at: dt.datetime
    kind: str
    message: str
    source_id: uuid.UUID | None
    seen_at: dt.datetime | None
    acknowledgement: AcknowledgementPublic | None


class TimelinePublic(BaseModel):
    """A person's records for their clinician (journal text stays private; check-in and
    dose ``notes`` are null unless the person shares them: ``notes_shared``)."""

    person: PersonRef
    notes_shared: bool = Field(
        description="Whether the person shares check-in and dose notes (else they are null)")
    checkins: list[CheckinRecord]
    questionnaires: list[QuestionnaireRecord]
    doses: list[DoseRecord]
    adverse_events: list[AdverseEventRecord]
    alerts: list[AlertPublic]


class AcknowledgementCreate(StrictModel):
    """Acknowledging an alert: say what was done."""

    note: str = Field(max_length=MAX_NOTE, description="Required: what was done")


class ChartPublic(BaseModel):
    """One chart as a Vega-Lite spec (the participant's insights page draws the same)."""

    name: str
    title: str
    caption: str
    spec: dict[str, Any]


class ChartsPublic(BaseModel):
    """A person's charts; empty, with a note, before anything was recorded."""

    person_id: uuid.UUID
    period_from: dt.date | None
    period_to: dt.date | None
    charts: list[ChartPublic]
    caveat: str | None = None
    note: str | None = None
