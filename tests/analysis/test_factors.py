"""Daily factors: names, a day's answers, and the mood association against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from microdose.analysis.factors import association
from microdose.domain.errors import InvalidInput
from microdose.domain.factors import check_factor_names, day_factors, factor_series


def test_the_association_is_statsmodels_glsar_two_step() -> None:
    rng = np.random.default_rng(11)
    factor = (rng.random(60) < 0.4).astype(float)
    noise = np.zeros(60)
    for t in range(1, 60):
        noise[t] = 0.5 * noise[t - 1] + rng.normal(0, 1)
    mood = 5 + 0.8 * factor + noise
    found = association("exercise", list(mood), list(factor))
    # reference: statsmodels GLSAR(rho=1).iterative_fit(maxiter=2), its t interval
    fit = sm.GLSAR(mood, sm.add_constant(factor), rho=1).iterative_fit(maxiter=2)
    assert found.difference == pytest.approx(fit.params[1], rel=1e-9)
    assert found.ci95 == pytest.approx(tuple(fit.conf_int()[1]), rel=1e-9)
    assert found.p == pytest.approx(fit.pvalues[1], rel=1e-9)
    assert (found.yes_days, found.no_days) == (int(factor.sum()), 60 - int(factor.sum()))
    assert found.mean_yes == pytest.approx(mood[factor == 1].mean())


def test_days_not_asked_or_not_rated_are_left_out_and_few_days_give_no_estimate() -> None:
    mood = [5.0, None, 6.0, 7.0, 4.0, 5.0, 6.0]
    factor = [1.0, 1.0, None, 0.0, 1.0, 0.0, 1.0]
    found = association("alcohol", mood, factor)
    assert (found.yes_days, found.no_days) == (3, 2)
    assert found.difference is None and found.ci95 is None
    assert found.mean_yes == pytest.approx(5.0) and found.mean_no == pytest.approx(6.0)


def test_names_and_answers_are_checked() -> None:
    assert check_factor_names([" Exercise ", "alcohol", "exercise", ""]) == ("exercise",
                                                                             "alcohol")
    with pytest.raises(InvalidInput, match="factors"):
        check_factor_names(["<script>"])
    with pytest.raises(InvalidInput, match="at most 8"):
        check_factor_names([f"f{i}" for i in range(9)])
    assert day_factors(("exercise", "alcohol"), ["exercise"]) == {"exercise": True,
                                                                  "alcohol": False}
    with pytest.raises(InvalidInput, match="not one of your factors"):
        day_factors(("exercise",), ["sauna"])
    assert factor_series([{"a": True}, None, {"b": False}, {"a": False}], "a") == [
        1.0, None, None, 0.0]
