"""Expectancy before the trial (SETS) on the trial page: six 1-7 scales in the design form,
stored with the design in one write, refused beside the field, shown beside the result."""

from __future__ import annotations

import html
import re
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from tests.web.conftest import csrf_token, screen_ok
from tests.web.test_web_trial_pages import read_pdf

from microdose.domain.expectancy import SETS
from microdose.reports.trial_words import credits_the_guess
from microdose.store.models import PlanRow, ResponseRow
from microdose.store.trial_models import TrialRow

ANSWERS = {"sets_1": "6", "sets_2": "2", "sets_3": "5", "sets_4": "1", "sets_5": "6",
           "sets_6": "2"}  # fmt: skip
LINE = "Before the trial you expected benefit: positive expectancy 5.7 of 7, negative 1.7 of 7"


def form(token: str, **extra: str) -> dict[str, str]:
    return {"csrf_token": token, "doses": "4", "protocol": "fadiman", "block": "pairs", **extra}


def rows(api: TestClient) -> tuple[list[TrialRow], int, int]:
    """The trials, plans and questionnaire responses stored."""
    with Session(api.app.state.web.engine) as session:  # type: ignore[attr-defined]
        trials = list(session.scalars(select(TrialRow)))
        plans = session.scalar(select(func.count()).select_from(PlanRow)) or 0
        responses = session.scalar(select(func.count()).select_from(ResponseRow)) or 0
    return trials, plans, responses


def test_the_design_form_asks_the_six_statements_as_seven_point_scales(api: TestClient) -> None:
    screen_ok(api)
    page = html.unescape(api.get("/trial").text)
    assert "Expectancy before the trial" in page and "Younger et al. 2012" in page
    for number, item in enumerate(SETS.items, 1):
        assert f"{number}. {item}" in page
        values = re.findall(rf'name="sets_{number}" value="(\d)"', page)
        assert values == [str(v) for v in range(1, 8)]
    assert 'class="scale scale-7"' in page
    assert 'aria-label="1, strongly disagree"' in page
    assert 'aria-label="7, strongly agree"' in page


def test_answers_are_stored_with_the_design_and_shown_beside_the_result(
    api: TestClient, tmp_path: Path
) -> None:
    screen_ok(api)
    token = csrf_token(api, "/trial")
    designed = api.post("/trial/design", data=form(token, **ANSWERS))
    assert designed.url.path == "/trial" and "Trial designed and sealed" in designed.text
    assert "Expectancy before the trial (SETS): positive 5.7 of 7, negative 1.7 of 7" in (
        designed.text
    )
    trials, plans, responses = rows(api)
    assert [t.expectancy_answers for t in trials] == [[6, 2, 5, 1, 6, 2]]
    assert trials[0].expectancy_at is not None and plans == 1 and responses == 0
    due = api.get("/questionnaires")
    assert due.status_code == 200 and "PHQ-9" in due.text  # the due list, without SETS
    assert "SETS" not in due.text and "Expectations of Treatment" not in due.text
    assert api.get("/questionnaires/sets").status_code in (404, 422)

    opened = api.post("/trial/unblind", data={"csrf_token": token, "confirm": "UNBLIND"})
    assert "Unblinded: the sealed key matched its commitment" in opened.text
    page = html.unescape(api.get("/trial").text)
    result = page[page.index('id="verdict"'):]
    assert f'<p id="expectancy-result">{LINE}' in result
    assert result.count(LINE) == 1  # beside the verdict, not again in the list
    assert credits_the_guess(page) == []
    pdf = read_pdf(api.get("/trial/report.pdf").content, tmp_path)
    assert LINE in pdf and credits_the_guess(pdf) == []
    status = api.get("/api/v1/trial").json()
    assert status["expectancy"]["answers"] == [6, 2, 5, 1, 6, 2]


def test_no_answers_design_anyway_and_the_result_says_not_recorded(api: TestClient) -> None:
    screen_ok(api)
    token = csrf_token(api, "/trial")
    designed = api.post("/trial/design", data=form(token))
    assert "Trial designed and sealed" in designed.text
    assert "Expectancy before the trial: not recorded." in designed.text
    trials, _plans, _responses = rows(api)
    assert [t.expectancy_answers for t in trials] == [None]
    api.post("/trial/unblind", data={"csrf_token": token, "confirm": "UNBLIND"})
    page = html.unescape(api.get("/trial").text)
    assert "Expectancy before the trial was not recorded" in page


def test_a_statement_left_out_or_out_of_range_is_named_and_nothing_is_stored(
    api: TestClient,
) -> None:
    screen_ok(api)
    token = csrf_token(api, "/trial")
    partial = {**ANSWERS, "sets_4": ""}
    missing = api.post("/trial/design", data=form(token, **partial))
    assert missing.status_code == 422
    text = html.unescape(missing.text)
    assert '<p class="error-text" id="sets_4-error">sets_4: missing answer' in text
    assert 'aria-describedby="sets_4-error"' in text
    assert 'name="sets_1" value="6" checked' in text  # the answers given are kept
    assert 'name="doses"' in text and "Not saved" not in text
    high = api.post("/trial/design", data=form(token, **{**ANSWERS, "sets_2": "9"}))
    assert high.status_code == 422
    assert "sets_2: 9 is out of range (allowed: 1-7)" in html.unescape(high.text)
    word = api.post("/trial/design", data=form(token, **{**ANSWERS, "sets_6": "lots"}))
    assert word.status_code == 422
    assert "sets_6: choose a value (allowed: 1-7)" in html.unescape(word.text)
    assert rows(api) == ([], 0, 0)  # one write: no trial, no plan
