"""The clinician view over HTTP: caseload by need, a person's records, alerts, PDF, pages.

Through the in-process client in service mode (SQLite file and PostgreSQL): ``c1`` is
linked to ``p1``, ``c2`` to nobody (see ``tests/web/service_world.py``).
"""

from __future__ import annotations

import re
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient
from tests.conftest import journal_today
from tests.service_support import PASSWORD
from tests.web.conftest import csrf_token
from tests.web.service_world import World, email

from microdose.services import audit, caseload
from microdose.services.actor import Actor

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
#: PHQ-9 answers: a first total of 8, then 17 with item 9 answered "several days"
PHQ9_FIRST = [1, 1, 1, 1, 1, 1, 1, 1, 0]
PHQ9_CRISIS = [2, 2, 2, 2, 2, 2, 2, 2, 1]

Service = tuple[TestClient, World]


def days_ago(n: int) -> str:
    return (journal_today() - timedelta(days=n)).isoformat()


def post(client: TestClient, world: World, name: str, path: str, body: Any = None,
         **headers: str) -> Any:
    return client.post(path, json=body, headers={**world.headers(name), **headers})


def get(client: TestClient, world: World, name: str, path: str) -> Any:
    return client.get(path, headers=world.headers(name))


def record_journal(client: TestClient, world: World, name: str = "p1") -> None:
    """Two weeks of check-ins, a dose, and two PHQ-9s (the second with item 9: a crisis)."""
    for n in range(14, 0, -1):
        checkin = {"date": days_ago(n), "mood": 4 + n % 4, "anxiety": 3, "energy": 5,
                   "focus": 5, "sleep": 6, "connectedness": 6}
        assert post(client, world, name, "/api/v1/checkins", checkin).status_code == 201
    assert post(client, world, name, "/api/v1/safety/screen", {}).status_code == 201
    dose = {"material": "dried-cubensis", "grams": 0.15, "date": days_ago(10)}
    assert post(client, world, name, "/api/v1/doses", dose).status_code == 201, "dose"
    answer(client, world, name, PHQ9_FIRST, days_ago(13))
    answer(client, world, name, PHQ9_CRISIS, days_ago(1))


def answer(client: TestClient, world: World, name: str, answers: list[int], day: str) -> Any:
    response = post(client, world, name, "/api/v1/questionnaires/phq9/responses",
                    {"answers": answers, "date": day})
    assert response.status_code == 201, response.text
    return response.json()


def link(client: TestClient, clinician: str, participant: str, world: World) -> None:
    """Link a participant to a clinician through the services (the sharing area's job)."""
    with client.app.state.web.sessions() as session, session.begin():  # type: ignore[attr-defined]
        made = caseload.invite(session=session, actor=world.actors[clinician])
        caseload.accept(session=session, actor=world.actors[participant], code=made.code)


def open_alert(client: TestClient, world: World) -> str:
    alerts = get(client, world, "c1", f"/api/v1/people/{world.person('p1')}/alerts?open=true")
    assert alerts.status_code == 200, alerts.text
    assert alerts.json(), "no open alert"
    return str(alerts.json()[0]["id"])


# ------------------------------------------------------------------------------------------
# API
# ------------------------------------------------------------------------------------------


def test_caseload_puts_the_person_with_a_crisis_first(service: Service) -> None:
    client, world = service
    link(client, "c1", "p2", world)
    severe = {"category": "headache", "grade": 3, "start": days_ago(2)}
    assert post(client, world, "p2", "/api/v1/adverse-events", severe).status_code == 201
    before = get(client, world, "c1", "/api/v1/clinician/caseload").json()
    assert [e["display_name"] for e in before] == ["P2", "P1"]  # a severe AE outranks nothing
    answer(client, world, "p1", PHQ9_FIRST, days_ago(20))
    answer(client, world, "p1", PHQ9_CRISIS, days_ago(1))
    after = get(client, world, "c1", "/api/v1/clinician/caseload").json()
    assert [e["display_name"] for e in after] == ["P1", "P2"]
    first = after[0]
    assert first["open_crisis_alerts"] == 1
    assert (first["phq9_first"], first["phq9_latest"], first["phq9_change"]) == (8, 17, 9)
    assert first["deteriorated"] is True and first["phq9_reliable_change"] == 6
    assert after[1]["severe_adverse_events"] == 1 and after[1]["open_crisis_alerts"] == 0


def test_caseload_and_clinician_routes_refuse_other_roles(service: Service) -> None:
    client, world = service
    for name in ("p1", "r1"):
        for path in ("/api/v1/clinician/caseload", "/api/v1/clinician/links"):
            response = get(client, world, name, path)
            assert response.status_code == 403, (name, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        assert post(client, world, name, "/api/v1/clinician/invitations").status_code == 403
    assert client.get("/api/v1/clinician/caseload").status_code == 401
    assert get(client, world, "c2", "/api/v1/clinician/caseload").json() == []


def test_unlinked_people_answer_404(service: Service) -> None:
    client, world = service
    record_journal(client, world)
    p1 = world.person("p1")
    paths = [f"/api/v1/people/{p1}/{tail}"
             for tail in ("timeline", "alerts", "report.pdf", "charts")]
    for path in paths:
        for name in ("c2", "p2"):
            response = get(client, world, name, path)
            assert response.status_code == 404, (name, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        assert get(client, world, "r1", path).status_code == 403, path  # never a journal
    nobody = uuid.uuid4()
    assert get(client, world, "c1", f"/api/v1/people/{nobody}/timeline").status_code == 404
    # the person themselves may read their own records
    assert get(client, world, "p1", f"/api/v1/people/{p1}/timeline").status_code == 200


def test_timeline_and_alerts_of_a_linked_person(service: Service) -> None:
    client, world = service
    record_journal(client, world)
    p1 = world.person("p1")
    timeline = get(client, world, "c1", f"/api/v1/people/{p1}/timeline")
    assert timeline.status_code == 200, timeline.text
    body = timeline.json()
    assert body["person"]["display_name"] == "P1"
    assert len(body["checkins"]) == 14 and len(body["doses"]) == 1
    assert [q["total"] for q in body["questionnaires"]] == [8, 17]
    assert "suicidal_ideation" in body["questionnaires"][1]["flags"]
    assert [a["kind"] for a in body["alerts"]] == ["crisis"]
    window = get(client, world, "c1", f"/api/v1/people/{p1}/timeline?from={days_ago(3)}")
    assert len(window.json()["checkins"]) == 3
    backwards = get(client, world, "c1",
                    f"/api/v1/people/{p1}/timeline?from={days_ago(1)}&to={days_ago(3)}")
    assert backwards.status_code == 422 and "from" in backwards.json()["detail"]


def test_acknowledging_needs_a_note_works_once_then_409(service: Service) -> None:
    client, world = service
    answer(client, world, "p1", PHQ9_CRISIS, days_ago(0))
    alert = open_alert(client, world)
    path = f"/api/v1/alerts/{alert}/acknowledge"
    missing = post(client, world, "c1", path, {})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["note"]
    blank = post(client, world, "c1", path, {"note": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "note"
    assert post(client, world, "p1", path, {"note": "fine"}).status_code == 403  # not theirs
    assert post(client, world, "c2", path, {"note": "called"}).status_code == 404
    done = post(client, world, "c1", path, {"note": "Called; safety plan reviewed."},
                **{"Idempotency-Key": "ack-1"})
    assert done.status_code == 201, done.text
    assert done.json()["note"] == "Called; safety plan reviewed."
    replay = post(client, world, "c1", path, {"note": "Called; safety plan reviewed."},
                  **{"Idempotency-Key": "ack-1"})
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    again = post(client, world, "c1", path, {"note": "again"})
    assert again.status_code == 409 and "already acknowledged" in again.json()["detail"]
    p1 = world.person("p1")
    assert get(client, world, "c1", f"/api/v1/people/{p1}/alerts?open=true").json() == []
    entry = get(client, world, "c1", "/api/v1/clinician/caseload").json()[0]
    assert entry["open_crisis_alerts"] == 0
    nowhere = post(client, world, "c1", f"/api/v1/alerts/{uuid.uuid4()}/acknowledge",
                   {"note": "x"})
    assert nowhere.status_code == 404


def test_invitations_links_and_revoke(service: Service) -> None:
    client, world = service
    made = post(client, world, "c1", "/api/v1/clinician/invitations")
    assert made.status_code == 201, made.text
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", made.json()["code"])
    assert made.json()["expires_at"] > days_ago(-13)
    links = get(client, world, "c1", "/api/v1/clinician/links").json()
    assert sorted(link["state"] for link in links) == ["active", "pending"]
    pending = made.json()["link_id"]
    other = post(client, world, "c2", f"/api/v1/clinician/links/{pending}/revoke")
    assert other.status_code == 404
    revoked = post(client, world, "c1", f"/api/v1/clinician/links/{pending}/revoke")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    active = next(link for link in links if link["state"] == "active")
    post(client, world, "c1", f"/api/v1/clinician/links/{active['id']}/revoke")
    p1 = world.person("p1")
    assert get(client, world, "c1", f"/api/v1/people/{p1}/timeline").status_code == 404
    assert get(client, world, "c1", "/api/v1/clinician/caseload").json() == []


def test_charts_are_vega_lite_specs_and_empty_before_data(service: Service) -> None:
    client, world = service
    p1 = world.person("p1")
    empty = get(client, world, "c1", f"/api/v1/people/{p1}/charts")
    assert empty.status_code == 200 and empty.json()["charts"] == []
    assert "nothing recorded" in empty.json()["note"]
    assert get(client, world, "c1", f"/api/v1/people/{p1}/report.pdf").status_code == 409
    record_journal(client, world)
    charts = get(client, world, "c1", f"/api/v1/people/{p1}/charts").json()
    names = [c["name"] for c in charts["charts"]]
    assert "mood" in names and "scores" in names
    assert all("vega-lite" in c["spec"]["$schema"] for c in charts["charts"])
    assert charts["period_to"] == days_ago(1)


def test_reads_of_another_persons_data_are_audited(service: Service) -> None:
    client, world = service
    record_journal(client, world)
    p1 = world.person("p1")
    for path in ("/api/v1/clinician/caseload", f"/api/v1/people/{p1}/timeline",
                 f"/api/v1/people/{p1}/charts", f"/api/v1/people/{p1}/report.pdf"):
        assert get(client, world, "c1", path).status_code == 200, path
    assert get(client, world, "c2", f"/api/v1/people/{p1}/timeline").status_code == 404
    with client.app.state.web.sessions() as session:  # type: ignore[attr-defined]
        rows = audit.entries(session=session, actor=Actor.operator(), subject_person_id=p1)
    c1 = world.actors["c1"].account_id
    mine = {row.action for row in rows if row.actor_account_id == c1}
    assert {"caseload.read", "journal.timeline", "alerts.read", "journal.charts",
            "journal.report"} <= mine
    theirs = [row for row in rows if row.actor_account_id == world.actors["c2"].account_id]
    assert [(row.action, row.allowed) for row in theirs] == [("access.refused", False)]


@pytest.mark.slow
def test_the_pdf_report_is_a_real_pdf(service: Service, tmp_path: Path) -> None:
    client, world = service
    record_journal(client, world)
    response = get(client, world, "c1", f"/api/v1/people/{world.person('p1')}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page-*.png"))
    pixels = np.asarray(Image.open(page).convert("L"))
    assert pixels.shape[0] > pixels.shape[1]  # portrait
    assert (pixels < 200).mean() > 0.02, "the first page is (nearly) blank"
    ARTIFACTS.mkdir(exist_ok=True)
    Image.open(page).save(ARTIFACTS / "clinician-report-page1.png")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "P1" in text and "PHQ-9" in text


# ------------------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------------------


def page_login(client: TestClient, name: str) -> str:
    """Log in through the form; returns the page's CSRF token."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": email(name), "password": PASSWORD,
                                           "csrf_token": token, "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return token


def test_caseload_page_explains_and_invites(service: Service) -> None:
    client, world = service
    answer(client, world, "p1", PHQ9_FIRST, days_ago(20))
    answer(client, world, "p1", PHQ9_CRISIS, days_ago(1))
    token = page_login(client, "c1")
    page = client.get("/clinician")
    assert page.status_code == 200
    assert "8 → 17 (+9)" in page.text and "reliably worse" in page.text
    assert "What the numbers mean" in page.text and "measurement error alone" in page.text
    assert "±4.7" not in page.text and "Jacobson" not in page.text  # NHS Talking Therapies only
    made = client.post("/clinician/invitations", data={"csrf_token": token})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    code = re.search(r"<code>([0-9A-Z]{5}-[0-9A-Z]{5})</code>", made.text)
    assert code, "no code shown"
    assert code.group(1) not in client.get("/clinician").text  # shown once
    again = client.get("/clinician/invitations", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/clinician"
    with client.app.state.web.sessions() as session, session.begin():  # type: ignore[attr-defined]
        caseload.accept(session=session, actor=world.actors["p2"], code=code.group(1))
    names = re.findall(r'hx-boost="false">(P\d)</a>', client.get("/clinician").text)
    assert names == ["P1", "P2"]
    refused = client.post("/clinician/invitations", data={"csrf_token": "forged"})
    assert refused.status_code == 403


def test_person_page_acknowledges_an_alert_with_a_note(service: Service) -> None:
    client, world = service
    record_journal(client, world)
    token = page_login(client, "c1")
    p1 = world.person("p1")
    page = client.get(f"/clinician/people/{p1}")
    assert page.status_code == 200, page.text
    assert 'figure class="chart" data-spec=' in page.text
    assert f"/api/v1/people/{p1}/report.pdf" in page.text
    assert "PHQ-9" in page.text and "(reliable: ≥ 6)" in page.text and "Check-in" in page.text
    assert '<script src="/static/charts.js"></script>' in page.text and "<script>" not in page.text
    alert = open_alert(client, world)
    action = f"/clinician/alerts/{alert}/acknowledge"
    assert f'action="{action}"' in page.text
    form = {"csrf_token": token, "person": str(p1), "idempotency_key": str(uuid.uuid4())}
    empty = client.post(action, data={**form, "note": " "})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text
    assert "say what was done" in empty.text
    done = client.post(action, data={**form, "note": "Phoned; safe."}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/clinician/people/{p1}?acknowledged=1#alerts"
    after = client.get(done.headers["location"])
    assert "Alert acknowledged" in after.text and "every alert has been acknowledged" in after.text
    assert "acknowledged: Phoned; safe." in after.text


def test_pages_of_unlinked_people_and_other_roles(service: Service) -> None:
    client, world = service
    page_login(client, "c2")
    assert client.get(f"/clinician/people/{world.person('p1')}").status_code == 404
    assert "Nobody has accepted" in client.get("/clinician").text
    page_login(client, "p2")
    assert client.get("/clinician").status_code == 403
    client.cookies.clear()
    found = client.get("/clinician", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"].startswith("/login")


def test_revoke_from_the_page(service: Service) -> None:
    client, world = service
    token = page_login(client, "c1")
    links = get(client, world, "c1", "/api/v1/clinician/links").json()
    page = client.get("/clinician")
    assert f'/clinician/links/{links[0]["id"]}/revoke' in page.text
    done = client.post(f'/clinician/links/{links[0]["id"]}/revoke',
                       data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/clinician?revoked=1"
    after = client.get("/clinician?revoked=1")
    assert "Revoked." in after.text and "Nobody has accepted" in after.text
    assert client.get(f"/clinician/people/{world.person('p1')}").status_code == 404
