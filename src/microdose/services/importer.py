"""Read our own export back: a JSON export file or the folder of a CSV export.

Every table of the person's records (``portability.RECORD_TABLES``) is read with the types
of its columns (UUIDs, dates, UTC times, numbers, booleans, JSON lists), attached to the
journal's person, and inserted with its original ids in one transaction: all of it, or
nothing. The journal must be empty unless ``replace`` is given, which first deletes that
person's records. Internal tables that exports of earlier versions carried (accounts,
idempotency keys, …: ``portability.INTERNAL_TABLES``) are ignored, never restored.

CSV cannot tell an empty text from a missing one: an empty cell is read as missing in a
column that allows it, as empty text otherwise. The JSON export has no such ambiguity.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Integer, Table, Uuid, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microdose.domain.errors import Conflict, InvalidInput
from microdose.services.people import check_timezone
from microdose.services.portability import (
    FORMAT_NAME,
    FORMAT_VERSION,
    INTERNAL_TABLES,
    ensure_fresh,
    person_tables,
)
from microdose.store.base import UTCDateTime
from microdose.store.models import Person

__all__ = ["ImportSummary", "import_document", "import_file", "read_export"]

_ALLOWED = "a JSON file written by `microdose export` or the folder of a CSV export"


@dataclass(frozen=True)
class ImportSummary:
    """What was imported: rows per table."""

    source: str
    rows: Mapping[str, int]

    @property
    def total(self) -> int:
        """All rows imported."""
        return sum(self.rows.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"source": self.source, "rows": dict(self.rows), "total": self.total}


def _csv_tables(folder: Path) -> dict[str, list[dict[str, str]]]:
    known = {table.name for table in person_tables()}
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        if path.stem in known:
            with path.open(newline="", encoding="utf-8") as handle:
                tables[path.stem] = list(csv.DictReader(handle))
    if not tables:
        raise InvalidInput("file", f"{folder} holds no table of a microdose CSV export", _ALLOWED)
    return tables


def read_export(path: Path) -> dict[str, Any]:
    """Read an export into the shape of :func:`portability.export_document`.

    Raises
    ------
    InvalidInput
        When ``path`` is missing, not an export, or from a newer format (field ``"file"``).
    """
    if path.is_dir():
        return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "person": None,
                "tables": _csv_tables(path), "source": "csv"}  # fmt: skip
    if not path.is_file():
        raise InvalidInput("file", f"{path} does not exist", _ALLOWED)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("file", f"{path} is not JSON ({exc})", _ALLOWED) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise InvalidInput("file", f"{path} is not a microdose export", _ALLOWED)
    version = document.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InvalidInput(
            "file", f"export format version {version!r} is not supported", f"1-{FORMAT_VERSION}"
        )
    return {**document, "source": "json"}


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f"{text!r} is not true or false")


def _parser(column: Column[Any]) -> Callable[[str], Any]:
    kind = column.type
    parsers: list[tuple[type[Any], Callable[[str], Any]]] = [
        (UTCDateTime, datetime.fromisoformat),
        (DateTime, datetime.fromisoformat),
        (Date, date.fromisoformat),
        (Uuid, uuid.UUID),
        (Boolean, _boolean),
        (Integer, int),
        (Float, float),
        (JSON, json.loads),
    ]
    for sql_type, parse in parsers:
        if isinstance(kind, sql_type):
            return parse
    return str


def _value(column: Column[Any], value: Any, from_csv: bool) -> Any:
    """A stored value from its exported form."""
    if from_csv and value == "":
        if column.nullable:
            return None
        if _parser(column) is str:
            return ""
        raise ValueError("is empty but required")
    if value is None:
        if column.nullable:
            return None
        raise ValueError("is missing but required")
    if isinstance(column.type, JSON) and not from_csv:
        return value
    if isinstance(value, str):
        return _parser(column)(value)
    return value


def _rows(
    table: Table, rows: list[dict[str, Any]], person: Person, from_csv: bool
) -> list[dict[str, Any]]:
    columns = {c.key: c for c in table.columns if c.key != "person_id"}
    converted = []
    for number, row in enumerate(rows, start=1):
        unknown = sorted(set(row) - set(columns))
        if unknown:
            raise InvalidInput("file", f"{table.name}: unknown column {unknown[0]!r}", _ALLOWED)
        out: dict[str, Any] = {"person_id": person.id}
        for key, value in row.items():
            try:
                out[key] = _value(columns[key], value, from_csv)
            except (ValueError, TypeError) as exc:
                raise InvalidInput(
                    "file", f"{table.name} row {number}, {key}: {value!r} {exc}", _ALLOWED
                ) from exc
        converted.append(out)
    return converted


def import_document(
    *, session: Session, person: Person, document: Mapping[str, Any], replace: bool = False
) -> ImportSummary:
    """Insert an export's rows for ``person`` (all or nothing: the caller's transaction).

    Raises
    ------
    Conflict
        When the journal is not empty and ``replace`` is False, or when rows of the export
        already exist in this database.
    InvalidInput
        On an unknown table or column, or a value that does not fit its column.
    """
    tables = person_tables()
    given = document.get("tables") or {}
    unknown = sorted(set(given) - {t.name for t in tables} - INTERNAL_TABLES)
    if unknown:
        raise InvalidInput("file", f"unknown table {unknown[0]!r} in the export", _ALLOWED)
    if not ensure_fresh(session=session, person=person):
        if not replace:
            raise Conflict("this journal is not empty: use --replace to overwrite it")
        for table in reversed(tables):
            session.execute(delete(table).where(table.c.person_id == person.id))
    from_csv = document.get("source") == "csv"
    counts: dict[str, int] = {}
    for table in tables:
        rows = _rows(table, list(given.get(table.name, [])), person, from_csv)
        if rows:
            try:
                session.execute(table.insert(), rows)
            except IntegrityError as exc:
                raise Conflict(
                    f"{table.name}: rows of this export already exist here or refer to records "
                    "this database does not hold"
                ) from exc
        counts[table.name] = len(rows)
    _person_settings(person, document.get("person"))
    session.flush()
    return ImportSummary(str(document.get("source", "json")), counts)


def _person_settings(person: Person, settings: Any) -> None:
    if isinstance(settings, dict):
        if settings.get("timezone"):
            person.timezone = check_timezone(str(settings["timezone"]))
        if "region" in settings:
            person.region = settings["region"]


def import_file(
    *, session: Session, person: Person, path: Path, replace: bool = False
) -> ImportSummary:
    """Read ``path`` (JSON file or CSV folder) and import it (see :func:`import_document`)."""
    summary = import_document(
        session=session, person=person, document=read_export(path), replace=replace
    )
    return ImportSummary(str(path), summary.rows)
