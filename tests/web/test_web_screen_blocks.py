"""Blocks are blocks on the web: a block is removed only by an explicit, recorded change."""

from __future__ import annotations

from starlette.testclient import TestClient
from tests.web.conftest import csrf_token


def test_the_api_keeps_a_block_until_it_is_removed(api: TestClient) -> None:
    first = api.post("/api/v1/safety/screen", json={"medications": ["Lithobid"]})
    assert first.status_code == 201 and first.json()["changes"] is None  # a first screen
    again = api.post("/api/v1/safety/screen", json={"medications": ["Prozac"]})
    assert again.status_code == 201
    body = again.json()
    assert body["verdict"] == "block" and "Lithobid" in body["medications"]
    assert body["changes"] == {"added": ["Prozac"], "removed": [], "removed_confirmed": [],
                               "kept": ["Lithobid"]}
    unknown = api.post("/api/v1/safety/screen", json={"remove_medications": ["clozapine"]})
    assert unknown.status_code == 422
    problem = unknown.json()
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert "remove_medications" in problem["detail"] and "Lithobid" in problem["detail"]
    removed = api.post("/api/v1/safety/screen", json={"medications": ["Prozac"],
                                                      "remove_medications": ["lithium"]})
    assert removed.status_code == 201
    assert removed.json()["verdict"] == "warn"
    assert removed.json()["changes"]["removed_confirmed"] == ["Lithobid"]
    assert api.get("/api/v1/safety/screen").json()["changes"]["removed"] == ["Lithobid"]


def test_the_page_asks_to_confirm_removing_a_block(api: TestClient) -> None:
    token = csrf_token(api, "/safety")
    api.post("/safety/screen", data={"csrf_token": token, "conditions": ["psychosis"]})
    page = api.get("/safety")
    assert 'name="remove_conditions" value="psychosis"' in page.text
    assert "Blocks of your last screen" in page.text
    kept = api.post("/safety/screen", data={"csrf_token": token, "medications": "Prozac"})
    assert kept.url.path == "/safety"
    assert "kept psychosis: a block stays until you remove it below" in kept.text
    assert "notice-danger" in kept.text  # still a block
    removed = api.post("/safety/screen", data={"csrf_token": token, "medications": "Prozac",
                                               "remove_conditions": "psychosis"})
    assert "removed psychosis (you confirmed it)" in removed.text
    assert 'value="psychosis"> Remove' not in removed.text  # nothing left to remove
    assert api.get("/api/v1/safety/screen").json()["verdict"] == "warn"


def test_a_removal_that_matches_nothing_is_refused_on_the_page(api: TestClient) -> None:
    token = csrf_token(api, "/safety")
    api.post("/safety/screen", data={"csrf_token": token, "medications": "lithium"})
    refused = api.post("/safety/screen", data={"csrf_token": token,
                                               "remove_medications": "Prozac"})
    assert refused.status_code == 422
    assert "&#39;Prozac&#39; is not in your last screen" in refused.text
    assert 'id="remove-error"' in refused.text
    assert api.get("/api/v1/safety/screen").json()["medications"] == ["lithium"]
