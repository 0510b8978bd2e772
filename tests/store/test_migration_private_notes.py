"""Migration 0009 (private notes) on SQLite and PostgreSQL, with rows in the tables."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from microdose.store.engine import make_engine
from microdose.store.migrate import current_revisions, downgrade, upgrade

PERSON = ("INSERT INTO person (id, display_name, timezone, created_at) "
          "VALUES (:id, 'p', 'UTC', '2026-01-01')")
CHECKIN = (
    "INSERT INTO checkin (id, person_id, local_date, mood, anxiety, energy, focus, sleep, "
    "connectedness, side_effects, notes, created_at, updated_at) VALUES (:id, :person, "
    "'2026-01-02', 5, 5, 5, 5, 5, 5, '[]', 'a private note', '2026-01-02', '2026-01-02')"
)


def _ids() -> dict[str, str]:
    return {"id": uuid.uuid4().hex, "person": uuid.uuid4().hex}


def test_people_stored_before_0009_keep_their_notes_private(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0008")
    ids = _ids()
    with engine.begin() as connection:
        connection.execute(text(PERSON), {"id": ids["person"]})
        connection.execute(text(CHECKIN), ids)
    upgrade(engine, "0009")
    with engine.connect() as connection:
        shared = connection.execute(text("SELECT notes_shared FROM person")).scalar_one()
    assert shared is False or shared == 0
    downgrade(engine, "0008")  # the column goes; the person and their check-in stay
    assert current_revisions(engine) == {"0008"}
    with engine.connect() as connection:
        people = connection.execute(text("SELECT count(*) FROM person")).scalar_one()
        notes = connection.execute(text("SELECT notes FROM checkin")).scalars().all()
        columns = connection.execute(text("SELECT * FROM person")).keys()
    assert people == 1 and notes == ["a private note"] and "notes_shared" not in columns
    engine.dispose()
