"""The design-matched effect of a block-randomised N-of-1 trial.

A self-blinded trial randomises *within blocks*: a pair of dose days (``pairs``) or a pair
of weeks (``weeks``) holds one active and one placebo unit, in random order. The analysis
follows the design, unit and blocks:

- **Block differences.** Each block gives one difference d_b = (mean of its active units)
  − (mean of its placebo units): the two dose days of a pair, or the two week means of a
  pair of weeks. Blocks without both conditions are left out.
- **Paired t** (Student 1908): the mean of the B differences, SE = sd/√B, a t interval and
  p-value on B − 1 degrees of freedom — the same as ``scipy.stats.ttest_rel`` on the
  active and placebo values of complete blocks.
- **Randomisation test** (Fisher 1935; Edgington & Onghena, *Randomization Tests*, 4th ed.
  2007): under the sharp null that the capsule changes nothing, every allocation the
  design could have drawn was as likely, and swapping a block's two conditions flips the
  sign of its difference. The reference set is all ``2 ** B`` sign flips, enumerated when
  ``2 ** B <= MAX_EXACT``, otherwise ``MONTE_CARLO_DRAWS`` seeded random flips with
  p = (1 + hits)/(1 + draws) (Phipson & Smyth 2010). Two-sided on |mean difference|.
- **Randomisation interval**: the shifts δ that the same test does not reject at 5% when
  the capsule is assumed to add δ to every block (d_b − δ are then sign-symmetric). Its
  ends are means of subsets of the differences, found by a grid and bisection to
  ``1e-9`` of the data's range; the interval is the hull of the accepted shifts. With
  ``2 / 2 ** B > 0.05`` (five blocks or fewer) no shift is ever rejected and the interval
  is unbounded: such a trial cannot show anything at the 5% level.

Both intervals rest on the random allocation; the randomisation interval needs nothing
else (no normal errors, no independence between days), so it is the primary one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from microdose.domain.errors import InvalidInput

__all__ = [
    "ALPHA",
    "MAX_EXACT",
    "MONTE_CARLO_DRAWS",
    "PairedEffect",
    "SignFlipTest",
    "block_differences",
    "paired_effect",
    "sign_flip_p",
    "sign_flip_test",
    "sign_flips",
]

Array = NDArray[np.float64]
#: Two-sided level of every test and 95% interval.
ALPHA = 0.05
#: Largest reference set enumerated exactly (2**16 allocations).
MAX_EXACT = 2**16
#: Random allocations drawn when the reference set is larger.
MONTE_CARLO_DRAWS = 10_000
_GRID = 256
_CELLS = 8_000_000


@dataclass(frozen=True)
class PairedEffect:
    """Mean of the within-block differences active − placebo, with its t interval."""

    estimate: float
    se: float
    ci95: tuple[float, float]
    df: int
    p: float
    blocks: int
    method: str = "mean of within-block differences, paired t interval (B − 1 df)"


@dataclass(frozen=True)
class SignFlipTest:
    """The randomisation test over within-block sign flips and its inverted interval.

    ``ci95`` is ``(-inf, inf)`` when the design has too few blocks to reject anything
    (``smallest_p > ALPHA``).
    """

    estimate: float
    p: float
    ci95: tuple[float, float]
    method: str
    allocations: int
    draws: int | None
    blocks: int
    smallest_p: float

    @property
    def bounded(self) -> bool:
        """Whether the 95% interval has finite ends."""
        return bool(np.isfinite(self.ci95[0]) and np.isfinite(self.ci95[1]))


def block_differences(
    values: ArrayLike, active: ArrayLike, block: ArrayLike
) -> tuple[Array, NDArray[np.int64]]:
    """Per block: mean of its active values − mean of its placebo values (NaN values left out).

    Returns the differences and their block labels (sorted); blocks lacking either
    condition are left out.

    Examples
    --------
    >>> d, labels = block_differences([5., 3, 4, 4, 6, 2], [1, 0, 0, 1, 1, 0], [0, 0, 1, 1, 2, 2])
    >>> d.tolist(), labels.tolist()
    ([2.0, 0.0, 4.0], [0, 1, 2])
    """
    v = np.asarray(values, dtype=float)
    a = np.asarray(active, dtype=bool)
    b = np.asarray(block)
    diffs, kept = [], []
    for label in np.unique(b):
        here = (b == label) & ~np.isnan(v)
        on, off = v[here & a], v[here & ~a]
        if on.size and off.size:
            diffs.append(on.mean() - off.mean())
            kept.append(label)
    return np.asarray(diffs, dtype=float), np.asarray(kept, dtype=np.int64)


def paired_effect(diffs: ArrayLike) -> PairedEffect:
    """Mean difference with Student's t interval and p-value on B − 1 df.

    Raises
    ------
    InvalidInput
        With fewer than two blocks.
    """
    d = np.asarray(diffs, dtype=float)
    if d.size < 2:
        raise InvalidInput("data", f"{d.size} complete blocks", "at least 2")
    estimate, df = float(d.mean()), int(d.size - 1)
    se = float(d.std(ddof=1) / np.sqrt(d.size))
    if se == 0:
        return PairedEffect(estimate, 0.0, (estimate, estimate), df, float("nan"), int(d.size))
    q = float(stats.t.ppf(1 - ALPHA / 2, df))
    p = float(2 * stats.t.sf(abs(estimate / se), df))
    return PairedEffect(estimate, se, (estimate - q * se, estimate + q * se), df, p, int(d.size))


def sign_flips(
    blocks: int, *, max_exact: int = MAX_EXACT, draws: int = MONTE_CARLO_DRAWS, seed: int = 0
) -> tuple[Array, bool]:
    """Rows of signs (+1 kept, −1 swapped) over the blocks, and whether they are exhaustive.

    Exhaustive rows are all ``2 ** blocks`` sign vectors, the observed one (all +1) first.
    """
    if 2**blocks <= max_exact:
        rows = np.array(list(itertools.product((1.0, -1.0), repeat=blocks)), dtype=float)
        return rows.reshape(2**blocks, blocks), True
    rng = np.random.default_rng(seed)
    return np.where(rng.random((draws, blocks)) < 0.5, -1.0, 1.0), False


def sign_flip_p(diffs: ArrayLike, signs: Array, shifts: ArrayLike, *, exact: bool) -> Array:
    """Two-sided randomisation p-value of H: effect = δ, for each δ in ``shifts``.

    Under H the centred differences d_b − δ are sign-symmetric; the statistic is
    |Σ s_b (d_b − δ)|. Exact: the share of the sign vectors at least as extreme as the
    observed; Monte Carlo: (1 + hits)/(1 + draws).
    """
    d = np.asarray(diffs, dtype=float)
    delta = np.atleast_1d(np.asarray(shifts, dtype=float))
    sd, s1 = signs @ d, signs.sum(axis=1)
    observed = np.abs(d.sum() - delta * d.size)
    tol = 1e-9 * max(1.0, float(np.abs(d).max(initial=0.0))) * d.size
    hits = np.zeros(delta.size)
    step = max(1, _CELLS // max(1, signs.shape[0]))
    for first in range(0, delta.size, step):
        part = delta[first : first + step]
        stat = np.abs(sd[:, None] - part[None, :] * s1[:, None])
        hits[first : first + step] = np.sum(stat >= observed[first : first + step] - tol, axis=0)
    if exact:
        return np.asarray(hits / signs.shape[0], dtype=float)
    return np.asarray((1.0 + hits) / (1.0 + signs.shape[0]), dtype=float)


def _edge(d: Array, signs: Array, exact: bool, inside: float, outside: float) -> float:
    """The accepted shift nearest ``outside`` on the segment between the two (hull end)."""
    grid = np.linspace(outside, inside, _GRID)
    accepted = sign_flip_p(d, signs, grid, exact=exact) > ALPHA
    first = int(np.argmax(accepted))
    if first == 0:
        return outside
    rejected, ok = float(grid[first - 1]), float(grid[first])
    tol = 1e-9 * max(1.0, float(np.ptp(d)))
    while abs(ok - rejected) > tol:
        middle = (ok + rejected) / 2
        if sign_flip_p(d, signs, [middle], exact=exact)[0] > ALPHA:
            ok = middle
        else:
            rejected = middle
    return ok


def sign_flip_test(
    diffs: ArrayLike, *, max_exact: int = MAX_EXACT, draws: int = MONTE_CARLO_DRAWS, seed: int = 0
) -> SignFlipTest:
    """Randomisation p-value of no effect and the 95% randomisation interval.

    Examples
    --------
    Six pairs, active always higher: only the observed allocation and its mirror image
    are as extreme, p = 2/64; the interval runs from the smallest to the largest
    difference.

    >>> result = sign_flip_test([1.0, 2.0, 1.5, 0.5, 3.0, 1.0])
    >>> result.p, [round(end, 6) for end in result.ci95]
    (0.03125, [0.5, 3.0])
    """
    d = np.asarray(diffs, dtype=float)
    if d.size < 1:
        raise InvalidInput("data", "no complete blocks", "at least 1")
    signs, exact = sign_flips(d.size, max_exact=max_exact, draws=draws, seed=seed)
    smallest = 2 / 2**d.size if exact else 1 / (1 + draws)
    p = float(sign_flip_p(d, signs, [0.0], exact=exact)[0])
    estimate = float(d.mean())
    interval = (float("-inf"), float("inf"))
    if smallest <= ALPHA and np.ptp(d) == 0:
        interval = (estimate, estimate)
    elif smallest <= ALPHA:
        span = float(np.ptp(d))
        low, high = float(d.min()) - span * 1e-6, float(d.max()) + span * 1e-6
        interval = (_edge(d, signs, exact, estimate, low), _edge(d, signs, exact, estimate, high))
    if exact:
        method = f"exact randomisation test ({signs.shape[0]} allocations)"
        return SignFlipTest(estimate, p, interval, method, signs.shape[0], None, d.size, smallest)
    method = f"Monte Carlo randomisation test ({draws} random allocations of 2^{d.size})"
    return SignFlipTest(estimate, p, interval, method, 2**d.size, draws, d.size, smallest)
