"""A study analysed end to end on both databases, checked against statsmodels on the inputs."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from sqlalchemy.orm import Session
from tests.service_support import NOW, account, study

from microdose.analysis.meta import random_effects
from microdose.domain.checkins import make_checkin
from microdose.domain.errors import NotFound
from microdose.services import studies
from microdose.services.checkins import submit_checkin
from microdose.services.study_analysis import analyze
from microdose.store.models import DoseRow

TODAY = date(2026, 3, 2)
DAYS = (0, 14, 28, 42)
ARMS = ("microdose",) * 4 + ("comparison",) * 4


def _answers(total: int) -> list[int]:
    """PHQ-9 answers with this total and item 9 = 0."""
    answers = [0] * 9
    for item in range(total):
        answers[item % 8] += 1
    return answers


def _build(session: Session) -> tuple[object, pd.DataFrame, dict[str, tuple[np.ndarray, ...]]]:
    rng = np.random.default_rng(11)
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher, schedule="0:phq9;14:phq9;28:phq9;42:phq9",
                duration_days=42)
    long_rows, series = [], {}
    for n, arm in enumerate(ARMS):
        person = account(session, f"p{n}@example.org", "participant")
        code = studies.create_invitations(session=session, actor=researcher, study_id=row.id,
                                          arm=arm)[0]
        enrolment = studies.enrol(session=session, actor=person, code=code, consent_version=1,
                                  now=NOW)
        base = int(rng.integers(10, 17))
        for day in DAYS:
            drop = (4 if arm == "microdose" else 2) * day / 42
            total = int(np.clip(round(base - drop + rng.normal(0, 1.5)), 0, 24))
            studies.submit_assessment(session=session, actor=person, study_id=row.id,
                                      instrument="phq9", answers=_answers(total),
                                      day=TODAY + timedelta(days=day))
            long_rows.append({"participant": enrolment.pseudonym, "arm": arm,
                              "study_day": day, "value": float(total)})
        dosed = (np.arange(42) % 3 == 0) & (arm == "microdose")
        mood = np.clip(np.round(5 + 1.2 * dosed + rng.normal(0, 1, 42)), 0, 10)
        assert person.person_id is not None
        for day in range(42):
            when = TODAY + timedelta(days=day)
            submit_checkin(session=session, person_id=person.person_id, checkin=make_checkin(
                when, {**dict.fromkeys(("anxiety", "energy", "focus", "sleep",
                                        "connectedness"), 5), "mood": int(mood[day])}))
            if dosed[day]:
                session.add(DoseRow(person_id=person.person_id, local_date=when,
                                    timezone="Europe/Berlin", material="dried", grams=0.2,
                                    taken_at=datetime.combine(when, datetime.min.time(),
                                                              NOW.tzinfo), warnings=[]))
        series[enrolment.pseudonym] = (mood, dosed)
    session.flush()
    return row.id, pd.DataFrame(long_rows), series


def test_study_analysis_matches_statsmodels_on_the_same_data(session: Session) -> None:
    study_id, frame, series = _build(session)
    researcher = account(session, "other@example.org", "researcher")
    with pytest.raises(NotFound):
        analyze(session=session, actor=researcher, study_id=study_id)  # type: ignore[arg-type]
    from microdose.services.accounts import find_account
    from microdose.services.actor import Actor

    owner = Actor.of(find_account(session=session, email="res@example.org"))
    result = analyze(session=session, actor=owner, study_id=study_id)  # type: ignore[arg-type]
    assert result.notes == ()

    # ANCOVA: statsmodels ols("post ~ C(group, Treatment('comparison')) + baseline")
    wide = frame.pivot_table(index=["participant", "arm"], columns="study_day",
                             values="value").reset_index()
    fit = smf.ols("post ~ C(arm, Treatment('comparison')) + baseline",
                  wide.rename(columns={0: "baseline", 42: "post"})).fit()
    name = "C(arm, Treatment('comparison'))[T.microdose]"
    assert result.ancova is not None and result.ancova.reference == "comparison"
    assert result.ancova.effects[0].estimate == pytest.approx(fit.params[name], rel=1e-9)
    assert result.ancova.effects[0].se == pytest.approx(fit.bse[name], rel=1e-9)

    # mixed model: statsmodels mixedlm("value ~ weeks * C(arm, Treatment('comparison')))")
    frame["weeks"] = frame["study_day"] / 7
    mixed = smf.mixedlm("value ~ weeks * C(arm, Treatment('comparison'))", frame,
                        groups=frame["participant"]).fit(reml=True)
    assert result.mixed_model is not None
    assert result.mixed_model.term("weeks").estimate == pytest.approx(
        mixed.fe_params["weeks"], rel=1e-6)
    assert result.mixed_model.n == len(frame)

    # N-of-1: each dosing participant's dose-day effect by statsmodels GLSAR (AR(1) errors,
    # two iterations, as analysis.daily documents), pooled by REML (checked against metafor)
    effects, variances = [], []
    for mood, dosed in series.values():
        if not dosed.any():
            continue
        X = np.column_stack([np.ones(42), dosed, np.arange(42) / 7])
        glsar = sm.GLSAR(mood, X, rho=1).iterative_fit(maxiter=2)
        effects.append(glsar.params[1])
        variances.append(glsar.bse[1] ** 2)
    pooled = random_effects(effects, variances)
    assert result.n_of_1 is not None and result.n_of_1.left_out == 4
    assert result.n_of_1.pooled.estimate == pytest.approx(pooled.estimate, rel=1e-6)
    assert result.n_of_1.pooled.ci95[0] < 1.2 < result.n_of_1.pooled.ci95[1]
