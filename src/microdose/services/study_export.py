"""Pseudonymised study export (CSV or Parquet) with its data dictionary.

One file per table (``participants``, ``questionnaires``, ``checkins``, ``doses``,
``adverse_events``, and ``journal`` when free text is allowed) plus
``data_dictionary.<ext>`` describing every column: table, column, type, meaning, unit or
allowed values. Only the owning researcher may export; one audit entry is appended per
participant whose data the export holds.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from microdose.domain.checkins import GUESSES, RATINGS
from microdose.domain.errors import InvalidInput
from microdose.domain.roles import Action, Resource
from microdose.services.access import audit_study_access, require_study
from microdose.services.actor import Actor
from microdose.services.study_records import MAX_ITEMS, StudyRecords, collect
from microdose.store.service_models import StudyRow

FORMATS = ("csv", "parquet")
#: pandas dtypes of the dictionary's types (nullable: a missing value stays empty)
DTYPES = {"integer": "Int64", "boolean": "boolean", "number": "Float64", "string": "string"}
_ID = [("pseudonym", "string", "participant's pseudonym in this study", ""),
       ("arm", "string", "arm the participant was allocated to", "the study's arm names")]
_DAY = [("study_day", "integer", "days since enrolment (day 0)", "days")]
_DATE = ("date", "string", "calendar date (only when the study exports dates)", "YYYY-MM-DD")
_NOTES = ("notes", "string", "free-text notes (only when the study exports free text)", "")
#: (column, type, meaning, unit or allowed values) per table, before the optional columns
DICTIONARY: dict[str, list[tuple[str, str, str, str]]] = {
    "participants": [
        *_ID,
        ("arm_kind", "string", "kind of arm",
         "open-label, self-blinded, placebo-controlled, comparator"),
        ("withdrawn", "boolean", "whether the participant withdrew", "true, false"),
        ("withdrawn_day", "integer", "study day of withdrawal (empty if none)", "days"),
        ("last_day", "integer", "last study day with data kept (today, end or withdrawal)",
         "days"),
        ("consent_version", "integer", "latest consent version accepted", ""),
    ],
    "questionnaires": [
        *_ID, *_DAY,
        ("instrument", "string", "questionnaire", "phq9, gad7, who5, dass21"),
        ("total", "integer", "PHQ-9 / GAD-7 total, WHO-5 raw score", "points"),
        ("severity", "string", "severity band of the total", ""),
        ("percent", "integer", "WHO-5 percentage score (raw x 4)", "0-100"),
        ("dass21_depression", "integer", "DASS-21 depression (sum x 2)", "0-42"),
        ("dass21_anxiety", "integer", "DASS-21 anxiety (sum x 2)", "0-42"),
        ("dass21_stress", "integer", "DASS-21 stress (sum x 2)", "0-42"),
        ("flags", "string", "rule-based flags, ';'-separated", "e.g. suicidal_ideation"),
        *[(f"item_{n:02d}", "integer", f"answer to item {n} (empty if missing or none)", "")
          for n in range(1, MAX_ITEMS + 1)],
    ],
    "checkins": [
        *_ID, *_DAY,
        *[(name, "integer", f"daily {name} rating", "0-10") for name in RATINGS],
        ("side_effects", "string", "side effects, ';'-separated", ""),
        ("guess", "string", "blinded guess of the day", ", ".join(GUESSES)),
        ("guess_confidence", "integer", "confidence in the guess", "0-100"),
    ],
    "doses": [
        *_ID, *_DAY,
        ("material", "string", "what was taken", ""),
        ("grams", "number", "weight taken", "g"),
        ("mg_low", "number", "psilocybin estimate, low end", "mg"),
        ("mg_typical", "number", "psilocybin estimate, typical", "mg"),
        ("mg_high", "number", "psilocybin estimate, high end", "mg"),
        ("classification", "string", "microdose / low / above microdose …", ""),
    ],
    "adverse_events": [
        *_ID, *_DAY,
        ("end_study_day", "integer", "study day the event ended (empty if ongoing)", "days"),
        ("category", "string", "kind of event", ""),
        ("grade", "integer", "severity grade", "1 mild, 2 moderate, 3 severe, "
         "4 life-threatening"),
        ("serious", "boolean", "grade 3 or more, or perceptual effects", "true, false"),
        ("action", "string", "what was done", ""),
    ],
    "journal": [*_ID, *_DAY, ("kind", "string", "entry kind", "intention, integration, note"),
                ("text", "string", "entry text (only when the study exports free text)", "")],
}


def columns_of(table: str, study: StudyRow) -> list[tuple[str, str, str, str]]:
    """The dictionary rows of ``table`` for this study's export settings."""
    rows = list(DICTIONARY[table])
    if study.export_dates and table != "participants":
        rows.insert(3, _DATE)
    if study.export_free_text and table in ("checkins", "doses", "adverse_events"):
        rows.append(_NOTES)
    return rows


def dictionary_frame(study: StudyRow, tables: list[str]) -> pd.DataFrame:
    """The data dictionary of the exported tables."""
    return pd.DataFrame.from_records(
        [{"table": t, "column": c, "type": ty, "description": d, "unit_or_values": u}
         for t in tables for c, ty, d, u in columns_of(t, study)])


def shaped(records: StudyRecords) -> dict[str, pd.DataFrame]:
    """Every table with exactly its dictionary's columns (empty tables keep their header)."""
    out = {}
    for name, frame in records.tables.items():
        spec = columns_of(name, records.study)
        shaped_frame = frame.reindex(columns=[c for c, *_ in spec])
        out[name] = shaped_frame.astype({c: DTYPES[t] for c, t, *_ in spec if t in DTYPES})
    return out


@dataclass(frozen=True)
class ExportResult:
    """Files written and how many participants they hold."""

    study_id: uuid.UUID
    folder: Path
    files: tuple[Path, ...]
    participants: int
    rows: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"study_id": str(self.study_id), "folder": str(self.folder),
                "files": [str(f) for f in self.files], "participants": self.participants,
                "rows": self.rows}


def _write(frame: pd.DataFrame, path: Path, fmt: str) -> Path:
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def export_study(
    *, session: Session, actor: Actor, study_id: uuid.UUID, folder: Path, fmt: str = "csv",
    now: datetime | None = None,
) -> ExportResult:
    """Write the pseudonymised tables and the data dictionary into ``folder``."""
    if fmt not in FORMATS:
        raise InvalidInput("format", f"{fmt!r} is not an export format", ", ".join(FORMATS))
    study = require_study(session=session, actor=actor, study_id=study_id,
                          resource=Resource.STUDY_DATA, action=Action.READ)
    records = collect(session, study, now)
    audit_study_access(session=session, actor=actor, study=study,
                       person_ids=records.person_ids, what="study.export", now=now)
    tables = shaped(records)
    frames = {**tables, "data_dictionary": dictionary_frame(study, list(tables))}
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=folder))
    try:
        written = [_write(frame, staging / f"{name}.{fmt}", fmt) for name, frame in frames.items()]
        files = tuple(path.replace(folder / path.name) for path in written)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(study.id, folder, files, len(records.person_ids),
                        {name: len(frame) for name, frame in tables.items()})
