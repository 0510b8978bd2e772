"""Check-in and dose notes are private unless shared, on SQLite and PostgreSQL.

p1 is linked to clinician c1. Notes written by p1 must not reach c1 through the timeline
API or the person page until p1 shares them; sharing and unsharing work from the API and
from the sharing page; adverse-event notes (safety information) always go with the event.
"""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient
from tests.web.conftest import CHECKIN
from tests.web.service_world import World
from tests.web.test_service_studies_pages import page_client

CHECKIN_NOTE = "argued with my sister, slept badly"
DOSE_NOTE = "took it late, felt jittery"
ADVERSE_NOTE = "headache until noon"


def _record(client: TestClient, world: World) -> None:
    headers = world.headers("p1")
    assert client.post("/api/v1/safety/screen", json={}, headers=headers).status_code == 201
    checkin = client.post("/api/v1/checkins", json={**CHECKIN, "notes": CHECKIN_NOTE},
                          headers=headers)
    assert checkin.status_code == 201, checkin.text
    dose = client.post("/api/v1/doses", headers=headers, json={
        "material": "dried-cubensis", "grams": 0.2, "date": CHECKIN["date"],
        "notes": DOSE_NOTE})
    assert dose.status_code == 201, dose.text
    adverse = client.post("/api/v1/adverse-events", headers=headers, json={
        "category": "headache", "grade": 1, "start": CHECKIN["date"], "notes": ADVERSE_NOTE})
    assert adverse.status_code == 201, adverse.text


def _timeline(client: TestClient, world: World) -> dict[str, Any]:
    response = client.get(f"/api/v1/people/{world.person('p1')}/timeline",
                          headers=world.headers("c1"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _person_page(clinician: TestClient, world: World) -> str:
    page = clinician.get(f"/clinician/people/{world.person('p1')}?all=1")
    assert page.status_code == 200, page.text
    return page.text


def test_notes_are_private_until_shared(service: tuple[TestClient, World]) -> None:
    client, world = service
    _record(client, world)
    clinician, _ = page_client(client, "c1")
    hidden = _timeline(client, world)
    assert hidden["notes_shared"] is False
    assert [c["notes"] for c in hidden["checkins"]] == [None]
    assert [d["notes"] for d in hidden["doses"]] == [None]
    assert [a["notes"] for a in hidden["adverse_events"]] == [ADVERSE_NOTE]
    page = _person_page(clinician, world)
    assert CHECKIN_NOTE not in page and "they have not shared them" in page
    own = client.get("/api/v1/checkins", headers=world.headers("p1")).json()
    assert [c["notes"] for c in own] == [CHECKIN_NOTE]  # the person still reads them
    shared = client.post("/api/v1/sharing", json={"notes_shared": True},
                         headers=world.headers("p1"))
    assert shared.status_code == 200 and shared.json()["notes_shared"] is True
    visible = _timeline(client, world)
    assert [c["notes"] for c in visible["checkins"]] == [CHECKIN_NOTE]
    assert [d["notes"] for d in visible["doses"]] == [DOSE_NOTE]
    page = _person_page(clinician, world)
    assert CHECKIN_NOTE in page and "they have not shared them" not in page
    participant, token = page_client(client, "p1")
    saved = participant.post("/sharing/notes", data={"notes_shared": "0", "csrf_token": token},
                             follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("notes-private")
    again = _timeline(client, world)
    assert again["notes_shared"] is False and again["checkins"][0]["notes"] is None
    assert CHECKIN_NOTE not in _person_page(clinician, world)


def test_the_sharing_page_and_api_say_what_each_role_sees(
    service: tuple[TestClient, World],
) -> None:
    client, world = service
    body = client.get("/api/v1/sharing", headers=world.headers("p1")).json()
    seen = {row["record"]: row["fields"] for row in body["clinician_sees"]}
    assert body["notes_shared"] is False and seen["journal entries"] == "never"
    assert "only if you share notes" in seen["check-ins"]
    assert {row["record"] for row in body["study_sees"]} >= {"you", "free text"}
    participant, _ = page_client(client, "p1")
    page = participant.get("/sharing").text
    assert "What each role sees" in page and "only if you share notes" in page
    assert 'value="0" checked' in page  # private is the default


def test_only_the_participant_sets_it_and_bad_values_name_the_field(
    service: tuple[TestClient, World],
) -> None:
    client, world = service
    refused = client.post("/api/v1/sharing", json={"notes_shared": True},
                          headers=world.headers("c1"))
    assert refused.status_code == 403
    assert client.get("/api/v1/sharing", headers=world.headers("r1")).status_code == 403
    bad = client.post("/api/v1/sharing", json={"notes_shared": "yes"},
                      headers=world.headers("p1"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "notes_shared"
    participant, token = page_client(client, "p1")
    form = participant.post("/sharing/notes", data={"notes_shared": "maybe",
                                                    "csrf_token": token})
    assert form.status_code == 422 and 'id="notes_shared-error"' in form.text
    assert _timeline(client, world)["notes_shared"] is False
