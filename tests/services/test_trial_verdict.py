"""One verdict, stated alike in JSON, text and PDF, never crediting the guess (SQLite and
PostgreSQL): trials in which the capsule works and the guesses follow the felt effect."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sqlalchemy.orm import Session
from tests.reports.test_insight_pdf import pdf_text
from tests.trial_support import felt_trial, new_person

from microdose.analysis.n_of_1 import VERDICTS
from microdose.domain.errors import InvalidInput
from microdose.reports.trial_report import report_dict, report_text, write_report_pdf
from microdose.reports.trial_words import credits_the_guess
from microdose.services.trial_report import trial_report


def test_one_verdict_everywhere_and_no_output_credits_the_guess(
    session: Session, tmp_path: Path
) -> None:
    seen, described = set(), 0
    for seed in range(3):
        person = new_person(session, f"p{seed}")
        felt_trial(session, person, seed=seed)
        data = report_dict(trial_report(session=session, person_id=person.id))
        mood = data["outcomes"]["mood"]
        assert data["verdict"] == mood["verdict"] in VERDICTS
        seen.add(data["verdict"])
        low, high = mood["randomisation"]["ci95"]
        if data["verdict"] == "benefit":  # never contradicts its own primary interval
            assert low > 0 and mood["randomisation"]["p"] <= 0.05
        elif data["verdict"] == "no_reliable_difference":
            assert low <= 0 <= high or mood["randomisation"]["p"] > 0.05
        pdf = write_report_pdf(data, tmp_path / f"report{seed}.pdf")
        outputs = {
            "json": json.dumps(data, ensure_ascii=False),
            "text": report_text(data),
            "pdf": pdf_text(pdf),
        }
        sentence = f"Verdict on mood, the primary outcome: {mood['verdict_text']}."
        for name, out in outputs.items():
            assert credits_the_guess(out) == [], (seed, name)
            assert "cannot show what caused what" in out, name
            assert " ".join(sentence.split()) in " ".join(out.split()), name
        # the guess is described: the strata and the guess model are there, as descriptions
        assert "mood by what you took and guessed: took active, guessed active: mean" in (
            outputs["text"]
        )
        if mood["with_guess"] is not None:
            assert "days you believed were active were rated" in outputs["text"]
            described += 1
        assert set(mood["strata"]) == {
            "active/active", "active/placebo", "placebo/active", "placebo/placebo"
        }  # fmt: skip
    assert "benefit" in seen  # the capsule's real effect is found in these trials
    assert described  # and the guess model was fitted (and described) in some of them
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "page")], check=True)
    assert sorted(tmp_path.glob("page-*.png"))  # the PDF renders


def test_the_design_matched_effect_is_the_paired_t_of_the_pairs(session: Session) -> None:
    person = new_person(session, "paired")
    felt_trial(session, person, seed=11)
    report = trial_report(session=session, person_id=person.id)
    mood = report.primary
    assert mood is not None and mood.effect is not None and mood.randomisation is not None
    by_block: dict[int, dict[bool, float]] = {}
    for unit in report.units:
        assert unit.checkin is not None
        by_block.setdefault(unit.block, {})[unit.active] = unit.checkin.mood
    on = np.array([b[True] for b in by_block.values()])
    off = np.array([b[False] for b in by_block.values()])
    reference = stats.ttest_rel(on, off)  # scipy.stats.ttest_rel on the 6 pairs
    assert mood.effect.blocks == 6 and mood.effect.df == 5
    assert mood.effect.estimate == pytest.approx(np.mean(on - off))
    assert mood.effect.p == pytest.approx(reference.pvalue)
    ci = reference.confidence_interval(0.95)
    assert mood.effect.ci95 == pytest.approx((ci.low, ci.high))
    assert mood.randomisation.allocations == 64 and mood.randomisation.bounded
    assert mood.after_dose is not None  # the secondary days-after comparison
    assert mood.after_dose.n_active_days + mood.after_dose.n_placebo_days == 24


def test_the_prior_is_named_and_never_changes_the_verdict(session: Session) -> None:
    person = new_person(session, "prior")
    felt_trial(session, person, seed=4)
    sceptical = report_dict(trial_report(session=session, person_id=person.id))
    neutral = report_dict(trial_report(session=session, person_id=person.id, prior="neutral"))
    assert sceptical["verdict"] == neutral["verdict"]
    s, n = sceptical["outcomes"]["mood"], neutral["outcomes"]["mood"]
    assert s["posterior"]["prior"] == "sceptical" and n["posterior"]["prior"] == "neutral"
    assert s["posterior_text"].startswith(
        "With a sceptical prior that gives a benefit of at least 1 point a 5% chance before"
    )
    assert n["posterior_text"].startswith("With a neutral (flat) prior")
    # a sceptical prior pulls towards no effect: a benefit is less probable under it
    assert s["posterior"]["prob_benefit"] < n["posterior"]["prob_benefit"]
    with pytest.raises(InvalidInput):
        trial_report(session=session, person_id=person.id, prior="optimistic")
