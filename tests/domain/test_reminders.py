"""Reminder rules: what is due on a person's day, next due dates, what the sender sends."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from microdose.domain.errors import InvalidInput
from microdose.domain.reminders import (
    Due,
    Schedule,
    due_on,
    due_to_send,
    make_schedule,
    next_due,
    questionnaire_days,
)

DAY = date(2026, 3, 15)


def test_phq9_every_two_weeks_falls_due_fourteen_days_after_the_last() -> None:
    schedule = make_schedule(questionnaires={"phq9": 14})
    last = {"phq9": date(2026, 3, 2)}
    assert due_on(schedule, date(2026, 3, 15), checked_in=True, dose_day=False,
                  last_answered=last).questionnaires == ()
    assert due_on(schedule, date(2026, 3, 16), checked_in=True, dose_day=False,
                  last_answered=last).questionnaires == ("phq9",)
    assert next_due(date(2026, 3, 2), 14, DAY) == date(2026, 3, 16)


def test_never_answered_is_due_at_once_and_only_chosen_instruments() -> None:
    schedule = make_schedule(questionnaires={"gad7": 7})
    due = due_on(schedule, DAY, checked_in=False, dose_day=True, last_answered={})
    assert due == Due(checkin=True, dose=True, questionnaires=("gad7",))
    assert due.kinds() == ("checkin", "dose", "questionnaire:gad7")


def test_done_things_and_switched_off_kinds_are_not_due() -> None:
    schedule = make_schedule(checkin_time="", dose_time="off", questionnaires={})
    due = due_on(schedule, DAY, checked_in=False, dose_day=True, last_answered={})
    assert not due
    schedule = make_schedule()
    due = due_on(schedule, DAY, checked_in=True, dose_day=True, dosed=True,
                 last_answered={k: DAY for k in ("phq9", "gad7", "who5")})
    assert due.kinds() == ()


def test_sending_waits_for_each_kinds_time_and_nothing_while_paused() -> None:
    schedule = make_schedule(checkin_time="20:00", dose_time="08:30", questionnaire_time="10:00",
                             questionnaires={"phq9": 14})
    due = Due(checkin=True, dose=True, questionnaires=("phq9",))
    assert due_to_send(schedule, datetime(2026, 3, 15, 8, 0), due) == ()
    assert due_to_send(schedule, datetime(2026, 3, 15, 9, 0), due) == ("dose",)
    assert due_to_send(schedule, datetime(2026, 3, 15, 20, 0), due) == (
        "checkin", "dose", "questionnaire:phq9")
    paused = Schedule(**{**schedule.__dict__, "paused": True})
    assert due_to_send(paused, datetime(2026, 3, 15, 23, 0), due) == ()


def test_questionnaire_days_step_by_the_interval() -> None:
    days = list(questionnaire_days(14, None, date(2026, 3, 1), date(2026, 3, 31)))
    assert days == [date(2026, 3, 1), date(2026, 3, 15), date(2026, 3, 29)]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"checkin_time": "25:00"}, "checkin_time"),
    ({"dose_time": "nine"}, "dose_time"),
    ({"questionnaire_time": "7:5"}, "questionnaire_time"),
    ({"questionnaires": {"phq9": 0}}, "interval_phq9"),
    ({"questionnaires": {"phq9": "x"}}, "interval_phq9"),
    ({"questionnaires": {"bdi": 14}}, "questionnaires"),
])
def test_bad_values_name_the_field_and_what_is_allowed(kwargs: dict[str, object],
                                                       field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_schedule(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.allowed


def test_times_round_trip() -> None:
    schedule = make_schedule(checkin_time="07:05", dose_time=None)
    assert schedule.checkin_time == time(7, 5) and schedule.dose_time is None
    assert schedule.to_dict()["checkin_time"] == "07:05"
