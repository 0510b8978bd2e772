"""The correct guess rate curve in the personal trial report: JSON, text and PDF chart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session
from tests.reports.test_insight_pdf import pdf_text
from tests.trial_support import felt_trial, new_person

from microdose.analysis.cgrc import CGR_GRID, correct_guess_rate_curve
from microdose.reports.trial_report import report_dict, report_text, write_report_pdf
from microdose.reports.trial_words import credits_the_guess
from microdose.services.trial_report import CGRC_SEED, trial_report


def test_personal_report_has_the_curve_of_its_dose_days(session: Session, tmp_path: Path) -> None:
    person = new_person(session, "cgrc")
    felt_trial(session, person, seed=2)
    report = trial_report(session=session, person_id=person.id)
    assert report.cgrc is not None, report.cgrc_note
    # the same curve as the analysis function on the dose days' mood and guesses
    rated = [u for u in report.units if u.checkin is not None]
    guess = [{"active": 1.0, "placebo": 0.0}.get(u.checkin.guess or "", np.nan)  # type: ignore[union-attr]
             for u in rated]  # fmt: skip
    direct = correct_guess_rate_curve(
        [u.checkin.mood for u in rated],  # type: ignore[union-attr]
        [u.active for u in rated], guess, seed=CGRC_SEED,
    )  # fmt: skip
    assert report.cgrc == direct
    again = trial_report(session=session, person_id=person.id)
    assert again.cgrc == report.cgrc  # seeded: the same report twice
    data = report_dict(report)
    assert [p["cgr"] for p in data["cgrc"]["curve"]] == list(CGR_GRID)
    assert set(data["cgrc"]["at_chance"]) == {"estimate", "ci95", "observed_cgr"}
    pdf = write_report_pdf(data, tmp_path / "report.pdf")
    text = pdf_text(pdf)
    assert "Correct guess rate curve" in text
    for out in (json.dumps(data, ensure_ascii=False), report_text(data), text):
        assert "guess influences the outcome, not the other way round" in " ".join(out.split())
        assert credits_the_guess(out) == []
