"""Small wording on the pages: one value shown once, plurals, flags in words, direction."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from tests.web.conftest import screen_ok

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_synthetic_dose_shows_one_amount_and_the_caption_counts_in_words(
    api: TestClient,
) -> None:
    screen_ok(api)
    dose = api.post("/api/v1/doses", json={"material": "psilocybin", "mg": 2})
    assert dose.status_code == 201, dose.text
    page = api.get("/doses").text
    assert "2.0 mg" in page and "2.0–2.0" not in page
    assert "1 dose in all, newest first" in page
    estimate = api.get("/doses/estimate", params={"material": "psilocybin", "grams": "0.002"})
    assert "About 2.0 mg psilocybin" in estimate.text


def test_questionnaire_flags_are_words_and_the_result_says_which_way_is_better(
    api: TestClient,
) -> None:
    answers = {"answers": [0, 0, 0, 0, 0, 0, 0, 0, 1], "date": "2026-03-02"}
    assert api.post("/api/v1/questionnaires/phq9/responses", json=answers).status_code == 201
    api.post("/api/v1/crisis/acknowledge", json={})
    listing = api.get("/questionnaires").text
    assert "thoughts of being better off dead or of self-harm" in listing
    assert "suicidal ideation" not in listing and "suicidal_ideation" not in listing


def test_a_journal_entry_over_the_limit_is_refused_not_cut(api: TestClient) -> None:
    from tests.web.conftest import csrf_token

    from microdose.domain.journal import MAX_LENGTH

    page = api.get("/journal").text
    assert "maxlength" not in page.split('id="text"')[1].split(">")[0]  # the browser never cuts
    form = {"csrf_token": csrf_token(api, "/journal"), "kind": "note",
            "text": "a" * (MAX_LENGTH + 1)}
    refused = api.post("/journal", data=form)
    assert refused.status_code == 422
    assert f"more than {MAX_LENGTH:,}" in refused.text and 'id="text-error"' in refused.text
    assert "a" * 100 in refused.text  # the text is kept in the form
    assert api.get("/api/v1/journal").json() == []
