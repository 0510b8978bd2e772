"""Dose-day and carry-over effects: statsmodels agreement, calibration, minimum data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.typing import NDArray
from statsmodels.regression.linear_model import GLSAR, yule_walker

from microdose.analysis.daily import (
    MIN_CATEGORY_DAYS,
    MIN_DAYS,
    daily_effects,
    day_types,
    fit_daily_many,
)

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


def ar1(rng: np.random.Generator, shape: tuple[int, int], rho: float) -> Floats:
    """Stationary AR(1) noise with unit innovations along the last axis."""
    innovations = rng.normal(size=shape)
    noise = np.empty(shape)
    noise[:, 0] = innovations[:, 0] / np.sqrt(1 - rho**2)
    for t in range(1, shape[1]):
        noise[:, t] = rho * noise[:, t - 1] + innovations[:, t]
    return noise


def journals(
    seed: int, people: int, days: int, *, protocol: str = "fadiman", missed: float = 0.1
) -> tuple[Floats, Bools]:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    plan = {"fadiman": t % 3 == 0, "stamets": t % 7 < 4}[protocol]
    dose = plan[None, :] & (rng.random((people, days)) > missed)
    values = 5 + 0.6 * dose + 0.02 * t + ar1(rng, (people, days), 0.5)
    values[rng.random((people, days)) < 0.12] = np.nan
    return values, dose


def statsmodels_fit(values: Floats, dose: Bools, model: str, full: bool) -> object:
    """The reference: statsmodels GLSAR two-step (Cochrane-Orcutt) on the observed days."""
    d, a1, a2, _off = day_types(dose)
    seen = ~np.isnan(values)
    t = np.arange(len(values))[seen] / 7.0
    columns = [np.ones(seen.sum()), d[seen]]
    if model == "B":
        columns += [a1[seen]] + ([a2[seen]] if full else [])
    X = np.column_stack([*columns, t]).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GLSAR(values[seen], X, rho=1).iterative_fit(maxiter=2)


@pytest.mark.parametrize("protocol", ["fadiman", "stamets"])
def test_estimates_and_intervals_equal_statsmodels(protocol: str) -> None:
    values, dose = journals(11, 40, 90, protocol=protocol, missed=0.2)
    fit = fit_daily_many(values, dose)
    assert fit.ok[:, 0].all() and fit.ok[:, 1].all()
    for p in range(values.shape[0]):
        # statsmodels: GLSAR(y, X, rho=1).iterative_fit(maxiter=2), model A: 1 + dose + trend
        ref = statsmodels_fit(values[p], dose[p], "A", False)
        low, high = ref.conf_int().T  # type: ignore[attr-defined]
        assert fit.estimate[p, 0] == pytest.approx(ref.params[1], abs=1e-10)  # type: ignore[attr-defined]
        assert (fit.lower[p, 0], fit.upper[p, 0]) == pytest.approx((low[1], high[1]), abs=1e-10)
        assert fit.estimate[p, 3] == pytest.approx(ref.params[2], abs=1e-10)  # type: ignore[attr-defined]
        assert fit.rho[p, 0] == pytest.approx(ref.model.rho[0], abs=1e-12)  # type: ignore[attr-defined]
        # model B: 1 + dose + day after (+ two days after) + trend
        full = bool(fit.full_reference[p])
        ref = statsmodels_fit(values[p], dose[p], "B", full)
        low, high = ref.conf_int().T  # type: ignore[attr-defined]
        assert fit.estimate[p, 1] == pytest.approx(ref.params[2], abs=1e-10)  # type: ignore[attr-defined]
        assert (fit.lower[p, 1], fit.upper[p, 1]) == pytest.approx((low[2], high[2]), abs=1e-10)
        if full:
            assert fit.estimate[p, 2] == pytest.approx(ref.params[3], abs=1e-10)  # type: ignore[attr-defined]


def test_autocorrelation_is_the_yule_walker_estimate() -> None:
    rng = np.random.default_rng(5)
    values = 5 + ar1(rng, (1, 120), 0.6)[0]
    dose = np.arange(120) % 3 == 0
    fit = fit_daily_many(values[None], dose[None])
    # statsmodels: the first step is OLS on rows 2..n; rho from all residuals by yule_walker
    X = np.column_stack([np.ones(120), dose, np.arange(120) / 7.0])
    first = np.linalg.lstsq(X[1:], values[1:], rcond=None)[0]
    rho, _sigma = yule_walker(
        values - X @ first, order=1, method="adjusted", demean=True, result_object=False
    )
    assert fit.rho[0, 0] == pytest.approx(rho[0], abs=1e-12)


def test_95_percent_intervals_cover_the_true_effect_93_to_97_percent() -> None:
    # 1,000 simulated 90-day Fadiman journals, AR(1) errors with rho = 0.5, true dose-day
    # effect 0.6 points; reference: the nominal 95% (Monte Carlo SE 0.7 points)
    values, dose = journals(20261122, 1000, 90)
    fit = fit_daily_many(values, dose)
    assert fit.ok[:, 0].all()
    covered = (fit.lower[:, 0] <= 0.6) & (fit.upper[:, 0] >= 0.6)
    assert 0.93 <= covered.mean() <= 0.97


def test_day_after_intervals_are_calibrated_too() -> None:
    rng = np.random.default_rng(7)
    days, people = 90, 1000
    t = np.arange(days)
    dose = (t % 7 < 4)[None, :] & (rng.random((people, days)) > 0.1)  # Stamets
    _d, after, _a2, _off = day_types(dose)
    values = 5 + 0.6 * dose + 0.4 * after + ar1(rng, (people, days), 0.5)
    fit = fit_daily_many(values, dose)
    assert fit.ok[:, 1].all()
    covered = (fit.lower[:, 1] <= 0.4) & (fit.upper[:, 1] >= 0.4)
    assert 0.93 <= covered.mean() <= 0.97


def test_one_series_equals_the_batch() -> None:
    values, dose = journals(3, 5, 84)
    fit = fit_daily_many(values, dose)
    for p in range(5):
        one = daily_effects(values[p], dose[p], rating="mood")
        assert one.dose_day_effect is not None
        assert one.dose_day_effect.estimate == fit.estimate[p, 0]
        assert one.dose_day_effect.ci95 == (fit.lower[p, 0], fit.upper[p, 0])
        assert one.n_days == int(fit.n_days[p])


def test_not_enough_data_below_the_minimum() -> None:
    values, dose = journals(4, 1, 90)
    short = values[0].copy()
    short[MIN_DAYS + 3 :] = np.nan
    short[np.flatnonzero(~np.isnan(short))[MIN_DAYS - 1 :]] = np.nan  # MIN_DAYS - 1 days left
    result = daily_effects(short, dose[0], rating="mood")
    assert result.status == "not enough data"
    assert result.dose_day_effect is None and result.day_after_effect is None
    assert result.note is not None and f"at least {MIN_DAYS} days" in result.note
    assert result.to_dict()["dose_day_effect"] is None


def test_doses_bunched_together_are_not_enough() -> None:
    # 12 dose days, but in two runs: far less information than 12 separate days
    dose = np.zeros(60, dtype=bool)
    dose[10:16] = dose[40:46] = True
    values = 5 + np.random.default_rng(1).normal(size=60)
    result = daily_effects(values, dose)
    assert result.n_dose_days >= MIN_CATEGORY_DAYS
    assert result.status == "not enough data"


def test_fadiman_cannot_separate_two_days_after() -> None:
    days = 90
    dose = np.arange(days) % 3 == 0  # every off day is within two days of a dose
    values = 5 + np.random.default_rng(2).normal(size=days)
    result = daily_effects(values, dose)
    assert result.dose_day_effect is not None and result.day_after_effect is not None
    assert result.two_days_after_effect is None
    assert result.day_after_effect.compared_with == "off days 2 or more days after a dose"
    assert result.note is not None and "Fadiman" in result.note


def test_missing_days_are_none_or_nan_and_shapes_must_match() -> None:
    values: list[float | None] = [5.0, None, 6.0] * 20
    dose = [i % 3 == 0 for i in range(60)]
    assert daily_effects(values, dose).n_days == 40
    with pytest.raises(ValueError, match="dose flags"):
        daily_effects([1.0, 2.0], [True])


def test_day_types_are_exclusive_and_exhaustive() -> None:
    dose = np.random.default_rng(9).random((20, 50)) < 0.3
    kinds = np.stack(day_types(dose))
    assert (kinds.sum(axis=0) == 1).all()
