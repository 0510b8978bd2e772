"""The JSON API through the in-process ASGI client, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient
from tests.web.conftest import CHECKIN, screen_ok

from microdose.domain.checkins import SIDE_EFFECTS
from microdose.store.models import CheckinRow
from microdose.web.schemas import journal as schemas

PROBLEM = "application/problem+json"


def test_checkin_created_then_updated_then_listed(api: TestClient) -> None:
    first = api.post("/api/v1/checkins", json=CHECKIN)
    assert first.status_code == 201
    assert first.json()["created"] is True and first.json()["mood"] == 6
    again = api.post("/api/v1/checkins", json={**CHECKIN, "mood": 8, "side_effects": ["headache"]})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    api.post("/api/v1/checkins", json={**CHECKIN, "date": "2026-03-05"})
    listed = api.get("/api/v1/checkins", params={"from": "2026-03-01", "to": "2026-03-03"})
    assert listed.status_code == 200
    assert [(c["date"], c["mood"], c["side_effects"]) for c in listed.json()] == [
        ("2026-03-02", 8, ["headache"])
    ]
    assert len(api.get("/api/v1/checkins").json()) == 2


BAD_CHECKINS: list[tuple[dict[str, Any], str]] = [
    ({"mood": 11}, "mood"),
    ({"mood": -1}, "mood"),
    ({"mood": "5"}, "mood"),
    ({"mood": 5.0}, "mood"),
    ({"mood": True}, "mood"),
    ({"date": "02/03/2026"}, "date"),
    ({"date": "2026-02-30"}, "date"),
    ({"side_effects": ["hiccups"]}, "side_effects.0"),
    ({"colour": "blue"}, "colour"),
]


def test_bad_checkins_are_problems_naming_the_field(api: TestClient) -> None:
    for change, field in BAD_CHECKINS:
        response = api.post("/api/v1/checkins", json={**CHECKIN, **change})
        assert response.status_code == 422, change
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["status"] == 422 and problem["title"] == "Unprocessable Entity"
        assert field in [e["field"] for e in problem["errors"]], change
    assert api.get("/api/v1/checkins").json() == []  # nothing half-written


def test_missing_rating_and_domain_rule_are_problems(api: TestClient) -> None:
    body = {k: v for k, v in CHECKIN.items() if k != "sleep"}
    missing = api.post("/api/v1/checkins", json=body)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "sleep"
    rule = api.post("/api/v1/checkins", json={**CHECKIN, "guess_confidence": 50})
    assert rule.status_code == 422
    assert rule.json()["type"] == "urn:microdose:problem:invalid-input"
    assert rule.json()["errors"][0]["field"] == "guess-confidence"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_range_with_from_after_to_is_a_problem(api: TestClient) -> None:
    response = api.get("/api/v1/checkins", params={"from": "2026-03-05", "to": "2026-03-01"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "from"


def test_schema_vocabularies_match_the_domain() -> None:
    from typing import get_args

    assert get_args(schemas.SideEffect) == SIDE_EFFECTS


def test_idempotency_key_replays_the_first_response(api: TestClient, engine: Any) -> None:
    headers = {"Idempotency-Key": "a4b1c6a0-checkin-1"}
    first = api.post("/api/v1/checkins", json=CHECKIN, headers=headers)
    second = api.post("/api/v1/checkins", json=CHECKIN, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(CheckinRow)).scalar() == 1
    # without the key the same body updates (200), proving the replay did not run the work
    assert api.post("/api/v1/checkins", json=CHECKIN).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_idempotency_key_reused_for_another_body_is_refused(api: TestClient) -> None:
    headers = {"Idempotency-Key": "k-1"}
    assert api.post("/api/v1/checkins", json=CHECKIN, headers=headers).status_code == 201
    other = api.post("/api/v1/checkins", json={**CHECKIN, "mood": 1}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert api.get("/api/v1/checkins").json()[0]["mood"] == 6


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_malformed_idempotency_key_is_refused(api: TestClient) -> None:
    response = api.post("/api/v1/checkins", json=CHECKIN, headers={"Idempotency-Key": "a b"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


def test_concurrent_retries_create_one_record(web_app: Any) -> None:
    """Eight threads send the same journal entry with one key at once: one entry exists."""
    body = {"kind": "note", "text": "sent eight times", "date": "2026-03-02"}
    barrier = threading.Barrier(8)
    results: list[tuple[int, str]] = []

    def send() -> None:
        with TestClient(web_app, base_url="http://127.0.0.1") as client:
            barrier.wait()
            response = client.post(
                "/api/v1/journal", json=body, headers={"Idempotency-Key": "same-key"}
            )
            results.append((response.status_code, response.json()["id"]))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in results] == [201] * 8
    assert len({entry_id for _, entry_id in results}) == 1
    with TestClient(web_app, base_url="http://127.0.0.1") as client:
        assert len(client.get("/api/v1/journal").json()) == 1


def test_dose_needs_a_screen_then_is_recorded_with_a_range(api: TestClient) -> None:
    refused = api.post("/api/v1/doses", json={"material": "dried-cubensis", "grams": 0.2})
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["reasons"] == ["no safety screen"]
    screen_ok(api)
    made = api.post(
        "/api/v1/doses", json={"material": "dried-cubensis", "grams": 0.2, "date": "2026-03-02"}
    )
    assert made.status_code == 201, made.text
    dose = made.json()
    assert dose["mg_low"] < dose["mg_typical"] < dose["mg_high"]
    assert dose["classification"] == "microdose" and dose["date"] == "2026-03-02"
    assert [d["id"] for d in api.get("/api/v1/doses").json()] == [dose["id"]]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_blocking_screen_refuses_doses_with_reasons(api: TestClient) -> None:
    blocked = api.post("/api/v1/safety/screen", json={"medications": ["Lithobid"]})
    assert blocked.status_code == 201 and blocked.json()["verdict"] == "block"
    refused = api.post("/api/v1/doses", json={"material": "dried-cubensis", "grams": 0.2})
    assert refused.status_code == 403
    assert any("lithium" in reason for reason in refused.json()["reasons"])


def test_a_refusal_names_the_next_step_in_words_of_no_other_interface(
    api: TestClient,
) -> None:
    refused = api.post("/api/v1/doses", json={"material": "dried-cubensis", "grams": 0.2})
    body = refused.json()
    assert refused.status_code == 403 and body["next_step"] == "safety-screen"
    assert "no safety screen yet" in body["detail"] and "microdose" not in body["detail"]
    missing = api.get("/api/v1/trial")
    assert missing.status_code == 404 and missing.json()["next_step"] == "trial-design"
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]["Problem"]
    assert "crisis-ack" in str(schema["properties"]["next_step"])


def test_phq9_item9_returns_the_crisis_object_until_acknowledged(api: TestClient) -> None:
    answers = [1, 1, 1, 0, 0, 0, 0, 0, 2]
    response = api.post("/api/v1/questionnaires/phq9/responses", json={"answers": answers})
    assert response.status_code == 201
    body = response.json()
    assert "suicidal_ideation" in body["flags"]
    crisis = body["crisis"]
    assert crisis["acknowledge_required"] is True
    assert any("116 123" in r["contact"] for r in crisis["resources"])  # region GB: Samaritans
    assert api.get("/api/v1/status").json()["crisis"] is not None
    assert api.get("/api/v1/crisis").json()["open"] is True
    acknowledged = api.post("/api/v1/crisis/acknowledge")
    assert acknowledged.status_code == 200 and acknowledged.json() == {"acknowledged": 1}
    assert api.get("/api/v1/crisis").json() == {"open": False, "crisis": None}
    assert api.get("/api/v1/status").json()["crisis"] is None


def test_questionnaire_without_a_flag_has_no_crisis(api: TestClient) -> None:
    response = api.post("/api/v1/questionnaires/gad7/responses", json={"answers": [1] * 7})
    assert response.status_code == 201
    assert response.json()["total"] == 7 and response.json()["crisis"] is None
    wrong = api.post("/api/v1/questionnaires/gad7/responses", json={"answers": [1] * 6})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "answers"
    assert len(api.get("/api/v1/questionnaires/responses").json()) == 1


def test_plan_needs_a_screen_and_gives_a_calendar(api: TestClient) -> None:
    body = {"protocol": "fadiman", "start": "2026-03-02", "weeks": 2, "confirm_past": True}
    assert api.post("/api/v1/plan", json=body).status_code == 403
    assert api.get("/api/v1/plan").status_code == 404
    screen_ok(api)
    made = api.post("/api/v1/plan", json=body)
    assert made.status_code == 201
    assert made.json()["dose_days"] == [
        "2026-03-02", "2026-03-05", "2026-03-08", "2026-03-11", "2026-03-14"
    ]
    assert api.get("/api/v1/plan").json()["dose_days"] == made.json()["dose_days"]
    calendar = api.get("/api/v1/plan/calendar.ics")
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert calendar.text.count("BEGIN:VEVENT") == 5


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_journal_entries_and_status(api: TestClient) -> None:
    made = api.post("/api/v1/journal", json={"kind": "intention", "text": "  notice  "})
    assert made.status_code == 201 and made.json()["text"] == "notice"
    assert api.post("/api/v1/journal", json={"kind": "poem", "text": "x"}).status_code == 422
    status = api.get("/api/v1/status").json()
    assert status["due"] == ["phq9", "gad7", "who5"] and status["streak"] == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_unknown_route_and_method_are_problems(api: TestClient) -> None:
    missing = api.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    wrong = api.delete("/api/v1/checkins")
    assert wrong.status_code == 405 and wrong.json()["status"] == 405


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_security_headers_on_api_and_pages(api: TestClient) -> None:
    for path in ("/api/v1/status", "/", "/static/app.css"):
        headers = api.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
    assert api.get("/api/v1/status").headers["cache-control"] == "no-store"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_other_host_headers_are_refused_on_loopback(api: TestClient) -> None:
    """A DNS-rebinding page (Host: evil.example) cannot read the journal."""
    refused = api.get("/api/v1/checkins", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert api.get("/api/v1/checkins", headers={"Host": "localhost:8000"}).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_openapi_documents_problems_and_idempotency(api: TestClient) -> None:
    schema = api.get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/checkins"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]
    assert list(post["responses"]["422"]["content"]) == [PROBLEM]
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_api_vocabularies_are_the_domain_vocabularies() -> None:
    # the API schema spells out the vocabularies as Literals (for OpenAPI); they must not drift
    from typing import get_args

    from microdose.domain.checkins import GUESSES, SIDE_EFFECTS
    from microdose.web.schemas.journal import Guess, SideEffect

    assert get_args(SideEffect) == SIDE_EFFECTS
    assert get_args(Guess) == GUESSES


def test_an_overdue_resource_review_is_said_in_the_api_and_the_page(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from microdose.services import crisis

    in_time = api.get("/crisis").text
    assert "due to be checked again" not in in_time
    monkeypatch.setattr(crisis, "today", lambda: crisis.review_due() + timedelta(days=1))
    answers = [1, 1, 1, 0, 0, 0, 0, 0, 1]
    body = api.post("/api/v1/questionnaires/phq9/responses", json={"answers": answers}).json()
    assert body["crisis"]["review_warning"] == crisis.review_warning()
    assert api.get("/api/v1/crisis").json()["crisis"]["review_due"] == (
        crisis.review_due().isoformat())
    page = api.get("/crisis").text
    assert f"due to be checked again by {crisis.review_due().isoformat()}" in page
