"""``GET /api/v1/trial/report``: the unblinded trial's report as JSON, the CLI's document."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from tests.conftest import journal_today
from tests.trial_support import felt_trial
from tests.web.conftest import screen_ok

from microdose.reports.trial_report import report_dict
from microdose.services import trials
from microdose.services.trial_report import trial_report
from microdose.store.models import Person


def _person(api: TestClient) -> tuple[Session, Person]:
    session = Session(api.app.state.web.engine, expire_on_commit=False)  # type: ignore[attr-defined]
    return session, session.query(Person).one()


def test_no_trial_is_404_and_a_blind_one_is_409(api: TestClient) -> None:
    screen_ok(api)
    missing = api.get("/api/v1/trial/report")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    session, person = _person(api)
    with session:
        start = journal_today() - timedelta(days=2)
        create = trials.TrialCreate(past_confirmed=True, doses=12, protocol="fadiman",
                                    start=start, seed=3)  # fmt: skip
        trials.design_trial(session=session, person=person, create=create)
        session.commit()
    blind = api.get("/api/v1/trial/report")
    assert blind.status_code == 409 and "blind" in blind.json()["detail"]


def test_the_report_is_the_cli_s_document_with_the_prior_named(api: TestClient) -> None:
    screen_ok(api)
    session, person = _person(api)
    with session:
        felt_trial(session, person, seed=4)
        session.commit()
        expected = {p: report_dict(trial_report(session=session, person_id=person.id, prior=p))
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
    screen_ok(api)
    session, person = _person(api)
    with session:
        felt_trial(session, person, seed=5)
        session.commit()
    refused = api.get("/api/v1/trial/report", params={"prior": "optimistic"})
    assert refused.status_code == 422
    body = refused.json()
    assert body["errors"][0]["field"] == "prior" and "neutral" in body["errors"][0]["allowed"]
