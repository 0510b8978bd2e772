"""Hostile input never answers 5xx: deep JSON, dates at the calendar's edges, NUL text."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient
from tests.web.conftest import CHECKIN, screen_ok
from tests.web.service_world import World

from microdose.web.platform.failsafe import error_place, json_depth_exceeds

DEEP = '{"a":' * 5000 + "1" + "}" * 5000


def _problem(response: object, status: int, field: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    fields = [e["field"] for e in response.json()["errors"]]  # type: ignore[attr-defined]
    assert field in fields


@pytest.mark.parametrize("path", ["/api/v1/checkins", "/api/v1/doses", "/api/v1/journal"])
def test_deep_json_is_refused_naming_the_body(api: TestClient, path: str) -> None:
    response = api.post(path, content=DEEP, headers={"content-type": "application/json"})
    _problem(response, 422, "body")


def test_dates_outside_the_window_are_refused(api: TestClient) -> None:
    screen_ok(api)
    for day in ("0001-01-01", "1899-12-31", "9999-12-31"):
        _problem(api.post("/api/v1/checkins", json={**CHECKIN, "date": day}), 422, "date")
    dose = {"material": "psilocybin", "mg": 1, "at": "0001-01-01T00:00:00+14:00"}
    _problem(api.post("/api/v1/doses", json=dose), 422, "at")
    _problem(api.get("/api/v1/checkins", params={"from": "0001-01-01"}), 422, "from")


def test_nul_text_is_refused_naming_the_field(api: TestClient) -> None:
    _problem(api.post("/api/v1/checkins", json={**CHECKIN, "notes": "a\x00b"}), 422, "notes")
    entry = {"kind": "note", "text": "x\x00"}
    _problem(api.post("/api/v1/journal", json=entry), 422, "text")


def test_nul_email_at_login_and_study_title(service: tuple[TestClient, World]) -> None:
    client, world = service
    login = {"email": "p1\x00@example.org", "password": "whatever-long"}
    _problem(client.post("/api/v1/auth/login", json=login), 422, "email")
    study = {"title": "T\x00", "arms": [{"name": "a", "kind": "open-label"}],
             "schedule": [{"day": 0, "instruments": ["phq9"]}], "consent_text": "ok"}
    _problem(client.post("/api/v1/studies", json=study, headers=world.headers("r1")),
             422, "title")


def test_depth_scan_ignores_brackets_in_strings() -> None:
    assert not json_depth_exceeds(b'{"notes": "' + b"[" * 100 + b'"}')
    assert json_depth_exceeds(b"[" * 40 + b"]" * 40)


def test_an_unexpected_error_logs_type_place_and_id_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def boom() -> None:
        raise ValueError("mood 3, notes: secret")

    try:
        boom()
    except ValueError as exc:
        place = error_place(exc)
    assert "test_web_hostile_input.py" in place and "boom" in place
    from microdose.web.platform.failsafe import log_unexpected

    with caplog.at_level(logging.ERROR, logger="microdose.web"):
        try:
            boom()
        except ValueError as exc:
            log_unexpected(exc, {"method": "POST", "path": "/api/v1/checkins"}, "rid1")
    text = caplog.text
    assert "ValueError" in text and "rid1" in text and "secret" not in text
    assert all(record.exc_info is None for record in caplog.records)


@pytest.mark.parametrize("moment", ["0001-01-01T00:30", "9999-12-31T23:59", "1899-12-31T12:00"])
def test_the_dose_form_refuses_a_time_outside_the_window(api: TestClient, moment: str) -> None:
    from tests.web.conftest import csrf_token

    screen_ok(api)
    form = {"csrf_token": csrf_token(api, "/doses"), "material": "dried-cubensis",
            "grams": "0.2", "at": moment}
    response = api.post("/doses", data=form, follow_redirects=False)
    assert response.status_code == 422, response.text[:300]
    assert 'id="at-error"' in response.text and "plausible window" in response.text
    assert "1900-01-01 to 2100-12-31" in response.text
    assert "/doses" in api.get("/doses").text and moment[:10] not in api.get("/doses").text
