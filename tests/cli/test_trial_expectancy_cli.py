"""Expectancy before the trial (SETS) through ``microdose trial design`` and ``trial report``:
asked at design (``--sets``, or item by item at a terminal), optional, never a symptom
questionnaire, shown beside the result in the text, the JSON and the PDF."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from tests.conftest import CliRun, journal_today
from tests.reports.test_insight_pdf import pdf_text

from microdose.reports.trial_words import credits_the_guess
from microdose.store.models import ResponseRow
from microdose.store.trial_models import TrialRow

LINE = "Before the trial you expected benefit: positive expectancy 5.7 of 7, negative 1.7 of 7"


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


def design(cli: CliRun, *extra: str, input: str | None = None) -> Any:
    start = (journal_today() - timedelta(days=4)).isoformat()
    return cli("trial", "design", "--yes", "--doses", "4", "--protocol", "fadiman",
               "--start", start, *extra, input=input)  # fmt: skip


def stored(database_url: str) -> tuple[list[int] | None, int]:
    """The trial's stored SETS answers, and how many questionnaire responses exist."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        trial = session.scalars(select(TrialRow)).one()
        responses = session.scalar(select(func.count()).select_from(ResponseRow)) or 0
        answers, at = trial.expectancy_answers, trial.expectancy_at
    engine.dispose()
    assert (answers is None) == (at is None)
    return answers, responses


def test_design_with_sets_shows_expectancy_beside_the_result(
    cli: CliRun, database_url: str, tmp_path: Path
) -> None:
    ok(cli("screen"))
    designed = ok(design(cli, "--sets", "6, 2, 5, 1, 6, 2"))
    assert "expectancy before the trial (SETS): positive 5.7 of 7, negative 1.7 of 7" in (
        designed.stdout
    )
    assert stored(database_url) == ([6, 2, 5, 1, 6, 2], 0)  # not a questionnaire response
    status = json.loads(ok(cli("trial", "status", "--json")).stdout)
    assert status["expectancy"]["answers"] == [6, 2, 5, 1, 6, 2]
    ok(cli("trial", "unblind", "--yes"))

    report = json.loads(ok(cli("trial", "report", "--json")).stdout)
    expectancy = report["expectancy"]
    assert expectancy["positive"] == pytest.approx(17 / 3)
    assert expectancy["negative"] == pytest.approx(5 / 3)
    answered = datetime.fromisoformat(expectancy["answered_at"])
    assert timedelta(0) <= datetime.now(UTC) - answered < timedelta(minutes=10)
    assert report["expectancy_text"] in report["conclusion"]
    verdict = next(i for i, line in enumerate(report["conclusion"]) if "Verdict" in line)
    assert report["conclusion"].index(report["expectancy_text"]) <= verdict + 2  # beside it
    text = ok(cli("trial", "report")).stdout
    assert LINE in " ".join(text.split())
    assert credits_the_guess(text) == [] and credits_the_guess(report["expectancy_text"]) == []

    pdf = tmp_path / "report.pdf"
    ok(cli("trial", "report", "--pdf", str(pdf)))
    words = pdf_text(pdf)
    assert LINE in words and "Answers 6, 2, 5, 1, 6, 2" in words
    assert "Younger et al. 2012" in words and credits_the_guess(words) == []
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    page = np.asarray(Image.open(next(tmp_path.glob("page-*.png"))).convert("L"))
    assert page.shape[0] > page.shape[1] and (page < 128).mean() > 0.01  # drawn, not blank


def test_without_answers_design_proceeds_and_the_report_says_so(
    cli: CliRun, database_url: str, tmp_path: Path
) -> None:
    ok(cli("screen"))
    designed = ok(design(cli)).stdout  # no terminal: not asked, not blocked
    assert "expectancy before the trial: not recorded (optional: --sets)" in designed
    assert json.loads(ok(cli("trial", "status", "--json")).stdout)["expectancy"] is None
    assert stored(database_url) == (None, 0)
    ok(cli("trial", "unblind", "--yes"))
    report = json.loads(ok(cli("trial", "report", "--json")).stdout)
    assert report["expectancy"] is None
    assert "Expectancy before the trial was not recorded" in report["expectancy_text"]
    assert report["expectancy_text"] in report["conclusion"]
    pdf = tmp_path / "report.pdf"
    ok(cli("trial", "report", "--pdf", str(pdf)))
    assert "Expectancy before the trial was not recorded" in pdf_text(pdf)


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        ("6,5,2,3,9,1", "--sets item 5", "9 is out of range (allowed: 1-7)"),
        ("6,5,2", "--sets", "SETS has 6 items, got 3"),
        ("6,5,two,3,6,1", "--sets item 3", "'two' is not a whole number"),
        ("0,0,0,0,0,0", "--sets item 1", "0 is out of range (allowed: 1-7)"),
    ],
)
def test_bad_sets_exit_2_naming_the_field_and_design_nothing(
    cli: CliRun, database_url: str, value: str, field: str, words: str
) -> None:
    ok(cli("screen"))
    result = design(cli, "--sets", value)
    assert result.exit_code == 2, result.output
    assert f"{field}: {words}" in result.stderr and "Traceback" not in result.output
    assert cli("trial", "status").exit_code == 4  # no trial was designed


def test_at_a_terminal_each_statement_is_asked(
    cli: CliRun, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microdose.cli import trial_cmds

    monkeypatch.setattr(trial_cmds, "_at_terminal", lambda: True)
    ok(cli("screen"))
    asked = ok(design(cli, input="6\n2\n8\n5\n1\n6\n2\n"))  # 8 is refused and asked again
    assert "1. I expect that microdosing will improve my mood" in asked.stdout
    assert "7 = Strongly agree" in asked.stdout
    assert "sets item 3: 8 is out of range (allowed: 1-7)" in asked.stderr
    assert stored(database_url) == ([6, 2, 5, 1, 6, 2], 0)


def test_at_a_terminal_enter_skips_the_questions(
    cli: CliRun, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microdose.cli import trial_cmds

    monkeypatch.setattr(trial_cmds, "_at_terminal", lambda: True)
    ok(cli("screen"))
    skipped = ok(design(cli, input="\n"))
    assert "expectancy before the trial: not recorded" in skipped.stdout
    assert stored(database_url) == (None, 0)


def test_sets_is_never_a_questionnaire_due_or_answered(cli: CliRun) -> None:
    ok(cli("screen"))
    ok(design(cli, "--sets", "6,2,5,1,6,2"))
    status = json.loads(ok(cli("status", "--json")).stdout)
    assert status["due"] == ["phq9", "gad7", "who5"]
    assert "sets" not in ok(cli("status")).stdout.lower()
    history = ok(cli("history", "--json")).stdout
    assert "SETS" not in history
    refused = cli("answer", "sets", "--answers", "6,2,5,1,6,2")
    assert refused.exit_code == 2 and "unknown instrument 'sets'" in refused.stderr
