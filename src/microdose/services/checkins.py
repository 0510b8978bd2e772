"""Daily check-ins: one per local day; a second one for the same day updates it."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain.checkins import RATINGS, CheckinInput
from microdose.store.base import utcnow
from microdose.store.models import CheckinRow


def submit_checkin(
    *, session: Session, person_id: uuid.UUID, checkin: CheckinInput
) -> tuple[CheckinRow, bool]:
    """Store the day's check-in; returns the row and whether it was created (not updated)."""
    row = session.scalars(
        select(CheckinRow).where(
            CheckinRow.person_id == person_id, CheckinRow.local_date == checkin.day
        )
    ).first()
    created = row is None
    if row is None:
        row = CheckinRow(person_id=person_id, local_date=checkin.day)
        session.add(row)
    for name in RATINGS:
        setattr(row, name, checkin.ratings[name])
    row.side_effects = list(checkin.side_effects)
    row.notes = checkin.notes
    row.guess = checkin.guess
    row.guess_confidence = checkin.guess_confidence
    row.updated_at = utcnow()
    session.flush()
    return row, created


def checkins(
    *,
    session: Session,
    person_id: uuid.UUID,
    start: date | None = None,
    end: date | None = None,
) -> list[CheckinRow]:
    """Check-ins in date order, optionally within [start, end]."""
    query = select(CheckinRow).where(CheckinRow.person_id == person_id)
    if start:
        query = query.where(CheckinRow.local_date >= start)
    if end:
        query = query.where(CheckinRow.local_date <= end)
    return list(session.scalars(query.order_by(CheckinRow.local_date)))
