"""Export the tables of a person's records (JSON, CSV) and delete everything linked to them.

An export holds the person's records only (:data:`RECORD_TABLES`): never the service's
internal rows that also name a person (accounts, idempotency keys, clinician links, study
enrolments and consents — :data:`INTERNAL_TABLES`), nor tables without a ``person_id``
(login sessions, audit log, trial seals). Deleting a person removes both kinds.
"""

from __future__ import annotations

import csv
import json
import os
import uuid
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from microdose import __version__
from microdose.services.serialize import plain
from microdose.store.all_models import metadata
from microdose.store.models import Person

FORMAT_NAME = "microdose-export"
FORMAT_VERSION = 1


#: What a person recorded (or the journal derived from it): exported, imported, restored
RECORD_TABLES = frozenset({
    "adverse_event", "checkin", "correction", "crisis_event", "dose", "journal_entry",
    "medication_change", "plan", "questionnaire_response", "safety_alert", "safety_screen",
    "trial", "trial_envelope",
})
#: Rows that name a person but belong to the service's machinery: deleted, never exported
INTERNAL_TABLES = frozenset({
    "account", "alert_acknowledgement", "clinician_link", "consent_acceptance",
    "study_enrolment", "web_idempotency", "reminder_schedule", "reminder_sent",
})


def linked_tables() -> list[Table]:
    """Every table with a ``person_id`` (records and internal rows), in dependency order."""
    return [t for t in metadata.sorted_tables if "person_id" in t.columns]


def person_tables() -> list[Table]:
    """The tables of a person's own records (:data:`RECORD_TABLES`), in dependency order."""
    return [t for t in linked_tables() if t.name in RECORD_TABLES]


def _table_rows(session: Session, table: Table, person: Person) -> list[dict[str, Any]]:
    query = select(table).where(table.c.person_id == person.id)
    if "id" in table.c:
        query = query.order_by(table.c.id)
    return [
        {key: plain(value) for key, value in row._mapping.items() if key != "person_id"}
        for row in session.execute(query)
    ]


def export_document(*, session: Session, person: Person) -> dict[str, Any]:
    """The whole journal as one JSON-ready document."""
    tables = {t.name: _table_rows(session, t, person) for t in person_tables()}
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "microdose_version": __version__,
        "person": {"timezone": person.timezone, "region": person.region},
        "tables": tables,
    }


def write_json(document: dict[str, Any], path: Path, *, overwrite: bool = False) -> Path:
    """Write the export document as UTF-8 JSON to a new file.

    An existing ``path`` raises :class:`FileExistsError` unless ``overwrite``; then the
    document goes to a temporary file first and replaces ``path`` only once complete.
    """
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if not overwrite:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
        return path
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_csv(document: dict[str, Any], folder: Path) -> list[Path]:
    """One CSV per table (lists and dicts as JSON text) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in document["tables"].items():
        table = metadata.tables[name]
        columns = [c.key for c in table.columns if c.key != "person_id"]
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(row.get(k)) for k in columns})
        written.append(path)
    return written


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def delete_all(*, session: Session) -> int:
    """Delete every person and (by cascade) everything they recorded; returns people deleted."""
    for table in reversed(linked_tables()):
        session.execute(delete(table))
    result = session.execute(delete(Person))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_person(*, session: Session, person_id: uuid.UUID) -> bool:
    """Delete one person, everything they recorded and every row linked to them."""
    for table in reversed(linked_tables()):
        session.execute(delete(table).where(table.c.person_id == person_id))
    result = session.execute(delete(Person).where(Person.id == person_id))
    return bool(getattr(result, "rowcount", 0))


class Exporter(Protocol):
    """An extra export format: writes the journal to ``output`` and returns what it wrote."""

    def __call__(self, *, session: Session, person: Person, output: Path | None) -> Path: ...


def ensure_fresh(*, session: Session, person: Person) -> bool:
    """True when the person has recorded nothing yet."""
    for table in person_tables():
        query = select(table.c.person_id).where(table.c.person_id == person.id).limit(1)
        if session.execute(query).first() is not None:
            return False
    return True
