"""The calendar's alarms follow the person's reminder schedule (parsed with icalendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from icalendar import Calendar

from microdose.domain.protocols import PlanSpec, Protocol, build_plan
from microdose.domain.reminders import make_schedule
from microdose.reports.ics import plan_calendar

STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PLAN = build_plan(PlanSpec(Protocol.FADIMAN, date(2026, 3, 2), weeks=4))


def parsed(**kwargs: Any) -> list[Any]:
    ics = plan_calendar(PLAN, tz="Europe/Berlin", reminders=True, dtstamp=STAMP, **kwargs)
    return list(Calendar.from_ical(ics).walk("VEVENT"))


def of(events: list[Any], prefix: str) -> list[Any]:
    return [e for e in events if str(e["uid"]).startswith(prefix)]


def test_check_ins_at_the_chosen_time() -> None:
    events = parsed(schedule=make_schedule(checkin_time="07:45", questionnaires={}))
    checkins = of(events, "checkin-")
    assert len(checkins) == len(list(PLAN.days()))
    assert {e.decoded("dtstart").time() for e in checkins} == {time(7, 45)}
    assert all(len(list(e.walk("VALARM"))) == 1 for e in checkins)


def test_dose_days_alarm_at_the_dose_day_time() -> None:
    events = parsed(schedule=make_schedule(dose_time="08:00", questionnaires={}))
    doses = of(events, "dose-")
    assert len(doses) == len(PLAN.dose_days)
    for event in doses:
        (alarm,) = event.walk("VALARM")
        # the dose event starts at 09:00; the alarm one hour before, at 08:00
        assert alarm.decoded("trigger") == -timedelta(hours=1)


def test_questionnaires_due_every_interval() -> None:
    events = parsed(schedule=make_schedule(questionnaires={"phq9": 14}, questionnaire_time="10:30"),
                    last_answered={"phq9": date(2026, 2, 27)})
    phq9 = of(events, "questionnaire-phq9-")
    assert [e.decoded("dtstart").date() for e in phq9] == [date(2026, 3, 13), date(2026, 3, 27)]
    assert {e.decoded("dtstart").time() for e in phq9} == {time(10, 30)}
    assert str(phq9[0]["summary"]) == "PHQ-9 due"
    assert all(len(list(e.walk("VALARM"))) == 1 for e in phq9)


def test_paused_keeps_events_without_any_alarm() -> None:
    ics = plan_calendar(PLAN, tz="Europe/Berlin", reminders=True, dtstamp=STAMP,
                        schedule=make_schedule(paused=True))
    assert b"VALARM" not in ics
    assert of(list(Calendar.from_ical(ics).walk("VEVENT")), "checkin-")


def test_check_in_off_leaves_no_check_in_events() -> None:
    events = parsed(schedule=make_schedule(checkin_time="", questionnaires={}))
    assert of(events, "checkin-") == []
    assert len(of(events, "dose-")) == len(PLAN.dose_days)
