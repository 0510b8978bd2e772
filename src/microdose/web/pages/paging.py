"""Long lists (check-ins, doses, questionnaires, journal entries) grouped by month and paged.

A page shows up to :data:`MONTHS_PER_PAGE` months that have records, newest first, each
under its own heading; ``?month=YYYY-MM`` starts a page at that month, and the page links
to the older and newer ones. Without JavaScript it is plain links.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from microdose.domain.errors import InvalidInput

T = TypeVar("T")
MONTHS_PER_PAGE = 3
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month(Generic[T]):
    """One month of records, newest first."""

    key: str  # "2026-12"
    label: str  # "December 2026"
    rows: list[T] = field(default_factory=list)


@dataclass(frozen=True)
class MonthPage(Generic[T]):
    """The months on this page and the ``month`` values of the older and newer pages."""

    months: list[Month[T]]
    total: int
    older: str | None = None
    newer: str | None = None


def parse_month(text: str | None) -> str | None:
    """A ``YYYY-MM`` query value, checked; None when not given."""
    if not text:
        return None
    found = MONTH.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or not 1900 <= int(found.group(1)) <= 2100:
        raise InvalidInput("month", f"{text!r} is not a month", "YYYY-MM, 1900-01 to 2100-12")
    return text.strip()


def by_month(rows: Sequence[T], day_of: Callable[[T], dt.date], start: str | None = None,
             per_page: int = MONTHS_PER_PAGE) -> MonthPage[T]:
    """Group ``rows`` (newest first) by month; the page holds ``per_page`` months from
    ``start`` (the newest month by default) backwards."""
    months: dict[str, Month[T]] = {}
    for row in rows:
        day = day_of(row)
        key = f"{day.year:04d}-{day.month:02d}"
        if key not in months:
            months[key] = Month(key, day.strftime("%B %Y"))
        months[key].rows.append(row)
    keys = sorted(months, reverse=True)
    first = _first_index(keys, start)
    shown = keys[first:first + per_page]
    older = keys[first + per_page] if first + per_page < len(keys) else None
    newer = keys[max(first - per_page, 0)] if first > 0 else None
    return MonthPage([months[k] for k in shown], len(rows), older, newer)


def _first_index(keys: list[str], start: str | None) -> int:
    """Where a page starting at ``start`` begins: the first month not newer than it."""
    if start is None:
        return 0
    return next((i for i, key in enumerate(keys) if key <= start), len(keys))
