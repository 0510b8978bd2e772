"""Reminders: when a person wants to be reminded, and what is due on one of their days.

A :class:`Schedule` holds three kinds of reminder, each at a local wall-clock time or off:

- ``checkin``: the daily check-in (every day, dose day or not);
- ``dose``: on a planned dose day, until the dose is recorded;
- ``questionnaire``: each chosen instrument every ``interval`` days after it was last
  answered (at once when it never was), at the questionnaire time.

A paused schedule reminds of nothing (no calendar alarms, no email); what is due is still
shown on the person's own page. Pure: no I/O; the services store the schedule and supply
the facts (checked in, dose day, last answers).

>>> schedule = make_schedule(checkin_time="20:00", questionnaires={"phq9": "14"})
>>> due_on(schedule, date(2026, 3, 15), checked_in=False, dose_day=False,
...        last_answered={"phq9": date(2026, 3, 1)}).kinds()
('checkin', 'questionnaire:phq9')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from microdose.domain.errors import InvalidInput
from microdose.domain.instrument_items import INSTRUMENTS

__all__ = [
    "DEFAULT_CHECKIN_TIME",
    "DEFAULT_DOSE_TIME",
    "DEFAULT_INTERVAL_DAYS",
    "KINDS",
    "MAX_INTERVAL_DAYS",
    "Due",
    "Schedule",
    "check_interval",
    "due_on",
    "due_to_send",
    "format_time",
    "make_schedule",
    "next_due",
    "parse_time",
    "questionnaire_days",
]

#: the kinds of reminder; a questionnaire's is written ``questionnaire:<instrument>``
KINDS: tuple[str, ...] = ("checkin", "dose", "questionnaire")
DEFAULT_CHECKIN_TIME = time(20, 0)
DEFAULT_DOSE_TIME = time(9, 0)
DEFAULT_QUESTIONNAIRE_TIME = time(10, 0)
#: every personal-journal instrument every two weeks unless chosen otherwise
DEFAULT_INTERVAL_DAYS: Mapping[str, int] = {"phq9": 14, "gad7": 14, "who5": 14}
MAX_INTERVAL_DAYS = 365
_TIME_ALLOWED = "HH:MM (24-hour clock), or empty for no reminder"


@dataclass(frozen=True)
class Schedule:
    """A person's reminder times (None: no reminder of that kind) and intervals in days."""

    checkin_time: time | None = DEFAULT_CHECKIN_TIME
    dose_time: time | None = DEFAULT_DOSE_TIME
    questionnaire_time: time | None = DEFAULT_QUESTIONNAIRE_TIME
    questionnaires: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_INTERVAL_DAYS)
    )
    paused: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, times as ``HH:MM`` (None when off)."""
        return {
            "checkin_time": format_time(self.checkin_time),
            "dose_time": format_time(self.dose_time),
            "questionnaire_time": format_time(self.questionnaire_time),
            "questionnaires": dict(sorted(self.questionnaires.items())),
            "paused": self.paused,
        }


@dataclass(frozen=True)
class Due:
    """What is due on one day: the check-in, the dose, questionnaires (instrument keys)."""

    checkin: bool = False
    dose: bool = False
    questionnaires: tuple[str, ...] = ()

    def kinds(self) -> tuple[str, ...]:
        """The due reminders as kinds: ``checkin``, ``dose``, ``questionnaire:<key>``."""
        found = [kind for kind, on in (("checkin", self.checkin), ("dose", self.dose)) if on]
        return (*found, *(f"questionnaire:{key}" for key in self.questionnaires))

    def __bool__(self) -> bool:
        return bool(self.kinds())


def parse_time(text: str | time | None, field_name: str) -> time | None:
    """A local ``HH:MM`` time; empty (or ``off``) is no reminder.

    >>> parse_time("07:30", "checkin_time")
    datetime.time(7, 30)
    >>> parse_time("", "checkin_time") is None
    True
    """
    if text is None or isinstance(text, time):
        if isinstance(text, time) and text.tzinfo is not None:
            raise InvalidInput(field_name, "has its own time zone", _TIME_ALLOWED)
        return text
    value = str(text).strip().lower()
    if value in ("", "off", "none"):
        return None
    hours, sep, minutes = value.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise InvalidInput(field_name, f"{text!r} is not a time", _TIME_ALLOWED)
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise InvalidInput(field_name, f"{text!r} is not a time of day", _TIME_ALLOWED)
    return time(int(hours), int(minutes))


def format_time(value: time | None) -> str | None:
    """``HH:MM``, or None for no reminder."""
    return None if value is None else value.strftime("%H:%M")


def check_interval(instrument: str, days: int | str) -> tuple[str, int]:
    """A known instrument and its interval in days (1 to :data:`MAX_INTERVAL_DAYS`)."""
    key = str(instrument).strip().lower()
    if key not in INSTRUMENTS:
        raise InvalidInput(
            "questionnaires", f"unknown instrument {instrument!r}", ", ".join(INSTRUMENTS)
        )
    allowed = f"a whole number of days, 1-{MAX_INTERVAL_DAYS}"
    try:
        interval = int(str(days).strip())
    except ValueError:
        raise InvalidInput(f"interval_{key}", f"{days!r} is not a number", allowed) from None
    if not 1 <= interval <= MAX_INTERVAL_DAYS:
        raise InvalidInput(f"interval_{key}", f"{interval} is out of range", allowed)
    return key, interval


def make_schedule(
    *,
    checkin_time: str | time | None = "20:00",
    dose_time: str | time | None = "09:00",
    questionnaire_time: str | time | None = "10:00",
    questionnaires: Mapping[str, int | str] | None = None,
    paused: bool = False,
) -> Schedule:
    """A validated schedule; raises InvalidInput naming the field and what is allowed."""
    chosen = DEFAULT_INTERVAL_DAYS if questionnaires is None else questionnaires
    intervals = dict(check_interval(key, days) for key, days in chosen.items())
    return Schedule(
        checkin_time=parse_time(checkin_time, "checkin_time"),
        dose_time=parse_time(dose_time, "dose_time"),
        questionnaire_time=parse_time(questionnaire_time, "questionnaire_time"),
        questionnaires=intervals,
        paused=bool(paused),
    )


def next_due(last: date | None, interval: int, since: date) -> date:
    """When an instrument is next due: ``interval`` days after ``last``; ``since`` if never.

    >>> next_due(date(2026, 3, 1), 14, date(2026, 1, 1))
    datetime.date(2026, 3, 15)
    >>> next_due(None, 14, date(2026, 3, 5))
    datetime.date(2026, 3, 5)
    """
    return since if last is None else last + timedelta(days=interval)


def _questionnaires_due(
    schedule: Schedule, day: date, last_answered: Mapping[str, date | None]
) -> tuple[str, ...]:
    due = []
    for key, interval in sorted(schedule.questionnaires.items()):
        last = last_answered.get(key)
        if last is None or next_due(last, interval, day) <= day:
            due.append(key)
    return tuple(due)


def due_on(
    schedule: Schedule,
    day: date,
    *,
    checked_in: bool,
    dose_day: bool,
    last_answered: Mapping[str, date | None],
    dosed: bool = False,
) -> Due:
    """What is due on ``day`` (the person's local day), the pause ignored.

    A kind whose time is off is never due; the dose is due on a dose day until recorded.
    """
    return Due(
        checkin=schedule.checkin_time is not None and not checked_in,
        dose=schedule.dose_time is not None and dose_day and not dosed,
        questionnaires=()
        if schedule.questionnaire_time is None
        else _questionnaires_due(schedule, day, last_answered),
    )


def _time_of(schedule: Schedule, kind: str) -> time | None:
    if kind == "checkin":
        return schedule.checkin_time
    if kind == "dose":
        return schedule.dose_time
    return schedule.questionnaire_time


def due_to_send(schedule: Schedule, now_local: datetime, due: Due) -> tuple[str, ...]:
    """The due kinds whose time has come on ``now_local``'s day; nothing while paused."""
    if schedule.paused:
        return ()
    clock = now_local.time().replace(tzinfo=None)
    return tuple(
        kind for kind in due.kinds()
        if (at := _time_of(schedule, kind)) is not None and at <= clock
    )


def questionnaire_days(
    interval: int, last: date | None, start: date, end: date
) -> Iterator[date]:
    """The days from ``start`` to ``end`` an instrument falls due, if answered when due.

    >>> list(questionnaire_days(14, date(2026, 3, 1), date(2026, 3, 1), date(2026, 4, 1)))
    [datetime.date(2026, 3, 15), datetime.date(2026, 3, 29)]
    """
    day = max(next_due(last, interval, start), start)
    while day <= end:
        yield day
        day += timedelta(days=interval)
