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


def test_weeks_design_pairs_week_means_and_weekly_scores(session: Session) -> None:
    import random
    from datetime import timedelta

    from tests.conftest import journal_today

    from microdose.domain.blinding import Condition
    from microdose.domain.checkins import make_checkin
    from microdose.services import trials
    from microdose.services.checkins import submit_checkin
    from microdose.services.doses import DoseCreate, record_dose
    from microdose.services.questionnaires import record_response

    person = new_person(session, "weeks")
    today = journal_today()
    start = today - timedelta(days=today.weekday() + 7 * 13)  # a Monday, 13 weeks ago
    create = trials.TrialCreate(past_confirmed=True, doses=28, protocol="fadiman",
                                start=start, block="weeks", seed=3)  # fmt: skip
    trials.design_trial(session=session, person=person, create=create)
    labels = trials.kit_labels(session=session, person=person)
    rng, week_on = random.Random(3), {}
    for block in labels.blocks:
        first = rng.choice([Condition.ACTIVE, Condition.PLACEBO])
        bags = {c: list(codes) for (b, c), codes in labels.codes.items() if b == block.index}
        for day in block.days:
            week = (day - start).days // 7
            content = first if week % 2 == 0 else next(c for c in bags if c is not first)
            week_on[week] = content is Condition.ACTIVE
            code = bags[content].pop()
            dose = DoseCreate(envelope_code=code, day=day)
            record_dose(session=session, person=person, dose=dose)
            mood = 7 if week_on[week] else 4
            ratings = dict(mood=mood + rng.choice([-1, 0, 1]), anxiety=4, energy=5, focus=5,
                           sleep=6, connectedness=5)  # fmt: skip
            checkin = make_checkin(day, ratings, guess="unsure")
            submit_checkin(session=session, person_id=person.id, checkin=checkin)
    for week, active in week_on.items():  # PHQ-9 every Sunday, lower on active weeks
        answers = [1, 1, 0, 1, 0, 1, 0, 0, 0] if active else [2, 2, 1, 2, 1, 1, 1, 1, 0]
        day = start + timedelta(days=7 * week + 6)
        record_response(session=session, person_id=person.id, instrument="phq9",
                        answers=answers, day=day)  # fmt: skip
    trials.unblind(session=session, person=person)
    report = trial_report(session=session, person_id=person.id)
    mood = report.primary
    assert mood is not None and mood.effect is not None and mood.randomisation is not None
    assert mood.effect.blocks == 6 and mood.randomisation.allocations == 64  # week pairs
    # reference: the week means paired by block, by hand, then scipy.stats.ttest_rel
    means: dict[int, dict[bool, list[float]]] = {}
    for unit in report.units:
        assert unit.checkin is not None
        week = (unit.day - start).days // 7
        means.setdefault(week // 2, {}).setdefault(unit.active, []).append(unit.checkin.mood)
    on = np.array([np.mean(m[True]) for m in means.values()])
    off = np.array([np.mean(m[False]) for m in means.values()])
    assert mood.effect.estimate == pytest.approx(np.mean(on - off))
    assert mood.effect.p == pytest.approx(stats.ttest_rel(on, off).pvalue)
    assert mood.verdict == "benefit" and mood.randomisation.ci95[0] > 0
    phq9 = next(o for o in report.outcomes if o.name == "phq9")
    assert phq9.effect is not None and phq9.effect.estimate < 0  # lower is better
    assert phq9.verdict == "benefit" and phq9.effect.blocks == 6
    index = report.blinding_index
    assert all(b.estimable and b.ci95[0] < 0 < b.ci95[1] for b in index.values())  # all unsure
