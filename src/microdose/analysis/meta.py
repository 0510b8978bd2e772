"""Random-effects meta-analysis of many people's N-of-1 effects.

Model: ``y_k ~ N(μ, v_k + τ²)`` for effect estimates ``y_k`` with sampling variances
``v_k``. τ² by DerSimonian & Laird (1986, Control Clin Trials 7:177) or by restricted
maximum likelihood (REML; Viechtbauer 2005, J Educ Behav Stat 30:261), then μ by inverse
variance weights ``1/(v_k + τ²)``. The 95% CI is the modified Hartung–Knapp–Sidik–Jonkman
(HKSJ) interval: the SE scaled by ``max(1, q)``, ``q = Σw(y − μ)²/(k − 1)``, and a t
quantile on k − 1 df (Hartung & Knapp 2001, Stat Med 20:3875; Sidik & Jonkman 2002, Stat
Med 21:3153; the max(1, ·): Knapp & Hartung 2003, Stat Med 22:2693, Röver, Knapp & Friede
2015, BMC Med Res Methodol 15:99). With few studies the Wald interval under-covers
(IntHout, Ioannidis & Borm 2014, BMC Med Res Methodol 14:25), and plain HKSJ was slightly
liberal in this product's simulations (q < 1 is common with few people); the Wald SE and
interval are kept beside it. The
95% prediction interval is for the *result of a new person's trial* (their estimated
effect: true effect plus their own sampling error) when that trial is as precise as the
pooled people's typical one: ``μ ± t(k − 1)·√(k + 1)·SE`` with the CI's own (modified
HKSJ) SE. Unmodified, that is the weighted least-squares prediction of one new
observation of weight Σw/k, and with equal variances the textbook
``x̄ ± t(k − 1)·s·√(1 + 1/k)`` (Hahn & Meeker 1991, Statistical Intervals); the same floor
as the CI keeps it from being narrower than the people's known sampling error allows when
their effects happen to agree (q < 1), and makes it always contain the CI. The Higgins,
Thompson & Spiegelhalter (2009) interval ``μ ± t(k − 2)·√(τ² + SE²)`` for the new
person's true effect covered 90–91% with 6 people in this product's simulations, because
REML often puts τ² at 0 with few people (``bench/bench_calibration.py``).
Heterogeneity: Cochran's Q and I² = τ²/(τ² + s²) with the "typical" within-study variance
s² = (k − 1)·Σw/((Σw)² − Σw²) (Higgins & Thompson 2002, Stat Med 21:1539), which is
(Q − df)/Q for the DerSimonian–Laird τ² — the definitions ``metafor::rma`` uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, stats

from microdose.domain.errors import InvalidInput

__all__ = ["METHODS", "MetaResult", "random_effects"]

METHODS = ("REML", "DL")


@dataclass(frozen=True)
class MetaResult:
    """A pooled effect with its modified HKSJ interval, the prediction interval, τ², I², Q.

    ``se``, ``ci95`` and ``p`` are modified HKSJ (SE at least the Wald SE; t on ``df`` =
    k − 1); ``se_wald`` and ``ci95_wald`` the normal-theory ones, for comparison;
    ``prediction95`` where a new person's trial result would lie (t on k − 1 df).
    """

    estimate: float
    se: float
    ci95: tuple[float, float]
    p: float
    df: int
    se_wald: float
    ci95_wald: tuple[float, float]
    prediction95: tuple[float, float]
    tau2: float
    i2: float
    q: float
    q_df: int
    q_p: float
    k: int
    method: str


def _dersimonian_laird(y: np.ndarray, v: np.ndarray) -> float:
    w = 1 / v
    mean = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - mean) ** 2))
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return max(0.0, (q - (len(y) - 1)) / float(c))


def _reml_criterion(tau2: float, y: np.ndarray, v: np.ndarray) -> float:
    w = 1 / (v + tau2)
    mean = np.sum(w * y) / np.sum(w)
    return float(np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mean) ** 2))


def _reml(y: np.ndarray, v: np.ndarray) -> float:
    upper = max(10 * float(np.var(y, ddof=1)), 10 * float(v.max()), 1e-8)
    found = optimize.minimize_scalar(
        _reml_criterion,
        bounds=(0.0, upper),
        args=(y, v),
        method="bounded",
        options={"xatol": 1e-12},
    )
    tau2 = float(found.x)
    return 0.0 if _reml_criterion(0.0, y, v) <= found.fun else tau2


def random_effects(effects: ArrayLike, variances: ArrayLike, method: str = "REML") -> MetaResult:
    """Pool effect estimates with a random-effects model.

    Parameters
    ----------
    effects, variances : array-like of length k ≥ 2
        Each person's effect and its sampling variance (SE²).
    method : "REML" or "DL"

    Examples
    --------
    >>> result = random_effects([0.0, 1.0], [0.25, 0.25], method="DL")
    >>> round(result.estimate, 3), round(result.tau2, 3)
    (0.5, 0.25)
    >>> # by hand: Q = 4·(0.5² + 0.5²) = 2 on 1 df, C = 8 − 32/8 = 4, τ² = (2 − 1)/4
    """
    y, v = _checked(effects, variances, method)
    tau2 = _dersimonian_laird(y, v) if method == "DL" else _reml(y, v)
    estimate, se = _pooled(y, v, tau2)
    q, typical = _heterogeneity(y, v)
    k = int(y.size)
    z = float(stats.norm.ppf(0.975))
    se_hk, ci95, p = _hksj(y, v, tau2, estimate, se)
    return MetaResult(
        estimate=estimate,
        se=se_hk,
        ci95=ci95,
        p=p,
        df=k - 1,
        se_wald=se,
        ci95_wald=(estimate - z * se, estimate + z * se),
        prediction95=_prediction(estimate, se_hk, k),
        tau2=tau2,
        i2=float(tau2 / (tau2 + typical)),
        q=q,
        q_df=k - 1,
        q_p=float(stats.chi2.sf(q, k - 1)),
        k=k,
        method=_method_name(method, k),
    )


def _method_name(method: str, k: int) -> str:
    return (
        f"random-effects meta-analysis, τ² by {method}; modified Hartung–Knapp–Sidik–"
        f"Jonkman 95% CI (SE at least the Wald SE; t, {k - 1} df)"
    )


def _checked(
    effects: ArrayLike, variances: ArrayLike, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """The effects and variances as float arrays, or InvalidInput naming the bad argument."""
    if method not in METHODS:
        raise InvalidInput("method", f"{method!r} is not a τ² estimator", ", ".join(METHODS))
    y, v = np.asarray(effects, float), np.asarray(variances, float)
    if y.shape != v.shape or y.ndim != 1 or y.size < 2:
        raise InvalidInput("effects", "need at least 2 effects with one variance each")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(v > 0)):
        raise InvalidInput("variances", "every effect needs a finite, positive variance")
    return y, v


def _pooled(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, float]:
    """Inverse-variance weighted mean with weights ``1 / (v + τ²)``, and its SE."""
    w = 1 / (v + tau2)
    estimate = float(np.sum(w * y) / np.sum(w))
    se = float(np.sqrt(1 / np.sum(w)))
    return estimate, se


def _hksj(
    y: np.ndarray, v: np.ndarray, tau2: float, estimate: float, se_wald: float
) -> tuple[float, tuple[float, float], float]:
    """The modified Hartung–Knapp–Sidik–Jonkman SE, its 95% CI and p on t with k − 1 df.

    HKSJ scales the Wald SE by √q, q = Σw(y − μ)²/(k − 1); the modification uses
    max(1, q) (Knapp & Hartung 2003, Stat Med 22:2693; recommended with few studies by
    Röver, Knapp & Friede 2015, BMC Med Res Methodol 15:99), so the SE is never below the
    Wald SE. Unmodified, HKSJ rejected 5.0–7.8% of true nulls with 3 or 6 people whose
    variances come from short series (``bench/bench_calibration.py``): q < 1 happens
    often and then the interval is too narrow. It also keeps a zero-width interval out
    when every effect is the same (q = 0).
    """
    se_hksj = _plain_hksj_se(y, v, tau2, estimate)
    se = max(se_hksj, se_wald)
    t = float(stats.t.ppf(0.975, y.size - 1))
    p = float(2 * stats.t.sf(abs(estimate / se), y.size - 1))
    return se, (estimate - t * se, estimate + t * se), p


def _plain_hksj_se(y: np.ndarray, v: np.ndarray, tau2: float, estimate: float) -> float:
    """The unmodified HKSJ SE: √(Σw(y − μ)²/((k − 1)·Σw)), w = 1/(v + τ²)."""
    w = 1 / (v + tau2)
    return float(np.sqrt(np.sum(w * (y - estimate) ** 2) / ((y.size - 1) * np.sum(w))))


def _prediction(estimate: float, se: float, k: int) -> tuple[float, float]:
    """95% prediction interval for the result of a new person's trial of typical precision.

    ``μ ± t(k − 1)·√(k + 1)·SE`` with the modified HKSJ SE: the variance of (new result − μ)
    is the new person's τ² + v, estimated as k·SE², plus Var(μ) = SE². With the CI's SE
    (never below the Wald SE) it is the CI widened by √(k + 1), so it contains the CI.
    """
    half = float(stats.t.ppf(0.975, k - 1)) * float(np.sqrt(k + 1)) * se
    return (estimate - half, estimate + half)


def _heterogeneity(y: np.ndarray, v: np.ndarray) -> tuple[float, np.floating[Any]]:
    """Cochran's Q about the fixed-effect mean, and the typical within-person variance."""
    w0 = 1 / v
    fixed = np.sum(w0 * y) / np.sum(w0)
    q = float(np.sum(w0 * (y - fixed) ** 2))
    k = int(y.size)
    typical: np.floating[Any] = (k - 1) * np.sum(w0) / (np.sum(w0) ** 2 - np.sum(w0**2))
    return q, typical
