"""Tables of reminders: each person's schedule, and what the email sender already sent.

``reminder_schedule`` holds one row per person (no row: the defaults, and no email).
``reminder_sent`` records each email reminder (person, local day, kind) once: the unique
index makes a second run of ``microdose reminders send`` send nothing twice, even when
two senders run at once. Both go with the person.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy import Uuid as SAUuid
from sqlalchemy.orm import Mapped, mapped_column

from microdose.store.base import Base, UTCDateTime, id_column, person_fk, utcnow

#: the tables this module adds, in creation order (migration 0012)
TABLES = ("reminder_schedule", "reminder_sent")


class ReminderScheduleRow(Base):
    """A person's reminder times (``HH:MM``, NULL: off), intervals per instrument, pause."""

    __tablename__ = "reminder_schedule"
    person_id: Mapped[uuid.UUID] = mapped_column(
        SAUuid, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    checkin_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    dose_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    questionnaire_time: Mapped[str | None] = mapped_column(String(5), nullable=True)
    #: instrument key → interval in days
    questionnaires: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the account that last changed the schedule (NULL: the person on their own journal)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(SAUuid, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderSentRow(Base):
    """One email reminder sent: to whom, for which local day, of which kind."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("person_id", "local_date", "kind", name="uq_reminder_sent_day_kind"),
    )
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
