"""`microdose import` reads our own JSON and CSV exports back without loss, on both databases."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from microdose.domain.adverse import make_adverse
from microdose.domain.errors import Conflict, InvalidInput
from microdose.services.adverse import record_adverse
from microdose.services.demo import build_demo
from microdose.services.doses import DoseCreate, record_dose
from microdose.services.importer import import_document, import_file, read_export
from microdose.services.people import ensure_person
from microdose.services.portability import export_document, write_csv, write_json
from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema
from microdose.store.models import Person

TODAY = date(2026, 3, 1)


def journal(session: Session) -> Person:
    """The demo journal plus awkward cases: a second dose on a day, notes, an adverse event."""
    person = ensure_person(session=session, timezone="Europe/Berlin")
    person.region = "GB"
    build_demo(session=session, person=person, today=TODAY, weeks=4, seed=3)
    record_dose(
        session=session,
        person=person,
        dose=DoseCreate(
            material="dried-cubensis", grams="0.123", day=TODAY - timedelta(days=1), notes="ü ✓"
        ),
    )
    event = make_adverse("nausea", 1, today=TODAY, start=TODAY - timedelta(days=3))
    record_adverse(session=session, person=person, event=event)
    session.commit()
    return person


def tables(session: Session, person: Person) -> dict[str, Any]:
    document = export_document(session=session, person=person)
    return {"person": document["person"], "tables": document["tables"]}


@pytest.mark.parametrize("form", ["json", "csv"])
def test_round_trip_without_loss(session: Session, tmp_path: Path, form: str) -> None:
    person = journal(session)
    before = tables(session, person)
    document = export_document(session=session, person=person)
    path = tmp_path / "export.json"
    if form == "json":
        write_json(document, path)
    else:
        path = tmp_path / "csv"
        write_csv(document, path)
    summary = import_file(session=session, person=person, path=path, replace=True)
    session.commit()
    assert summary.total == sum(len(rows) for rows in before["tables"].values())
    assert tables(session, person) == before


def test_round_trip_across_databases(session: Session, tmp_path: Path) -> None:
    person = journal(session)
    before = tables(session, person)
    write_json(export_document(session=session, person=person), tmp_path / "export.json")
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    ensure_schema(other)
    with Session(other, expire_on_commit=False) as target:
        someone = ensure_person(session=target, timezone="UTC")
        import_file(session=target, person=someone, path=tmp_path / "export.json")
        target.commit()
        after = tables(target, someone)
    other.dispose()
    assert after == before
    assert after["person"] == {"timezone": "Europe/Berlin", "region": "GB"}


def test_a_journal_with_records_needs_replace(session: Session, tmp_path: Path) -> None:
    person = journal(session)
    write_json(export_document(session=session, person=person), tmp_path / "export.json")
    with pytest.raises(Conflict, match="--replace"):
        import_file(session=session, person=person, path=tmp_path / "export.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"format": "something-else"}', "not a microdose export"),
        ('{"format": "microdose-export", "format_version": 99, "tables": {}}', "version 99"),
    ],
)
def test_foreign_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "file.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        read_export(path)


def test_missing_file_and_folder_without_tables(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        read_export(tmp_path / "nope.json")
    (tmp_path / "days.csv").write_text("date\n2026-01-01\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no table"):
        read_export(tmp_path)


def test_unknown_tables_columns_and_bad_values_are_refused(session: Session) -> None:
    person = ensure_person(session=session, timezone="UTC")
    base = {"format": "microdose-export", "format_version": 1, "source": "json"}
    with pytest.raises(InvalidInput, match="unknown table 'mystery'"):
        import_document(
            session=session, person=person, document={**base, "tables": {"mystery": []}}
        )
    bad_column = {"journal_entry": [{"kind": "note", "local_date": "2026-01-01", "colour": "red"}]}
    with pytest.raises(InvalidInput, match="unknown column 'colour'"):
        import_document(session=session, person=person, document={**base, "tables": bad_column})
    bad_value = {"journal_entry": [{"kind": "note", "local_date": "yesterday", "text": "x"}]}
    with pytest.raises(InvalidInput, match="journal_entry row 1, local_date"):
        import_document(session=session, person=person, document={**base, "tables": bad_value})


def test_csv_reads_types_back(session: Session, tmp_path: Path) -> None:
    person = journal(session)
    write_csv(export_document(session=session, person=person), tmp_path)
    document = read_export(tmp_path)
    assert document["source"] == "csv"
    row = document["tables"]["dose"][0]
    assert isinstance(row["warnings"], str)  # raw text until import converts it
    json.loads(row["warnings"])
