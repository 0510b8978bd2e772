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


def test_the_change_worth_reading_is_the_nhs_talking_therapies_threshold_everywhere(
    api: TestClient,
) -> None:
    for day, total in (("2026-03-02", [2] * 8 + [0]), ("2026-03-16", [1] * 8 + [0])):
        answers = {"answers": total, "date": day}  # 16 → 8: a reliable improvement
        assert api.post("/api/v1/questionnaires/phq9/responses", json=answers).status_code == 201
    who5 = {"answers": [3, 3, 3, 3, 3], "date": "2026-03-16"}
    assert api.post("/api/v1/questionnaires/who5/responses", json=who5).status_code == 201
    listing = api.get("/questionnaires", params={"month": "2026-03"}).text
    assert "reliable at 6 points or more, NHS Talking Therapies" in listing
    assert "meaningful at 10 percentage points or more, Topp et al. 2015" in listing
    result = api.get("/questionnaires/phq9/latest").text
    assert "A change of 6 points or more is reliable (NHS Talking Therapies)." in result
    today = api.get("/").text
    assert "reliable at 6 points or more, NHS Talking Therapies" in today
    for page in (listing, result, today):
        assert "±4.7" not in page and "±6.4" not in page and "Noise band" not in page


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
