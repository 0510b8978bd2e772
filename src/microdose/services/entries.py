"""Journal entries: intentions, integration notes and free notes."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain.journal import check_entry
from microdose.services.people import refuse_future
from microdose.store.models import JournalRow


def add_entry(
    *, session: Session, person_id: uuid.UUID, kind: str, text: str, day: date
) -> JournalRow:
    """Validate and store a journal entry."""
    kind, text = check_entry(kind, text)
    refuse_future(session=session, person_id=person_id, day=day)
    row = JournalRow(person_id=person_id, kind=kind, text=text, local_date=day)
    session.add(row)
    session.flush()
    return row


def entries(*, session: Session, person_id: uuid.UUID) -> list[JournalRow]:
    """Journal entries in date order."""
    query = select(JournalRow).where(JournalRow.person_id == person_id)
    return list(session.scalars(query.order_by(JournalRow.local_date, JournalRow.created_at)))
