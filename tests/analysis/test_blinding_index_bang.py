"""Bang's blinding index against hand-computed published tables."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

from microdose.analysis.blinding_index import bang_index, bang_index_from_guesses


def hand(correct: int, incorrect: int, unsure: int) -> tuple[float, float]:
    """Bang et al. 2004, eq. for BI and its variance, written out by hand."""
    n = correct + incorrect + unsure
    p1, p2 = correct / n, incorrect / n
    return (2 * correct / (correct + incorrect) - 1) * (correct + incorrect) / n, math.sqrt(
        (p1 * (1 - p1) + p2 * (1 - p2) + 2 * p1 * p2) / n
    )


@pytest.mark.parametrize(
    ("counts", "published"),
    [
        # CRISP, Bang et al. 2004 Table 7: treatment 82/25/170, placebo 29/27/83 (correct/
        # incorrect/don't know); hand: 57/277 = 0.2058, 2/139 = 0.0144
        ((82, 25, 170), (0.2058, 0.0352)),
        ((29, 27, 83), (0.0144, 0.0538)),
        # Houweling et al. 2014 Table 2, investigators (as in R BI / BlindingIndex.jl):
        # treatment 0.115 (SE 0.018, CI 0.08–0.15), placebo 0.022 (SE 0.019, CI -0.016–0.06)
        ((48, 4, 330), (0.1152, 0.0179)),
        ((30, 22, 319), (0.0216, 0.0194)),
    ],
)
def test_bang_index_on_published_tables(
    counts: tuple[int, int, int], published: tuple[float, float]
) -> None:
    result = bang_index(*counts)
    estimate, se = hand(*counts)
    assert result.estimate == pytest.approx(estimate, abs=1e-12)
    assert result.se == pytest.approx(se, abs=1e-12)
    assert round(result.estimate, 4) == published[0]
    assert round(result.se, 4) == published[1]
    assert result.ci95 == pytest.approx((estimate - 1.96 * se, estimate + 1.96 * se), abs=2e-4)


def test_extremes_and_empty() -> None:
    assert bang_index(10, 0, 0).estimate == 1.0  # complete unblinding
    assert bang_index(0, 10, 0).estimate == -1.0  # opposite guessing
    assert bang_index(0, 0, 10).estimate == 0.0  # all "don't know"
    assert math.isnan(bang_index(0, 0, 0).estimate)
    assert bang_index(10, 0, 0).ci95 == (1.0, 1.0)


def test_rows_match_the_table_and_cluster_robust_se_matches_statsmodels() -> None:
    rng = np.random.default_rng(11)
    active = rng.random(300) < 0.5
    guess = np.where(rng.random(300) < 0.2, np.nan, (rng.random(300) < 0.6).astype(float))
    people = rng.integers(0, 40, 300)
    plain = bang_index_from_guesses(active, guess)
    said = guess[active]
    table = bang_index(int(np.sum(said == 1)), int(np.sum(said == 0)), int(np.isnan(said).sum()))
    assert plain["active"].estimate == pytest.approx(table.estimate)
    assert plain["active"].se == pytest.approx(table.se)
    clustered = bang_index_from_guesses(active, guess, clusters=people)
    for arm, mask, right in (("active", active, 1.0), ("placebo", ~active, 0.0)):
        g = guess[mask]
        scores = np.where(np.isnan(g), 0.0, np.where(g == right, 1.0, -1.0))
        # statsmodels: intercept-only OLS, cluster-robust covariance without small-sample factor
        fit = sm.OLS(scores, np.ones(scores.size)).fit(
            cov_type="cluster", cov_kwds={"groups": people[mask], "use_correction": False}
        )
        assert clustered[arm].estimate == pytest.approx(fit.params[0])
        assert clustered[arm].se == pytest.approx(fit.bse[0], rel=1e-10)
