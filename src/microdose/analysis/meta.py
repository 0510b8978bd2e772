"""Random-effects meta-analysis of many people's N-of-1 effects.

Model: ``y_k ~ N(μ, v_k + τ²)`` for effect estimates ``y_k`` with sampling variances
``v_k``. τ² by DerSimonian & Laird (1986, Control Clin Trials 7:177) or by restricted
maximum likelihood (REML; Viechtbauer 2005, J Educ Behav Stat 30:261), then μ by inverse
variance weights ``1/(v_k + τ²)`` with a Wald 95% CI. Heterogeneity: Cochran's Q and
I² = τ²/(τ² + s²) with the "typical" within-study variance
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
    """A pooled effect with τ², I² and Cochran's Q."""

    estimate: float
    se: float
    ci95: tuple[float, float]
    p: float
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
    (0.5, 0.0)
    """
    y, v = _checked(effects, variances, method)
    tau2 = _dersimonian_laird(y, v) if method == "DL" else _reml(y, v)
    estimate, se = _pooled(y, v, tau2)
    q, typical = _heterogeneity(y, v)
    k = int(y.size)
    z = float(stats.norm.ppf(0.975))
    return MetaResult(
        estimate=estimate,
        se=se,
        ci95=(estimate - z * se, estimate + z * se),
        p=float(2 * stats.norm.sf(abs(estimate / se))),
        tau2=tau2,
        i2=float(tau2 / (tau2 + typical)),
        q=q,
        q_df=k - 1,
        q_p=float(stats.chi2.sf(q, k - 1)),
        k=k,
        method=f"random-effects meta-analysis, τ² by {method}",
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


def _heterogeneity(y: np.ndarray, v: np.ndarray) -> tuple[float, np.floating[Any]]:
    """Cochran's Q about the fixed-effect mean, and the typical within-person variance."""
    w0 = 1 / v
    fixed = np.sum(w0 * y) / np.sum(w0)
    q = float(np.sum(w0 * (y - fixed) ** 2))
    k = int(y.size)
    typical: np.floating[Any] = (k - 1) * np.sum(w0) / (np.sum(w0) ** 2 - np.sum(w0**2))
    return q, typical
