"""What any input may hold at all: dates in a plausible window, text a database can store.

Every interface refuses the same values before they reach a service: a day before
1900 or after 2100 (nobody microdosed then, and arithmetic near the calendar's edges,
year 1 or 9999, overflows), and text with a NUL character (PostgreSQL's text cannot hold
it) or a lone UTF-16 surrogate (no database can encode it).

Examples
--------
>>> check_date("date", date(2026, 3, 2))
datetime.date(2026, 3, 2)
>>> check_date("date", date(1, 1, 1))
Traceback (most recent call last):
...
microdose.domain.errors.InvalidInput: date: 0001-01-01 is outside the plausible window \
(allowed: a date from 1900-01-01 to 2100-12-31)
>>> check_text("notes", "a\\x00b")
Traceback (most recent call last):
...
microdose.domain.errors.InvalidInput: notes: contains a NUL character or a lone surrogate \
(allowed: text without control character U+0000 or unpaired surrogates)
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TypeVar

from microdose.domain.errors import InvalidInput

#: the first and last day any record may carry
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_WINDOW = f"a date from {EARLIEST_DATE} to {LATEST_DATE}"
TEXT_RULE = "text without control character U+0000 or unpaired surrogates"
#: what no database can store in a text column
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
D = TypeVar("D", bound=date)


def plausible_day(day: date) -> bool:
    """Whether ``day`` (or a moment's day) lies in the window."""
    if isinstance(day, datetime):
        day = day.date()
    return EARLIEST_DATE <= day <= LATEST_DATE


def check_date(field: str, value: D) -> D:
    """``value`` (a date or a datetime) if its day is in the window; else ``InvalidInput``."""
    if not plausible_day(value):
        shown = value.date() if isinstance(value, datetime) else value
        raise InvalidInput(field, f"{shown} is outside the plausible window", DATE_WINDOW)
    return value


def storable_text(value: str) -> bool:
    """Whether a database can store ``value`` (no NUL, no lone surrogate)."""
    return _UNSTORABLE.search(value) is None


def check_text(field: str, value: str) -> str:
    """``value`` if a database can store it; else ``InvalidInput`` naming ``field``."""
    if not storable_text(value):
        raise InvalidInput(field, "contains a NUL character or a lone surrogate", TEXT_RULE)
    return value
