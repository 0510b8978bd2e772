"""The researcher's study pages through the in-process client (cookie login, CSRF forms)."""

from __future__ import annotations

import io
import re
import zipfile

from starlette.testclient import TestClient
from tests.service_support import PASSWORD
from tests.web.conftest import BASE_URL, csrf_token
from tests.web.service_world import World, email

CODES = re.compile(r"<li class=\"big\"><code>([0-9A-Z]{5}-[0-9A-Z]{5})</code></li>")
STUDY = {
    "title": "Sleep and mood", "arms": "md=self-blinded,pl=placebo-controlled",
    "protocol": "fadiman", "schedule": "0:phq9,who5;28:phq9,who5", "duration_days": "28",
    "window_days": "3", "consent": "I agree to take part.", "export_dates": "1",
}


def page_client(client: TestClient, name: str) -> tuple[TestClient, str]:
    """A browser-like client of the same app, logged in as ``name``; its CSRF token."""
    browser = TestClient(client.app, base_url=BASE_URL)
    token = csrf_token(browser, "/login")
    response = browser.post("/login", data={"email": email(name), "password": PASSWORD,
                                            "csrf_token": token, "next": "/"},
                            follow_redirects=False)
    assert response.status_code == 303, response.text
    return browser, token


def test_a_study_is_created_from_the_form(service: tuple[TestClient, World]) -> None:
    client, world = service
    browser, token = page_client(client, "r1")
    assert "Mood study" in browser.get("/studies").text
    refused = browser.post("/studies", data=STUDY)  # no CSRF token
    assert refused.status_code == 403
    bad = browser.post("/studies", data={**STUDY, "arms": "md=blinded", "csrf_token": token})
    assert bad.status_code == 422
    assert 'id="arms-error"' in bad.text and "unknown arm kind" in bad.text
    assert 'value="Sleep and mood"' in bad.text  # what was typed stays
    late = browser.post("/studies", data={**STUDY, "duration_days": "14", "csrf_token": token})
    assert late.status_code == 422 and 'id="schedule-error"' in late.text
    created = browser.post("/studies", data={**STUDY, "csrf_token": token},
                           follow_redirects=False)
    assert created.status_code == 303
    page = browser.get(created.headers["location"])
    assert "Study created." in page.text and "Sleep and mood" in page.text
    api = client.get("/api/v1/studies", headers=world.headers("r1")).json()
    made = next(s for s in api if s["title"] == "Sleep and mood")
    assert made["protocol"] == "fadiman" and made["window_days"] == 3
    assert made["export_dates"] is True and made["export_free_text"] is False


def test_codes_status_consent_and_downloads(service: tuple[TestClient, World]) -> None:
    client, world = service
    browser, token = page_client(client, "r1")
    base = f"/studies/{world.studies['s1']}"
    form = {"count": "2", "arm": "microdose", "csrf_token": token, "idempotency_key": "k-1"}
    first = browser.post(f"{base}/invitations", data=form)
    assert first.status_code == 201 and "shown once" in first.text
    codes = CODES.findall(first.text)
    assert len(codes) == 2
    resent = browser.post(f"{base}/invitations", data=form)  # codes are not stored
    assert resent.status_code == 409 and "shown once" in resent.text
    assert CODES.findall(resent.text) == []
    detail = client.get(f"/api/v1/studies/{world.studies['s1']}",
                        headers=world.headers("r1")).json()
    assert detail["progress"]["invitations_issued"] == 3  # 1 from the world + 2, not 4
    wrong = browser.post(f"{base}/invitations", data={"count": "x", "csrf_token": token})
    assert wrong.status_code == 422 and 'id="count-error"' in wrong.text
    status = browser.post(f"{base}/status", data={"status": "paused", "csrf_token": token})
    assert status.status_code == 422 and 'id="status-error"' in status.text
    closed = browser.post(f"{base}/status", data={"status": "closed", "csrf_token": token})
    assert "Status changed to closed." in closed.text
    consent = browser.post(f"{base}/consent", data={"consent": "v2", "csrf_token": token})
    assert "Consent version 2 published." in consent.text
    download = browser.get(f"{base}/export", params={"format": "parquet"})
    assert download.headers["content-type"] == "application/zip"
    assert "data_dictionary.parquet" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()


def test_analysis_form_errors_sit_beside_their_field(service: tuple[TestClient, World]
                                                     ) -> None:
    client, world = service
    browser, _token = page_client(client, "r1")
    base = f"/studies/{world.studies['s1']}/analysis"
    bad = browser.get(base, params={"outcome": "phq9", "followup_day": "soon"})
    assert bad.status_code == 422 and 'id="followup_day-error"' in bad.text
    skipped = browser.get(base, params={"outcome": "who5"})
    assert skipped.status_code == 200 and "Not estimable" in skipped.text


def test_other_roles_and_researchers(service: tuple[TestClient, World]) -> None:
    client, world = service
    s1 = world.studies["s1"]
    other, token = page_client(client, "r2")
    assert other.get(f"/studies/{s1}").status_code == 404
    assert other.get(f"/studies/{s1}/export").status_code == 404
    assert other.post(f"/studies/{s1}/invitations",
                      data={"count": "1", "csrf_token": token}).status_code == 404
    assert "Mood study" in other.get("/studies").text  # r2's own s2 has the same title
    for name in ("c1", "p1", "admin"):
        browser, token = page_client(client, name)
        assert browser.get("/studies").status_code == 403
        assert browser.get(f"/studies/{s1}").status_code == 403
        assert browser.post("/studies", data={"csrf_token": token}).status_code == 403
    anonymous = TestClient(client.app, base_url=BASE_URL)
    response = anonymous.get("/studies", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_personal_journal_has_no_study_pages(api: TestClient) -> None:
    assert api.get("/studies").status_code == 404
    assert api.get("/api/v1/studies").status_code == 404
