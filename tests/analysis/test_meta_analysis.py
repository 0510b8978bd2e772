"""Random-effects meta-analysis against metafor's published BCG example and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from microdose.analysis.meta import random_effects
from microdose.domain.errors import InvalidInput

# BCG vaccine trials (Colditz et al. 1994; metafor's dat.bcg): tpos, tneg, cpos, cneg
BCG = [
    (4, 119, 11, 128),
    (6, 300, 29, 274),
    (3, 228, 11, 209),
    (62, 13536, 248, 12619),
    (33, 5036, 47, 5761),
    (180, 1361, 372, 1079),
    (8, 2537, 10, 619),
    (505, 87886, 499, 87892),
    (29, 7470, 45, 7232),
    (17, 1699, 65, 1600),
    (186, 50448, 141, 27197),
    (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]


def log_risk_ratios() -> tuple[np.ndarray, np.ndarray]:
    a, b, c, d = (np.array(column, float) for column in zip(*BCG, strict=True))
    return np.log(a / (a + b)) - np.log(c / (c + d)), 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)


def test_reml_matches_metafor_published_output() -> None:
    y, v = log_risk_ratios()
    result = random_effects(y, v, method="REML")
    # metafor README: rma(yi, vi, data=dat) → tau^2 0.3132, I^2 92.22%, Q(df=12) 152.2330,
    # estimate -0.7145, se 0.1798, ci -1.0669 to -0.3622
    assert round(result.tau2, 4) == 0.3132
    assert round(100 * result.i2, 2) == 92.22
    assert round(result.q, 4) == 152.2330 and result.q_df == 12
    assert round(result.estimate, 4) == -0.7145
    assert round(result.se_wald, 4) == 0.1798
    assert (round(result.ci95_wald[0], 4), round(result.ci95_wald[1], 4)) == (-1.0669, -0.3622)


def test_dersimonian_laird_matches_statsmodels() -> None:
    y, v = log_risk_ratios()
    result = random_effects(y, v, method="DL")
    ref = combine_effects(y, v, method_re="dl")  # statsmodels reference
    assert result.tau2 == pytest.approx(ref.tau2, rel=1e-10)
    assert result.estimate == pytest.approx(ref.mean_effect_re, rel=1e-10)
    assert result.se_wald == pytest.approx(ref.sd_eff_w_re, rel=1e-10)
    assert result.q == pytest.approx(ref.q, rel=1e-10)
    # for the DL τ², I² = (Q − df)/Q (Higgins & Thompson 2002); metafor prints 92.12%
    assert result.i2 == pytest.approx((result.q - 12) / result.q, rel=1e-10)
    assert round(100 * result.i2, 2) == 92.12


def test_homogeneous_effects_have_no_heterogeneity() -> None:
    result = random_effects([1.0, 1.0, 1.0], [0.1, 0.2, 0.3])
    assert result.tau2 == 0.0 and result.i2 == 0.0 and result.estimate == pytest.approx(1.0)
    # every effect the same: the HKSJ SE would be 0; the Wald SE keeps the interval honest
    assert result.se == result.se_wald > 0 and result.ci95[0] < 1.0 < result.ci95[1]


@pytest.mark.parametrize(
    ("effects", "variances", "method"),
    [([1.0], [0.1], "REML"), ([1.0, 2.0], [0.1, 0.0], "REML"), ([1.0, 2.0], [0.1, 0.1], "PM")],
)
def test_bad_input(effects: list[float], variances: list[float], method: str) -> None:
    with pytest.raises(InvalidInput):
        random_effects(effects, variances, method=method)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.InvalidTestWarning")
@pytest.mark.parametrize("k", [2, 3, 5, 13])
def test_hksj_interval_matches_statsmodels(k: int) -> None:
    y, v = log_risk_ratios()
    y, v = y[:k], v[:k]
    result = random_effects(y, v, method="DL")
    # statsmodels reference: combine_effects(y, v, method_re="dl", use_t=True), the row
    # "random effect wls" = Hartung–Knapp–Sidik–Jonkman (t on k − 1 df)
    # statsmodels leaves the DL τ² negative where metafor and we truncate it at 0; with
    # τ² = 0 the random-effects weights are the fixed-effect ones, so its row
    # "fixed effect wls" is then the reference
    ref = combine_effects(y, v, method_re="dl", use_t=True)
    row = "random effect wls" if ref.tau2 > 0 else "fixed effect wls"
    frame = ref.summary_frame()
    wald = ref.sd_eff_w_re if ref.tau2 > 0 else ref.sd_eff_w_fe
    assert (result.tau2 > 0) == (ref.tau2 > 0)
    # the modification (Knapp & Hartung 2003): max(1, q) ⇔ the larger of the HKSJ SE and
    # the Wald SE, each from statsmodels
    assert result.se == pytest.approx(max(frame.loc[row, "sd_eff"], wald), rel=1e-10)
    t = stats.t.ppf(0.975, k - 1)  # scipy's quantile, as statsmodels' row uses
    if frame.loc[row, "sd_eff"] >= wald:  # q ≥ 1: statsmodels' own interval
        assert result.ci95[0] == pytest.approx(frame.loc[row, "ci_low"], rel=1e-10)
        assert result.ci95[1] == pytest.approx(frame.loc[row, "ci_upp"], rel=1e-10)
    else:
        mean = frame.loc[row, "eff"]
        assert result.ci95 == pytest.approx((mean - t * wald, mean + t * wald), rel=1e-10)
    assert result.df == k - 1
    # the p-value: scipy's t distribution on k − 1 df at estimate / SE
    assert result.p == pytest.approx(2 * stats.t.sf(abs(result.estimate / result.se), k - 1))


def test_the_modification_applies_when_q_is_below_one() -> None:
    # three nearly equal effects with large variances: q = Σw(y − μ)²/(k − 1) ≪ 1, so plain
    # HKSJ would be narrower than Wald; the modified SE is the Wald SE (Röver et al. 2015)
    result = random_effects([1.0, 1.1, 0.9], [1.0, 1.0, 1.0], method="DL")
    assert result.tau2 == 0.0 and result.se == pytest.approx(result.se_wald)
    half = stats.t.ppf(0.975, 2) * result.se_wald
    assert result.ci95 == pytest.approx((1.0 - half, 1.0 + half))


def test_prediction_interval_is_the_wls_prediction_of_one_new_result() -> None:
    y, v = log_risk_ratios()
    result = random_effects(y, v, method="DL")
    ref = combine_effects(y, v, method_re="dl")  # statsmodels reference for τ²
    w = 1 / (v + ref.tau2)
    # statsmodels WLS of the effects on a constant with weights 1/(v + τ²): its scale is
    # the HKSJ q; the prediction of one new observation of the mean weight Σw/k has the
    # variance q/w_new + q/Σw = (k + 1)·SE_HK², and its obs_ci is on t with k − 1 df
    fit = sm.WLS(y, np.ones_like(y), weights=w).fit()
    frame = fit.get_prediction(np.ones((1, 1)), weights=np.array([w.mean()])).summary_frame(
        alpha=0.05
    )
    expected = (frame["obs_ci_lower"].iloc[0], frame["obs_ci_upper"].iloc[0])
    assert result.prediction95 == pytest.approx(expected, rel=1e-9)
    two = random_effects(y[:2], v[:2], method="DL")
    assert all(np.isfinite(two.prediction95))


def test_prediction_interval_with_equal_variances_is_the_textbook_one() -> None:
    """Equal variances: x̄ ± t(k − 1)·s·√(1 + 1/k) (Hahn & Meeker 1991), scipy's t."""
    y = np.array([0.2, 1.4, -0.3, 0.9, 2.1, 0.6])
    result = random_effects(y, np.full(6, 0.5))
    half = stats.t.ppf(0.975, 5) * y.std(ddof=1) * np.sqrt(1 + 1 / 6)
    # REML puts τ² at s² − v (q = 1, so the Wald floor and the HKSJ SE agree) up to the
    # optimiser's tolerance
    assert result.prediction95 == pytest.approx((y.mean() - half, y.mean() + half), rel=1e-7)


def test_prediction_interval_never_has_zero_width() -> None:
    """Every effect the same: no spread to estimate from, the Wald SE stands in."""
    result = random_effects([1.0, 1.0, 1.0], [0.25, 0.25, 0.25])
    half = stats.t.ppf(0.975, 2) * np.sqrt(4) * np.sqrt(0.25 / 3)
    assert result.prediction95 == pytest.approx((1.0 - half, 1.0 + half))


def test_agreeing_effects_do_not_shrink_the_prediction_below_their_sampling_error() -> None:
    """q < 1 (three effects closer than their SEs allow): the prediction uses the Wald SE,
    as the modified HKSJ CI does (Knapp & Hartung 2003), so it always contains the CI."""
    result = random_effects([1.09, 1.05, 0.97], [0.09, 0.08, 0.10])
    assert result.tau2 == 0.0 and result.se == pytest.approx(result.se_wald)
    half = stats.t.ppf(0.975, 2) * np.sqrt(4) * result.se_wald
    assert result.prediction95 == pytest.approx((result.estimate - half, result.estimate + half))
    rng = np.random.default_rng(3)
    for _ in range(200):
        k = int(rng.integers(2, 9))
        found = random_effects(rng.normal(0, 1, k), rng.uniform(0.05, 1, k))
        assert found.prediction95[0] < found.ci95[0] and found.ci95[1] < found.prediction95[1]


def test_hksj_covers_better_than_wald_with_few_people() -> None:
    """Few heterogeneous N-of-1 effects: the Wald interval under-covers (IntHout 2014)."""
    rng = np.random.default_rng(11)
    hksj = wald = 0
    for _ in range(2000):
        v = rng.uniform(0.05, 0.5, 4)
        y = 1.0 + rng.normal(0, 0.5, 4) + rng.normal(0, np.sqrt(v))
        r = random_effects(y, v, method="DL")
        hksj += r.ci95[0] <= 1.0 <= r.ci95[1]
        wald += r.ci95_wald[0] <= 1.0 <= r.ci95_wald[1]
    assert hksj / 2000 > 0.93 and wald / 2000 < hksj / 2000
