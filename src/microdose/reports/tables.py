"""Tidy tables of a journal (one row per observation, one column per variable) and their
data dictionary, written as CSV or Parquet for R, pandas, SPSS or a spreadsheet.

Tables: ``days`` (one row per calendar day), ``doses``, ``side_effects`` (one row per side
effect reported on a day), ``scores`` (one row per scale per questionnaire response),
``answers`` (one row per item answer), ``journal`` (entries), and ``data_dictionary``
describing every column of the others. Unlike the ``csv`` export (raw tables, for
``microdose import``), these are meant for analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from microdose.analysis.daily import day_types
from microdose.domain.checkins import RATINGS
from microdose.domain.instruments import get_instrument
from microdose.services.insight import JournalData, score_points

__all__ = ["DICTIONARY", "FORMATS", "tidy_tables", "write_tables"]

FORMATS = ("csv", "parquet")

_DAY_TYPES = ("dose", "day_after", "two_days_after", "off")

#: table → column → (type, description). Every column of every tidy table is here.
DICTIONARY: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "days": {
        "date": ("date", "the person's local calendar day (YYYY-MM-DD)"),
        "day_type": (
            "category",
            "dose (a dose recorded that day), day_after (dose yesterday, none today), "
            "two_days_after (dose two days ago, none since), off (anything else)",
        ),
        "doses": ("integer", "number of doses recorded that day"),
        "planned_dose": ("boolean", "whether the active plan scheduled a dose that day"),
        "checked_in": ("boolean", "whether there was a daily check-in"),
        **{
            name: ("integer 0-10",
                   f"daily {name} rating; empty without a check-in or if not tracked")
            for name in RATINGS
        },
        "side_effects": ("integer", "number of side effects ticked; empty without a check-in"),
    },
    "doses": {
        "date": ("date", "local day of the dose"),
        "taken_at_utc": ("datetime", "time of the dose in UTC (ISO 8601)"),
        "material": ("text", "what was taken (see `microdose estimate`); empty if blinded"),
        "grams": ("number", "weight in grams"),
        "psilocybin_mg_low": ("number", "estimated psilocybin, low end of the range (mg)"),
        "psilocybin_mg_typical": ("number", "estimated psilocybin, typical value (mg)"),
        "psilocybin_mg_high": ("number", "estimated psilocybin, high end of the range (mg)"),
        "classification": ("text", "microdose, low dose, ... from the estimate"),
        "envelope_code": ("text", "blinded envelope code, if any"),
        "on_plan": ("boolean", "whether the day was a planned dose day"),
        "warnings": ("text", "warnings recorded with the dose, separated by ' | '"),
    },
    "side_effects": {
        "date": ("date", "local day of the check-in"),
        "side_effect": ("category", "the side effect ticked"),
        "day_type": ("category", "as in days.day_type"),
    },
    "scores": {
        "date": ("date", "local day the questionnaire was answered"),
        "scale": ("category", "phq9, gad7, who5 (percent), dass21_depression/anxiety/stress"),
        "score": ("number", "total (PHQ-9, GAD-7), percent (WHO-5) or subscale x 2 (DASS-21)"),
        "band": ("category", "severity band of the score"),
        "flags": ("text", "rule-based flags, separated by ' | '"),
    },
    "answers": {
        "date": ("date", "local day the questionnaire was answered"),
        "instrument": ("category", "phq9, gad7, who5 or dass21"),
        "response_id": ("text", "identifier of the response (groups its items)"),
        "item": ("integer", "item number, from 1"),
        "answer": ("integer", "the answer; empty if the item was left out (DASS-21)"),
        "loinc": ("text", "LOINC code of the item, where one exists"),
    },
    "journal": {
        "date": ("date", "local day of the entry"),
        "kind": ("category", "intention, integration or note"),
        "text": ("text", "what was written"),
    },
}


def _days(data: JournalData) -> list[dict[str, Any]]:
    types = day_types(list(data.dosed))
    counts: dict[Any, int] = {}
    for dose in data.doses:
        counts[dose.day] = counts.get(dose.day, 0) + 1
    rows = []
    for i, day in enumerate(data.days):
        kind = next(name for name, mask in zip(_DAY_TYPES, types, strict=True) if mask[i])
        checked = day in data.side_effects
        row: dict[str, Any] = {
            "date": day,
            "day_type": kind,
            "doses": counts.get(day, 0),
            "planned_dose": data.planned[i],
            "checked_in": checked,
        }
        for name in RATINGS:
            value = data.ratings[name][i]
            row[name] = None if value is None else int(value)
        row["side_effects"] = len(data.side_effects[day]) if checked else None
        rows.append(row)
    return rows


def _doses(data: JournalData) -> list[dict[str, Any]]:
    planned = dict(zip(data.days, data.planned, strict=True))
    return [
        {
            "date": d.day,
            "taken_at_utc": d.taken_at.isoformat(),
            "material": d.material,
            "grams": d.grams,
            "psilocybin_mg_low": d.mg_low,
            "psilocybin_mg_typical": d.mg_typical,
            "psilocybin_mg_high": d.mg_high,
            "classification": d.classification,
            "envelope_code": d.envelope_code,
            "on_plan": planned.get(d.day, False),
            "warnings": " | ".join(d.warnings),
        }
        for d in data.doses
    ]


def _side_effects(data: JournalData, kinds: Mapping[Any, str]) -> list[dict[str, Any]]:
    return [
        {"date": day, "side_effect": effect, "day_type": kinds[day]}
        for day, effects in sorted(data.side_effects.items())
        for effect in effects
    ]


def _scores(data: JournalData) -> list[dict[str, Any]]:
    return [
        {
            "date": point.day,
            "scale": scale,
            "score": point.value,
            "band": point.band,
            "flags": " | ".join(point.flags),
        }
        for record in data.responses
        for scale, point in score_points(record).items()
    ]


def _answers(data: JournalData) -> list[dict[str, Any]]:
    rows = []
    for record in data.responses:
        codes = get_instrument(record.instrument).item_loinc
        for number, answer in enumerate(record.answers, start=1):
            rows.append(
                {
                    "date": record.day,
                    "instrument": record.instrument,
                    "response_id": record.id,
                    "item": number,
                    "answer": answer,
                    "loinc": codes[number - 1] if number <= len(codes) else None,
                }
            )
    return rows


def tidy_tables(data: JournalData) -> dict[str, list[dict[str, Any]]]:
    """The tidy tables of a gathered journal, plus ``data_dictionary``."""
    days = _days(data)
    kinds = {row["date"]: row["day_type"] for row in days}
    tables = {
        "days": days,
        "doses": _doses(data),
        "side_effects": _side_effects(data, kinds),
        "scores": _scores(data),
        "answers": _answers(data),
        "journal": [{"date": d, "kind": k, "text": t} for d, k, t in data.entries],
    }
    tables["data_dictionary"] = [
        {"table": table, "column": column, "type": kind, "description": text}
        for table, columns in DICTIONARY.items()
        for column, (kind, text) in columns.items()
    ]
    return tables


def _frame(name: str, rows: list[dict[str, Any]]) -> Any:
    """A DataFrame with the dictionary's columns in order and nullable types."""
    import pandas as pd

    columns = (
        list(DICTIONARY[name]) if name in DICTIONARY else ["table", "column", "type", "description"]
    )
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns:
        kind = DICTIONARY.get(name, {}).get(column, ("text", ""))[0]
        if kind.startswith("integer"):
            frame[column] = frame[column].astype("Int64")
        elif kind == "boolean":
            frame[column] = frame[column].astype("boolean")
        elif kind == "number":
            frame[column] = frame[column].astype("Float64")
        elif kind == "date":
            frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def write_tables(tables: Mapping[str, list[dict[str, Any]]], folder: Path, fmt: str) -> list[Path]:
    """Write every table to ``folder`` as ``<name>.csv`` or ``<name>.parquet``."""
    if fmt not in FORMATS:
        from microdose.domain.errors import InvalidInput

        raise InvalidInput("format", f"{fmt!r} is not a table format", allowed=", ".join(FORMATS))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in tables.items():
        frame = _frame(name, rows)
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        written.append(path)
    return written
