"""ICS output: parsed back with icalendar itself, across the 2026-03-29 Berlin DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from microdose.domain.errors import InvalidInput
from microdose.domain.protocols import Plan, PlanSpec, Protocol, build_plan
from microdose.reports.ics import plan_calendar

BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def events(ics: bytes) -> list[Any]:
    return list(Calendar.from_ical(ics).walk("VEVENT"))


def dose_events(ics: bytes) -> list[Any]:
    return [event for event in events(ics) if str(event["uid"]).startswith("dose-")]


def checkin_events(ics: bytes) -> list[Any]:
    return [event for event in events(ics) if str(event["summary"]) == "Check-in"]


@pytest.fixture
def dst_plan() -> Plan:
    # Stamets from Thursday 2026-03-26: Thu–Sun on (DST starts Sunday 29th), 3 off,
    # then a week's break and a second cycle
    spec = PlanSpec(Protocol.STAMETS, date(2026, 3, 26), weeks=1, off_weeks=1, cycles=2)
    return build_plan(spec)


def test_one_event_per_dose_day(dst_plan: Plan) -> None:
    parsed = dose_events(plan_calendar(dst_plan, tz="Europe/Berlin", dtstamp=STAMP))
    assert len(parsed) == len(dst_plan.dose_days) == 8
    assert [event.decoded("dtstart").date() for event in parsed] == list(dst_plan.dose_days)
    assert {str(event["summary"]) for event in parsed} == {"Microdose day (stamets)"}
    assert all(event.decoded("duration") == timedelta(minutes=15) for event in parsed)


def test_dose_time_stays_nine_across_dst(dst_plan: Plan) -> None:
    parsed = dose_events(plan_calendar(dst_plan, tz="Europe/Berlin", dtstamp=STAMP))
    starts = [event.decoded("dtstart") for event in parsed]
    assert all(start.tzinfo is not None for start in starts)
    assert all(start.time() == time(9, 0) for start in starts)
    offsets = {start.date(): start.utcoffset() for start in starts}
    assert offsets[date(2026, 3, 28)] == timedelta(hours=1)  # CET, before the change
    assert offsets[date(2026, 3, 29)] == timedelta(hours=2)  # CEST, from the change
    assert offsets[date(2026, 4, 9)] == timedelta(hours=2)
    # the same wall-clock time is 08:00 UTC before and 07:00 UTC after
    assert starts[2].astimezone(UTC).hour == 8
    assert starts[3].astimezone(UTC).hour == 7


def test_tzid_and_vtimezone(dst_plan: Plan) -> None:
    ics = plan_calendar(dst_plan, tz="Europe/Berlin", dtstamp=STAMP)
    assert b"DTSTART;TZID=Europe/Berlin:20260329T090000" in ics
    calendar = Calendar.from_ical(ics)
    zones = list(calendar.walk("VTIMEZONE"))
    assert [str(zone["tzid"]) for zone in zones] == ["Europe/Berlin"]
    daylight = [part.decoded("dtstart") for part in calendar.walk("DAYLIGHT")]
    assert datetime(2026, 3, 29, 3, 0) in daylight
    assert calendar.get_missing_tzids() == set()


def test_reminders_cover_every_day(dst_plan: Plan) -> None:
    ics = plan_calendar(dst_plan, tz="Europe/Berlin", reminders=True, dtstamp=STAMP)
    checkins = checkin_events(ics)
    covered = (dst_plan.end - dst_plan.start).days + 1
    assert covered == 28
    assert len(checkins) == covered
    assert [event.decoded("dtstart").date() for event in checkins] == list(dst_plan.days())
    assert all(event.decoded("dtstart").time() == time(20, 0) for event in checkins)
    for event in checkins:
        alarms = list(event.walk("VALARM"))
        assert len(alarms) == 1
        assert str(alarms[0]["action"]) == "DISPLAY"
    descriptions = [str(event["description"]) for event in checkins]
    assert descriptions[0].startswith("Dose day")
    assert descriptions[4].startswith("No dose today")
    assert descriptions[7].startswith("Break between cycles")
    assert len(dose_events(ics)) == len(dst_plan.dose_days)


def test_no_reminders_by_default(dst_plan: Plan) -> None:
    ics = plan_calendar(dst_plan, dtstamp=STAMP)
    assert checkin_events(ics) == []
    assert b"VALARM" not in ics


def test_uids_unique_and_stable(dst_plan: Plan) -> None:
    ics = plan_calendar(dst_plan, tz="Europe/Berlin", reminders=True, dtstamp=STAMP)
    uids = [str(event["uid"]) for event in events(ics)]
    assert len(uids) == len(set(uids))
    assert "dose-2026-03-26@microdose" in uids
    again = plan_calendar(dst_plan, tz="Europe/Berlin", reminders=True, dtstamp=STAMP)
    assert again == ics


def test_dtstamp_is_utc(dst_plan: Plan) -> None:
    for event in events(plan_calendar(dst_plan, dtstamp=STAMP)):
        assert event.decoded("dtstamp") == STAMP
    fresh = events(plan_calendar(dst_plan))
    assert all(event.decoded("dtstamp").utcoffset() == timedelta(0) for event in fresh)


def test_default_utc_and_custom_title_and_time() -> None:
    plan = build_plan(PlanSpec(Protocol.FADIMAN, date(2024, 2, 26), weeks=1))
    ics = plan_calendar(plan, dose_time=time(7, 30), title="Study", dtstamp=STAMP)
    parsed = dose_events(ics)
    assert [event.decoded("dtstart") for event in parsed] == [
        datetime(2024, 2, 26, 7, 30, tzinfo=UTC),
        datetime(2024, 2, 29, 7, 30, tzinfo=UTC),
        datetime(2024, 3, 3, 7, 30, tzinfo=UTC),
    ]
    assert str(parsed[0]["summary"]) == "Study day (fadiman)"
    assert str(Calendar.from_ical(ics)["x-wr-calname"]) == "Study"


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "../etc/passwd", "Europe/"])
def test_unknown_time_zone(dst_plan: Plan, tz: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_calendar(dst_plan, tz=tz)
    assert caught.value.field == "tz"


def test_time_with_zone_or_naive_stamp_refused(dst_plan: Plan) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_calendar(dst_plan, dose_time=time(9, tzinfo=BERLIN))
    assert caught.value.field == "dose_time"
    with pytest.raises(InvalidInput) as caught:
        plan_calendar(dst_plan, reminders=True, reminder_time=time(20, tzinfo=UTC))
    assert caught.value.field == "reminder_time"
    with pytest.raises(InvalidInput) as caught:
        plan_calendar(dst_plan, dtstamp=datetime(2026, 1, 1))
    assert caught.value.field == "dtstamp"
