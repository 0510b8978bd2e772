"""The period mean and its AR(1)-honest interval, against scipy and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.linalg import toeplitz
from statsmodels.tsa.stattools import acf

from microdose.analysis.summaries import (
    ar1_variance_factor,
    lag1_autocorrelation,
    mean_summary,
)


@pytest.mark.parametrize(("n", "phi"), [(7, 0.0), (7, 0.5), (30, 0.3), (31, 0.8)])
def test_the_variance_factor_is_the_ar1_covariance_matrix_sum(n: int, phi: float) -> None:
    # reference: Var(mean) of AR(1) = σ²/n² · 1ᵀ Σ 1 with Σ = toeplitz(φ^k) (scipy.linalg)
    matrix = toeplitz(phi ** np.arange(n))
    assert ar1_variance_factor(n, phi) == pytest.approx(matrix.sum() / n, rel=1e-12)


def test_lag1_autocorrelation_is_statsmodels_acf() -> None:
    rng = np.random.default_rng(3)
    values = list(rng.normal(5, 2, 40).round())
    # reference: statsmodels.tsa.stattools.acf (the same Σ c_t c_t+1 / Σ c_t² estimator)
    assert lag1_autocorrelation(values) == pytest.approx(acf(values, nlags=1)[1], rel=1e-12)


def test_without_correlation_the_interval_is_scipys_t_interval() -> None:
    values = [4.0, 7.0, 3.0, 8.0, 4.0, 7.0, 5.0]  # alternating: lag-1 below 0, floored at 0
    summary = mean_summary(values)
    assert summary.lag1 == 0.0
    sample = np.array(values)
    # reference: scipy.stats.t.interval on n − 1 df with the standard error sd/√n
    expected = stats.t.interval(0.95, len(values) - 1, loc=sample.mean(), scale=stats.sem(sample))
    assert summary.ci95 == pytest.approx(expected, rel=1e-12)


def test_correlated_days_widen_the_interval_and_few_days_give_none() -> None:
    smooth = [3.0, 3.0, 4.0, 5.0, 5.0, 6.0, 7.0, 7.0, 6.0, 6.0]
    summary = mean_summary(smooth)
    assert summary.lag1 is not None and summary.lag1 > 0.3
    assert summary.ci95 is not None
    plain = stats.t.interval(0.95, 9, loc=np.mean(smooth), scale=stats.sem(smooth))
    assert summary.ci95[1] - summary.ci95[0] > plain[1] - plain[0]
    two = mean_summary([5.0, None, 6.0])
    assert (two.n, two.mean, two.ci95) == (2, 5.5, None)
    assert mean_summary([None, None]).mean is None


def test_the_bias_correction_is_kendalls_first_order_term() -> None:
    from microdose.analysis.summaries import lag1_bias_corrected

    values = [5.0, 6.0, 6.0, 4.0, 5.0, 7.0, 6.0, 4.0, 5.0, 5.0, 6.0, 3.0]
    r = acf(values, nlags=1)[1]  # reference: statsmodels acf, then r + (1 + 3r)/n by hand
    assert -0.5 < r < 0.5
    assert lag1_bias_corrected(values) == pytest.approx(r + (1 + 3 * r) / 12, rel=1e-12)
    assert lag1_bias_corrected([3.0, 3.0, 4.0, 5.0, 5.0, 6.0, 7.0, 7.0, 6.0, 6.0]) == 0.99  # cap


def test_a_known_phi_gives_the_ar1_variance_of_the_mean() -> None:
    values = [5.0, 6.0, 4.0, 6.0, 7.0, 5.0, 6.0, 5.0]
    n, phi = len(values), 0.4
    factor = toeplitz(phi ** np.arange(n)).sum() / n  # reference: scipy toeplitz
    sigma2 = np.var(values, ddof=1) * (n - 1) / (n - factor)  # E[s²] = σ²(n − f)/(n − 1)
    half = stats.t.ppf(0.975, n - 1) * np.sqrt(sigma2 * factor / n)
    summary = mean_summary(values, phi=phi)
    assert summary.ci95 == pytest.approx((np.mean(values) - half, np.mean(values) + half))
