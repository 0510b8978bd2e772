"""HTML pages through the in-process client: forms without JavaScript, CSRF, crisis, login."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.web.conftest import BASE_URL, csrf_token, screen_ok

from microdose.domain.errors import InvalidInput
from microdose.settings import Settings
from microdose.web.app import create_app

PAGES = ("/", "/checkins", "/doses", "/journal", "/questionnaires", "/questionnaires/phq9",
         "/plan", "/insights", "/trial", "/safety", "/crisis", "/evidence", "/settings")
RATINGS = {"mood": "6", "anxiety": "2", "energy": "5", "focus": "5", "sleep": "7",
           "connectedness": "4"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_page_renders_with_one_h1_and_no_inline_script(api: TestClient) -> None:
    for path in PAGES:
        page = api.get(path)
        assert page.status_code == 200, path
        assert page.text.count("<h1") == 1, path
        assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None, path
        assert " style=" not in page.text and "<style" not in page.text, path
        assert 'aria-current="page"' in page.text or path in ("/crisis", "/checkins"), path


def test_checkin_form_works_without_javascript(api: TestClient) -> None:
    token = csrf_token(api)
    form = {"csrf_token": token, "idempotency_key": "form-1", "date": "2026-03-02",
            "side_effects": ["headache", "nausea"], **RATINGS}
    response = api.post("/checkin", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/?saved=checkin"
    # the browser's retry of the same form (same hidden key) creates nothing new
    assert api.post("/checkin", data=form, follow_redirects=False).status_code == 303
    stored = api.get("/api/v1/checkins").json()
    assert len(stored) == 1
    assert stored[0]["mood"] == 6 and stored[0]["side_effects"] == ["headache", "nausea"]
    assert "Check-in saved" in api.get("/?saved=checkin").text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_checkin_form_error_names_the_field_and_keeps_values(api: TestClient) -> None:
    token = csrf_token(api)
    form = {"csrf_token": token, **{**RATINGS, "focus": ""}}
    response = api.post("/checkin", data=form)
    assert response.status_code == 422
    assert 'id="focus-error"' in response.text and "choose a value" in response.text
    assert 'value="6" required checked' in response.text  # mood kept
    assert api.get("/api/v1/checkins").json() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_forms_without_a_valid_csrf_token_are_refused(api: TestClient) -> None:
    csrf_token(api)
    missing = api.post("/checkin", data=RATINGS)
    assert missing.status_code == 403 and "expired" in missing.text
    forged = api.post("/checkin", data={**RATINGS, "csrf_token": "0" * 64})
    assert forged.status_code == 403
    cross_site = api.post(
        "/checkin",
        data={**RATINGS, "csrf_token": csrf_token(api)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    assert api.get("/api/v1/checkins").json() == []


def test_questionnaire_one_item_per_screen_then_crisis_page_first(api: TestClient) -> None:
    token = csrf_token(api, "/questionnaires/phq9")
    answers: list[str] = []
    for step, value in enumerate(["1", "1", "0", "0", "0", "0", "0", "0", "1"]):
        page = api.post(
            "/questionnaires/phq9",
            data={"csrf_token": token, "idempotency_key": "q-1", "answers": ",".join(answers),
                  "answer": value, "step": str(step)},
        )
        answers.append(value)
        if step < 8:
            assert f"Question {step + 2} of 9" in page.text
    # the final step redirected to the result, which the crisis page comes before
    assert page.url.path == "/crisis"
    assert "Samaritans" in page.text and "I have seen these resources" in page.text
    assert api.get("/").url.path == "/crisis"  # every page shows the resources first
    ack = api.post("/crisis/acknowledge", data={"csrf_token": token, "next": "/questionnaires"})
    assert ack.url.path == "/questionnaires"
    assert api.get("/").url.path == "/"
    assert api.get("/api/v1/questionnaires/responses").json()[0]["total"] == 3


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_questionnaire_back_button_and_missing_answer(api: TestClient) -> None:
    token = csrf_token(api, "/questionnaires/gad7")
    missing = api.post("/questionnaires/gad7", data={"csrf_token": token, "answers": "1"})
    assert missing.status_code == 422 and "Question 2 of 7" in missing.text
    back = api.post(
        "/questionnaires/gad7", data={"csrf_token": token, "answers": "1,2", "back": "1"}
    )
    assert "Question 2 of 7" in back.text and 'name="answers" value="1"' in back.text


def test_dose_and_plan_forms_show_the_safety_screen(api: TestClient) -> None:
    token = csrf_token(api, "/doses")
    assert "No safety screen yet" in api.get("/doses").text
    refused = api.post("/doses", data={"csrf_token": token, "material": "dried-cubensis",
                                       "grams": "0.2"})
    assert refused.status_code == 403 and "no safety screen yet" in refused.text
    assert '<a href="/safety">Answer the safety screen</a>' in refused.text  # the web's step
    assert "microdose screen" not in refused.text and "{&#39;field" not in refused.text
    screen = api.post("/safety/screen", data={"csrf_token": token, "medications": "Prozac"})
    assert screen.url.path == "/safety" and "warn" in screen.text and "fluoxetine" in screen.text
    dose = api.post("/doses", data={"csrf_token": token, "material": "dried-cubensis",
                                    "grams": "0.2", "at": "2026-03-02T08:30"})
    assert dose.url.path == "/doses" and "Dose recorded" in dose.text
    plan = api.post("/plan", data={"csrf_token": token, "protocol": "weekdays",
                                   "start": "2026-03-02", "weeks": "2", "weekdays": ["mon", "thu"],
                                   "confirm_past": "on"})
    assert plan.url.path == "/plan" and "4 dose days" in plan.text
    assert api.get("/plan.ics").text.count("SUMMARY:Microdose day") == 4


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_dose_estimate_fragment(api: TestClient) -> None:
    fragment = api.get("/doses/estimate", params={"material": "dried-cubensis", "grams": "0.2"})
    assert "mg psilocybin" in fragment.text and "<html" not in fragment.text
    bad = api.get("/doses/estimate", params={"material": "dried-cubensis", "grams": "-1"})
    assert "out of range" in bad.text


def test_journal_form_and_delete_everything(api: TestClient) -> None:
    token = csrf_token(api, "/journal")
    saved = api.post("/journal", data={"csrf_token": token, "kind": "integration",
                                       "text": "calmer at work"})
    assert saved.url.path == "/journal" and "calmer at work" in saved.text
    empty = api.post("/journal", data={"csrf_token": token, "kind": "note", "text": "  "})
    assert empty.status_code == 422 and "is empty" in empty.text
    wrong = api.post("/settings/delete", data={"csrf_token": token, "confirm": "yes"})
    assert wrong.status_code == 422
    assert len(api.get("/api/v1/journal").json()) == 1
    deleted = api.post("/settings/delete", data={"csrf_token": token, "confirm": "DELETE"})
    assert "journal was deleted" in deleted.text
    assert api.get("/api/v1/journal").json() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_export_downloads(api: TestClient) -> None:
    api.post("/api/v1/journal", json={"kind": "note", "text": "exported"})
    document = api.get("/settings/export/json")
    assert document.status_code == 200
    assert document.json()["tables"]["journal_entry"][0]["text"] == "exported"
    zipped = api.get("/settings/export/csv")
    assert zipped.content[:2] == b"PK"
    assert api.get("/settings/export/doc").status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_region_setting_changes_the_crisis_resources(api: TestClient) -> None:
    token = csrf_token(api, "/settings")
    api.post("/settings/region", data={"csrf_token": token, "region": "US"})
    assert "988" in api.get("/crisis").text
    bad = api.post("/settings/region", data={"csrf_token": token, "region": "Atlantis"})
    assert bad.status_code == 422


def test_non_loopback_needs_a_passphrase(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}")
    with pytest.raises(InvalidInput, match="passphrase"):
        create_app(settings, host="0.0.0.0")


def test_login_required_when_exposed(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}")
    app = create_app(settings, host="0.0.0.0", passphrase="correct horse battery")
    with TestClient(app, base_url=BASE_URL) as client:
        page = client.get("/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/"
        api = client.get("/api/v1/status")
        assert api.status_code == 401 and api.headers["www-authenticate"].startswith("Bearer")
        bearer = {"Authorization": "Bearer correct horse battery"}
        assert client.get("/api/v1/status", headers=bearer).status_code == 200
        token = csrf_token(client, "/login")
        wrong = client.post("/login", data={"csrf_token": token, "passphrase": "nope"})
        assert wrong.status_code == 401
        right = client.post("/login", data={"csrf_token": token, "passphrase":
                                            "correct horse battery", "next": "/plan"})
        assert right.url.path == "/plan"
        assert client.get("/api/v1/status").status_code == 200  # the session cookie
        screen_ok(client)
    app.state.web.engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_open_crisis_pauses_dose_reminders_in_the_calendar(api: TestClient) -> None:
    screen_ok(api)
    plan = {"protocol": "fadiman", "start": "2026-03-02", "weeks": 1, "confirm_past": True}
    assert api.post("/api/v1/plan", json=plan).status_code == 201
    assert api.get("/plan.ics").text.count("SUMMARY:Microdose day") == 3
    api.post("/api/v1/questionnaires/phq9/responses", json={"answers": [0] * 8 + [1]})
    paused = api.get("/plan.ics")  # a calendar app is not sent to an HTML page
    assert paused.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Microdose day" not in paused.text and "SUMMARY:Check-in" in paused.text
    assert api.get("/plan", follow_redirects=False).headers["location"] == "/crisis?next=/plan"
