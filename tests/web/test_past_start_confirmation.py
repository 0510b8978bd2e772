"""A plan or trial whose first dose days are already behind needs the person's confirmation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from starlette.testclient import TestClient
from tests.conftest import CliRun
from tests.web.conftest import csrf_token, screen_ok

#: a start ten days ago (in any time zone): the first dose days are behind
PAST = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=10)).isoformat()
FUTURE = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()


def test_the_cli_names_the_days_behind_and_takes_yes(cli: CliRun) -> None:
    assert cli("screen").exit_code == 0
    refused = cli("plan", "--protocol", "fadiman", "--start", PAST, "--weeks", "2")
    assert refused.exit_code == 2
    assert f"start: {PAST} is before today" in refused.output
    assert "already behind" in refused.output and "--yes" in refused.output
    assert PAST in refused.output.split("already behind")[1]  # the first day is listed
    assert json.loads(cli("status", "--json").stdout)["protocol"] is None  # nothing stored
    made = cli("plan", "--yes", "--protocol", "fadiman", "--start", PAST, "--weeks", "2")
    assert made.exit_code == 0
    ahead = cli("plan", "--protocol", "stamets", "--start", FUTURE, "--weeks", "2")
    assert ahead.exit_code == 0  # a start ahead needs nothing


def test_a_trial_designed_in_the_past_asks_too(cli: CliRun) -> None:
    assert cli("screen").exit_code == 0
    args = ("trial", "design", "--doses", "4", "--protocol", "fadiman", "--start", PAST)
    refused = cli(*args)
    assert refused.exit_code == 2 and "already behind" in refused.output
    assert cli(*args, "--yes").exit_code == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_api_answers_422_with_next_step_confirm(api: TestClient) -> None:
    screen_ok(api)
    body = {"protocol": "fadiman", "start": PAST, "weeks": 2}
    refused = api.post("/api/v1/plan", json=body)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["next_step"] == "confirm" and "already behind" in problem["detail"]
    assert api.get("/api/v1/plan").status_code == 404
    assert api.post("/api/v1/plan", json={**body, "confirm_past": True}).status_code == 201


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_plan_page_offers_the_confirmation_and_keeps_the_form(api: TestClient) -> None:
    screen_ok(api)
    form = {"csrf_token": csrf_token(api, "/plan"), "protocol": "fadiman", "start": PAST,
            "weeks": "2"}
    assert 'name="confirm_past"' not in api.get("/plan").text  # not asked before it matters
    refused = api.post("/plan", data=form)
    assert refused.status_code == 422
    assert 'id="start-error"' in refused.text and "already behind" in refused.text
    assert 'name="confirm_past"' in refused.text and 'href="#confirm-past"' in refused.text
    assert f'value="{PAST}"' in refused.text
    confirmed = api.post("/plan", data={**form, "confirm_past": "on"})
    assert confirmed.status_code == 200 and confirmed.url.path == "/plan"
    assert api.get("/api/v1/plan").json()["start"] == PAST
