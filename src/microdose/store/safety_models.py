"""Safety tables: screens, medication changes, crisis events, adverse events and alerts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text
from sqlalchemy import Uuid as SAUuid
from sqlalchemy.orm import Mapped, mapped_column

from microdose.store.base import (
    Base,
    UTCDateTime,
    id_column,
    person_fk,
    utcnow,
)


class ScreenRow(Base):
    """A safety screen: what was declared, the verdict and its reasons."""

    __tablename__ = "safety_screen"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    medications: Mapped[list[str]] = mapped_column(JSON, default=list)
    generics: Mapped[list[str]] = mapped_column(JSON, default=list)
    verdict: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: against the previous screen: ``{"added", "removed", "removed_confirmed", "kept"}``
    #: (None for the first screen); the history of what was removed, and when
    changes: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, nullable=True)


class MedicationChangeRow(Base):
    """The person said their medications changed: a new screen is due."""

    __tablename__ = "medication_change"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class CrisisEventRow(Base):
    """A crisis flag (PHQ-9 item 9, DASS-21 item 21, deterioration, screen) and its ack."""

    __tablename__ = "crisis_event"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    triggered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the date of the answers that raised the flag (a questionnaire's own date), which can
    #: be earlier than ``triggered_at``, the time it was recorded
    answers_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    triggers: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[uuid.UUID | None] = mapped_column(SAUuid, nullable=True)
    region: Mapped[str] = mapped_column(String(8))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AdverseEventRow(Base):
    """An adverse event: category, grade 1–4, when, what was done, and the advice given."""

    __tablename__ = "adverse_event"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    category: Mapped[str] = mapped_column(String(32))
    grade: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    action: Mapped[str | None] = mapped_column(String(32), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    advice: Mapped[str | None] = mapped_column(Text, nullable=True)


class AlertRow(Base):
    """Something a clinician (or the person) must see: a crisis or a serious adverse event."""

    __tablename__ = "safety_alert"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    source_id: Mapped[uuid.UUID | None] = mapped_column(SAUuid, nullable=True)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
