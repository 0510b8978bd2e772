"""Tables of the web layer: the stored first responses of ``Idempotency-Key`` requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy import Uuid as SAUuid
from sqlalchemy.orm import Mapped, mapped_column

from microdose.store.base import Base, UTCDateTime, utcnow


class IdempotencyRow(Base):
    """The first response to a POST carrying an ``Idempotency-Key``.

    The row is inserted in the same transaction as the write it guards, so that the write
    and its key are stored together or not at all; the unique constraint on
    (person, key) makes a concurrent retry wait for the first request and then replay it.
    """

    __tablename__ = "web_idempotency"
    __table_args__ = (
        UniqueConstraint("person_id", "key", name="uq_web_idempotency_person_key"),
    )
    id: Mapped[uuid.UUID] = mapped_column(SAUuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(
        SAUuid, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
