"""The verdict's words name the interval that decides it, and say so when the paired t
interval beside it disagrees."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from microdose.analysis.n_of_1 import OutcomeResult, analyse_outcome
from microdose.reports.trial_words import outcome_sentence

CLAUSE = "the paired t interval, an approximation, excludes 0; the randomisation interval decides"


def _outcome(diffs: list[float]) -> OutcomeResult:
    d = np.asarray(diffs)
    values = np.column_stack([5 + d, np.full(d.size, 5.0)]).ravel()
    active = np.tile([True, False], d.size)
    block = np.repeat(np.arange(d.size), 2)
    return analyse_outcome(
        "mood", "daily", values, active, block, np.full(values.size, np.nan),
        mid=1.0, higher_is_better=True,
    )  # fmt: skip


def test_a_t_interval_excluding_0_beside_no_reliable_difference_is_named() -> None:
    diffs = [1.0, 1.2, 0.9, 1.1, 1.0, -0.1]
    o = _outcome(diffs)
    assert o.effect is not None and o.randomisation is not None
    # scipy.stats.ttest_1samp: the paired t interval excludes 0 ...
    ci = stats.ttest_1samp(diffs, 0.0).confidence_interval(0.95)
    assert o.effect.ci95 == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert ci.low > 0
    # ... but only 4 of the 64 sign flips (exact enumeration) reach |sum| ≥ 5.1: p = 0.0625
    assert o.randomisation.p == 4 / 64 and o.verdict == "no_reliable_difference"
    text = outcome_sentence(o, primary=True)
    assert "no reliable difference: the randomisation interval includes 0" in text
    assert CLAUSE in text


def test_no_clause_when_the_intervals_agree() -> None:
    both_include = _outcome([1.0, -1.2, 0.9, -1.1, 1.0, -0.1])
    benefit = _outcome([1.0, 1.2, 0.9, 1.1, 1.0, 0.8])
    assert both_include.verdict == "no_reliable_difference"
    assert benefit.verdict == "benefit"
    for o in (both_include, benefit):
        assert CLAUSE not in outcome_sentence(o, primary=True)
    assert "the whole randomisation interval lies on the better side of 0" in outcome_sentence(
        benefit, primary=True
    )
