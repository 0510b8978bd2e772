"""``microdose export`` writes your records only, to a new place, and says so; ``--json``
everywhere (export, delete, db, serve)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from tests.conftest import CliRun

from microdose.services.portability import INTERNAL_TABLES, RECORD_TABLES, linked_tables

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
CHECKIN = ["--mood", "6", "--anxiety", "3", "--energy", "5", "--focus", "5", "--sleep", "7",
           "--connectedness", "4"]


def recorded(cli: CliRun) -> CliRun:
    result = cli("checkin", *CHECKIN)
    assert result.exit_code == 0, result.output
    return cli


def add_internal_rows(database_url: str) -> None:
    """An idempotency key of the web app: a row that names the person but is no record."""
    from microdose.store.models import Person
    from microdose.store.web_models import IdempotencyRow

    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        person = session.query(Person).one()
        session.add(IdempotencyRow(person_id=person.id, key="k-1", method="POST",
                                   path="/checkin", fingerprint="f" * 64, status_code=201,
                                   body={"secret": "replayed response"}))
    engine.dispose()


def test_every_table_naming_a_person_is_classified_as_record_or_internal() -> None:
    linked = {table.name for table in linked_tables()}
    assert RECORD_TABLES.isdisjoint(INTERNAL_TABLES)
    assert linked == RECORD_TABLES | INTERNAL_TABLES, "classify the new table in portability"


def test_csv_and_json_exports_hold_the_persons_records_only(
    cli: CliRun, database_url: str, tmp_path: Path
) -> None:
    recorded(cli)
    add_internal_rows(database_url)
    folder = tmp_path / "csv"
    result = cli("export", "--format", "csv", "--output", str(folder), "--json")
    assert result.exit_code == 0, result.output
    names = {path.stem for path in folder.iterdir()}
    assert names == RECORD_TABLES
    assert names.isdisjoint({"web_idempotency", "account", "login_session", "audit_log",
                             "clinician_link", "account_idempotency", "trial_seal"})
    assert sorted(json.loads(result.stdout)["written"]) == sorted(
        str(folder / f"{name}.csv") for name in RECORD_TABLES)
    with (folder / "checkin.csv").open(newline="") as handle:
        assert [row["mood"] for row in csv.DictReader(handle)] == ["6"]
    document = json.loads(cli("export").stdout)
    assert set(document["tables"]) == RECORD_TABLES
    assert "replayed response" not in json.dumps(document)


@SQLITE
def test_an_older_export_with_internal_tables_still_imports(
    cli: CliRun, tmp_path: Path
) -> None:
    recorded(cli)
    exported = tmp_path / "old.json"
    assert cli("export", "--output", str(exported)).exit_code == 0
    old = json.loads(exported.read_text())
    old["tables"] |= {"web_idempotency": [], "account": []}  # as exports before 2026 held
    exported.write_text(json.dumps(old))
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    result = cli("--database-url", other, "import", str(exported), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["checkin"] == 1


@SQLITE
def test_export_refuses_an_existing_file_and_leaves_it_untouched(
    cli: CliRun, tmp_path: Path
) -> None:
    recorded(cli)
    target = tmp_path / "mine.json"
    target.write_text("precious")
    for fmt in ("json", "fhir"):
        result = cli("export", "--format", fmt, "--output", str(target))
        assert result.exit_code == 2
        assert f"--output: {target} exists; pass --force to overwrite it." in result.stderr
        assert target.read_text() == "precious"
    result = cli("export", "--output", str(target), "--force", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"format": "json", "output": str(target),
                                         "written": [str(target)]}
    assert json.loads(target.read_text())["format"] == "microdose-export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file


@SQLITE
def test_export_refuses_a_non_empty_folder_unless_forced(cli: CliRun, tmp_path: Path) -> None:
    recorded(cli)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "checkin.csv").write_text("mine")
    result = cli("export", "--format", "csv", "--output", str(folder))
    assert result.exit_code == 2
    assert "--output: the folder" in result.stderr and "pass --force" in result.stderr
    assert (folder / "checkin.csv").read_text() == "mine"
    assert cli("export", "--format", "csv", "--output", str(folder), "--force").exit_code == 0
    assert (folder / "checkin.csv").read_text().startswith("id,")
    empty = tmp_path / "empty"
    empty.mkdir()  # an empty folder is a new place: no --force needed
    assert cli("export", "--format", "csv", "--output", str(empty)).exit_code == 0


@SQLITE
@pytest.mark.parametrize(
    ("fmt", "where", "message"),
    [
        ("json", "missing/export.json", "does not exist; create it first"),
        ("csv", "missing/deeper/out", "does not exist; create it first"),
        ("json", "a-folder", "is a folder; this format writes one file"),
        ("ics", "a-folder", "is a folder; this format writes one file"),
        ("csv", "a-file", "is a file; this format writes a folder of files"),
    ],
)
def test_export_to_an_impossible_place_says_why(
    cli: CliRun, tmp_path: Path, fmt: str, where: str, message: str
) -> None:
    recorded(cli)
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_text("x")
    result = cli("export", "--format", fmt, "--output", str(tmp_path / where))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --output: ") and message in result.stderr
    assert not (tmp_path / "missing").exists()
    assert (tmp_path / "a-file").read_text() == "x"


@SQLITE
def test_a_failing_write_says_so(
    cli: CliRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microdose.services import portability

    def full_disk(*_args: object, **_kwargs: object) -> Path:
        raise OSError(28, "No space left on device")

    recorded(cli)
    monkeypatch.setattr(portability, "write_json", full_disk)
    result = cli("export", "--output", str(tmp_path / "x.json"))
    assert result.exit_code == 2
    assert "--output: cannot write" in result.stderr and "No space left" in result.stderr


def test_the_installed_command_never_says_internal_error(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'j.sqlite3'}"
    (tmp_path / "exists.json").write_text("{}")
    for output in (tmp_path / "no" / "such" / "dir.json", tmp_path, tmp_path / "exists.json"):
        done = subprocess.run(
            [sys.executable, "-m", "microdose", "--database-url", database, "export",
             "--output", str(output)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr
        assert "--output:" in done.stderr


@SQLITE
def test_delete_and_db_commands_print_json(cli: CliRun) -> None:
    recorded(cli)
    upgraded = cli("db", "upgrade", "--json")
    assert upgraded.exit_code == 0, upgraded.output
    revisions = json.loads(upgraded.stdout)["revisions"]
    assert revisions and json.loads(cli("db", "current", "--json").stdout) == {
        "revisions": revisions}
    assert cli("db", "current").stdout.strip() == ", ".join(revisions)
    declined = cli("delete", "--all", "--json", input="n\n")
    assert declined.exit_code == 1
    assert "Delete every record" in declined.stderr  # the question: stdout stays JSON
    assert "Delete every record" not in declined.stdout
    deleted = cli("delete", "--all", "--json", input="y\n")
    assert deleted.exit_code == 0
    answer, _, printed = deleted.stdout.partition("{")  # the runner echoes the typed answer
    assert answer.strip() == "y"
    assert json.loads("{" + printed) == {"deleted": True, "people": 1}
    assert json.loads(cli("delete", "--all", "--yes", "--json").stdout)["people"] == 1


def test_serve_json_prints_one_line_with_the_url(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "microdose", "--database-url",
               f"sqlite:///{tmp_path / 'served.sqlite3'}", "serve", "--port", "0", "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "MICRODOSE_TIMEZONE": "UTC"})
    try:
        assert process.stdout is not None
        deadline, line = time.monotonic() + 60, ""
        while time.monotonic() < deadline and not line and process.poll() is None:
            line = process.stdout.readline()
        started = json.loads(line)
        assert started["serving"] == "your journal" and started["workers"] == 1
        assert started["url"] == f"http://127.0.0.1:{started['port']}"
        assert started["host"] == "127.0.0.1" and started["port"] > 0
    finally:
        process.terminate()
        process.wait(timeout=20)
