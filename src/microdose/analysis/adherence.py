"""Adherence to the plan, check-in completeness, and side effects on dose vs off days.

Pure: dates and lists in, frozen dataclasses out. Proportions carry a Wilson score
interval (Wilson 1927, JASA 22:209); a difference between two proportions carries
Newcombe's hybrid score interval (Newcombe 1998, Stat Med 17:873, method 10). Both treat
days as independent, which side effects reported on separate days roughly are; the
intervals are a guide, not a test.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scipy import special

__all__ = [
    "Adherence",
    "Proportion",
    "SideEffectRate",
    "adherence",
    "newcombe_difference",
    "proportion",
    "side_effect_rates",
    "wilson_interval",
]

WILSON = "Wilson score interval"
NEWCOMBE = "Newcombe hybrid score interval (method 10)"
_Z = float(special.ndtri(0.975))


def wilson_interval(count: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of ``count / n`` (``n > 0``).

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(21, 23)]
    [0.732, 0.9758]
    """
    p = count / n
    z2 = _Z * _Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = _Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Proportion:
    """``count`` of ``n`` with its 95% interval (None when ``n`` is 0)."""

    count: int
    n: int
    estimate: float | None
    ci95: tuple[float, float] | None
    method: str = WILSON

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "count": self.count,
            "n": self.n,
            "estimate": self.estimate,
            "ci95": list(self.ci95) if self.ci95 else None,
            "method": self.method,
        }


def proportion(count: int, n: int) -> Proportion:
    """A :class:`Proportion` with its Wilson interval.

    Examples
    --------
    >>> proportion(0, 0).estimate is None
    True
    """
    if n <= 0:
        return Proportion(count, n, None, None)
    return Proportion(count, n, count / n, wilson_interval(count, n))


def newcombe_difference(a: Proportion, b: Proportion) -> tuple[float, float] | None:
    """95% interval of ``a - b`` by Newcombe's hybrid score method (None if either is empty).

    Examples
    --------
    >>> [round(v, 4) for v in newcombe_difference(proportion(6, 30), proportion(3, 60))]
    [0.0137, 0.3261]
    """
    if a.ci95 is None or b.ci95 is None or a.estimate is None or b.estimate is None:
        return None
    (l1, u1), (l2, u2) = a.ci95, b.ci95
    p1, p2 = a.estimate, b.estimate
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


@dataclass(frozen=True)
class Adherence:
    """How closely the plan was followed in a period.

    Attributes
    ----------
    planned_doses : int
        Planned dose days in the period (up to its last day).
    taken_as_planned : int
        Planned dose days with a dose recorded that day.
    missed : int
        Planned dose days without a dose.
    unplanned_doses : int
        Doses on days the plan did not schedule (including a second dose on a day).
    doses : int
        All doses recorded in the period.
    adherence : Proportion
        ``taken_as_planned / planned_doses``.
    checkins : Proportion
        Days with a check-in out of the days in the period.
    method : str
        What was counted and how the intervals were made.
    """

    planned_doses: int
    taken_as_planned: int
    missed: int
    unplanned_doses: int
    doses: int
    adherence: Proportion
    checkins: Proportion
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "planned_doses": self.planned_doses,
            "taken_as_planned": self.taken_as_planned,
            "missed": self.missed,
            "unplanned_doses": self.unplanned_doses,
            "doses": self.doses,
            "adherence": self.adherence.to_dict(),
            "checkins": self.checkins.to_dict(),
            "method": self.method,
        }


def adherence(
    *,
    planned: Iterable[date],
    taken: Iterable[date],
    checkin_days: Iterable[date],
    start: date,
    end: date,
) -> Adherence:
    """Count planned, taken, missed and unplanned doses and check-in days in [start, end].

    Parameters
    ----------
    planned : iterable of date
        The plan's dose days (any range; only [start, end] counts).
    taken : iterable of date
        The local day of every dose recorded (repeats mean several doses that day).
    checkin_days : iterable of date
        Days with a check-in.
    start, end : date
        The period, both included.

    Examples
    --------
    >>> d = date(2026, 1, 1)
    >>> result = adherence(planned=[d, d + timedelta(3)], taken=[d, d + timedelta(4)],
    ...                    checkin_days=[d], start=d, end=d + timedelta(6))
    >>> result.taken_as_planned, result.missed, result.unplanned_doses, result.checkins.n
    (1, 1, 1, 7)
    """
    period = _Period(start, end)
    plan_days = period.days_in(planned)
    doses = Counter(day for day in taken if period.contains(day))
    checkins = proportion(len(period.days_in(checkin_days)), period.n_days)
    return _compare_with_plan(plan_days, doses, checkins)


def _compare_with_plan(
    plan_days: set[date], doses: Counter[date], checkins: Proportion
) -> Adherence:
    """Planned, taken, missed and unplanned doses, with the check-in completeness."""
    on_plan = sum(1 for day in plan_days if doses[day] > 0)
    unplanned = sum(count - (1 if day in plan_days else 0) for day, count in doses.items())
    return Adherence(
        planned_doses=len(plan_days),
        taken_as_planned=on_plan,
        missed=len(plan_days) - on_plan,
        unplanned_doses=unplanned,
        doses=sum(doses.values()),
        adherence=proportion(on_plan, len(plan_days)),
        checkins=checkins,
        method=_ADHERENCE_METHOD,
    )


_ADHERENCE_METHOD = (
    f"a planned day counts as taken when a dose was recorded that local day; {WILSON} for "
    "proportions"
)


@dataclass(frozen=True)
class _Period:
    """The days from ``start`` to ``end``, both included (none when ``end < start``)."""

    start: date
    end: date

    def contains(self, day: date) -> bool:
        """Whether ``day`` falls in the period."""
        return self.start <= day <= self.end

    def days_in(self, days: Iterable[date]) -> set[date]:
        """The distinct ``days`` that fall in the period."""
        return {day for day in days if self.contains(day)}

    @property
    def n_days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days + 1 if self.end >= self.start else 0


@dataclass(frozen=True)
class SideEffectRate:
    """How often one side effect was reported on dose days and on other days.

    Attributes
    ----------
    side_effect : str
        Its name.
    dose_days, off_days : Proportion
        Check-in days reporting it, out of check-in days of that kind.
    difference : float or None
        Dose-day share minus off-day share.
    ci95 : tuple of float or None
        95% interval of the difference.
    method : str
        How the intervals were made.
    """

    side_effect: str
    dose_days: Proportion
    off_days: Proportion
    difference: float | None
    ci95: tuple[float, float] | None
    method: str = f"{WILSON} per kind of day; {NEWCOMBE} for the difference"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "side_effect": self.side_effect,
            "dose_days": self.dose_days.to_dict(),
            "off_days": self.off_days.to_dict(),
            "difference": self.difference,
            "ci95": list(self.ci95) if self.ci95 else None,
            "method": self.method,
        }


def side_effect_rates(days: Sequence[tuple[bool, Sequence[str]]]) -> list[SideEffectRate]:
    """Side-effect frequency on dose days vs other days, for every side effect reported.

    Parameters
    ----------
    days : sequence of (bool, sequence of str)
        One entry per check-in day: whether it was a dose day, and the side effects
        reported that day.

    Returns
    -------
    list of SideEffectRate
        Most frequent first.

    Examples
    --------
    >>> rates = side_effect_rates([(True, ["headache"]), (False, []), (False, ["headache"])])
    >>> rates[0].dose_days.count, rates[0].off_days.count, rates[0].off_days.n
    (1, 1, 2)
    """
    n_dose = sum(1 for dosed, _ in days if dosed)
    n_off = len(days) - n_dose
    on_dose: Counter[str] = Counter()
    on_off: Counter[str] = Counter()
    for dosed, effects in days:
        (on_dose if dosed else on_off).update(set(effects))
    rates = []
    for name in sorted(set(on_dose) | set(on_off)):
        a, b = proportion(on_dose[name], n_dose), proportion(on_off[name], n_off)
        diff = None
        if a.estimate is not None and b.estimate is not None:
            diff = a.estimate - b.estimate
        rates.append(SideEffectRate(name, a, b, diff, newcombe_difference(a, b)))
    return sorted(rates, key=lambda r: -(r.dose_days.count + r.off_days.count))


def period_days(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included."""
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
