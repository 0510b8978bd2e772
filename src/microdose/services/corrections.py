"""Correcting and deleting a record, keeping the history: every edit or deletion first
stores the record as it was (``correction``), in the same transaction.

- A check-in's ratings, side effects and notes can be corrected or the day deleted; a past
  day's trial guess is never changed (a guess must be made on the day, before anything
  else is known), and a day with a guess is not deleted.
- A dose can be deleted (recorded again to correct it); an envelope taken in a blinded
  trial cannot: it belongs to the sealed trial.
- A questionnaire can be deleted (answered again with its day to correct it); a crisis flag
  it raised stays, with the help it called for.
- A journal entry can be corrected or deleted; a deleted one keeps only its day and kind in
  the history, not its text.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain.checkins import CheckinInput
from microdose.domain.errors import Conflict, NotFound
from microdose.domain.journal import check_entry
from microdose.services.checkins import submit_checkin
from microdose.services.people import refuse_future
from microdose.services.serialize import row_dict
from microdose.store.base import Base
from microdose.store.models import CheckinRow, CorrectionRow, DoseRow, JournalRow, ResponseRow

KINDS: dict[str, type[Base]] = {
    "checkin": CheckinRow, "dose": DoseRow, "journal_entry": JournalRow,
    "questionnaire_response": ResponseRow,
}


def _keep(session: Session, person_id: uuid.UUID, kind: str, row: Any, action: str,
          previous: dict[str, Any] | None = None) -> None:
    session.add(CorrectionRow(person_id=person_id, record_kind=kind, record_id=row.id,
                              action=action, previous=previous or row_dict(row)))


def _delete_kept(session: Session, person_id: uuid.UUID, kind: str, row: Any,
                 previous: dict[str, Any] | None = None) -> None:
    """Delete ``row``, its last version kept in the history first."""
    _keep(session, person_id, kind, row, "delete", previous)
    session.delete(row)
    session.flush()


def _own(session: Session, model: type[Any], person_id: uuid.UUID, record_id: uuid.UUID,
         what: str) -> Any:
    row = session.get(model, record_id)
    if row is None or row.person_id != person_id:
        raise NotFound(f"{what}: not found")
    return row


def checkin_of(session: Session, person_id: uuid.UUID, day: date) -> CheckinRow:
    """The check-in of ``day`` (``NotFound`` when there is none)."""
    row = session.scalars(select(CheckinRow).where(
        CheckinRow.person_id == person_id, CheckinRow.local_date == day)).first()
    if row is None:
        raise NotFound(f"check-in: none for {day.isoformat()}")
    return row


def entry_of(session: Session, person_id: uuid.UUID, entry_id: uuid.UUID) -> JournalRow:
    """The person's journal entry ``entry_id`` (``NotFound`` otherwise)."""
    row: JournalRow = _own(session, JournalRow, person_id, entry_id, "journal entry")
    return row


def correct_checkin(*, session: Session, person_id: uuid.UUID, checkin: CheckinInput,
                    today: date) -> CheckinRow:
    """Replace a stored day's ratings, side effects and notes; a past day keeps its guess."""
    row = checkin_of(session, person_id, checkin.day)
    _keep(session, person_id, "checkin", row, "edit")
    past = checkin.day < today  # the form corrects ratings, side effects and notes only
    checkin = CheckinInput(checkin.day, checkin.ratings, checkin.side_effects, checkin.notes,
                           row.guess if past else checkin.guess,
                           row.guess_confidence if past else checkin.guess_confidence,
                           factors=dict(row.factors or {}))
    stored, _ = submit_checkin(session=session, person_id=person_id, checkin=checkin)
    return stored


def delete_checkin(*, session: Session, person_id: uuid.UUID, day: date) -> None:
    """Delete the check-in of ``day``, keeping it in the history (not one with a trial
    guess: the guess is part of the trial's record; its ratings can be corrected)."""
    row = checkin_of(session, person_id, day)
    if row.guess is not None:
        raise Conflict("check-in: this day carries a trial guess, part of the trial's "
                       "record; correct its ratings instead of deleting it")
    _delete_kept(session, person_id, "checkin", row)


def delete_dose(*, session: Session, person_id: uuid.UUID, dose_id: uuid.UUID) -> None:
    """Delete a dose (not a trial envelope's), keeping it in the history."""
    row = _own(session, DoseRow, person_id, dose_id, "dose")
    if row.envelope_code:
        raise Conflict("dose: an envelope taken in a blinded trial belongs to the sealed "
                       "trial and cannot be deleted")
    _delete_kept(session, person_id, "dose", row)


def delete_response(*, session: Session, person_id: uuid.UUID, response_id: uuid.UUID) -> None:
    """Delete a questionnaire response, keeping it in the history (crisis flags stay)."""
    row = _own(session, ResponseRow, person_id, response_id, "questionnaire")
    _delete_kept(session, person_id, "questionnaire_response", row)


def correct_entry(*, session: Session, person_id: uuid.UUID, entry_id: uuid.UUID, kind: str,
                  text: str, day: date) -> JournalRow:
    """Correct a journal entry's kind, text or day, keeping the earlier version."""
    row: JournalRow = _own(session, JournalRow, person_id, entry_id, "journal entry")
    kind, text = check_entry(kind, text)
    refuse_future(session=session, person_id=person_id, day=day)
    _keep(session, person_id, "journal_entry", row, "edit")
    row.kind, row.text, row.local_date = kind, text, day
    session.flush()
    return row


def delete_entry(*, session: Session, person_id: uuid.UUID, entry_id: uuid.UUID) -> None:
    """Delete a journal entry; the history keeps its day and kind, never its text."""
    row: JournalRow = _own(session, JournalRow, person_id, entry_id, "journal entry")
    _delete_kept(session, person_id, "journal_entry", row,
                 {"id": str(row.id), "kind": row.kind, "local_date": row.local_date.isoformat()})


def corrections(*, session: Session, person_id: uuid.UUID) -> list[CorrectionRow]:
    """The person's history of corrections, newest first."""
    query = select(CorrectionRow).where(CorrectionRow.person_id == person_id)
    return list(session.scalars(query.order_by(CorrectionRow.made_at.desc())))
