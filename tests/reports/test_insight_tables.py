"""Tidy CSV/Parquet tables and their data dictionary; the ICS export of the plan."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session
from tests.insight_support import fill_journal

from microdose.domain.safety import TRIGGER_PHQ9_ITEM9
from microdose.reports.exports import export_ics, export_parquet, export_tidy_csv
from microdose.reports.tables import DICTIONARY, tidy_tables
from microdose.services.insight import JournalData, gather
from microdose.services.people import ensure_person
from microdose.services.safety import open_crisis
from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, JournalData]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('tables') / 'j.sqlite3'}")
    ensure_schema(engine)
    session = Session(engine, expire_on_commit=False)
    return session, gather(session=session, person=fill_journal(session))


def test_every_column_is_in_the_dictionary(journal: tuple[Session, JournalData]) -> None:
    tables = tidy_tables(journal[1])
    dictionary = {(row["table"], row["column"]) for row in tables["data_dictionary"]}
    for name, rows in tables.items():
        if name == "data_dictionary":
            continue
        assert rows, name
        assert list(rows[0]) == list(DICTIONARY[name]), name
        assert {(name, column) for column in rows[0]} <= dictionary


def test_rows_match_the_journal(journal: tuple[Session, JournalData]) -> None:
    data = journal[1]
    tables = tidy_tables(data)
    assert len(tables["days"]) == len(data.days)
    assert [row["mood"] for row in tables["days"]] == [
        None if v is None else int(v) for v in data.ratings["mood"]
    ]
    assert sum(row["doses"] for row in tables["days"]) == len(data.doses)
    assert len(tables["answers"]) == sum(len(r.answers) for r in data.responses)
    assert len(tables["side_effects"]) == sum(len(fx) for fx in data.side_effects.values())
    kinds = {row["day_type"] for row in tables["days"]}
    assert kinds <= {"dose", "day_after", "two_days_after", "off"}


def test_parquet_and_csv_read_back(journal: tuple[Session, JournalData], tmp_path: Path) -> None:
    session, data = journal
    owner = ensure_person(session=session)
    parquet = export_parquet(session=session, person=owner, output=tmp_path / "pq")
    csv = export_tidy_csv(session=session, person=owner, output=tmp_path / "csv")
    for name in [*DICTIONARY, "data_dictionary"]:
        frame = pd.read_parquet(parquet / f"{name}.parquet")
        again = pd.read_csv(csv / f"{name}.csv")
        assert list(frame.columns) == list(again.columns)
        assert len(frame) == len(again)
    schema = pq.read_schema(parquet / "days.parquet")
    assert str(schema.field("date").type) == "date32[day]"
    assert str(schema.field("mood").type) == "int64"
    days = pd.read_parquet(parquet / "days.parquet")
    assert days["mood"].isna().sum() == sum(v is None for v in data.ratings["mood"])


def test_ics_holds_the_plan_and_daily_reminders(
    journal: tuple[Session, JournalData], tmp_path: Path
) -> None:
    session, data = journal
    person = ensure_person(session=session)
    path = export_ics(session=session, person=person, output=tmp_path / "plan.ics")
    assert data.plan is not None
    assert event_counts(path) == (len(data.plan.dose_days), len(data.plan.days()))
    # an unacknowledged crisis pauses dose reminders (CLINICAL.md, crisis flow)
    open_crisis(session=session, person=person, triggers=[TRIGGER_PHQ9_ITEM9], source="phq9")
    paused = export_ics(session=session, person=person, output=tmp_path / "paused.ics")
    assert event_counts(paused) == (0, len(data.plan.days()))
    session.rollback()


def event_counts(path: Path) -> tuple[int, int]:
    events = list(Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
    doses = sum(1 for e in events if str(e["uid"]).startswith("dose-"))
    return doses, sum(1 for e in events if str(e["uid"]).startswith("checkin-"))
