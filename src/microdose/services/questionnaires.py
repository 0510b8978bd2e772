"""Questionnaire responses: score with ``domain.instruments`` and store in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain import instruments
from microdose.services.people import refuse_future
from microdose.store.models import ResponseRow


def record_response(
    *,
    session: Session,
    person_id: uuid.UUID,
    instrument: str,
    answers: Sequence[int | None],
    day: date,
) -> ResponseRow:
    """Validate, score and store one response; raises ``InvalidInput`` before writing."""
    inst = instruments.get_instrument(instrument)
    result = instruments.score(inst, answers)
    refuse_future(session=session, person_id=person_id, day=day)
    row = ResponseRow(
        person_id=person_id,
        instrument=inst.key,
        local_date=day,
        answers=list(answers),
        total=result.total,
        severity=result.severity,
        flags=list(result.flags),
        score=result.to_dict(),
    )
    session.add(row)
    session.flush()
    return row


def responses(
    *, session: Session, person_id: uuid.UUID, instrument: str | None = None
) -> list[ResponseRow]:
    """Responses in date order, optionally of one instrument."""
    query = select(ResponseRow).where(ResponseRow.person_id == person_id)
    if instrument:
        query = query.where(ResponseRow.instrument == instrument)
    query = query.order_by(ResponseRow.local_date, ResponseRow.answered_at)
    return list(session.scalars(query))


def latest_by_instrument(*, session: Session, person_id: uuid.UUID) -> dict[str, ResponseRow]:
    """The most recent response of each instrument."""
    latest: dict[str, ResponseRow] = {}
    for row in responses(session=session, person_id=person_id):
        latest[row.instrument] = row
    return latest
