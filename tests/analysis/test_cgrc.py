"""The correct guess rate curve: the strata arithmetic exactly, the curve by Monte Carlo.

Data: the self-blinding study's mood on the dose day of week 4 (``pacutes.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.conftest import SBMD_DIR

from microdose.analysis.cgrc import (
    CGR_GRID,
    correct_guess_rate_curve,
    expected_effect,
    strata_counts,
    strata_sizes,
)
from microdose.domain.errors import InvalidInput
from microdose.reports.trial_words import credits_the_guess


@pytest.fixture(scope="module")
def week4() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    frame = pd.read_csv(SBMD_DIR / "pacutes.csv")
    rows = frame[(frame.test_name == "mood") & (frame.tp == "w4s1")]
    guess = rows.guess.map({"MD": 1.0, "PL": 0.0}).to_numpy(float)
    return rows.value.to_numpy(float), (rows.condition == "MD").to_numpy(), guess


def test_strata_counts_by_pandas_crosstab(week4: tuple[np.ndarray, ...]) -> None:
    _value, active, guess = week4
    counts = strata_counts(active, guess)
    # reference: pandas crosstab of condition × guess
    table = pd.crosstab(active, guess)
    assert counts["active/active"] == table.loc[True, 1.0] == 37
    assert counts["active/placebo"] == table.loc[True, 0.0] == 41
    assert counts["placebo/active"] == table.loc[False, 1.0] == 26
    assert counts["placebo/placebo"] == table.loc[False, 0.0] == 88


def test_strata_sizes_exact_arithmetic() -> None:
    counts = {"active/active": 37, "active/placebo": 41, "placebo/active": 26,
              "placebo/placebo": 88}  # fmt: skip
    # at the observed rate (37 + 88)/192 the pseudo-trial has the observed strata
    assert strata_sizes(192, 125 / 192, counts) == counts
    # by hand at 0.5: 96 correct → 96·88/125 = 67.58 → 68 placebo/placebo, 28 active/active;
    # 96 incorrect → 96·41/67 = 58.75 → 59 active/placebo, 37 placebo/active
    half = {"active/active": 28, "placebo/placebo": 68, "active/placebo": 59,
            "placebo/active": 37}  # fmt: skip
    assert strata_sizes(192, 0.5, counts) == half
    # at 0: 192 incorrect → 192·41/67 = 117.49 → 117 active/placebo, 75 placebo/active
    zero = {"active/active": 0, "placebo/placebo": 0, "active/placebo": 117,
            "placebo/active": 75}  # fmt: skip
    assert strata_sizes(192, 0.0, counts) == zero
    for cgr in CGR_GRID:
        sizes = strata_sizes(192, cgr, counts)
        assert sizes is not None and sum(sizes.values()) == 192
        assert sizes["active/active"] + sizes["placebo/placebo"] == int(np.floor(cgr * 192 + 0.5))
    none_wrong = {**counts, "active/placebo": 0, "placebo/active": 0}
    assert strata_sizes(192, 0.5, none_wrong) is None  # no incorrect stratum to draw from


def test_expected_effect_is_the_difference_of_arm_means(week4: tuple[np.ndarray, ...]) -> None:
    value, active, guess = week4
    counts = strata_counts(active, guess)
    means = {
        "active/active": value[active & (guess == 1)].mean(),
        "active/placebo": value[active & (guess == 0)].mean(),
        "placebo/active": value[~active & (guess == 1)].mean(),
        "placebo/placebo": value[~active & (guess == 0)].mean(),
    }
    # at the observed strata it is the observed active − placebo difference of means
    assert expected_effect(counts, means) == pytest.approx(
        value[active].mean() - value[~active].mean(), rel=1e-12
    )


def test_curve_mean_matches_the_strata_arithmetic(week4: tuple[np.ndarray, ...]) -> None:
    value, active, guess = week4
    result = correct_guess_rate_curve(value, active, guess, trials=2000, seed=4)
    assert result.observed_cgr == pytest.approx(125 / 192, rel=1e-12)
    assert result.observed_effect == pytest.approx(
        value[active].mean() - value[~active].mean(), rel=1e-12
    )
    cells = {"active/active": active & (guess == 1), "active/placebo": active & (guess == 0),
             "placebo/active": ~active & (guess == 1),
             "placebo/placebo": ~active & (guess == 0)}  # fmt: skip
    means = {k: value[m].mean() for k, m in cells.items()}
    for point in result.curve:
        # a Gaussian kernel density has its data's mean, so each pseudo-trial's expected
        # effect is the strata arithmetic; Monte Carlo error of the mean of 2000 trials:
        # half-width of the 95% spread / (1.96 · √2000) per trial, 4 such errors allowed
        expected = expected_effect(point.sizes, means)
        tolerance = 4 * (point.ci95[1] - point.ci95[0]) / (2 * 1.96) / np.sqrt(2000)
        assert point.estimate == pytest.approx(expected, abs=tolerance)
    near = min(result.curve, key=lambda p: abs(p.cgr - result.observed_cgr))
    assert result.at_chance == next(p for p in result.curve if p.cgr == 0.5)
    assert [p.cgr for p in result.curve] == list(CGR_GRID)
    assert near.estimate == pytest.approx(result.observed_effect, abs=1.5)
    assert credits_the_guess(result.assumption) == []


def test_deterministic_under_a_seed(week4: tuple[np.ndarray, ...]) -> None:
    first = correct_guess_rate_curve(*week4, trials=50, seed=9)
    again = correct_guess_rate_curve(*week4, trials=50, seed=9)
    other = correct_guess_rate_curve(*week4, trials=50, seed=10)
    assert first == again
    assert first.at_chance.estimate != other.at_chance.estimate


def test_needs_guesses_in_both_arms() -> None:
    with pytest.raises(InvalidInput):
        correct_guess_rate_curve([1.0, 2.0, 3.0], [1, 1, 0], [1.0, 0.0, np.nan])


def test_a_stratum_of_one_day_is_smoothed_too() -> None:
    """A personal trial: one day in each incorrect stratum still gets a spread (a Gaussian
    kernel of the pooled within-stratum SD), never a single repeated value."""
    values = [7.0, 8.0, 6.0, 7.5, 5.0, 4.0, 5.0, 6.0, 4.5, 5.5, 6.5, 3.0]
    active = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    guess = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0]
    counts = strata_counts(active, guess)
    assert counts["active/placebo"] == 1 and counts["placebo/active"] == 1
    zero = correct_guess_rate_curve(values, active, guess, trials=400, seed=1).curve[0]
    assert zero.sizes == {"active/active": 0, "placebo/placebo": 0, "active/placebo": 6,
                          "placebo/active": 6}  # fmt: skip
    assert zero.ci95[1] - zero.ci95[0] > 0.5
    # the mean is still the strata arithmetic: 5.0 − 5.5 (the two single days)
    assert zero.estimate == pytest.approx(-0.5, abs=0.2)
