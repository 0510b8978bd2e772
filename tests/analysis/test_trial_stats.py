"""N-of-1 trial statistics: the design-matched effect, the randomisation test and its
interval, the verdict, the posterior with its prior, the days-after comparison, the guess model."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import integrate, stats

from microdose.analysis.after_dose import after_dose_effect, attribute
from microdose.analysis.n_of_1 import analyse_outcome, verdict
from microdose.analysis.paired import (
    block_differences,
    paired_effect,
    sign_flip_p,
    sign_flip_test,
    sign_flips,
)
from microdose.analysis.trial import guess_model, posterior_benefit
from microdose.domain.errors import InvalidInput


def brute_force_p(diffs: np.ndarray, shift: float = 0.0) -> float:
    """Independent reference: every within-block swap, one by one, on the unit values."""
    centred = diffs - shift
    observed = abs(centred.mean())
    hits = total = 0
    for signs in itertools.product((1, -1), repeat=diffs.size):
        hits += abs(np.mean(np.array(signs) * centred)) >= observed - 1e-12
        total += 1
    return hits / total


def brute_force_interval(diffs: np.ndarray) -> tuple[float, float]:
    """The hull of the shifts not rejected at 5%, from the brute-force p-value.

    The p-value only changes at means of subsets of the differences, so it is evaluated
    at every subset mean and halfway between neighbours; the interval's ends are the
    infimum and supremum of the accepted points."""
    means = sorted(
        {
            float(np.mean(diffs[list(subset)]))
            for size in range(1, diffs.size + 1)
            for subset in itertools.combinations(range(diffs.size), size)
        }
    )
    points = [(m, m, m) for m in means] + [
        ((a + b) / 2, a, b) for a, b in itertools.pairwise(means)
    ]
    accepted = [(lo, hi) for x, lo, hi in points if brute_force_p(diffs, x) > 0.05]
    return min(lo for lo, _hi in accepted), max(hi for _lo, hi in accepted)


def test_block_differences_pair_days_and_week_means() -> None:
    # pairs: one active and one placebo day per block
    d, labels = block_differences([5, 3, 4, 6], [True, False, False, True], [0, 0, 1, 1])
    assert d.tolist() == [2.0, 2.0] and labels.tolist() == [0, 1]
    # weeks: the dose days of each week averaged, the two weeks of a block paired
    values = np.array([6, 7, 8, 3, 4, 2, 5, 5, 5, 6, 4, 5])
    active = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1], bool)
    block = np.repeat([0, 1], 6)
    d, _labels = block_differences(values, active, block)
    assert d == pytest.approx([7 - 3, 5 - 5])
    # a block without a placebo value (a missed check-in) is left out
    d, labels = block_differences([5, np.nan, 4, 6], [True, False, False, True], [0, 0, 1, 1])
    assert labels.tolist() == [1]


@pytest.mark.parametrize("seed", range(4))
def test_paired_effect_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    on, off = rng.normal(6, 1.5, 7), rng.normal(5, 1.5, 7)
    effect = paired_effect(on - off)
    # scipy.stats.ttest_rel(on, off) and ttest_1samp(on - off, 0): the same paired t
    reference = stats.ttest_rel(on, off)
    one_sample = stats.ttest_1samp(on - off, 0.0)
    interval = reference.confidence_interval(0.95)
    assert effect.estimate == pytest.approx(np.mean(on - off))
    assert effect.p == pytest.approx(reference.pvalue) == pytest.approx(one_sample.pvalue)
    assert effect.df == reference.df == 6
    assert effect.ci95 == pytest.approx((interval.low, interval.high))
    assert effect.se == pytest.approx(stats.sem(on - off))
    with pytest.raises(InvalidInput):
        paired_effect([1.0])


@pytest.mark.parametrize("seed", range(5))
def test_exact_randomisation_p_and_interval_match_enumeration(seed: int) -> None:
    rng = np.random.default_rng(seed)
    diffs = rng.normal(0.8, 1.5, 6 + seed % 3).round(1)
    result = sign_flip_test(diffs)
    assert result.draws is None and result.allocations == 2**diffs.size
    assert result.p == pytest.approx(brute_force_p(diffs), abs=1e-12)  # brute force
    low, high = brute_force_interval(diffs)  # brute force: the test inverted over shifts
    assert result.ci95 == pytest.approx((low, high), abs=1e-6)
    # the interval and the p-value agree: 0 is inside exactly when p > 0.05 (hull aside)
    assert (result.ci95[0] <= 0 <= result.ci95[1]) == (result.p > 0.05) or result.p > 0.05


def test_monte_carlo_when_there_are_too_many_allocations() -> None:
    rng = np.random.default_rng(4)
    diffs = rng.normal(0.5, 1, 12)
    exact = sign_flip_test(diffs)  # 4096 allocations: exact
    monte = sign_flip_test(diffs, max_exact=1024, draws=20_000, seed=1)
    assert "Monte Carlo" in monte.method and monte.draws == 20_000
    # Monte Carlo error of a proportion with 20,000 draws: SE <= 0.0036
    assert monte.p == pytest.approx(exact.p, abs=0.015)
    assert monte.ci95 == pytest.approx(exact.ci95, abs=0.1)
    assert monte.p > 0  # (1 + hits) / (1 + draws) is never zero
    assert sign_flip_test(diffs, max_exact=1024, seed=1) == sign_flip_test(
        diffs, max_exact=1024, seed=1
    )  # seeded: reproducible


def test_five_pairs_cannot_show_anything() -> None:
    result = sign_flip_test([2.0, 3.0, 2.5, 4.0, 3.0])
    assert result.p == 2 / 32 and not result.bounded  # no p below 0.0625 is possible
    assert verdict(result, higher_is_better=True) == "too_little_data"


def test_type_one_error_of_the_sign_flip_test_is_at_most_five_percent() -> None:
    # AR(1) daily noise, no effect, allocation randomised within 8 pairs; 1500 trials
    rng = np.random.default_rng(2024)
    runs, pairs = 1500, 8
    noise = np.zeros((runs, 2 * pairs))
    shocks = rng.normal(0, 1, noise.shape)
    for t in range(2 * pairs):
        noise[:, t] = (0.6 * noise[:, t - 1] if t else 0) + shocks[:, t]
    first_active = rng.random((runs, pairs)) < 0.5
    diffs = np.where(first_active, 1, -1) * (noise[:, 0::2] - noise[:, 1::2])
    signs, exact = sign_flips(pairs)
    assert exact
    p = np.array([sign_flip_p(d, signs, [0.0], exact=True)[0] for d in diffs])
    rejection = float(np.mean(p <= 0.05))
    # exact test: size <= 5% by construction; allow the Monte Carlo error of 1500 runs
    assert rejection <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / runs)
    assert rejection > 0.02  # and it is not trivially conservative


def test_verdict_never_contradicts_the_primary_interval() -> None:
    rng = np.random.default_rng(9)
    seen = set()
    for _ in range(150):
        diffs = rng.normal(rng.choice([-2.0, 0.0, 2.0]), 1.5, int(rng.integers(4, 10)))
        result = sign_flip_test(diffs)
        for higher in (True, False):
            said = verdict(result, higher_is_better=higher)
            seen.add(said)
            low, high = result.ci95
            if said == "benefit":
                assert (low > 0) if higher else (high < 0)
                assert result.p <= 0.05
            elif said == "harm":
                assert (high < 0) if higher else (low > 0)
            elif said == "no_reliable_difference":
                assert low <= 0 <= high or result.p > 0.05
            else:
                assert not result.bounded
    assert seen == {"benefit", "harm", "no_reliable_difference", "too_little_data"}


@pytest.mark.parametrize(
    ("estimate", "se", "mid", "higher"), [(1.2, 0.6, 1.0, True), (-3.0, 2.5, 5.0, False)]
)
def test_posterior_matches_numerical_integration(
    estimate: float, se: float, mid: float, higher: bool
) -> None:
    post = posterior_benefit(estimate, se, mid, higher_is_better=higher)
    prior_sd = mid / stats.norm.ppf(0.95)
    assert stats.norm.sf(mid, 0, post.prior_sd) == pytest.approx(0.05)  # sceptical prior
    assert post.prior == "sceptical"

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


@pytest.mark.parametrize(("estimate", "se", "df"), [(1.5, 0.55, 5), (-0.4, 0.8, 9)])
def test_posterior_with_the_paired_t_likelihood(estimate: float, se: float, df: int) -> None:
    mid = 1.0
    sceptical = posterior_benefit(estimate, se, mid, df=df)
    tau = mid / stats.norm.ppf(0.95)

    def density(x: float) -> float:
        return float(stats.norm.pdf(x, 0, tau) * stats.t.pdf((estimate - x) / se, df))

    # reference: scipy.integrate.quad of N(0, tau²) prior × scaled-t likelihood
    total = integrate.quad(density, -40, 40, points=[estimate, 0.0])[0]
    assert sceptical.prob_benefit == pytest.approx(
        integrate.quad(density, mid, 40)[0] / total, abs=1e-5
    )
    assert sceptical.prob_harm == pytest.approx(
        integrate.quad(density, -40, -mid)[0] / total, abs=1e-5
    )
    # neutral (flat) prior: the posterior is the scaled t itself (scipy.stats.t)
    neutral = posterior_benefit(estimate, se, mid, df=df, prior="neutral")
    assert neutral.prob_benefit == pytest.approx(stats.t.sf((mid - estimate) / se, df), abs=1e-5)
    low, high = stats.t.interval(0.95, df, loc=estimate, scale=se)
    assert neutral.ci95 == pytest.approx((low, high), abs=1e-3)
    with pytest.raises(InvalidInput):
        posterior_benefit(estimate, se, mid, prior="hopeful")


@pytest.mark.parametrize("gap", [False, True])
def test_days_after_dose_days_are_compared_within_blocks(gap: bool) -> None:
    rng = np.random.default_rng(5)
    pairs = 8
    every = 4 if gap else 3  # with a gap, the third day after a dose is not attributed
    days = 2 * pairs * every
    dose, block = np.full(days, np.nan), np.full(days, np.nan)
    first = rng.random(pairs) < 0.5
    dose_days = np.arange(2 * pairs) * every
    dose[dose_days] = np.column_stack([first, ~first]).ravel().astype(float)
    block[dose_days] = np.repeat(np.arange(pairs), 2)
    noise = np.zeros(days)
    for t in range(days):
        noise[t] = (0.5 * noise[t - 1] if t else 0) + rng.normal(0, 1)
    values = 5 + 0.8 * np.nan_to_num(attribute(dose)) + np.nan_to_num(dose) + noise
    values[[4, 17]] = np.nan  # missed check-ins
    values[[dose_days[4] + 1, dose_days[4] + 2]] = np.nan  # block 2 loses one side entirely
    after = after_dose_effect(values, dose, block)
    assert after is not None
    effect = after.effect
    # Independent reference: the days after each envelope listed by hand, per pair, and
    # scipy.stats.ttest_1samp on the block differences.
    diffs, on_days, off_days = [], 0, 0
    for b in range(pairs):
        sides: dict[float, list[float]] = {1.0: [], 0.0: []}
        for day in dose_days[2 * b : 2 * b + 2]:
            later = [d for d in (day + 1, day + 2) if d < days and not np.isnan(values[d])]
            sides[dose[day]] += [float(values[d]) for d in later]
        if sides[1.0] and sides[0.0]:
            diffs.append(np.mean(sides[1.0]) - np.mean(sides[0.0]))
            on_days, off_days = on_days + len(sides[1.0]), off_days + len(sides[0.0])
    reference = stats.ttest_1samp(diffs, 0.0)
    ci = reference.confidence_interval(0.95)
    assert effect.blocks == len(diffs) == pairs - 1 and effect.df == pairs - 2
    assert effect.estimate == pytest.approx(np.mean(diffs), abs=1e-12)
    assert effect.p == pytest.approx(reference.pvalue, abs=1e-12)
    assert effect.ci95 == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert (after.n_active_days, after.n_placebo_days) == (on_days, off_days)
    assert after_dose_effect(values[:5], dose[:5], block[:5]) is None  # one block only


def test_analyse_outcome_pairs_design_end_to_end() -> None:
    rng = np.random.default_rng(1)
    first = rng.random(8) < 0.5  # random order within pairs
    active = np.empty(16, bool)
    active[0::2], active[1::2] = first, ~first
    block = np.repeat(np.arange(8), 2)
    values = 5 + 2.0 * active + rng.normal(0, 0.8, 16)
    # the guess follows how the day felt (noisily)
    guess = np.where(values + rng.normal(0, 1.5, 16) > 6, 1.0, 0.0)
    result = analyse_outcome(
        "mood", "daily", values, active, block, guess, mid=1.0, higher_is_better=True
    )
    assert result.effect is not None and result.randomisation is not None
    on, off = values[active], values[~active]  # pairs in block order
    assert result.effect.p == pytest.approx(stats.ttest_rel(on, off).pvalue)  # scipy
    assert result.verdict == "benefit" and result.randomisation.ci95[0] > 0
    assert result.posterior is not None and result.posterior.prior == "sceptical"
    assert result.with_guess is not None and result.strata is not None
    flat = analyse_outcome(
        "focus", "daily", np.full(16, 5.0), active, block, guess, mid=1.0, higher_is_better=True
    )
    assert flat.effect is None and flat.verdict == "too_little_data" and flat.note


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
