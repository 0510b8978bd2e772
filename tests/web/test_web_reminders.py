"""Reminders in the personal journal, through the pages: the settings form, the calendar
feed's alarms, the "Due today" card — stored in a real SQLite file and PostgreSQL schema."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from starlette.testclient import TestClient
from tests.conftest import journal_today
from tests.web.conftest import csrf_token, screen_ok

FORM = {"checkin_time": "07:15", "dose_time": "08:00", "questionnaire_time": "10:30",
        "interval_phq9": "14", "interval_gad7": "", "interval_who5": "", "interval_dass21": ""}


def _save(api: TestClient, **fields: str) -> Any:
    form = {"csrf_token": csrf_token(api, "/settings"), **FORM, **fields}
    return api.post("/settings/reminders", data=form, follow_redirects=False)


def _plan(api: TestClient) -> None:
    screen_ok(api)
    body = {"protocol": "fadiman", "start": journal_today().isoformat(), "weeks": 4}
    assert api.post("/api/v1/plan", json=body).status_code == 201


def _events(api: TestClient) -> list[Any]:
    response = api.get("/plan.ics")
    assert response.status_code == 200
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def test_the_chosen_times_become_the_calendars_alarms(api: TestClient) -> None:
    _plan(api)
    assert _save(api).status_code == 303
    page = api.get("/settings").text
    assert 'value="07:15"' in page and 'id="interval_phq9"' in page
    events = _events(api)
    checkins = [e for e in events if str(e["uid"]).startswith("checkin-")]
    assert checkins and {e.decoded("dtstart").time() for e in checkins} == {time(7, 15)}
    doses = [e for e in events if str(e["uid"]).startswith("dose-")]
    assert {tuple(a.decoded("trigger") for a in e.walk("VALARM")) for e in doses} == {
        (-timedelta(hours=1),)}  # 08:00, an hour before the 09:00 dose event
    phq9 = [e for e in events if str(e["uid"]).startswith("questionnaire-phq9-")]
    # never answered: due on the plan's first day, then every 14 days
    assert [e.decoded("dtstart").date() for e in phq9] == [
        journal_today() + timedelta(days=n) for n in (0, 14)]
    assert not [e for e in events if str(e["uid"]).startswith("questionnaire-gad7-")]


def test_paused_reminders_leave_the_calendar_without_alarms(api: TestClient) -> None:
    _plan(api)
    assert _save(api, paused="1").status_code == 303
    assert all(not list(e.walk("VALARM")) for e in _events(api))
    assert "checked" in api.get("/settings").text.split('name="paused"')[1][:40]
    assert _save(api).status_code == 303  # unticked: resumed
    assert any(list(e.walk("VALARM")) for e in _events(api))


def test_the_due_today_card_lists_what_is_left(api: TestClient) -> None:
    _plan(api)  # today is the plan's first dose day
    assert _save(api, interval_gad7="7").status_code == 303
    page = api.get("/").text
    card = page.split('id="due-today-h"')[1].split("</section>")[0]
    assert "Today's check-in" in card and "record the dose" in card
    assert "PHQ-9" in card and "GAD-7" in card and "WHO-5" not in card
    # the card is placed before the other cards
    assert page.index('id="due-today-h"') < page.index('<div class="cards">')
    answered = api.post("/api/v1/questionnaires/gad7/responses", json={"answers": [1] * 7})
    assert answered.status_code == 201
    card = api.get("/").text.split('id="due-today-h"')[1].split("</section>")[0]
    assert "GAD-7" not in card and "PHQ-9" in card


@pytest.mark.parametrize(("field", "value"), [
    ("checkin_time", "25:00"), ("dose_time", "soon"), ("interval_phq9", "0"),
    ("interval_who5", "400"),
])
def test_a_bad_value_is_a_422_page_naming_the_field(api: TestClient, field: str,
                                                    value: str) -> None:
    refused = _save(api, **{field: value})
    assert refused.status_code == 422
    assert f'id="{field}-error"' in refused.text
    assert "allowed" in refused.text
    # nothing was stored: the settings page shows the defaults
    assert 'value="20:00"' in api.get("/settings").text
