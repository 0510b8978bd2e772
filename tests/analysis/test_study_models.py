"""Blinded study models (OLS, random-intercept REML) against statsmodels, on real data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from tests.conftest import SBMD_DIR

from microdose.analysis.study import StudyData, analyze_study, ols, random_intercept

PACUTES = SBMD_DIR / "pacutes.csv"


@pytest.fixture(scope="module")
def mood() -> pd.DataFrame:
    frame = pd.read_csv(PACUTES)
    chosen = frame[frame.test_name == "mood"].copy()
    chosen["cond"] = (chosen.condition == "MD").astype(float)
    chosen["g"] = (chosen.guess == "MD").astype(float)
    return chosen


def test_ols_matches_statsmodels(mood: pd.DataFrame) -> None:
    one = mood[mood.tp == "w4s1"]
    X = np.column_stack([np.ones(len(one)), one.cond, one.g, one.cond * one.g])
    ours = ols(one.value.to_numpy(), X, ["intercept", "cond", "g", "cond:g"])
    ref = smf.ols("value ~ cond * g", one).fit()  # statsmodels reference
    for name in ("cond", "g", "cond:g"):
        c = ours.coefficients[name]
        assert c.estimate == pytest.approx(ref.params[name], rel=1e-10)
        assert c.se == pytest.approx(ref.bse[name], rel=1e-10)
        assert c.p == pytest.approx(ref.pvalues[name], rel=1e-8)
        low, high = ref.conf_int().loc[name]
        assert c.ci95 == pytest.approx((low, high), rel=1e-10)


@pytest.mark.parametrize("formula", ["value ~ cond", "value ~ cond * g"])
def test_random_intercept_reml_matches_statsmodels(mood: pd.DataFrame, formula: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.mixedlm(formula, mood, groups=mood.trial_id).fit(reml=True)
    X = np.asarray(ref.model.exog)
    names = list(ref.model.exog_names)
    ours = random_intercept(mood.value.to_numpy(), X, mood.trial_id.to_numpy(), names)
    for name in names:
        assert ours.coefficients[name].estimate == pytest.approx(ref.fe_params[name], abs=1e-4)
    assert ours.sigma2 == pytest.approx(ref.scale, rel=1e-4)
    assert ours.tau2 == pytest.approx(float(ref.cov_re.iloc[0, 0]), rel=1e-3)
    # Standard errors: σ²(X'V⁻¹X)⁻¹ at the REML variances, checked against statsmodels GLS
    # with the covariance statsmodels' MixedLM estimated (statsmodels' own MixedLM SEs use
    # the observed information and differ by < 1%).
    groups = mood.trial_id.to_numpy()
    V = ref.scale * np.eye(len(mood)) + float(ref.cov_re.iloc[0, 0]) * (
        groups[:, None] == groups[None, :]
    )
    gls = sm.GLS(mood.value.to_numpy(), X, sigma=V).fit()
    for i, name in enumerate(names):
        assert ours.coefficients[name].se == pytest.approx(gls.bse[i], rel=1e-3)
        assert ours.coefficients[name].se == pytest.approx(ref.bse_fe[name], rel=1e-2)
    # inference on t with participants − fixed effects df (scipy's t), not statsmodels' z
    df = mood.trial_id.nunique() - len(names)
    assert ours.df == df
    for name in names:
        c = ours.coefficients[name]
        half = stats.t.ppf(0.975, df) * c.se
        assert c.ci95 == pytest.approx((c.estimate - half, c.estimate + half), rel=1e-12)
        assert c.p == pytest.approx(2 * stats.t.sf(abs(c.estimate / c.se), df), rel=1e-12)


def test_boundary_without_between_person_variance() -> None:
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(30), 3)
    x = rng.random(90) < 0.5
    y = 1 + 0.5 * x + rng.normal(0, 1, 90)  # no random intercept at all
    X = np.column_stack([np.ones(90), x])
    ours = random_intercept(y, X, groups, ["intercept", "condition"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.MixedLM(y, X, groups).fit(reml=True)
    assert ours.tau2 == pytest.approx(float(ref.cov_re[0, 0]), abs=2e-3)
    assert ours.coefficients["condition"].estimate == pytest.approx(ref.fe_params[1], abs=1e-3)


def test_balanced_random_intercept_is_the_exact_t_test_on_participant_means() -> None:
    # One arm per participant, every participant seen at each of 3 timepoints: the REML
    # random-intercept effect, its SE and its t on groups − 2 df are those of the pooled
    # two-sample t-test on the participants' means (exact under normality), whenever the
    # between-participant variance is estimated above 0. Reference: scipy's ttest_ind.
    rng = np.random.default_rng(4)
    for _ in range(5):
        arm = np.repeat([True, False], 30)[rng.permutation(60)]
        groups = np.repeat(np.arange(60), 3)
        y = 50 + rng.normal(0, 10, 60)[groups] + 3 * arm[groups] + rng.normal(0, 10, 180)
        X = np.column_stack([np.ones(180), arm[groups]])
        fit = random_intercept(y, X, groups, ["intercept", "condition"])
        means = y.reshape(60, 3).mean(axis=1)
        ref = stats.ttest_ind(means[arm], means[~arm])
        effect = fit.coefficients["condition"]
        assert fit.tau2 > 0 and fit.df == ref.df == 58
        assert effect.estimate == pytest.approx(means[arm].mean() - means[~arm].mean())
        assert effect.p == pytest.approx(ref.pvalue, rel=1e-6)
        assert effect.ci95 == pytest.approx(tuple(ref.confidence_interval()), rel=1e-6)


def test_analyze_study_on_real_data(mood: pd.DataFrame) -> None:
    data = StudyData(
        mood.trial_id.astype(str).to_numpy(),
        mood.tp.to_numpy(),
        mood.value.to_numpy(float),
        (mood.condition == "MD").to_numpy(),
        mood.g.to_numpy(float),
    )
    result = analyze_study(data)
    assert result.n == len(mood) and result.participants == mood.trial_id.nunique()
    assert "REML" in result.method and len(result.timepoints) == 4
    assert result.with_guess is not None
    # the study's finding: the condition effect shrinks once the guess is in the model
    assert abs(result.with_guess["condition"].estimate) < abs(result.effect.estimate)
    assert result.with_guess["guess"].ci95[0] > 0
    assert sum(s.n for s in result.strata.values()) == len(mood)
