"""Daily check-ins: one per local day; a second one for the same day updates it.

:func:`record_checkin` is on the hot path of ``POST /api/v1/checkins``: it writes with
one SQLAlchemy Core statement built once per dialect (``INSERT ... ON CONFLICT DO UPDATE
... RETURNING``, compiled once from SQLAlchemy's statement cache) instead of a query and
the ORM's unit of work, and returns the values written (:class:`StoredCheckin`).
:func:`submit_checkin` also hands back the row as a persistent object of the session, as
though it had been loaded. Either way, reading the row later through the ORM in the same
session sees what was written.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value

from microdose.domain.checkins import RATINGS, CheckinInput
from microdose.services.people import refuse_future
from microdose.store.base import utcnow
from microdose.store.models import CheckinRow

_TABLE = cast(Table, CheckinRow.__table__)
_MANAGER = inspect(CheckinRow).class_manager
#: what an update sets: every column but the key, the owner, the day and the creation time
_CHANGED = (*RATINGS, "side_effects", "notes", "guess", "guess_confidence", "factors",
            "updated_at")
#: the upsert of each dialect, built on first use
_UPSERTS: dict[str, Insert] = {}


@dataclass(frozen=True)
class StoredCheckin:
    """A check-in as written: the row's columns, without an ORM object."""

    id: uuid.UUID
    person_id: uuid.UUID
    local_date: date
    mood: int
    anxiety: int | None
    energy: int | None
    focus: int | None
    sleep: int | None
    connectedness: int | None
    side_effects: list[str]
    notes: str | None
    guess: str | None
    guess_confidence: int | None
    factors: dict[str, bool] | None
    created_at: datetime
    updated_at: datetime


def record_checkin(
    *, session: Session, person_id: uuid.UUID, checkin: CheckinInput
) -> tuple[StoredCheckin, bool]:
    """Store the day's check-in; returns what was stored and whether it was created.

    The lighter form of :func:`submit_checkin` for callers that only answer with the
    values (the JSON API): no ORM object is made, but one the session already holds for
    this row is brought up to date, so the session's view still agrees with the table.

    Parameters
    ----------
    session : Session
        The open transaction (the caller commits); pending ORM changes are flushed first.
    person_id : uuid.UUID
        Whose check-in it is.
    checkin : CheckinInput
        The checked day and answers.

    Returns
    -------
    tuple of (StoredCheckin, bool)
        The stored values and True when the row was created (not updated).
    """
    refuse_future(session=session, person_id=person_id, day=checkin.day)
    session.flush()  # the person, or an ORM-made check-in, must be in the database first
    values = _stored_values(checkin)
    new_id = uuid.uuid4()
    connection = session.connection()
    row_id, created_at = connection.execute(
        _upsert(connection.dialect.name),
        {"id": new_id, "person_id": person_id, "local_date": checkin.day,
         "created_at": values["updated_at"], **values},
    ).one()
    stored = StoredCheckin(id=row_id, person_id=person_id, local_date=checkin.day,
                           created_at=created_at, **values)
    _refresh_loaded(session, stored)
    return stored, row_id == new_id


def _stored_values(checkin: CheckinInput) -> dict[str, Any]:
    """The columns a check-in sets (ratings, side effects, notes, guess), stamped now."""
    values: dict[str, Any] = {name: checkin.ratings.get(name) for name in RATINGS}
    values.update(side_effects=list(checkin.side_effects), notes=checkin.notes,
                  guess=checkin.guess, guess_confidence=checkin.guess_confidence,
                  factors=dict(checkin.factors) or None,
                  updated_at=utcnow())
    return values


def _refresh_loaded(session: Session, stored: StoredCheckin) -> None:
    """Bring the session's copy of the row, if it loaded one before, up to date."""
    present = session.identity_map.get(session.identity_key(CheckinRow, (stored.id,)))
    if isinstance(present, CheckinRow):
        for name, value in asdict(stored).items():
            set_committed_value(present, name, value)


def submit_checkin(
    *, session: Session, person_id: uuid.UUID, checkin: CheckinInput
) -> tuple[CheckinRow, bool]:
    """Store the day's check-in; returns the row and whether it was created (not updated).

    As :func:`record_checkin`, and hands back the row as a persistent object of the
    session (without a query).

    Parameters
    ----------
    session : Session
        The open transaction (the caller commits); pending ORM changes are flushed first.
    person_id : uuid.UUID
        Whose check-in it is.
    checkin : CheckinInput
        The checked day and answers.

    Returns
    -------
    tuple of (CheckinRow, bool)
        The stored row (persistent in ``session``) and True when it was created.
    """
    stored, created = record_checkin(session=session, person_id=person_id, checkin=checkin)
    return _as_loaded(session, stored), created


def _upsert(dialect: str) -> Insert:
    """``INSERT ... ON CONFLICT (person_id, local_date) DO UPDATE ... RETURNING id,
    created_at``: one statement whether the day is new or not (SQLite and PostgreSQL)."""
    if (statement := _UPSERTS.get(dialect)) is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        new = insert(_TABLE)
        statement = new.on_conflict_do_update(
            index_elements=[_TABLE.c.person_id, _TABLE.c.local_date],
            set_={name: new.excluded[name] for name in _CHANGED},
        ).returning(_TABLE.c.id, _TABLE.c.created_at)
        _UPSERTS[dialect] = statement
    return statement


def _as_loaded(session: Session, stored: StoredCheckin) -> CheckinRow:
    """The session's object for the row just written, holding what was written."""
    present = session.identity_map.get(session.identity_key(CheckinRow, (stored.id,)))
    if isinstance(present, CheckinRow):  # record_checkin brought it up to date
        return present
    row = _MANAGER.new_instance()  # as a query makes it: no history, no __init__
    instance_dict(row).update(asdict(stored))
    make_transient_to_detached(row)  # its values count as loaded, not as changes to flush
    session.add(row)
    return row


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
