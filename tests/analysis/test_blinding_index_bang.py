"""Bang's blinding index against hand-computed published tables."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.stats.proportion import proportion_confint

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
    # the score (Tango) interval is close to Bang's Wald interval with many answers
    assert result.ci95 == pytest.approx((estimate - 1.96 * se, estimate + 1.96 * se), abs=0.01)
    check_score_ends(*counts)


def reference_z(theta: float, correct: int, incorrect: int, n: int) -> float:
    """Independent reference for Tango's score statistic: the restricted maximum-likelihood
    p_i under p_c − p_i = θ found numerically (scipy.optimize.minimize_scalar), and the
    multinomial variance of c − i, n·(p_c + p_i − θ²)."""
    unsure = n - correct - incorrect
    lo, hi = max(0.0, -theta) + 1e-12, (1 - theta) / 2 - 1e-12

    def minus_loglik(q: float) -> float:
        cells = ((correct, q + theta), (incorrect, q), (unsure, 1 - 2 * q - theta))
        return -sum(k * math.log(p) for k, p in cells if k)

    q = optimize.minimize_scalar(minus_loglik, bounds=(lo, hi), method="bounded",
                                 options={"xatol": 1e-12}).x
    return (correct - incorrect - n * theta) / math.sqrt(n * (2 * q + theta - theta**2))


def check_score_ends(correct: int, incorrect: int, unsure: int) -> None:
    low, high = bang_index(correct, incorrect, unsure).ci95
    n = correct + incorrect + unsure
    z = stats.norm.ppf(0.975)
    if low > -1:
        assert reference_z(low, correct, incorrect, n) == pytest.approx(z, abs=1e-4)
    if high < 1:
        assert reference_z(high, correct, incorrect, n) == pytest.approx(-z, abs=1e-4)


def test_extremes_and_empty() -> None:
    assert bang_index(10, 0, 0).estimate == 1.0  # complete unblinding
    assert bang_index(0, 10, 0).estimate == -1.0  # opposite guessing
    assert bang_index(0, 0, 10).estimate == 0.0  # all "don't know"
    empty = bang_index(0, 0, 0)
    assert not empty.estimable and math.isnan(empty.estimate) and math.isnan(empty.ci95[0])


@pytest.mark.parametrize("n", [3, 6, 12, 50])
def test_the_edges_get_an_interval_that_reflects_the_sample_size(n: int) -> None:
    # Wilson bound for 0 of n: z²/(n + z²) (statsmodels proportion_confint, method="wilson")
    bound = proportion_confint(0, n, alpha=0.05, method="wilson")[1]
    z2 = stats.norm.ppf(0.975) ** 2
    assert bound == pytest.approx(z2 / (n + z2))
    right, wrong, unsure = bang_index(n, 0, 0), bang_index(0, n, 0), bang_index(0, 0, n)
    assert right.estimable and right.se == 0  # Bang's Wald SE is 0 here …
    assert right.ci95[1] == 1.0 and right.ci95[0] < 1.0  # … but the interval is not a point
    check_score_ends(n, 0, 0)
    assert wrong.ci95 == pytest.approx((-1.0, -right.ci95[0]))
    assert unsure.ci95 == pytest.approx((-bound, bound))  # all "don't know": ± the Wilson bound
    # fewer answers, wider interval
    if n > 3:
        assert bang_index(0, 0, n).ci95[1] < bang_index(0, 0, n // 2).ci95[1]


@pytest.mark.parametrize("n", [6, 12])
def test_score_interval_coverage_by_exact_enumeration(n: int) -> None:
    # exact coverage: the multinomial probability of every (correct, incorrect, unsure)
    # outcome whose interval holds the true index (scipy.stats.multinomial)
    for p_c, p_i in ((0.5, 0.2), (0.3, 0.3), (0.8, 0.1), (0.1, 0.1)):
        truth, coverage = p_c - p_i, 0.0
        for c in range(n + 1):
            for i in range(n + 1 - c):
                low, high = bang_index(c, i, n - c - i).ci95
                if low - 1e-12 <= truth <= high + 1e-12:
                    probs = [p_c, p_i, 1 - p_c - p_i]
                    coverage += stats.multinomial.pmf([c, i, n - c - i], n, probs)
        assert coverage >= 0.93, (n, p_c, p_i, coverage)


def test_no_guesses_is_not_estimable_in_the_rows_too() -> None:
    index = bang_index_from_guesses(np.array([True, True, False]), np.array([1.0, np.nan, 0.0]))
    assert index["active"].estimable and index["placebo"].estimable
    none = bang_index_from_guesses(np.array([True, True]), np.array([1.0, 1.0]))
    assert not none["placebo"].estimable and none["placebo"].n == 0
    # several answers per person, all alike: the score interval on the people, not a point
    alike = bang_index_from_guesses(np.ones(8, bool), np.ones(8), clusters=np.repeat([1, 2], 4))
    assert alike["active"].ci95 == pytest.approx(bang_index(2, 0, 0).ci95)
    assert alike["active"].ci95[0] < 0.5


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
        # statsmodels: intercept-only OLS, cluster-robust covariance with its small-sample
        # factor G/(G−1)·(N−1)/(N−K) (= G/(G−1) for K = 1) and t on G − 1 df
        fit = sm.OLS(scores, np.ones(scores.size)).fit(
            cov_type="cluster", cov_kwds={"groups": people[mask]}, use_t=True
        )
        assert fit.df_resid_inference == len(set(people[mask].tolist())) - 1
        assert clustered[arm].estimate == pytest.approx(fit.params[0])
        assert clustered[arm].se == pytest.approx(fit.bse[0], rel=1e-10)
        assert clustered[arm].ci95 == pytest.approx(tuple(fit.conf_int()[0]), rel=1e-10)
