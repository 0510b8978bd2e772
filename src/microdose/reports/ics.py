"""A plan as an iCalendar file (RFC 5545), for any calendar app.

One event per dose day at the dose time, in the person's time zone (``TZID`` with a
``VTIMEZONE`` built from the system's tz database: no network). With reminders, one
daily check-in event with an alarm for every day the plan covers, breaks included,
because measuring on non-dose days is what makes a comparison possible. With the person's
reminder schedule (:mod:`microdose.domain.reminders`), the alarms follow their chosen
times: check-ins, dose days, questionnaires due; while paused, no alarms at all.

UIDs are stable per day (``dose-YYYY-MM-DD@microdose``), so re-importing an updated plan
replaces events instead of duplicating them.

>>> from microdose.domain.protocols import PlanSpec, Protocol, build_plan
>>> plan = build_plan(PlanSpec(Protocol.FADIMAN, date(2026, 3, 26), weeks=1))
>>> ics = plan_calendar(plan, tz="Europe/Berlin")
>>> ics.count(b"BEGIN:VEVENT")
3
>>> b"DTSTART;TZID=Europe/Berlin:20260329T090000" in ics
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Component, Event

from microdose.domain.errors import InvalidInput
from microdose.domain.protocols import Plan
from microdose.domain.reminders import Schedule, questionnaire_days

__all__ = ["CHECKIN_MINUTES", "DOSE_MINUTES", "PRODID", "plan_calendar"]

PRODID = "-//microdose//microdose plan//EN"
#: Length of a dose event, minutes.
DOSE_MINUTES = 15
#: Length of a check-in event, minutes.
CHECKIN_MINUTES = 10
_UID_DOMAIN = "microdose"


def _zone(tz: str) -> ZoneInfo:
    """The IANA time zone ``tz``, or InvalidInput naming the field ``tz``."""
    allowed = "an IANA time zone name such as UTC or Europe/Berlin"
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput("tz", f"unknown time zone {tz!r}", allowed=allowed) from None


def _check_local_time(value: time, field: str) -> None:
    """Raise unless ``value`` is a wall-clock time without its own time zone."""
    if not isinstance(value, time) or value.tzinfo is not None:
        raise InvalidInput(
            field, f"{value!r} is not a local time", allowed="HH:MM without a time zone"
        )


def _stamp(dtstamp: datetime | None) -> datetime:
    """DTSTAMP in UTC: ``dtstamp`` when given (must be aware), else now."""
    if dtstamp is None:
        return datetime.now(UTC).replace(microsecond=0)
    if dtstamp.tzinfo is None or dtstamp.utcoffset() is None:
        raise InvalidInput("dtstamp", "needs a time zone", allowed="a timezone-aware datetime")
    return dtstamp.astimezone(UTC)


def _event(uid: str, summary: str, start: datetime, minutes: int, stamp: datetime) -> Event:
    """A transparent (not 'busy') event of ``minutes`` length."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("duration", timedelta(minutes=minutes))
    event.add("transp", "TRANSPARENT")
    return event


def _dose_event(
    plan: Plan, number: int, day: date, start: datetime, title: str, stamp: datetime
) -> Event:
    """The event for the ``number``-th dose day."""
    protocol = plan.spec.protocol.value
    event = _event(
        f"dose-{day.isoformat()}@{_UID_DOMAIN}",
        f"{title} day ({protocol})",
        start,
        DOSE_MINUTES,
        stamp,
    )
    event.add(
        "description",
        f"Planned dose day {number} of {len(plan.dose_days)} ({protocol}). "
        "Record the dose and how you feel.",
    )
    return event


def _checkin_description(plan: Plan, day: date) -> str:
    """What kind of day ``day`` is, for the check-in text."""
    if plan.is_dose_day(day):
        kind = "Dose day"
    elif plan.phase_on(day):
        kind = "No dose today"
    else:
        kind = "Break between cycles"
    return f"{kind}. Take a minute to record your mood, sleep and how the day went."


def _alarm(
    event: Component, description: str, before: timedelta = timedelta(0)
) -> Component:
    """``event`` with a display alarm ``before`` its start (negative: after it)."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", description)
    alarm.add("trigger", -before)
    event.add_component(alarm)
    return event


def _checkin_event(
    plan: Plan, day: date, start: datetime, stamp: datetime, alarm: bool = True
) -> Event:
    """The daily check-in, with an alarm at its start (none while reminders are paused)."""
    description = _checkin_description(plan, day)
    event = _event(
        f"checkin-{day.isoformat()}@{_UID_DOMAIN}", "Check-in", start, CHECKIN_MINUTES, stamp
    )
    event.add("description", description)
    if alarm:
        _alarm(event, description)
    return event


def _timezone_bounds(plan: Plan) -> tuple[date, date]:
    """Dates safely around the plan, for the VTIMEZONE transitions."""
    first = date(plan.start.year, 1, 1)
    last = date(plan.end.year + 1, 1, 1) if plan.end.year < date.max.year else date.max
    return first, last


@dataclass(frozen=True)
class _Clock:
    """The validated times every event is placed by: zone, local times and DTSTAMP."""

    zone: ZoneInfo
    dose_time: time
    reminder_time: time
    stamp: datetime

    def at(self, day: date, local: time) -> datetime:
        """``local`` wall-clock time on ``day`` in the person's zone."""
        return datetime.combine(day, local, tzinfo=self.zone)


def _clock(tz: str, dose_time: time, reminder_time: time, dtstamp: datetime | None) -> _Clock:
    """Check the time zone, the two local times and DTSTAMP, raising InvalidInput."""
    zone = _zone(tz)
    _check_local_time(dose_time, "dose_time")
    _check_local_time(reminder_time, "reminder_time")
    return _Clock(zone, dose_time, reminder_time, _stamp(dtstamp))


def _new_calendar(title: str) -> Calendar:
    """An empty Gregorian calendar named ``title``."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", title)
    return calendar


def _add_dose_events(calendar: Calendar, plan: Plan, clock: _Clock, title: str) -> None:
    """One event per dose day, at the dose time."""
    for number, day in enumerate(plan.dose_days, start=1):
        start = clock.at(day, clock.dose_time)
        calendar.add_component(_dose_event(plan, number, day, start, title, clock.stamp))


def _add_checkin_events(calendar: Calendar, plan: Plan, clock: _Clock, alarm: bool) -> None:
    """One check-in with an alarm for every day the plan covers, breaks included."""
    for day in plan.days():
        start = clock.at(day, clock.reminder_time)
        calendar.add_component(_checkin_event(plan, day, start, clock.stamp, alarm))


def _add_dose_alarms(calendar: Calendar, clock: _Clock, at: time) -> None:
    """An alarm on each dose event at the chosen dose-day time (before or after its start)."""
    for event in calendar.walk("VEVENT"):
        if str(event["uid"]).startswith("dose-"):
            day = event.decoded("dtstart").date()
            before = clock.at(day, clock.dose_time) - clock.at(day, at)
            _alarm(event, "Dose day: record the dose and how you feel.", before)


def _add_questionnaire_events(
    calendar: Calendar, plan: Plan, clock: _Clock, schedule: Schedule,
    last_answered: Mapping[str, date | None],
) -> None:
    """An event with an alarm on each day a chosen questionnaire falls due in the plan."""
    assert schedule.questionnaire_time is not None
    for key, interval in sorted(schedule.questionnaires.items()):
        for day in questionnaire_days(interval, last_answered.get(key), plan.start, plan.end):
            name = _INSTRUMENT_NAMES.get(key, key.upper())
            event = _event(
                f"questionnaire-{key}-{day.isoformat()}@{_UID_DOMAIN}", f"{name} due",
                clock.at(day, schedule.questionnaire_time), CHECKIN_MINUTES, clock.stamp,
            )  # fmt: skip
            text = f"The {name} questionnaire is due (every {interval} days)."
            event.add("description", text)
            calendar.add_component(_alarm(event, text))


_INSTRUMENT_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7", "who5": "WHO-5", "dass21": "DASS-21"}


def _add_reminders(
    calendar: Calendar, plan: Plan, clock: _Clock, schedule: Schedule | None,
    last_answered: Mapping[str, date | None],
) -> None:
    """The check-ins, and with a schedule its dose-day alarms and questionnaires due."""
    alarms = schedule is None or not schedule.paused
    if schedule is None or schedule.checkin_time is not None:
        _add_checkin_events(calendar, plan, clock, alarms)
    if schedule is None or not alarms:
        return
    if schedule.dose_time is not None:
        _add_dose_alarms(calendar, clock, schedule.dose_time)
    if schedule.questionnaire_time is not None:
        _add_questionnaire_events(calendar, plan, clock, schedule, last_answered)


def _with_time_zones(calendar: Calendar, plan: Plan) -> bytes:
    """The calendar as bytes, with a VTIMEZONE (transitions around the plan) per zone used."""
    first, last = _timezone_bounds(plan)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return bytes(calendar.to_ical())


def plan_calendar(
    plan: Plan,
    *,
    tz: str = "UTC",
    dose_time: time = time(9, 0),
    reminders: bool = False,
    reminder_time: time = time(20, 0),
    title: str = "Microdose",
    dtstamp: datetime | None = None,
    schedule: Schedule | None = None,
    last_answered: Mapping[str, date | None] | None = None,
) -> bytes:
    """Write a plan as an iCalendar file: the ``text/calendar`` content (see the module).

    Parameters
    ----------
    plan : Plan
        A plan from :func:`microdose.domain.protocols.build_plan`.
    tz : str, default "UTC"
        IANA time zone of the person; event times are wall-clock times there.
    dose_time : datetime.time, default 09:00
        Local time of each dose event (15 minutes long).
    reminders : bool, default False
        Add a daily "Check-in" event with an alarm for every day the plan covers.
    reminder_time : datetime.time, default 20:00
        Local time of the check-ins.
    title : str, default "Microdose"
        Calendar name and start of each dose event's summary.
    dtstamp : datetime.datetime, optional
        Time zone-aware creation time for DTSTAMP (now when omitted), for identical output.
    schedule : Schedule, optional
        The person's reminder schedule (with ``reminders``): check-ins at its check-in
        time (none when off), an alarm on each dose event at its dose-day time, and an
        event with an alarm each day a chosen questionnaire falls due. Paused: the events
        stay, with no alarm. Without a schedule, check-ins at ``reminder_time``.
    last_answered : mapping, optional
        The day each instrument was last answered (questionnaires never answered fall due
        on the plan's first day).

    Raises
    ------
    InvalidInput
        On an unknown ``tz``, a time with its own time zone, or a naive ``dtstamp``.
    """
    if schedule is not None and schedule.checkin_time is not None:
        reminder_time = schedule.checkin_time
    clock = _clock(tz, dose_time, reminder_time, dtstamp)
    calendar = _new_calendar(title)
    _add_dose_events(calendar, plan, clock, title)
    if reminders:
        _add_reminders(calendar, plan, clock, schedule, last_answered or {})
    return _with_time_zones(calendar, plan)
