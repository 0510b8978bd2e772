"""Bang's blinding index per arm (Bang, Ni & Davis 2004, Control Clin Trials 25:143).

For one arm with ``n`` people asked what they received, of whom ``c`` guessed correctly,
``i`` incorrectly and ``d`` did not know:

    BI = (2·c/(c + i) − 1) · (c + i)/n = (c − i)/n,

from −1 (everyone wrong: opposite guessing) through 0 (guessing at random, or all
"don't know") to 1 (everyone right: complete unblinding). Its variance is that of a
difference of two multinomial proportions,

    Var(BI) = [p_c(1 − p_c) + p_i(1 − p_i) + 2·p_c·p_i] / n,   p_c = c/n, p_i = i/n,

Bang et al. read −0.2 ≤ BI ≤ 0.2 as blinding kept.

**The interval.** Bang's Wald interval BI ± 1.96·SE collapses to a single point when
every answer is the same (all correct, all wrong, all "don't know": SE = 0), however few
answers there were. The 95% interval here is instead the score interval for a
difference of two proportions from one multinomial sample (Tango 1998, Stat Med 17:891,
written for paired proportions, whose discordant cells are our correct and incorrect
answers): the values θ of p_c − p_i at which the score statistic

    z(θ) = (c − i − nθ) / √(n·(2·q̃ + θ − θ²)),

with q̃ the maximum-likelihood p_i under p_c − p_i = θ (a quadratic's root), stays within
±1.96. It is close to the Wald interval with many answers, and as wide as the number of
answers warrants at the edges: all 6 of 6 "don't know" gives ±0.39 (the Wilson bound
z²/(n + z²)), all 6 correct 0.22 to 1. With no answers the index is **not estimable**
(NaN estimate and interval).

BI is the mean of a score per answer (+1 correct, −1 incorrect, 0 don't know), and the
variance above is that mean's plug-in variance. When one person answers several times
(daily guesses, several timepoints) the answers are not independent; given ``clusters``,
the variance is the cluster-robust (sandwich) variance of that mean with the usual
small-sample factor G/(G − 1) for G people (Cameron & Miller 2015, J Hum Resour 50:317,
§VI; statsmodels' ``cov_type="cluster"``), and the interval is t on G − 1 degrees of
freedom with that SE; if that SE is 0 (every answer alike) the score interval above is
used with the number of people (clusters) as the sample size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

__all__ = ["BangIndex", "bang_index", "bang_index_from_guesses", "score_interval"]

Z95 = 1.959963984540054
ARMS = ("active", "placebo")


@dataclass(frozen=True)
class BangIndex:
    """Bang's blinding index of one arm with its standard error and 95% CI."""

    arm: str
    estimate: float
    se: float
    ci95: tuple[float, float]
    n: int
    correct: int
    incorrect: int
    dont_know: int
    method: str = "Bang blinding index (Bang, Ni & Davis 2004); 95% score interval (Tango 1998)"

    @property
    def estimable(self) -> bool:
        """False when nobody in the arm answered (no guesses): no index at all."""
        return self.n > 0 and bool(np.isfinite(self.estimate))


def _interval(estimate: float, se: float, critical: float = Z95) -> tuple[float, float]:
    if not np.isfinite(estimate) or not np.isfinite(se):
        return (float("nan"), float("nan"))
    return (max(-1.0, estimate - critical * se), min(1.0, estimate + critical * se))


def _tango_z(theta: float, correct: float, incorrect: float, n: float) -> float:
    """Tango's score statistic for H: p_c − p_i = θ."""
    a = 2 * n
    b = -correct - incorrect + (2 * n - correct + incorrect) * theta
    c = -incorrect * theta * (1 - theta)
    q = (-b + np.sqrt(max(b * b - 4 * a * c, 0.0))) / (2 * a)
    gap = correct - incorrect - n * theta
    variance = n * (2 * q + theta - theta**2)
    if variance <= 0:
        return float(np.sign(gap) * np.inf) if gap else 0.0
    return float(gap / np.sqrt(variance))


def score_interval(correct: float, incorrect: float, n: float) -> tuple[float, float]:
    """Tango's 95% score interval for p_c − p_i from one multinomial sample.

    Examples
    --------
    Six answers, all "don't know": the index is 0, the interval not a point.

    >>> [round(end, 3) for end in score_interval(0, 0, 6)]
    [-0.39, 0.39]
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    estimate, edge = (correct - incorrect) / n, 1 - 1e-12

    def z(theta: float) -> float:
        return _tango_z(theta, correct, incorrect, n)

    low = -1.0 if z(-edge) <= Z95 else optimize.brentq(lambda t: z(t) - Z95, -edge, estimate)
    high = 1.0 if z(edge) >= -Z95 else optimize.brentq(lambda t: z(t) + Z95, estimate, edge)
    return (float(low), float(high))


def bang_index(correct: int, incorrect: int, dont_know: int, *, arm: str = "active") -> BangIndex:
    """Bang's index from one arm's counts.

    Examples
    --------
    CRISP, treatment arm (Bang et al. 2004, Table 7): 82 correct, 25 incorrect, 170
    don't know.

    >>> result = bang_index(82, 25, 170)
    >>> round(result.estimate, 4), round(result.se, 4)
    (0.2058, 0.0352)
    """
    n = correct + incorrect + dont_know
    if n == 0:
        nan = float("nan")
        return BangIndex(arm, nan, nan, (nan, nan), 0, 0, 0, 0)
    p_c, p_i = correct / n, incorrect / n
    estimate = p_c - p_i
    se = float(np.sqrt((p_c * (1 - p_c) + p_i * (1 - p_i) + 2 * p_c * p_i) / n))
    interval = score_interval(correct, incorrect, n)
    return BangIndex(arm, estimate, se, interval, n, correct, incorrect, dont_know)


def _cluster_se(scores: NDArray[np.float64], clusters: ArrayLike) -> tuple[float, int]:
    """Cluster-robust SE of the mean of ``scores`` with the G/(G − 1) factor, and G."""
    labels, codes = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    groups = labels.size
    if groups < 2:
        return float("nan"), groups
    sums = np.bincount(codes, weights=scores - scores.mean())
    factor = groups / (groups - 1)
    return float(np.sqrt(factor * np.sum(sums**2)) / scores.size), groups


def bang_index_from_guesses(
    active: NDArray[np.bool_],
    guess: NDArray[np.float64],
    clusters: ArrayLike | None = None,
) -> dict[str, BangIndex]:
    """Bang's index per arm from one row per answer.

    Parameters
    ----------
    active : bool array
        What each answer's person received (True = active).
    guess : float array
        1 = guessed active, 0 = guessed placebo, NaN = unsure (don't know).
    clusters : sequence, optional
        Who answered; with it the SE is cluster-robust (several answers per person).
    """
    result = {}
    for arm in ARMS:
        mask = active if arm == "active" else ~active
        result[arm] = _arm_index(arm, guess, mask, clusters)
    return result


def _arm_index(
    arm: str, guess: NDArray[np.float64], mask: NDArray[np.bool_], clusters: ArrayLike | None
) -> BangIndex:
    """Bang's index of the guesses in ``mask`` (one arm); cluster-robust SE with ``clusters``."""
    said = guess[mask]
    right = 1.0 if arm == "active" else 0.0
    correct = int(np.sum(said == right))
    incorrect = int(np.sum(said == 1.0 - right))
    unsure = int(np.sum(np.isnan(said)))
    base = bang_index(correct, incorrect, unsure, arm=arm)
    if clusters is None or base.n == 0:
        return base
    scores = np.where(np.isnan(said), 0.0, np.where(said == right, 1.0, -1.0))
    who = np.asarray(clusters, dtype=object)[mask]
    se, people = _cluster_se(scores, who)
    if se > 0:
        interval = _interval(base.estimate, se, float(stats.t.ppf(0.975, people - 1)))
        method = (
            "Bang blinding index (Bang, Ni & Davis 2004), cluster-robust SE (G/(G−1) factor), "
            f"95% CI from t on {people - 1} df"
        )
    else:
        interval = score_interval(correct * people / base.n, incorrect * people / base.n, people)
        method = "Bang blinding index, every answer alike: score 95% CI (Tango 1998) on the people"
    return BangIndex(arm, base.estimate, se, interval, base.n, correct, incorrect, unsure, method)
