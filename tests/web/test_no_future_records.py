"""Records dated after the person's today are refused in every interface, naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.testclient import TestClient
from tests.conftest import CliRun
from tests.web.conftest import csrf_token

#: two days ahead of UTC is after today in every time zone
LATER = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
EARLIER = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)).isoformat()


def test_the_cli_refuses_a_future_journal_entry_and_questionnaire(cli: CliRun) -> None:
    entry = cli("journal", "note", "from tomorrow", "--date", LATER)
    assert entry.exit_code == 2
    assert "date:" in entry.output and "in the future" in entry.output
    answer = cli("answer", "phq9", "--answers", "0,0,0,0,0,0,0,0,0", "--date", LATER)
    assert answer.exit_code == 2 and "in the future" in answer.output
    assert cli("journal", "note", "two days ago", "--date", EARLIER).exit_code == 0
    assert '"in the future"' not in cli("history", "--json").stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_api_refuses_future_entries_and_responses_as_422_naming_date(
    api: TestClient,
) -> None:
    entry = api.post("/api/v1/journal", json={"kind": "note", "text": "x", "date": LATER})
    response = api.post(
        "/api/v1/questionnaires/gad7/responses", json={"answers": [0] * 7, "date": LATER}
    )
    for refused in (entry, response):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "date" in refused.text and "in the future" in refused.text
    assert api.get("/api/v1/journal").json() == []
    assert api.get("/api/v1/questionnaires/responses").json() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_journal_page_shows_the_message_beside_the_date_and_keeps_it(
    api: TestClient,
) -> None:
    form = {"csrf_token": csrf_token(api, "/journal"), "kind": "note", "text": "later",
            "date": LATER}
    page = api.post("/journal", data=form)
    assert page.status_code == 422
    assert 'id="date-error"' in page.text and "in the future" in page.text
    assert f'value="{LATER}"' in page.text


def test_the_cli_refuses_a_future_check_in_with_or_without_a_guess(cli: CliRun) -> None:
    ratings = ["--mood", "6", "--anxiety", "3", "--energy", "5", "--focus", "5", "--sleep",
               "7", "--connectedness", "4"]
    refused = cli("checkin", *ratings, "--date", LATER)
    assert refused.exit_code == 2 and "in the future" in refused.output
    assert cli("checkin", *ratings, "--date", EARLIER).exit_code == 0


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_the_api_and_page_refuse_a_future_check_in(api: TestClient) -> None:
    day = {"mood": 6, "anxiety": 3, "energy": 5, "focus": 5, "sleep": 7, "connectedness": 4}
    refused = api.post("/api/v1/checkins", json={"date": LATER, **day, "guess": "active"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "date"
    form = {"csrf_token": csrf_token(api), "date": LATER,
            **{name: str(value) for name, value in day.items()}}
    page = api.post("/checkin", data=form)
    assert page.status_code == 422
    assert 'id="date-error"' in page.text and "in the future" in page.text
    assert api.get("/api/v1/checkins").json() == []
    assert api.post("/api/v1/checkins", json={"date": EARLIER, **day}).status_code == 201
