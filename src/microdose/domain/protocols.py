"""Microdosing protocols: which days of a plan are dose days.

A plan is built from a :class:`PlanSpec` (protocol, start date, weeks on, weeks off,
number of cycles). One cycle is ``weeks × 7`` on-days followed by ``off_weeks × 7``
break days; the plan covers ``cycles × (weeks + off_weeks) × 7`` days from ``start``,
start included. In each on-phase the protocol's pattern restarts at the phase's first
day; break days have no doses.

Protocols (CLINICAL.md, "Protocols"):

- Fadiman: dose on day 1, then 2 days off (one dose every third day).
- Stamets: 4 days on, 3 days off.
- Every other day.
- Weekdays: the person's chosen days of the week.

Everything here works on calendar dates (:class:`datetime.date`), never on clock times,
so daylight-saving changes cannot move a dose day.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from microdose.domain.bounds import check_date
from microdose.domain.errors import InvalidInput

__all__ = [
    "MAX_CYCLES",
    "MAX_OFF_WEEKS",
    "MAX_WEEKS",
    "MIN_WEEKS",
    "TOLERANCE_BREAK_WEEKS",
    "WEEKDAY_NAMES",
    "Plan",
    "PlanSpec",
    "Protocol",
    "build_plan",
    "max_consecutive_dose_days",
    "parse_date",
    "parse_protocol",
    "parse_weekdays",
    "planned_doses_per_week",
    "validate_spec",
]

DAYS_PER_WEEK = 7

#: Shortest on-phase of a cycle, in weeks.
MIN_WEEKS = 1
#: Longest on-phase of a cycle, in weeks (two years).
MAX_WEEKS = 104
#: Longest break between cycles, in weeks. A bound against absurd input, not advice.
MAX_OFF_WEEKS = 104
#: Most cycles in one plan. A bound against absurd input, not advice.
MAX_CYCLES = 52

#: Break that is commonly said to reset tolerance, in weeks (low, high).
#: **Unconfirmed parameter**: tolerance builds with consecutive days and crosses to LSD
#: (Isbell et al. 1961), but no primary source gives a reset time (CLINICAL.md).
TOLERANCE_BREAK_WEEKS: tuple[int, int] = (1, 2)

#: Short weekday names, Monday first (the index is :meth:`datetime.date.weekday`).
WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_LOOKUP: dict[str, int] = {
    **{name: index for index, name in enumerate(WEEKDAY_NAMES)},
    **{name: index for index, name in enumerate(_WEEKDAY_FULL_NAMES)},
}
_WEEKDAYS_ALLOWED = ", ".join(WEEKDAY_NAMES)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Protocol(StrEnum):
    """A microdosing schedule."""

    FADIMAN = "fadiman"
    STAMETS = "stamets"
    EVERY_OTHER_DAY = "every-other-day"
    WEEKDAYS = "weekdays"


_PROTOCOLS_ALLOWED = ", ".join(protocol.value for protocol in Protocol)


def parse_protocol(text: str) -> Protocol:
    """Read a protocol name, ignoring case and surrounding spaces.

    Underscores and inner spaces count as hyphens, so ``"Every other day"`` works.

    Parameters
    ----------
    text : str
        The name, e.g. ``"fadiman"`` or ``"every-other-day"``.

    Returns
    -------
    Protocol

    Raises
    ------
    InvalidInput
        On an unknown name (field ``"protocol"``).

    Examples
    --------
    >>> parse_protocol("Fadiman")
    <Protocol.FADIMAN: 'fadiman'>
    >>> parse_protocol("every_other_day").value
    'every-other-day'
    """
    key = "-".join(str(text).strip().lower().replace("_", " ").split())
    try:
        return Protocol(key)
    except ValueError:
        raise InvalidInput(
            "protocol", f"unknown protocol {text!r}", allowed=_PROTOCOLS_ALLOWED
        ) from None


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Read a comma-separated list of weekdays into sorted, unique indices (Monday = 0).

    Parameters
    ----------
    text : str
        Day names, short (``mon``) or full (``monday``), any case, e.g. ``"mon,thu"``.

    Returns
    -------
    tuple of int
        Sorted weekday indices without repeats.

    Raises
    ------
    InvalidInput
        On an unknown name or an empty list (field ``"weekdays"``).

    Examples
    --------
    >>> parse_weekdays("mon,thu")
    (0, 3)
    >>> parse_weekdays("Friday, monday, MON")
    (0, 4)
    """
    names = [part.strip().lower() for part in str(text).split(",")]
    names = [name for name in names if name]
    if not names:
        raise InvalidInput("weekdays", "no weekday given", allowed=_WEEKDAYS_ALLOWED)
    unknown = [name for name in names if name not in _WEEKDAY_LOOKUP]
    if unknown:
        raise InvalidInput("weekdays", f"unknown weekday {unknown[0]!r}", allowed=_WEEKDAYS_ALLOWED)
    return tuple(sorted({_WEEKDAY_LOOKUP[name] for name in names}))


def parse_date(text: str, field: str = "date") -> date:
    """Read a date written strictly as ``YYYY-MM-DD``.

    Parameters
    ----------
    text : str
        The date, e.g. ``"2024-02-29"``.
    field : str, default "date"
        The field name to report in an error.

    Returns
    -------
    datetime.date

    Raises
    ------
    InvalidInput
        On any other format or an impossible date (named after ``field``).

    Examples
    --------
    >>> parse_date("2024-02-29")
    datetime.date(2024, 2, 29)
    >>> parse_date("2024-13-01", field="start")
    Traceback (most recent call last):
    ...
    microdose.domain.errors.InvalidInput: start: '2024-13-01' is not a date (allowed: YYYY-MM-DD)
    """
    stripped = str(text).strip()
    if _ISO_DATE.fullmatch(stripped):
        try:
            day = date.fromisoformat(stripped)
        except ValueError:
            pass
        else:
            return check_date(field, day)
    raise InvalidInput(field, f"{text!r} is not a date", allowed="YYYY-MM-DD")


@dataclass(frozen=True)
class PlanSpec:
    """What a person asks for; :func:`build_plan` turns it into dose days.

    Attributes
    ----------
    protocol : Protocol
        The schedule inside each on-phase.
    start : datetime.date
        First day of the plan (day 0 of the first on-phase).
    weeks : int
        Weeks on per cycle, ``MIN_WEEKS`` to ``MAX_WEEKS``.
    weekdays : tuple of int
        Chosen weekdays (Monday = 0); required for ``WEEKDAYS``, empty otherwise.
    off_weeks : int
        Weeks of break after each on-phase, 0 to ``MAX_OFF_WEEKS``.
    cycles : int
        Number of on/off cycles, 1 to ``MAX_CYCLES``; more than one needs ``off_weeks >= 1``.
    """

    protocol: Protocol
    start: date
    weeks: int
    weekdays: tuple[int, ...] = ()
    off_weeks: int = 0
    cycles: int = 1

    @property
    def cycle_days(self) -> int:
        """Days in one cycle (on-phase plus break)."""
        return (self.weeks + self.off_weeks) * DAYS_PER_WEEK

    @property
    def on_days(self) -> int:
        """Days in one on-phase."""
        return self.weeks * DAYS_PER_WEEK

    @property
    def total_days(self) -> int:
        """Days the whole plan covers, start included."""
        return self.cycles * self.cycle_days


@dataclass(frozen=True)
class Plan:
    """Dose days of a validated :class:`PlanSpec`.

    Attributes
    ----------
    spec : PlanSpec
        What the plan was built from.
    dose_days : tuple of datetime.date
        Dose days, sorted, without repeats.
    end : datetime.date
        Last day the plan covers, inclusive.
    """

    spec: PlanSpec
    dose_days: tuple[date, ...]
    end: date

    @property
    def start(self) -> date:
        """First day the plan covers."""
        return self.spec.start

    def days(self) -> tuple[date, ...]:
        """Every day the plan covers, on-phase and break days alike, in order."""
        count = (self.end - self.start).days + 1
        return tuple(self.start + timedelta(days=offset) for offset in range(count))

    def is_dose_day(self, day: date) -> bool:
        """Whether ``day`` is one of the plan's dose days."""
        index = bisect_left(self.dose_days, day)
        return index < len(self.dose_days) and self.dose_days[index] == day

    def phase_on(self, day: date) -> bool:
        """Whether ``day`` falls inside an on-phase (inside the plan and not a break)."""
        if not self.start <= day <= self.end:
            return False
        return _phase_index(self.spec, (day - self.start).days) is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form, dates as ``YYYY-MM-DD`` and weekdays as short names."""
        spec = self.spec
        return {
            "protocol": spec.protocol.value,
            "start": spec.start.isoformat(),
            "end": self.end.isoformat(),
            "weeks": spec.weeks,
            "off_weeks": spec.off_weeks,
            "cycles": spec.cycles,
            "weekdays": [WEEKDAY_NAMES[index] for index in sorted(spec.weekdays)],
            "dose_days": [day.isoformat() for day in self.dose_days],
        }


def _check_count(value: object, field: str, low: int, high: int) -> None:
    """Raise unless ``value`` is an int (not a bool) in ``[low, high]``."""
    allowed = f"a whole number from {low} to {high}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"{value!r} is not a whole number", allowed=allowed)
    if not low <= value <= high:
        raise InvalidInput(field, f"must be >= {low} and <= {high}, got {value}", allowed=allowed)


def _check_weekdays(spec: PlanSpec) -> None:
    """Raise unless the weekdays fit the protocol."""
    weekdays = spec.weekdays
    if spec.protocol is not Protocol.WEEKDAYS:
        if weekdays:
            raise InvalidInput(
                "weekdays",
                f"weekdays are only used by the weekdays protocol, not {spec.protocol.value}",
                allowed=f"none for {spec.protocol.value}",
            )
        return
    if not weekdays:
        raise InvalidInput(
            "weekdays", "the weekdays protocol needs at least one weekday", _WEEKDAYS_ALLOWED
        )
    for index in weekdays:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= 6:
            raise InvalidInput(
                "weekdays", f"{index!r} is not a weekday", allowed="0 (Monday) to 6 (Sunday)"
            )
    if len(set(weekdays)) != len(weekdays):
        raise InvalidInput("weekdays", "a weekday is given twice", allowed=_WEEKDAYS_ALLOWED)


def _check_start(spec: PlanSpec) -> None:
    """Raise unless ``start`` is a plain date and the plan ends before ``date.max``."""
    if isinstance(spec.start, datetime) or not isinstance(spec.start, date):
        raise InvalidInput("start", f"{spec.start!r} is not a date", allowed="YYYY-MM-DD")
    if (date.max - spec.start).days < spec.total_days - 1:
        raise InvalidInput("start", "the plan would end after 9999-12-31", allowed="YYYY-MM-DD")


def validate_spec(spec: PlanSpec) -> None:
    """Check a :class:`PlanSpec` against the rules; return nothing when it is valid.

    Parameters
    ----------
    spec : PlanSpec

    Raises
    ------
    InvalidInput
        Naming the first field that breaks a rule (``protocol``, ``weeks``,
        ``off_weeks``, ``cycles``, ``weekdays`` or ``start``) and what is allowed.

    Examples
    --------
    >>> try:
    ...     validate_spec(PlanSpec(Protocol.FADIMAN, date(2024, 1, 1), weeks=0))
    ... except InvalidInput as error:
    ...     print(error)
    weeks: must be >= 1 and <= 104, got 0 (allowed: a whole number from 1 to 104)
    """
    if not isinstance(spec.protocol, Protocol):
        raise InvalidInput(
            "protocol", f"unknown protocol {spec.protocol!r}", allowed=_PROTOCOLS_ALLOWED
        )
    _check_count(spec.weeks, "weeks", MIN_WEEKS, MAX_WEEKS)
    _check_count(spec.off_weeks, "off_weeks", 0, MAX_OFF_WEEKS)
    _check_count(spec.cycles, "cycles", 1, MAX_CYCLES)
    if spec.cycles > 1 and spec.off_weeks < 1:
        raise InvalidInput(
            "off_weeks",
            f"{spec.cycles} cycles need a break of at least 1 week between them",
            allowed=f"1 to {MAX_OFF_WEEKS} when cycles > 1",
        )
    _check_weekdays(spec)
    _check_start(spec)


def _phase_index(spec: PlanSpec, offset: int) -> int | None:
    """Day number inside the on-phase for ``offset`` days after start; None on a break."""
    position = offset % spec.cycle_days
    return position if position < spec.on_days else None


def _doses_on(spec: PlanSpec, phase_index: int, day: date) -> bool:
    """Whether the protocol doses on ``day``, the ``phase_index``-th day of an on-phase."""
    match spec.protocol:
        case Protocol.FADIMAN:
            return phase_index % 3 == 0
        case Protocol.STAMETS:
            return phase_index % DAYS_PER_WEEK < 4
        case Protocol.EVERY_OTHER_DAY:
            return phase_index % 2 == 0
        case Protocol.WEEKDAYS:
            return day.weekday() in spec.weekdays
    raise AssertionError(f"unhandled protocol {spec.protocol!r}")  # pragma: no cover


def build_plan(spec: PlanSpec) -> Plan:
    """Validate ``spec`` and list its dose days.

    Parameters
    ----------
    spec : PlanSpec

    Returns
    -------
    Plan
        Dose days (sorted) and the last day covered.

    Raises
    ------
    InvalidInput
        When :func:`validate_spec` refuses the spec.

    Examples
    --------
    >>> plan = build_plan(PlanSpec(Protocol.FADIMAN, date(2024, 2, 26), weeks=1))
    >>> [day.isoformat() for day in plan.dose_days]
    ['2024-02-26', '2024-02-29', '2024-03-03']
    >>> plan.end
    datetime.date(2024, 3, 3)
    >>> spec = PlanSpec(Protocol.WEEKDAYS, date(2024, 1, 3), weeks=1, weekdays=(0, 3))
    >>> [day.isoformat() for day in build_plan(spec).dose_days]
    ['2024-01-04', '2024-01-08']
    """
    validate_spec(spec)
    dose_days = []
    for offset in range(spec.total_days):
        phase_index = _phase_index(spec, offset)
        day = spec.start + timedelta(days=offset)
        if phase_index is not None and _doses_on(spec, phase_index, day):
            dose_days.append(day)
    end = spec.start + timedelta(days=spec.total_days - 1)
    return Plan(spec=spec, dose_days=tuple(dose_days), end=end)


def planned_doses_per_week(spec: PlanSpec) -> float:
    """Average doses per on-week (breaks not counted).

    Fadiman 7/3, Stamets 4, every other day 3.5, weekdays the number of chosen days.

    Examples
    --------
    >>> planned_doses_per_week(PlanSpec(Protocol.EVERY_OTHER_DAY, date(2024, 1, 1), weeks=4))
    3.5
    """
    validate_spec(spec)
    match spec.protocol:
        case Protocol.FADIMAN:
            return DAYS_PER_WEEK / 3
        case Protocol.STAMETS:
            return 4.0
        case Protocol.EVERY_OTHER_DAY:
            return DAYS_PER_WEEK / 2
        case Protocol.WEEKDAYS:
            return float(len(spec.weekdays))
    raise AssertionError(f"unhandled protocol {spec.protocol!r}")  # pragma: no cover


def _longest_weekly_run(weekdays: tuple[int, ...]) -> int:
    """Longest run of consecutive chosen weekdays, Sunday wrapping to Monday (< 7 days)."""
    chosen = set(weekdays)
    longest = 0
    for first in chosen:
        if (first - 1) % DAYS_PER_WEEK in chosen:
            continue  # not the start of a run
        length = 0
        while (first + length) % DAYS_PER_WEEK in chosen:
            length += 1
        longest = max(longest, length)
    return longest


def max_consecutive_dose_days(spec: PlanSpec) -> int:
    """Longest run of back-to-back dose days the protocol allows (a tolerance measure).

    Fadiman and every other day: 1; Stamets: 4. Weekdays: the longest run of chosen
    days around the week (Sunday wraps to Monday); with all seven days chosen, the whole
    on-phase. It is an upper bound: where a run is cut by the plan's start or a break,
    a plan's actual runs are shorter.

    Examples
    --------
    >>> spec = PlanSpec(Protocol.WEEKDAYS, date(2024, 1, 1), weeks=4, weekdays=(0, 5, 6))
    >>> max_consecutive_dose_days(spec)
    3
    """
    validate_spec(spec)
    match spec.protocol:
        case Protocol.FADIMAN | Protocol.EVERY_OTHER_DAY:
            return 1
        case Protocol.STAMETS:
            return 4
        case Protocol.WEEKDAYS:
            if len(set(spec.weekdays)) == DAYS_PER_WEEK:
                return spec.on_days
            return _longest_weekly_run(spec.weekdays)
    raise AssertionError(f"unhandled protocol {spec.protocol!r}")  # pragma: no cover
