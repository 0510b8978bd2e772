"""The trial through the API: design, status, unblinding, and the report (the CLI's JSON)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from tests.conftest import journal_today
from tests.trial_support import felt_trial
from tests.web.conftest import screen_ok

from microdose.reports.trial_report import report_dict
from microdose.services.trial_report import trial_report
from microdose.store.models import Person


def _felt(api: TestClient, seed: int) -> Session:
    """A screened journal with an unblinded trial whose guesses follow the felt effect; the
    session it was made in (the caller closes it)."""
    screen_ok(api)
    session = Session(api.app.state.web.engine, expire_on_commit=False)  # type: ignore[attr-defined]
    felt_trial(session, session.query(Person).one(), seed=seed)
    session.commit()
    return session


def test_no_trial_is_404_and_a_blind_one_is_409(api: TestClient) -> None:
    screen_ok(api)
    missing = api.get("/api/v1/trial/report")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    start = (journal_today() - timedelta(days=2)).isoformat()
    body = {"doses": 12, "start": start, "confirm_past": True}
    assert api.post("/api/v1/trial", json=body).status_code == 201
    blind = api.get("/api/v1/trial/report")
    assert blind.status_code == 409 and "blind" in blind.json()["detail"]


def test_the_report_is_the_cli_s_document_with_the_prior_named(api: TestClient) -> None:
    with _felt(api, seed=4) as session:
        person_id = session.query(Person).one().id
        expected = {p: report_dict(trial_report(session=session, person_id=person_id, prior=p))
                    for p in ("sceptical", "neutral")}  # fmt: skip
    for prior, document in expected.items():
        got = api.get("/api/v1/trial/report", params={"prior": prior})
        assert got.status_code == 200
        # the same numbers as the CLI's --json (report_dict), through JSON and back
        assert got.json() == json.loads(json.dumps(document))
    neutral = api.get("/api/v1/trial/report", params={"prior": "neutral"}).json()
    assert "With a neutral (flat) prior" in neutral["outcomes"]["mood"]["posterior_text"]
    sceptical = api.get("/api/v1/trial/report").json()
    assert "With a sceptical prior" in sceptical["outcomes"]["mood"]["posterior_text"]
    assert sceptical == json.loads(json.dumps(expected["sceptical"]))  # the default prior
    assert {o["verdict"] for o in sceptical["outcomes"].values()} <= {
        "benefit", "harm", "no_reliable_difference", "too_little_data"}  # fmt: skip


def test_a_prior_not_offered_is_422_naming_the_field(api: TestClient) -> None:
    _felt(api, seed=5).close()
    refused = api.get("/api/v1/trial/report", params={"prior": "optimistic"})
    assert refused.status_code == 422
    body = refused.json()
    assert body["errors"][0]["field"] == "prior" and "neutral" in body["errors"][0]["allowed"]


def test_design_status_and_unblinding_through_the_api(api: TestClient) -> None:
    screen_ok(api)
    start = (journal_today() - timedelta(days=7)).isoformat()
    body = {"doses": 12, "protocol": "fadiman", "start": start, "confirm_past": True,
            "expectancy": [6, 2, 5, 3, 6, 2]}  # fmt: skip
    made = api.post("/api/v1/trial", json=body)
    assert made.status_code == 201, made.text
    status = made.json()
    assert status == api.get("/api/v1/trial").json()  # the answer is the status
    assert status["doses"] == 12 and status["taken"] == 0 and status["unblinded_at"] is None
    assert status["expectancy"]["positive"] == 17 / 3  # mean of 6, 5, 6 (SETS, 1-7)
    assert "active" not in made.text and "placebo" not in made.text  # nothing of the key
    assert api.get("/api/v1/plan").json()["start"] == start  # its schedule is the plan
    again = api.post("/api/v1/trial", json=body)
    assert again.status_code == 409 and again.json()["next_step"] == "trial-unblind"
    assert api.get("/api/v1/trial/report").status_code == 409  # still blind
    unconfirmed = api.post("/api/v1/trial/unblind", json={"confirm": "yes"})
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["errors"][0]["field"] == "confirm"
    opened = api.post("/api/v1/trial/unblind", json={"confirm": "UNBLIND", "reason": "headache"})
    assert opened.status_code == 200, opened.text
    assert opened.json()["early"] is True and opened.json()["unblinded_at"] is not None
    report = api.get("/api/v1/trial/report").json()
    assert report["unblinded_early"] is True and report["unblind_reason"] == "headache"
    assert api.post("/api/v1/trial/unblind", json={"confirm": "UNBLIND"}).status_code == 409


def test_a_bad_design_names_its_field_and_writes_nothing(api: TestClient) -> None:
    screen_ok(api)
    for body, field in (
        ({"doses": 12, "expectancy": [6, 2, 5, 3, 6]}, "expectancy"),  # all six or none
        ({"doses": 12, "expectancy": [6, 2, 5, 3, 6, 8]}, "expectancy"),  # 1-7
        ({"doses": 2}, "doses"),  # below the fewest
        ({"doses": 12, "block": "triples"}, "block"),
        ({"doses": 12, "start": "0001-01-01"}, "start"),
    ):
        refused = api.post("/api/v1/trial", json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["errors"][0]["field"].startswith(field), refused.json()
    assert api.get("/api/v1/trial").status_code == 404


def test_a_trial_needs_a_current_safety_screen(api: TestClient) -> None:
    refused = api.post("/api/v1/trial", json={"doses": 12})
    assert refused.status_code == 403 and refused.json()["next_step"] == "safety-screen"
    assert api.get("/api/v1/trial").status_code == 404
