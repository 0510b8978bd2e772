"""Migration 0013 (expectancy before a trial) on SQLite and PostgreSQL, with a trial stored:
up adds two empty columns; down drops them and keeps the trial, its envelopes and its key."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from microdose.services import trials
from microdose.services.safety import record_screen
from microdose.store.engine import make_engine
from microdose.store.migrate import current_revisions, downgrade, upgrade
from microdose.store.models import Person


def _count(engine: object, table: str) -> int:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_0013_up_and_down_keeps_the_trial(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0013")
    with Session(engine) as session:
        person = Person(display_name="p", timezone="Europe/Berlin")
        session.add(person)
        session.flush()
        record_screen(session=session, person=person)
        create = trials.TrialCreate(doses=4, protocol="fadiman", start=date(2026, 3, 2),
                                    seed=1, past_confirmed=True, expectancy=[6, 2, 5, 1, 6, 2])
        trials.design_trial(session=session, person=person, create=create)
        session.commit()
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT expectancy_answers FROM trial")).scalar_one()
    assert stored is not None
    downgrade(engine, "0012")
    assert current_revisions(engine) == {"0012"}
    with engine.connect() as connection:
        columns = set(connection.execute(text("SELECT * FROM trial")).keys())
    assert "expectancy_answers" not in columns and "expectancy_at" not in columns
    assert (_count(engine, "trial"), _count(engine, "trial_envelope")) == (1, 4)
    assert _count(engine, "trial_seal") == 1  # no cascade from rebuilding the table
    upgrade(engine, "0013")
    with engine.connect() as connection:
        again = connection.execute(text("SELECT expectancy_answers, expectancy_at FROM trial"))
        assert again.one() == (None, None)  # an older trial: expectancy not recorded
    engine.dispose()
