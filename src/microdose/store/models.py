"""Tables of the personal journal: person, plan, dose, check-in, questionnaire response, journal."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from microdose.store.base import (
    Base,
    UTCDateTime,
    id_column,
    person_fk,
    utcnow,
)


class Person(Base):
    """The person whose journal this is (one per personal journal; many on a service)."""

    __tablename__ = "person"
    id: Mapped[uuid.UUID] = id_column()
    display_name: Mapped[str] = mapped_column(String(200), default="me")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    region: Mapped[str | None] = mapped_column(String(8), nullable=True)
    #: the daily ratings the person is asked (None: all six; mood is always asked)
    tracked_ratings: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    #: "light", "dark" or None (follow the system)
    theme: Mapped[str | None] = mapped_column(String(8), nullable=True)
    #: how dates are shown (domain.display.DATE_STYLES; None is "long")
    date_style: Mapped[str | None] = mapped_column(String(8), nullable=True)
    #: the daily factors the person notes with each check-in (e.g. "exercise")
    factors: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: whether linked clinicians read the free-text notes of check-ins and doses (off:
    #: private, as journal text always is)
    notes_shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PlanRow(Base):
    """A protocol plan; dose days are derived from it by ``domain.protocols``."""

    __tablename__ = "plan"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    protocol: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    weeks: Mapped[int] = mapped_column(Integer)
    weekdays: Mapped[str] = mapped_column(String(32), default="")
    off_weeks: Mapped[int] = mapped_column(Integer, default=0)
    cycles: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DoseRow(Base):
    """A dose taken: when (UTC and the person's local day), what, how much, warnings."""

    __tablename__ = "dose"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date, index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    material: Mapped[str | None] = mapped_column(String(32), nullable=True)
    grams: Mapped[float | None] = mapped_column(Float, nullable=True)
    mg_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    mg_typical: Mapped[float | None] = mapped_column(Float, nullable=True)
    mg_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    classification: Mapped[str | None] = mapped_column(String(32), nullable=True)
    envelope_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckinRow(Base):
    """One check-in per person and local day: 0–10 ratings, side effects, blinded guess."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("person_id", "local_date", name="uq_checkin_person_day"),)
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    local_date: Mapped[date] = mapped_column(Date)
    mood: Mapped[int] = mapped_column(Integer)
    anxiety: Mapped[int | None] = mapped_column(Integer, nullable=True)
    energy: Mapped[int | None] = mapped_column(Integer, nullable=True)
    focus: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sleep: Mapped[int | None] = mapped_column(Integer, nullable=True)
    connectedness: Mapped[int | None] = mapped_column(Integer, nullable=True)
    side_effects: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    guess: Mapped[str | None] = mapped_column(String(16), nullable=True)
    guess_confidence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: each daily factor asked that day: yes (true) or no (false)
    factors: Mapped[dict[str, bool] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResponseRow(Base):
    """A scored questionnaire response (PHQ-9, GAD-7, WHO-5, DASS-21)."""

    __tablename__ = "questionnaire_response"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    instrument: Mapped[str] = mapped_column(String(16), index=True)
    local_date: Mapped[date] = mapped_column(Date, index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answers: Mapped[list[int | None]] = mapped_column(JSON)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    severity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[dict[str, Any]] = mapped_column(JSON)


class JournalRow(Base):
    """A journal entry: an intention before a dose day, integration after, or a free note."""

    __tablename__ = "journal_entry"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    kind: Mapped[str] = mapped_column(String(16))
    local_date: Mapped[date] = mapped_column(Date, index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)



class CorrectionRow(Base):
    """A record as it was before the person corrected or deleted it (their history)."""

    __tablename__ = "correction"
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    #: "checkin", "dose", "journal_entry" or "questionnaire_response"
    record_kind: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: "edit" or "delete"
    action: Mapped[str] = mapped_column(String(8))
    #: the record's columns before the change (a deleted journal entry keeps only its day)
    previous: Mapped[dict[str, Any]] = mapped_column(JSON)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
