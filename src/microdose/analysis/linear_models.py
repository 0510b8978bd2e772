"""Linear models of study data: OLS and the random-intercept mixed model (REML).

One timepoint: ordinary least squares with t-based inference. Several timepoints: a
linear mixed model with a random intercept per participant, fitted by restricted maximum
likelihood (REML; Patterson & Thompson 1971). Its fixed effects' intervals and p-values
use t on participants − fixed effects degrees of freedom, not statsmodels' normal (Wald z):
the arm varies between participants, so its information comes from the participants, not
the rows, and with 60 participants z rejected 6.4% of true nulls in this product's
simulations (``bench/bench_calibration.py``).

Both are written here on NumPy/SciPy (the random-intercept REML likelihood is profiled
to one variance ratio and minimised in one dimension) and checked against statsmodels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from microdose.domain.errors import InvalidInput

__all__ = ["MIXED_METHOD", "Coefficient", "MixedResult", "OlsResult", "ols", "random_intercept"]

Array = NDArray[np.float64]
MIXED_METHOD = ("linear mixed model, random intercept per participant (REML); t on "
                "participants − fixed effects df")


@dataclass(frozen=True)
class Coefficient:
    """One model coefficient with its standard error, 95% CI and two-sided p-value."""

    name: str
    estimate: float
    se: float
    ci95: tuple[float, float]
    p: float


@dataclass(frozen=True)
class OlsResult:
    """An ordinary least-squares fit (t-based inference)."""

    coefficients: dict[str, Coefficient]
    n: int
    df_resid: int
    sigma: float
    method: str = "OLS"


@dataclass(frozen=True)
class MixedResult:
    """A random-intercept linear mixed model fitted by REML (t on ``df`` = groups − p)."""

    coefficients: dict[str, Coefficient]
    n: int
    groups: int
    tau2: float
    sigma2: float
    df: int
    method: str = MIXED_METHOD


def _check_design(X: Array, names: Sequence[str]) -> None:
    if X.shape[0] <= X.shape[1]:
        raise InvalidInput(
            "model", f"{X.shape[0]} observations cannot estimate {X.shape[1]} coefficients"
        )
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InvalidInput(
            "model",
            "the coefficients cannot all be estimated: a condition × guess cell is empty, "
            "or a covariate is constant or repeats another term",
            allowed="data with both conditions (and both guesses for the guess model)",
        )


def ols(y: Array, X: Array, names: Sequence[str]) -> OlsResult:
    """Least squares with t-based standard errors, 95% CIs and two-sided p-values.

    Parameters
    ----------
    y : array of shape (n,)
    X : array of shape (n, p), including the intercept column
    names : p coefficient names

    Examples
    --------
    >>> X = np.column_stack([np.ones(4), [0, 0, 1, 1]])
    >>> round(ols(np.array([1.0, 2.0, 3.0, 5.0]), X, ["intercept", "condition"])
    ...       .coefficients["condition"].estimate, 3)
    2.5
    """
    y, X = np.asarray(y, float), np.asarray(X, float)
    _check_design(X, names)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    df = X.shape[0] - X.shape[1]
    sigma2 = float(resid @ resid) / df
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))
    quantile = float(stats.t.ppf(0.975, df))
    coefficients = {}
    for name, b, s in zip(names, beta, se, strict=True):
        p = float(2 * stats.t.sf(abs(b / s), df)) if s > 0 else float("nan")
        coefficients[name] = Coefficient(
            name, float(b), float(s), (float(b - quantile * s), float(b + quantile * s)), p
        )
    return OlsResult(coefficients, int(X.shape[0]), df, float(np.sqrt(sigma2)))


@dataclass(frozen=True)
class _Groups:
    """Per-participant sums that make the compound-symmetry algebra O(n)."""

    sizes: Array
    x_sums: Array
    y_sums: Array


def _reml_parts(
    gamma: float, y: Array, X: Array, codes: NDArray[np.int64], g: _Groups
) -> tuple[float, Array, Array, float]:
    """−2 × REML log-likelihood (up to a constant), β, (X'H⁻¹X)⁻¹ and σ² at τ²/σ² = γ."""
    c = gamma / (1.0 + g.sizes * gamma)
    xhx = X.T @ X - (g.x_sums * c[:, None]).T @ g.x_sums
    xhy = X.T @ y - (g.x_sums * c[:, None]).T @ g.y_sums
    inverse = np.linalg.inv(xhx)
    beta = inverse @ xhy
    resid = y - X @ beta
    resid_sums = np.bincount(codes, weights=resid, minlength=len(g.sizes))
    quad = float(resid @ resid - np.sum(c * resid_sums**2))
    dof = X.shape[0] - X.shape[1]
    sigma2 = quad / dof
    _sign, logdet = np.linalg.slogdet(xhx)
    objective = dof * np.log(sigma2) + float(np.sum(np.log1p(g.sizes * gamma))) + logdet
    return float(objective), beta, np.asarray(inverse, dtype=float), float(sigma2)


def random_intercept(y: Array, X: Array, groups: ArrayLike, names: Sequence[str]) -> MixedResult:
    """REML fit of ``y = Xβ + u_group + ε`` with ``u ~ N(0, τ²)`` and ``ε ~ N(0, σ²)``.

    The variance ratio ``γ = τ²/σ²`` is found by bounded one-dimensional minimisation
    of the profiled REML criterion on ``log γ``; ``γ = 0`` (no between-participant
    variance) is compared as well, since it lies on the boundary.
    """
    y, X = np.asarray(y, float), np.asarray(X, float)
    _check_design(X, names)
    codes = _group_codes(groups)
    g = _group_sums(codes, X, y)
    gamma = _best_gamma(y, X, codes, g)
    _objective, beta, inverse, sigma2 = _reml_parts(gamma, y, X, codes, g)
    se = np.sqrt(np.diag(sigma2 * inverse))
    df = max(1, len(g.sizes) - X.shape[1])
    coefficients = _t_coefficients(names, beta, se, df)
    return MixedResult(coefficients, len(y), len(g.sizes), gamma * sigma2, sigma2, df)


def _group_codes(groups: ArrayLike) -> NDArray[np.int64]:
    """Each row's participant as 0, 1, ... (participants in sorted order of their labels)."""
    _labels, codes = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    return codes.astype(np.int64)


def _group_sums(codes: NDArray[np.int64], X: Array, y: Array) -> _Groups:
    """Rows, column sums of ``X`` and the sum of ``y`` per participant."""
    count = int(codes.max()) + 1
    return _Groups(
        np.bincount(codes, minlength=count).astype(float),
        np.column_stack(
            [np.bincount(codes, weights=X[:, j], minlength=count) for j in range(X.shape[1])]
        ),
        np.bincount(codes, weights=y, minlength=count).astype(float),
    )


def _best_gamma(y: Array, X: Array, codes: NDArray[np.int64], g: _Groups) -> float:
    """The REML variance ratio ``τ²/σ²``: bounded search on ``log γ``, or the boundary 0."""
    found = optimize.minimize_scalar(
        lambda u: _reml_parts(float(np.exp(u)), y, X, codes, g)[0],
        bounds=(-30.0, 12.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    if _reml_parts(0.0, y, X, codes, g)[0] <= found.fun:
        return 0.0
    return float(np.exp(found.x))


def _t_coefficients(names: Sequence[str], beta: Array, se: Array, df: int
                    ) -> dict[str, Coefficient]:
    """Each coefficient with its 95% interval and two-sided p-value on t with ``df``."""
    q = float(stats.t.ppf(0.975, df))
    return {
        name: Coefficient(
            name,
            float(b),
            float(s),
            (float(b - q * s), float(b + q * s)),
            float(2 * stats.t.sf(abs(b / s), df)),
        )
        for name, b, s in zip(names, beta, se, strict=True)
    }
