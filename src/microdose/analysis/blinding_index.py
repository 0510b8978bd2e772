"""Bang's blinding index per arm (Bang, Ni & Davis 2004, Control Clin Trials 25:143).

For one arm with ``n`` people asked what they received, of whom ``c`` guessed correctly,
``i`` incorrectly and ``d`` did not know:

    BI = (2·c/(c + i) − 1) · (c + i)/n = (c − i)/n,

from −1 (everyone wrong: opposite guessing) through 0 (guessing at random, or all
"don't know") to 1 (everyone right: complete unblinding). Its variance is that of a
difference of two multinomial proportions,

    Var(BI) = [p_c(1 − p_c) + p_i(1 − p_i) + 2·p_c·p_i] / n,   p_c = c/n, p_i = i/n,

and the 95% interval is BI ± 1.96·SE (Bang 2004), clipped to [−1, 1]. Bang et al. read
−0.2 ≤ BI ≤ 0.2 as blinding kept.

BI is the mean of a score per answer (+1 correct, −1 incorrect, 0 don't know), and the
variance above is that mean's plug-in variance. When one person answers several times
(daily guesses, several timepoints) the answers are not independent; given ``clusters``,
the variance is the cluster-robust (sandwich) variance of that mean, which reduces to
Bang's formula when every cluster holds one answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["BangIndex", "bang_index", "bang_index_from_guesses"]

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
    method: str = "Bang blinding index (Bang, Ni & Davis 2004)"


def _interval(estimate: float, se: float) -> tuple[float, float]:
    if not np.isfinite(estimate) or not np.isfinite(se):
        return (float("nan"), float("nan"))
    return (max(-1.0, estimate - Z95 * se), min(1.0, estimate + Z95 * se))


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
    return BangIndex(arm, estimate, se, _interval(estimate, se), n, correct, incorrect, dont_know)


def _cluster_se(scores: NDArray[np.float64], clusters: ArrayLike) -> float:
    """Cluster-robust standard error of the mean of ``scores`` (no small-sample factor)."""
    _labels, codes = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    sums = np.bincount(codes, weights=scores - scores.mean())
    return float(np.sqrt(np.sum(sums**2)) / scores.size)


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
    se = _cluster_se(scores, np.asarray(clusters, dtype=object)[mask])
    return BangIndex(
        arm,
        base.estimate,
        se,
        _interval(base.estimate, se),
        base.n,
        correct,
        incorrect,
        unsure,
        base.method + ", cluster-robust SE",
    )
