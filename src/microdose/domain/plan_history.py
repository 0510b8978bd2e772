"""Plans over time: which plan governed which days, and dose days already behind.

A new plan (or a trial's schedule) replaces the active one from the day it is made; the
days before stay judged by the plan that was in effect on them, so a plan change never
turns earlier doses into "unplanned" nor earlier planned days into "missed". The first plan
governs from its own start. Pure: plans and dates in, dates and frozen dataclasses out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from microdose.domain.protocols import Plan

__all__ = ["PlanPeriod", "behind_text", "days_behind", "periods_of", "planned_days"]


@dataclass(frozen=True)
class PlanPeriod:
    """A plan and the days it governed: ``first`` to ``last`` (None: open on that side)."""

    plan: Plan
    first: date | None
    last: date | None

    def governs(self, day: date) -> bool:
        """Whether ``day`` falls in this plan's period of effect."""
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)

    def to_dict(self) -> dict[str, Any]:
        """The period as JSON: the plan's protocol and dates, and when it was in effect."""
        return {
            "protocol": self.plan.spec.protocol.value,
            "start": self.plan.start.isoformat(),
            "end": self.plan.end.isoformat(),
            "in_effect_from": (self.first or self.plan.start).isoformat(),
            "in_effect_to": self.last.isoformat() if self.last else None,
        }


def periods_of(made: Sequence[tuple[Plan, date]]) -> tuple[PlanPeriod, ...]:
    """The periods of plans given in the order they were made, each with the day it was made.

    Examples
    --------
    >>> from microdose.domain.protocols import PlanSpec, Protocol, build_plan
    >>> old = build_plan(PlanSpec(Protocol.FADIMAN, date(2026, 1, 1), weeks=4))
    >>> new = build_plan(PlanSpec(Protocol.STAMETS, date(2026, 1, 12), weeks=2))
    >>> [(p.first, p.last) for p in periods_of([(old, date(2026, 1, 1)), (new, date(2026, 1, 10))])]
    [(None, datetime.date(2026, 1, 9)), (datetime.date(2026, 1, 10), None)]
    """
    periods = []
    for index, (plan, day) in enumerate(made):
        first = None if index == 0 else day
        following = made[index + 1][1] if index + 1 < len(made) else None
        last = following - timedelta(days=1) if following is not None else None
        if first is not None and last is not None and last < first:
            continue  # replaced the day it was made: it governed no day
        periods.append(PlanPeriod(plan=plan, first=first, last=last))
    return tuple(periods)


def planned_days(periods: Iterable[PlanPeriod]) -> tuple[date, ...]:
    """Every dose day of each plan inside its own period of effect, in order."""
    return tuple(sorted({d for p in periods for d in p.plan.dose_days if p.governs(d)}))


def days_behind(plan: Plan, today: date) -> tuple[date, ...]:
    """The plan's dose days before ``today``: already behind when the plan is made."""
    return tuple(day for day in plan.dose_days if day < today)


def behind_text(days: tuple[date, ...], shown: int = 5) -> str:
    """``3 dose days are already behind (2026-11-02, 2026-11-05, 2026-11-08)``."""
    listed = ", ".join(day.isoformat() for day in days[:shown])
    more = f" and {len(days) - shown} more" if len(days) > shown else ""
    verb = "dose day is" if len(days) == 1 else "dose days are"
    return f"{len(days)} {verb} already behind ({listed}{more})"
