"""Tables of self-blinded N-of-1 trials: the trial, its envelopes, and its sealed data key.

The trial row also keeps the expectancy asked when it was designed (the SETS answers and
when they were given): not a questionnaire response, so nothing that reads responses as
symptom scores (trends, due lists, reliable change, FHIR) ever sees it.

The data key lives in ``trial_seal``, a child of ``trial`` *without* a ``person_id``:
exports iterate over tables with a ``person_id``, so the key never leaves the database
through them. Envelope contents (``trial_envelope.condition``) stay empty until unblinding.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import Uuid as SAUuid
from sqlalchemy.orm import Mapped, mapped_column

from microdose.store.base import Base, UTCDateTime, utcnow


class TrialRow(Base):
    """A self-blinded trial: its design, its sealed key and commitment, and its state."""

    __tablename__ = "trial"
    id: Mapped[uuid.UUID] = mapped_column(SAUuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(
        SAUuid, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="running")
    block_design: Mapped[str] = mapped_column(String(16))
    protocol: Mapped[str] = mapped_column(String(32))
    weekdays: Mapped[str] = mapped_column(String(32), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    doses: Mapped[int] = mapped_column(Integer)
    dose_days: Mapped[list[str]] = mapped_column(JSON)
    seeded: Mapped[bool] = mapped_column(Boolean, default=False)
    sealed_key: Mapped[str] = mapped_column(Text)
    commitment: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unblinded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unblinded_early: Mapped[bool] = mapped_column(Boolean, default=False)
    unblind_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the six SETS answers (1-7) given when the trial was designed; NULL: not answered
    expectancy_answers: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    expectancy_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TrialEnvelopeRow(Base):
    """One envelope of a trial: opaque code and block; content only after unblinding."""

    __tablename__ = "trial_envelope"
    __table_args__ = (UniqueConstraint("trial_id", "code", name="uq_trial_envelope_code"),)
    id: Mapped[uuid.UUID] = mapped_column(SAUuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(
        SAUuid, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    trial_id: Mapped[uuid.UUID] = mapped_column(
        SAUuid, ForeignKey("trial.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16))
    block: Mapped[int] = mapped_column(Integer)
    condition: Mapped[str | None] = mapped_column(String(16), nullable=True)


class TrialSealRow(Base):
    """The data key that opens a trial's sealed allocation (never exported)."""

    __tablename__ = "trial_seal"
    trial_id: Mapped[uuid.UUID] = mapped_column(
        SAUuid, ForeignKey("trial.id", ondelete="CASCADE"), primary_key=True
    )
    data_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
