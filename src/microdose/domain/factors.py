"""Daily factors a person chooses to note with each check-in (e.g. exercise, alcohol):
yes or no each day, and how mood went on the days with and without them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from microdose.domain.errors import InvalidInput

MAX_FACTORS = 8
_NAME = re.compile(r"^[a-z0-9][a-z0-9 -]{0,29}$")


def check_factor_names(names: Iterable[str]) -> tuple[str, ...]:
    """Names as stored: trimmed, lower case, each once, at most eight of 1–30 characters."""
    chosen = tuple(dict.fromkeys(" ".join(n.split()).lower() for n in names if n.strip()))
    bad = [n for n in chosen if not _NAME.fullmatch(n)]
    if bad:
        raise InvalidInput("factors", f"{bad[0]!r} is not a factor name",
                           "1-30 letters, digits, spaces or hyphens, e.g. exercise, alcohol")
    if len(chosen) > MAX_FACTORS:
        raise InvalidInput("factors", f"{len(chosen)} factors", f"at most {MAX_FACTORS}")
    return chosen


def day_factors(asked: Iterable[str], ticked: Iterable[str]) -> dict[str, bool]:
    """Each factor asked that day: True if ticked; a ticked name not asked is refused."""
    names, yes = tuple(asked), set(ticked)
    unknown = sorted(yes - set(names))
    if unknown:
        raise InvalidInput("factors", f"{unknown[0]!r} is not one of your factors",
                           ", ".join(names) or "none chosen in settings")
    return {name: name in yes for name in names}


def factor_series(days: Iterable[Mapping[str, bool] | None], name: str) -> list[float | None]:
    """1.0 or 0.0 on each day the factor was asked, None on days it was not."""
    return [None if not d or name not in d else float(d[name]) for d in days]
