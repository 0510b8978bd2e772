"""Dose guards: more doses in a week than planned, and 12 weeks or more without a break.

Tolerance builds with consecutive days (Isbell et al. 1961); no primary source gives a
reset time, so the break that ends a run is a parameter (CLINICAL.md: "a break of 1–2
weeks"). Psilocin is a 5-HT2B agonist: a risk to heart valves with long, regular use is
not excluded (Tagen et al. 2023; Rouaud et al. 2023), hence the caution after 12 weeks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from microdose.domain.protocols import PlanSpec, planned_doses_per_week

#: days without a dose that count as a break; "1–2 weeks", no primary source (CLINICAL.md):
#: a parameter, set to the conservative end
MIN_BREAK_DAYS = 14
#: days of dosing without a break after which the 5-HT2B caution applies (12 weeks, ~3 months)
LONG_RUN_DAYS = 84
#: window of "a week" for the weekly dose count: any 7 consecutive days holding the dose
WEEK_DAYS = 7


def planned_weekly_maximum(spec: PlanSpec) -> int:
    """Most doses the protocol plans in one week (the planned average, rounded up).

    Examples
    --------
    >>> from microdose.domain.protocols import Protocol
    >>> planned_weekly_maximum(PlanSpec(Protocol.FADIMAN, date(2024, 1, 1), weeks=4))
    3
    """
    return math.ceil(planned_doses_per_week(spec) - 1e-9)


def doses_in_week(day: date, previous: Iterable[date]) -> int:
    """Most doses in any 7 days that include ``day``, counting the new dose on ``day``.

    Every window holding the new dose counts, so that a dose recorded late for a past day
    is checked against the doses after it as well.

    Examples
    --------
    >>> doses_in_week(date(2026, 1, 8), [date(2026, 1, 2), date(2026, 1, 12)])
    2
    """
    near = [d for d in previous if abs((d - day).days) < WEEK_DAYS]
    counts = []
    for shift in range(WEEK_DAYS):
        first = day - timedelta(days=WEEK_DAYS - 1 - shift)
        last = first + timedelta(days=WEEK_DAYS - 1)
        counts.append(1 + sum(1 for d in near if first <= d <= last))
    return max(counts)


def run_start(day: date, previous: Iterable[date], min_break_days: int = MIN_BREAK_DAYS) -> date:
    """First dose day of the run that ``day`` belongs to (a break ends a run)."""
    start = day
    for earlier in sorted({d for d in previous if d < day}, reverse=True):
        if (start - earlier).days - 1 >= min_break_days:
            break
        start = earlier
    return start


def tolerance_warnings(
    day: date, previous: Sequence[date], weekly_maximum: int | None
) -> list[str]:
    """Warnings for too many doses in a week and for 12 weeks or more without a break.

    ``previous`` holds the days of the doses already recorded (repeats for two doses a day).
    """
    warnings: list[str] = []
    count = doses_in_week(day, previous)
    if weekly_maximum is not None and count > weekly_maximum:
        warnings.append(
            f"more doses in a week than the protocol plans: {count} within 7 days around "
            f"{day.isoformat()}, the plan has at most {weekly_maximum}"
        )
    start = run_start(day, previous)
    if (day - start).days + 1 >= LONG_RUN_DAYS:
        warnings.append(long_run_caution(start))
    return warnings


def long_run_caution(since: date | None = None) -> str:
    """The 5-HT2B caution for a protocol running 12 weeks or more without a break."""
    running = f" (doses since {since.isoformat()})" if since else ""
    return (
        f"12 weeks or more without a break{running}: psilocin is a 5-HT2B agonist and a "
        "risk to heart valves with long regular use is not excluded (Tagen et al. 2023; "
        f"Rouaud et al. 2023) — take a break of at least {MIN_BREAK_DAYS // 7} weeks"
    )


def plan_warnings(spec: PlanSpec) -> list[str]:
    """Warnings about a plan itself: an on-phase of 12 weeks or more (the 5-HT2B caution)."""
    if spec.on_days >= LONG_RUN_DAYS:
        return [long_run_caution()]
    return []
