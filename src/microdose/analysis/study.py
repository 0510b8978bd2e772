"""Blinded study data: active vs placebo with and without the participant's guess.

One timepoint: ordinary least squares, ``value ~ condition`` (placebo as reference) and
``value ~ condition * guess`` (guessed placebo as reference), t-based inference.
Several timepoints: a linear mixed model with a random intercept per participant,
fitted by restricted maximum likelihood (REML; Patterson & Thompson 1971), with Wald
(normal) inference for the fixed effects as in statsmodels' ``MixedLM``.

Both are written here on NumPy/SciPy (the random-intercept REML likelihood is profiled
to one variance ratio and minimised in one dimension) and checked against statsmodels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from microdose.analysis.blinding_index import BangIndex, bang_index_from_guesses
from microdose.domain.errors import InvalidInput

__all__ = [
    "Coefficient",
    "MixedResult",
    "OlsResult",
    "Stratum",
    "StudyData",
    "StudyResult",
    "analyze_study",
    "ols",
    "random_intercept",
    "strata",
]

Array = NDArray[np.float64]
MIXED_METHOD = "linear mixed model, random intercept per participant (REML)"
STRATA_KEYS = ("active/active", "active/placebo", "placebo/active", "placebo/placebo")


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
    """A random-intercept linear mixed model fitted by REML (Wald z inference)."""

    coefficients: dict[str, Coefficient]
    n: int
    groups: int
    tau2: float
    sigma2: float
    method: str = MIXED_METHOD


def _check_design(X: Array, names: Sequence[str]) -> None:
    if X.shape[0] <= X.shape[1]:
        raise InvalidInput(
            "model", f"{X.shape[0]} observations cannot estimate {X.shape[1]} coefficients"
        )
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InvalidInput(
            "model",
            "the coefficients cannot all be estimated: a condition × guess cell is empty",
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
    coefficients = _wald_coefficients(names, beta, se)
    return MixedResult(coefficients, len(y), len(g.sizes), gamma * sigma2, sigma2)


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


def _wald_coefficients(names: Sequence[str], beta: Array, se: Array) -> dict[str, Coefficient]:
    """Each coefficient with its normal-theory 95% interval and two-sided p-value."""
    z = float(stats.norm.ppf(0.975))
    return {
        name: Coefficient(
            name,
            float(b),
            float(s),
            (float(b - z * s), float(b + z * s)),
            float(2 * stats.norm.sf(abs(b / s))),
        )
        for name, b, s in zip(names, beta, se, strict=True)
    }


@dataclass(frozen=True)
class Stratum:
    """Mean of one condition × guess cell with its standard error."""

    mean: float
    n: int
    se: float


def strata(value: Array, active: NDArray[np.bool_], guess: Array) -> dict[str, Stratum]:
    """Means of the four condition/guess cells (keys ``condition/guess``).

    ``guess`` is 1 for "active", 0 for "placebo" and NaN for unsure or missing (left out).
    """
    cells = {}
    for key in STRATA_KEYS:
        took, guessed = key.split("/")
        mask = (active == (took == "active")) & (guess == (1.0 if guessed == "active" else 0.0))
        chosen = value[mask]
        n = int(chosen.size)
        mean = float(chosen.mean()) if n else float("nan")
        se = float(chosen.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        cells[key] = Stratum(mean, n, se)
    return cells


@dataclass(frozen=True)
class StudyData:
    """Long-format blinded study data for one outcome, already validated."""

    participant: NDArray[np.str_]
    timepoint: NDArray[np.str_]
    value: Array
    active: NDArray[np.bool_]
    guess: Array


@dataclass(frozen=True)
class StudyResult:
    """``trial analyze``: the effect, the guess-adjusted model, strata, blinding index."""

    n: int
    participants: int
    timepoints: tuple[str, ...]
    method: str
    effect: Coefficient
    with_guess: dict[str, Coefficient] | None
    strata: dict[str, Stratum]
    blinding_index: dict[str, BangIndex]
    notes: tuple[str, ...] = field(default_factory=tuple)


def _fit(data: StudyData, X: Array, names: Sequence[str], mixed: bool) -> dict[str, Coefficient]:
    if mixed:
        return random_intercept(data.value, X, data.participant, names).coefficients
    return ols(data.value, X, names).coefficients


def _subset(data: StudyData, mask: NDArray[np.bool_]) -> StudyData:
    return StudyData(
        data.participant[mask],
        data.timepoint[mask],
        data.value[mask],
        data.active[mask],
        data.guess[mask],
    )


def analyze_study(data: StudyData) -> StudyResult:
    """Active − placebo, with and without the guess, for one outcome of a blinded study.

    One distinct timepoint: OLS. Several: random-intercept REML over participants.
    """
    timepoints = tuple(sorted(set(data.timepoint.tolist())))
    mixed = len(timepoints) > 1
    n = len(data.value)
    cond = data.active.astype(float)
    effect = _fit(data, np.column_stack([np.ones(n), cond]), ["intercept", "condition"], mixed)
    known = ~np.isnan(data.guess)
    notes = []
    with_guess: dict[str, Coefficient] | None = None
    sub = _subset(data, known)
    X = np.column_stack(
        [np.ones(len(sub.value)), sub.active, sub.guess, sub.active * sub.guess]
    ).astype(float)
    try:
        fitted = _fit(sub, X, ["intercept", "condition", "guess", "interaction"], mixed)
        with_guess = {k: fitted[k] for k in ("condition", "guess", "interaction")}
    except InvalidInput as exc:
        notes.append(f"guess model not estimable: {exc.message}")
    if (~known).any():
        notes.append(
            f"{int((~known).sum())} rows without an active/placebo guess left out of "
            "the guess model and the strata (counted as don't know in the index)"
        )
    clusters = data.participant if mixed else None
    return StudyResult(
        n=n,
        participants=len(set(data.participant.tolist())),
        timepoints=timepoints,
        method=MIXED_METHOD if mixed else "OLS",
        effect=effect["condition"],
        with_guess=with_guess,
        strata=strata(data.value, data.active, data.guess),
        blinding_index=bang_index_from_guesses(data.active, data.guess, clusters=clusters),
        notes=tuple(notes),
    )
