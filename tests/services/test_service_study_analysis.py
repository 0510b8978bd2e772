"""A study analysed end to end on both databases, checked against statsmodels on the inputs."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from sqlalchemy.orm import Session
from tests.service_support import account
from tests.study_support import build_study

from microdose.analysis.meta import random_effects
from microdose.domain.errors import NotFound
from microdose.services.study_analysis import analyze


def test_study_analysis_matches_statsmodels_on_the_same_data(session: Session) -> None:
    study_id, frame, series = build_study(session)
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
