"""Rows to JSON-ready dicts (one generic rule: UUIDs and dates become strings)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from microdose.store.base import Base


def plain(value: Any) -> Any:
    """A JSON-ready version of one stored value."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_dict(row: Base, *, exclude: tuple[str, ...] = ("person_id",)) -> dict[str, Any]:
    """Every column of ``row`` except ``exclude``, JSON-ready."""
    return {
        column.key: plain(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in exclude
    }
