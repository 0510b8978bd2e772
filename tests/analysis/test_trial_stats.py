"""N-of-1 trial statistics: randomisation test, Welch effect, posterior, guess model."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import integrate, stats

from microdose.analysis.trial import (
    block_flips,
    guess_model,
    posterior_benefit,
    randomisation_p_values,
    randomisation_test,
    welch_effect,
)
from microdose.domain.errors import InvalidInput


def brute_force_p(values: np.ndarray, active: np.ndarray, blocks: np.ndarray) -> float:
    """Independent reference: list every allocation the design allows, one by one."""
    labels = sorted(set(blocks.tolist()))
    observed = values[active].mean() - values[~active].mean()
    hits = total = 0
    for swaps in itertools.product((False, True), repeat=len(labels)):
        assigned = active.copy()
        for label, swap in zip(labels, swaps, strict=True):
            if swap:
                assigned[blocks == label] = ~assigned[blocks == label]
        diff = values[assigned].mean() - values[~assigned].mean()
        hits += abs(diff) >= abs(observed) - 1e-12
        total += 1
    return hits / total


@pytest.mark.parametrize("seed", range(6))
def test_exact_randomisation_test_matches_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # pairs (6 blocks of 2) and weeks-like blocks of unequal size (3 + 2 days)
    designs = [np.repeat(np.arange(6), 2), np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2])]
    for blocks in designs:
        active = np.zeros(blocks.size, bool)
        for label in set(blocks.tolist()):
            idx = np.flatnonzero(blocks == label)
            active[idx[: idx.size // 2 + rng.integers(0, 2) * (idx.size % 2)]] = True
            if rng.random() < 0.5:
                active[idx] = ~active[idx]
        values = rng.normal(5, 1.5, blocks.size).round()
        result = randomisation_test(values, active, blocks)
        assert result.p == pytest.approx(brute_force_p(values, active, blocks), abs=1e-12)
        assert result.draws is None and result.allocations == 2 ** len(set(blocks.tolist()))


def test_monte_carlo_when_there_are_too_many_allocations() -> None:
    rng = np.random.default_rng(4)
    blocks = np.repeat(np.arange(12), 2)
    active = np.tile([True, False], 12)
    values = rng.normal(0, 1, 24) + 0.4 * active
    exact = randomisation_test(values, active, blocks)  # 4096 allocations: exact
    monte = randomisation_test(values, active, blocks, max_exact=1024, draws=20_000, seed=1)
    assert "Monte Carlo" in monte.method and monte.draws == 20_000
    # Monte Carlo error of a proportion with 20,000 draws: SE <= 0.0036
    assert monte.p == pytest.approx(exact.p, abs=0.015)
    assert monte.p > 0  # (1 + hits) / (1 + draws) is never zero


@pytest.mark.slow
def test_type_one_error_under_the_null_is_at_most_five_percent() -> None:
    # AR(1) daily noise, no effect; allocation drawn by the pairs design; 4000 trials at once
    rng = np.random.default_rng(2024)
    runs, pairs = 4000, 8
    n = 2 * pairs
    noise = np.zeros((runs, n))
    shocks = rng.normal(0, 1, (runs, n))
    for t in range(n):
        noise[:, t] = (0.6 * noise[:, t - 1] if t else 0) + shocks[:, t]
    first_active = rng.random((runs, pairs)) < 0.5
    active = np.empty((runs, n), bool)
    active[:, 0::2], active[:, 1::2] = first_active, ~first_active
    blocks = np.repeat(np.arange(pairs), 2)
    flips, exact = block_flips(pairs)
    assert exact
    p = randomisation_p_values(noise, active, blocks, flips)
    rejection = float(np.mean(p <= 0.05))
    # exact test: size <= 5% by construction; allow Monte Carlo error of 4000 runs (≈ 0.7%)
    assert rejection <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / runs)
    assert rejection > 0.02  # and it is not trivially conservative


def test_welch_effect_matches_scipy() -> None:
    rng = np.random.default_rng(8)
    values = rng.normal(5, 2, 20)
    active = np.arange(20) % 3 == 0
    effect = welch_effect(values, active)
    # scipy.stats.ttest_ind(a, b, equal_var=False) and its confidence_interval()
    reference = stats.ttest_ind(values[active], values[~active], equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert effect.estimate == pytest.approx(values[active].mean() - values[~active].mean())
    assert effect.p == pytest.approx(reference.pvalue)
    assert effect.df == pytest.approx(reference.df)
    assert effect.ci95 == pytest.approx((interval.low, interval.high))
    with pytest.raises(InvalidInput):
        welch_effect(values[:3], np.array([True, False, False]))


@pytest.mark.parametrize(
    ("estimate", "se", "mid", "higher"), [(1.2, 0.6, 1.0, True), (-3.0, 2.5, 5.0, False)]
)
def test_posterior_matches_numerical_integration(
    estimate: float, se: float, mid: float, higher: bool
) -> None:
    post = posterior_benefit(estimate, se, mid, higher_is_better=higher)
    prior_sd = mid / stats.norm.ppf(0.95)
    assert stats.norm.sf(mid, 0, post.prior_sd) == pytest.approx(0.05)  # sceptical prior

    def density(x: float) -> float:
        return float(stats.norm.pdf(x, 0, prior_sd) * stats.norm.pdf(estimate, x, se))

    # reference: prior × likelihood integrated numerically (scipy.integrate.quad)
    total = integrate.quad(density, -60, 60, points=[estimate, 0.0])[0]
    beyond = (
        integrate.quad(density, mid, 60)[0] if higher else integrate.quad(density, -60, -mid)[0]
    )
    mean = integrate.quad(lambda x: x * density(x), -60, 60, points=[estimate])[0] / total
    assert post.prob_benefit == pytest.approx(beyond / total, abs=1e-7)
    assert post.mean == pytest.approx(mean, abs=1e-7)


def test_guess_model_matches_statsmodels() -> None:
    rng = np.random.default_rng(3)
    active = rng.random(40) < 0.5
    guess = np.where(rng.random(40) < 0.15, np.nan, (rng.random(40) < 0.5).astype(float))
    values = 5 + 1.5 * np.nan_to_num(guess) + rng.normal(0, 1, 40)
    fitted, cells, reason = guess_model(values, active, guess)
    assert reason is None and fitted is not None
    known = ~np.isnan(guess)
    frame = pd.DataFrame(
        {"value": values[known], "cond": active[known].astype(float), "g": guess[known]}
    )
    # statsmodels: smf.ols("value ~ cond * g").fit()
    ref = smf.ols("value ~ cond * g", frame).fit()
    for ours, theirs in (("condition", "cond"), ("guess", "g"), ("interaction", "cond:g")):
        assert fitted[ours].estimate == pytest.approx(ref.params[theirs])
        assert fitted[ours].se == pytest.approx(ref.bse[theirs])
        assert fitted[ours].p == pytest.approx(ref.pvalues[theirs])
    aa = values[known & active & (guess == 1)]
    assert cells["active/active"].mean == pytest.approx(aa.mean())
    assert cells["active/active"].n == aa.size
    assert sum(c.n for c in cells.values()) == int(known.sum())
    # a missing cell: the model cannot be estimated, the reason says why
    none, _cells, why = guess_model(values[:6], np.ones(6, bool), np.ones(6))
    assert none is None and why
