"""Correcting and deleting records through the pages, keeping the history; the journal's
search by words, tag and dates. A real SQLite file and a real PostgreSQL schema."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from tests.conftest import journal_today
from tests.web.conftest import CHECKIN, csrf_token, screen_ok

from microdose.domain.journal import hashtags, matches
from microdose.store.models import CorrectionRow

RATED = {"mood": "6", "anxiety": "2", "energy": "5", "focus": "5", "sleep": "7",
         "connectedness": "4"}


def _history(api: TestClient) -> list[CorrectionRow]:
    with Session(api.app.state.web.engine) as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(CorrectionRow).order_by(CorrectionRow.made_at)))


def _post(api: TestClient, path: str, **fields: object) -> object:
    return api.post(path, data={"csrf_token": csrf_token(api), **fields},
                    follow_redirects=False)


def test_a_past_check_in_is_corrected_and_deleted_with_its_history(api: TestClient) -> None:
    day = (journal_today() - timedelta(days=3)).isoformat()
    api.post("/api/v1/checkins", json={**CHECKIN, "date": day, "mood": 6, "notes": "first"})
    assert f'href="/checkins/{day}/edit"' in api.get("/checkins").text
    page = api.get(f"/checkins/{day}/edit").text
    assert 'value="6" required checked' in page and ">first</textarea>" in page
    changed = _post(api, f"/checkins/{day}/edit", **{**RATED, "mood": "3"}, notes="second")
    assert changed.headers["location"] == "/checkins?saved=corrected"  # type: ignore[attr-defined]
    stored = {row["date"]: row for row in api.get("/api/v1/checkins").json()}[day]
    assert stored["mood"] == 3 and stored["notes"] == "second"
    (edit,) = _history(api)
    assert (edit.record_kind, edit.action) == ("checkin", "edit")
    assert edit.previous["mood"] == 6 and edit.previous["notes"] == "first"
    unconfirmed = api.post(f"/checkins/{day}/delete", data={"csrf_token": csrf_token(api)})
    assert unconfirmed.status_code == 422 and "tick the box to delete" in unconfirmed.text
    assert len(api.get("/api/v1/checkins").json()) == 1  # nothing half-done
    gone = _post(api, f"/checkins/{day}/delete", confirm="on")
    assert gone.headers["location"] == "/checkins?saved=deleted"  # type: ignore[attr-defined]
    assert api.get("/api/v1/checkins").json() == []
    assert [row.action for row in _history(api)] == ["edit", "delete"]
    assert _history(api)[1].previous["mood"] == 3
    history = api.get("/history").text
    assert "corrected" in history and "deleted" in history and "notes: second" in history


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_check_in_with_a_trial_guess_keeps_it(api: TestClient) -> None:
    screen_ok(api)
    token = csrf_token(api, "/trial")
    api.post("/trial/design", data={"csrf_token": token, "doses": "8", "protocol": "fadiman",
                                    "block": "pairs"})
    today = journal_today().isoformat()
    api.post("/checkin", data={"csrf_token": csrf_token(api), "date": today, **RATED,
                               "guess": "active", "guess_confidence": "60"})
    refused = _post(api, f"/checkins/{today}/delete", confirm="on")
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "trial guess" in refused.text  # type: ignore[attr-defined]
    assert len(api.get("/api/v1/checkins").json()) == 1


def test_doses_questionnaires_and_entries_are_deleted_and_entries_corrected(
    api: TestClient,
) -> None:
    screen_ok(api)
    day = (journal_today() - timedelta(days=2)).isoformat()
    dose = api.post("/api/v1/doses", json={"material": "dried-cubensis", "grams": 0.1,
                                           "date": day}).json()
    answer = api.post("/api/v1/questionnaires/gad7/responses",
                      json={"answers": [1] * 7, "date": day}).json()
    entry = api.post("/api/v1/journal", json={"kind": "note", "text": "slept badly #sleep",
                                              "date": day}).json()
    assert _post(api, f"/doses/{dose['id']}/delete", confirm="on").status_code == 303  # type: ignore[attr-defined]
    assert api.get("/api/v1/doses").json() == []
    assert _post(api, f"/questionnaires/responses/{answer['id']}/delete",
                 confirm="on").status_code == 303  # type: ignore[attr-defined]
    corrected = _post(api, f"/journal/{entry['id']}/edit", kind="integration",
                      text="slept well after all #sleep", date=day)
    assert corrected.status_code == 303  # type: ignore[attr-defined]
    assert "slept well after all" in api.get("/journal").text
    empty = _post(api, f"/journal/{entry['id']}/edit", kind="note", text="  ", date=day)
    assert empty.status_code == 422 and 'id="text-error"' in empty.text  # type: ignore[attr-defined]
    assert _post(api, f"/journal/{entry['id']}/delete", confirm="on").status_code == 303  # type: ignore[attr-defined]
    kinds = [(row.record_kind, row.action) for row in _history(api)]
    assert kinds == [("dose", "delete"), ("questionnaire_response", "delete"),
                     ("journal_entry", "edit"), ("journal_entry", "delete")]
    tombstone = _history(api)[-1].previous
    assert "text" not in tombstone and tombstone["kind"] == "integration"  # no text kept
    other = "00000000-0000-0000-0000-000000000000"
    assert _post(api, f"/doses/{other}/delete", confirm="on").status_code == 404  # type: ignore[attr-defined]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_envelope_of_the_trial_cannot_be_deleted(api: TestClient) -> None:
    screen_ok(api)
    token = csrf_token(api, "/trial")
    api.post("/trial/design", data={"csrf_token": token, "doses": "8", "protocol": "fadiman",
                                    "block": "pairs"})
    from microdose.store.trial_models import TrialEnvelopeRow

    with Session(api.app.state.web.engine) as session:  # type: ignore[attr-defined]
        code = session.scalars(select(TrialEnvelopeRow.code).where(
            TrialEnvelopeRow.block == 0)).first()
    api.post("/trial/envelope", data={"csrf_token": token, "code": code})
    (dose,) = api.get("/api/v1/doses").json()
    page = api.get("/doses").text
    assert "part of the trial" in page and f"/doses/{dose['id']}/delete" not in page
    refused = _post(api, f"/doses/{dose['id']}/delete", confirm="on")
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert len(api.get("/api/v1/doses").json()) == 1


def test_the_journal_is_searched_by_words_tag_and_dates(api: TestClient) -> None:
    today = journal_today()
    for back, text in ((1, "walked an hour #exercise"), (5, "tired, no walk #sleep"),
                       (40, "walked by the river #exercise #outside")):
        day = (today - timedelta(days=back)).isoformat()
        api.post("/api/v1/journal", json={"kind": "note", "text": text, "date": day})

    def found(query: str) -> list[str]:
        page = api.get(f"/journal?{query}").text
        return re.findall(r"<p>([^<]*#[^<]*)</p>", page)

    assert len(found("")) == 3
    assert found("q=WALKED&tag=exercise") == ["walked an hour #exercise",
                                              "walked by the river #exercise #outside"]
    since = (today - timedelta(days=10)).isoformat()
    assert found(f"q=walk&from={since}") == ["walked an hour #exercise", "tired, no walk #sleep"]
    assert "#exercise (2)" in api.get("/journal").text  # the tags, with how often
    refused = api.get("/journal?from=yesterday")
    assert refused.status_code == 422 and "from" in refused.text


def test_tags_are_words_after_a_hash() -> None:
    assert hashtags("#Sleep ok, #sleep again; C# and &#39; no; #run-5k") == ("sleep", "run-5k")
    assert matches("Walked #exercise", "walk", "#Exercise") and not matches("walked", "", "x")
