"""Crisis help that reads right everywhere: at once on the crisis item, a complete
international set with no region, and the region and time zone chosen in settings."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from tests.web.conftest import BASE_URL, csrf_token

from microdose.settings import Settings
from microdose.web.app import create_app


def _step(client: TestClient, key: str, answers: list[int], answer: str = "") -> str:
    token = csrf_token(client, f"/questionnaires/{key}")
    form = {"csrf_token": token, "answers": ",".join(map(str, answers)), "answer": answer}
    response = client.post(f"/questionnaires/{key}", data=form)
    return response.text


def test_the_crisis_item_carries_the_help_ready_to_show(api: TestClient) -> None:
    item9 = _step(api, "phq9", [1] * 7, "1")  # answering item 8 leads to item 9
    assert "Question 9 of 9" in item9
    assert 'data-crisis-min="1"' in item9
    assert 'id="crisis-now"' in item9 and " hidden>" in item9.split('id="crisis-now"')[1][:200]
    assert "Samaritans" in item9  # the region's resources, in the page itself
    assert 'src="/static/app.js"' in item9
    item8 = _step(api, "phq9", [1] * 6, "1")
    assert "Question 8 of 9" in item8 and 'id="crisis-now"' not in item8
    dass21 = _step(api, "dass21", [0] * 19, "0")
    assert "Question 21 of 21" in dass21 and 'data-crisis-min="2"' in dass21


def test_without_javascript_the_next_step_is_the_help(api: TestClient) -> None:
    token = csrf_token(api, "/questionnaires/phq9")
    answered = api.post("/questionnaires/phq9",
                        data={"csrf_token": token, "answers": ",".join(["0"] * 8), "answer": "1"})
    assert answered.url.path == "/crisis"
    assert "Please reach out now" in answered.text and "Samaritans" in answered.text


def _no_region_app(database_url: str) -> FastAPI:
    settings = Settings(database_url=database_url, timezone="Europe/Berlin", region=None)
    return create_app(settings, secret=b"test-secret-" * 3)


def test_with_no_region_the_international_options_and_how_to_choose(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICRODOSE_REGION", raising=False)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.setenv(name, "C")
    with TestClient(_no_region_app(database_url), base_url=BASE_URL) as client:
        page = client.get("/crisis").text
        for name in ("Emergency services", "Find A Helpline", "Befrienders Worldwide",
                     "International Association for Suicide Prevention"):
            assert name in page
        assert "112 from any mobile phone" in page and "findahelpline.com" in page
        assert 'href="/settings#region-h">choose your region in settings' in page
        settings = client.get("/settings").text
        assert "international options only" in settings
        token = csrf_token(client, "/settings")
        client.post("/settings/region", data={"csrf_token": token, "region": "DE"})
        chosen = client.get("/crisis").text
        assert "TelefonSeelsorge" in chosen and "choose your region in settings" not in chosen
        assert "Away from home" in chosen  # one line for abroad, not the whole set


def test_the_time_zone_is_chosen_in_settings(api: TestClient) -> None:
    token = csrf_token(api, "/settings")
    page = api.get("/settings").text
    assert 'list="timezones"' in page and '<option value="America/New_York">' in page
    refused = api.post("/settings/timezone", data={"csrf_token": token, "timezone": "Mars/Base"})
    assert refused.status_code == 422
    assert "&#39;Mars/Base&#39; is not a time zone" in refused.text
    assert 'value="Mars/Base"' in refused.text  # the value is kept
    saved = api.post("/settings/timezone",
                     data={"csrf_token": token, "timezone": "America/New_York"})
    assert saved.url.path == "/settings" and "Time zone saved." in saved.text
    assert "now America/New_York" in saved.text
