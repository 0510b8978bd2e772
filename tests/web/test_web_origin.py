"""A browser's state-changing API request from another site is refused (403); the same
origin, and bearer-token clients, are not affected."""

from __future__ import annotations

from starlette.testclient import TestClient
from tests.web.conftest import CHECKIN
from tests.web.service_world import World

PROBLEM = "application/problem+json"


def test_cookie_writes_from_a_foreign_origin_are_refused(service: tuple[TestClient, World]) -> None:
    client, world = service
    client.cookies.set("md_session", world.tokens["p1"])
    foreign = client.post("/api/v1/checkins", json=CHECKIN,
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and foreign.headers["content-type"] == PROBLEM
    assert "'https://evil.example' is not this server" in foreign.json()["detail"]
    cross_site = client.post("/api/v1/checkins", json=CHECKIN,
                             headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    assert client.get("/api/v1/checkins", headers={"Origin": "https://evil.example"}
                      ).status_code == 200  # reading is not a write: CORS keeps it private
    same = client.post("/api/v1/checkins", json=CHECKIN,
                       headers={"Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"})
    assert same.status_code in (200, 201), same.text
    client.cookies.clear()


def test_bearer_clients_are_unaffected(service: tuple[TestClient, World]) -> None:
    client, world = service
    headers = {**world.headers("p1"), "Origin": "https://elsewhere.example"}
    assert client.post("/api/v1/checkins", json=CHECKIN, headers=headers).status_code in (200, 201)


def test_the_personal_journal_refuses_a_foreign_page_too(api: TestClient) -> None:
    refused = api.post("/api/v1/checkins", json=CHECKIN,
                       headers={"Origin": "http://attacker.example"})
    assert refused.status_code == 403
    assert api.post("/api/v1/checkins", json=CHECKIN).status_code in (200, 201)  # a script
