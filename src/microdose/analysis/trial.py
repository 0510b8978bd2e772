"""Analysis of one person's self-blinded N-of-1 trial after unblinding.

- **Effect** active − placebo (difference of means) with a Welch 95% CI. The Welch
  interval treats days as independent; daily ratings are autocorrelated, so read it as
  approximate. The randomisation test below needs no such assumption.
- **Randomisation test** (Fisher's exact logic; Edgington & Onghena, *Randomization
  Tests*, 4th ed. 2007): under the sharp null that the capsule changes nothing, every
  allocation the design could have produced was equally likely to be observed. The
  design swaps the two conditions inside blocks, so the reference set is all
  ``2 ** B`` block flips: enumerated when ``2 ** B <= MAX_EXACT``, otherwise
  ``MONTE_CARLO_DRAWS`` random flips (seeded), with p = (1 + hits)/(1 + draws)
  (Phipson & Smyth 2010). Two-sided on |difference|.
- **Bayesian posterior probability** that the benefit is at least a meaningful
  difference: normal likelihood (estimate, Welch SE) and a *sceptical prior*
  N(0, (MID/1.645)²) — a 5% prior probability of a benefit of at least the MID
  (Spiegelhalter, Freedman & Parmar 1994, J R Stat Soc A 157:357).
- **Guess-adjusted model** ``value ~ condition × guess`` (OLS) and the four
  condition × guess strata.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from microdose.analysis.study import Coefficient, Stratum, ols, strata
from microdose.domain.errors import InvalidInput

__all__ = [
    "MAX_EXACT",
    "MONTE_CARLO_DRAWS",
    "SCEPTICAL_PRIOR_Z",
    "Effect",
    "Posterior",
    "RandomisationTest",
    "block_flips",
    "guess_model",
    "posterior_benefit",
    "randomisation_p_values",
    "randomisation_test",
    "welch_effect",
]

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: Largest reference set enumerated exactly (2**16 allocations).
MAX_EXACT = 2**16
#: Random allocations drawn when the reference set is larger.
MONTE_CARLO_DRAWS = 10_000
#: A sceptical prior puts 5% probability beyond the MID: SD = MID / 1.645.
SCEPTICAL_PRIOR_Z = float(stats.norm.ppf(0.95))
_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class Effect:
    """Active − placebo difference of means with a Welch 95% CI."""

    estimate: float
    se: float
    ci95: tuple[float, float]
    df: float
    p: float
    n_active: int
    n_placebo: int
    method: str = "difference of means, Welch t interval"


def welch_effect(values: Array, active: BoolArray) -> Effect:
    """Difference of means active − placebo with Welch's t interval and p-value.

    Raises
    ------
    InvalidInput
        When either arm has fewer than two values.
    """
    a, b = np.asarray(values, float)[active], np.asarray(values, float)[~active]
    if a.size < 2 or b.size < 2:
        raise InvalidInput(
            "data", f"{a.size} active and {b.size} placebo values", "at least 2 of each"
        )
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = float(np.sqrt(va + vb))
    estimate = float(a.mean() - b.mean())
    if se == 0:
        return Effect(
            estimate, 0.0, (estimate, estimate), float("nan"), float("nan"), a.size, b.size
        )
    df = float((va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1)))
    q = float(stats.t.ppf(0.975, df))
    p = float(2 * stats.t.sf(abs(estimate / se), df))
    return Effect(estimate, se, (estimate - q * se, estimate + q * se), df, p, a.size, b.size)


@dataclass(frozen=True)
class RandomisationTest:
    """A randomisation test over the allocations the block design could have produced."""

    estimate: float
    p: float
    method: str
    allocations: int
    draws: int | None
    blocks: int


def block_flips(
    blocks: int, *, max_exact: int = MAX_EXACT, draws: int = MONTE_CARLO_DRAWS, seed: int = 0
) -> tuple[BoolArray, bool]:
    """Rows of block flips (True = swap that block's conditions) and whether exhaustive.

    Exhaustive rows start with the observed allocation (no flips).
    """
    if 2**blocks <= max_exact:
        rows = np.array(list(itertools.product((False, True), repeat=blocks)), dtype=bool)
        return rows.reshape(2**blocks, blocks), True
    rng = np.random.default_rng(seed)
    return rng.random((draws, blocks)) < 0.5, False


def _differences(values: Array, assigned: BoolArray) -> Array:
    """Mean(active) − mean(placebo) for each row of ``assigned`` (NaN if an arm is empty)."""
    n_active = assigned.sum(axis=-1)
    total = values.sum(axis=-1, keepdims=True)
    sum_active = np.einsum("...n,...n->...", assigned, values)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = sum_active / n_active - (total[..., 0] - sum_active) / (values.shape[-1] - n_active)
    return np.asarray(diff, dtype=float)


def randomisation_p_values(
    values: Array, active: BoolArray, block_index: NDArray[np.int64], flips: BoolArray
) -> Array:
    """Two-sided randomisation p-values for many datasets at once (vectorised).

    Parameters
    ----------
    values, active : arrays of shape (R, n)
        R datasets on the same design.
    block_index : int array of shape (n,)
        Block of each unit, 0 … B − 1.
    flips : bool array of shape (m, B)
        Block flips forming the reference set (see :func:`block_flips`).

    Returns
    -------
    array of shape (R,)
        Share of reference allocations whose |difference| is at least the observed one.
    """
    values, active = np.atleast_2d(values).astype(float), np.atleast_2d(active).astype(bool)
    observed = np.abs(_differences(values, active))
    unit_flips = flips[:, block_index]
    hits = np.zeros(values.shape[0])
    valid = np.zeros(values.shape[0])
    step = max(1, _CHUNK_CELLS // max(1, values.shape[0] * values.shape[1]))
    for first in range(0, unit_flips.shape[0], step):
        chunk = unit_flips[first : first + step]
        assigned = active[:, None, :] ^ chunk[None, :, :]
        stat = np.abs(_differences(values[:, None, :], assigned))
        ok = np.isfinite(stat)
        hits += np.sum(ok & (stat >= observed[:, None] - 1e-12), axis=1)
        valid += ok.sum(axis=1)
    return np.asarray(hits / valid, dtype=float)


def randomisation_test(
    values: Array,
    active: BoolArray,
    block: NDArray[np.int64] | list[int],
    *,
    max_exact: int = MAX_EXACT,
    draws: int = MONTE_CARLO_DRAWS,
    seed: int = 0,
) -> RandomisationTest:
    """Exact (or Monte Carlo) randomisation test of active − placebo for a block design.

    Examples
    --------
    Four pairs, active always higher by 1: one of 16 allocations is as extreme
    in each direction, so p = 2/16.

    >>> result = randomisation_test(np.array([2., 1, 3, 2, 4, 3, 5, 4]),
    ...     np.array([1, 0, 1, 0, 1, 0, 1, 0], bool), [0, 0, 1, 1, 2, 2, 3, 3])
    >>> result.p, result.method
    (0.125, 'exact randomisation test (16 allocations)')
    """
    values, active = np.asarray(values, float), np.asarray(active, bool)
    labels, block_index = np.unique(np.asarray(block), return_inverse=True)
    count = len(labels)
    flips, exact = block_flips(count, max_exact=max_exact, draws=draws, seed=seed)
    estimate = float(_differences(values[None, :], active[None, :])[0])
    if exact:
        p = float(randomisation_p_values(values, active, block_index, flips)[0])
        method = f"exact randomisation test ({flips.shape[0]} allocations)"
        return RandomisationTest(estimate, p, method, flips.shape[0], None, count)
    share = float(randomisation_p_values(values, active, block_index, flips)[0])
    p = (1.0 + share * draws) / (1.0 + draws)
    method = f"Monte Carlo randomisation test ({draws} random allocations of 2^{count})"
    return RandomisationTest(estimate, p, method, 2**count, draws, count)


@dataclass(frozen=True)
class Posterior:
    """Normal posterior of the effect and the probability of a meaningful benefit."""

    mean: float
    sd: float
    ci95: tuple[float, float]
    prob_benefit: float
    prob_harm: float
    mid: float
    prior_sd: float
    higher_is_better: bool
    method: str = "normal likelihood, sceptical normal prior N(0, (MID/1.645)²)"


def posterior_benefit(
    estimate: float,
    se: float,
    mid: float,
    *,
    higher_is_better: bool = True,
    prior_sd: float | None = None,
) -> Posterior:
    """Posterior probability that the effect is a benefit of at least ``mid``.

    Conjugate normal update of the prior N(0, prior_sd²) with the likelihood
    N(estimate, se²). ``prob_benefit`` = P(effect ≥ mid) when higher is better,
    P(effect ≤ −mid) otherwise; ``prob_harm`` the same in the other direction.

    Examples
    --------
    >>> post = posterior_benefit(0.0, 1.0, 1.0)
    >>> round(post.prob_benefit, 4) == round(post.prob_harm, 4)
    True
    """
    if mid <= 0:
        raise InvalidInput("mid", f"{mid} is not a positive difference", "a number > 0")
    tau = prior_sd if prior_sd is not None else mid / SCEPTICAL_PRIOR_Z
    precision = 1 / tau**2 + (1 / se**2 if se > 0 else np.inf)
    mean = (estimate / se**2) / precision if se > 0 else estimate
    sd = float(np.sqrt(1 / precision))
    upper = float(stats.norm.sf(mid, loc=mean, scale=sd)) if sd > 0 else float(mean >= mid)
    lower = float(stats.norm.cdf(-mid, loc=mean, scale=sd)) if sd > 0 else float(mean <= -mid)
    benefit, harm = (upper, lower) if higher_is_better else (lower, upper)
    ci = (float(mean - 1.959963984540054 * sd), float(mean + 1.959963984540054 * sd))
    return Posterior(float(mean), sd, ci, benefit, harm, mid, tau, higher_is_better)


def guess_model(
    values: Array, active: BoolArray, guess: Array
) -> tuple[dict[str, Coefficient] | None, dict[str, Stratum], str | None]:
    """``value ~ condition × guess`` (OLS) and the four strata; guesses NaN are left out.

    Returns the coefficients ``condition`` (active vs placebo among days guessed
    placebo), ``guess`` (guessed active vs placebo among placebo days) and
    ``interaction``, or None with the reason when they cannot be estimated.
    """
    values, active, guess = np.asarray(values, float), np.asarray(active, bool), np.asarray(guess)
    cells = strata(values, active, guess)
    known = ~np.isnan(guess)
    v, a, g = values[known], active[known].astype(float), guess[known]
    X = np.column_stack([np.ones(v.size), a, g, a * g]) if v.size else np.empty((0, 4))
    try:
        fitted = ols(v, X, ["intercept", "condition", "guess", "interaction"]).coefficients
    except InvalidInput as exc:
        return None, cells, exc.message
    return {k: fitted[k] for k in ("condition", "guess", "interaction")}, cells, None
