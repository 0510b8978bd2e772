"""The correct guess rate curve (CGRC): the effect re-estimated at each correct-guess rate.

Szigeti, Nutt, Carhart-Harris & Erritzoe 2023, *Scientific Reports*, "The difference
between 'placebo group' and 'placebo control'"; the method follows the description there
and in the authors' public code (``szb37/cgrc``, strata sampling ``all_prop``).

The rows with an active/placebo guess fall into four condition/guess strata: two correct
(``active/active``, ``placebo/placebo``) and two incorrect (``active/placebo``,
``placebo/active``). For a correct-guess rate (CGR) *c*, a pseudo-trial of the observed
size *n* has ``round(c·n)`` correct rows, split between the two correct strata in their
observed proportion, and ``n − round(c·n)`` incorrect rows, split between the two
incorrect strata in theirs (:func:`strata_sizes`). Each row's value is drawn from its
stratum's smoothed distribution: a Gaussian kernel density with Scott's bandwidth
(``scipy.stats.gaussian_kde``; the authors use scikit-learn's ``KernelDensity``, whose
bandwidth is 1 on every scale); a stratum with fewer than two distinct values (common in
a personal trial) gets a Gaussian kernel whose SD is the pooled within-stratum SD. The
effect is refitted without the guess (active mean − placebo mean, i.e. OLS
``value ~ condition``). Over many seeded pseudo-trials the curve
reports the mean estimate and the 2.5th–97.5th percentiles; at *c* equal to the observed
rate the strata sizes are the observed ones, so the mean curve there is the observed
effect (a Gaussian kernel density has the mean of its data).

**Assumption**: the guess influences the outcome, not the other way round. The value at
CGR 0.5 is then the effect had guessing been at chance. If instead the outcome shaped the
guess (a better day made "active" more likely), the curve is a sensitivity analysis only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from microdose.domain.errors import InvalidInput

__all__ = [
    "ASSUMPTION",
    "CGR_GRID",
    "PSEUDO_TRIALS",
    "CgrcPoint",
    "CgrcResult",
    "correct_guess_rate_curve",
    "expected_effect",
    "strata_counts",
    "strata_sizes",
]

Array = NDArray[np.float64]
#: Correct-guess rates of the curve: 0, 0.05, …, 1.
CGR_GRID = tuple(round(0.05 * i, 2) for i in range(21))
#: Pseudo-trials drawn at each rate.
PSEUDO_TRIALS = 500
CORRECT = ("active/active", "placebo/placebo")
INCORRECT = ("active/placebo", "placebo/active")
ASSUMPTION = (
    "The correct guess rate curve assumes that the guess influences the outcome, not the "
    "other way round; if instead the outcome shaped the guess (a day that felt better made "
    "\"active\" more likely), it is a sensitivity analysis only."
)
METHOD = (
    "correct guess rate curve (Szigeti et al. 2023): pseudo-trials of the observed size, "
    "correct and incorrect strata in their observed proportions, values from each "
    "stratum's Gaussian kernel density (Scott's bandwidth), active − placebo refitted "
    "without the guess; mean and 2.5th–97.5th percentiles over pseudo-trials"
)


@dataclass(frozen=True)
class CgrcPoint:
    """The effect at one correct-guess rate: mean over pseudo-trials and their spread."""

    cgr: float
    estimate: float
    ci95: tuple[float, float]
    sizes: dict[str, int]


@dataclass(frozen=True)
class CgrcResult:
    """The curve, its value at chance, and what it was built from."""

    curve: tuple[CgrcPoint, ...]
    at_chance: CgrcPoint
    observed_cgr: float
    observed_effect: float
    counts: dict[str, int]
    n: int
    pseudo_trials: int
    seed: int
    method: str = METHOD
    assumption: str = ASSUMPTION


def _cells(active: NDArray[np.bool_], guess: Array) -> dict[str, NDArray[np.bool_]]:
    guessed = guess == 1.0
    known = ~np.isnan(guess)
    return {
        "active/active": active & guessed,
        "active/placebo": active & known & ~guessed,
        "placebo/active": ~active & guessed,
        "placebo/placebo": ~active & known & ~guessed,
    }


def strata_counts(active: ArrayLike, guess: ArrayLike) -> dict[str, int]:
    """Rows per condition/guess stratum (guess 1 active, 0 placebo, NaN left out).

    Examples
    --------
    >>> strata_counts([1, 1, 0, 0, 0], [1.0, 0.0, 0.0, 1.0, float("nan")])
    {'active/active': 1, 'active/placebo': 1, 'placebo/active': 1, 'placebo/placebo': 1}
    """
    cells = _cells(np.asarray(active, dtype=bool), np.asarray(guess, dtype=float))
    return {key: int(mask.sum()) for key, mask in cells.items()}


def _half_up(x: float) -> int:
    return int(np.floor(x + 0.5 + 1e-9))


def _split(total: int, counts: dict[str, int], pair: tuple[str, str]) -> dict[str, int] | None:
    """``total`` rows split between the two strata of ``pair`` in their observed ratio."""
    first, second = counts[pair[0]], counts[pair[1]]
    if total and first + second == 0:
        return None
    head = _half_up(total * first / (first + second)) if total else 0
    return {pair[0]: head, pair[1]: total - head}


def strata_sizes(n: int, cgr: float, counts: dict[str, int]) -> dict[str, int] | None:
    """The pseudo-trial's rows per stratum at correct-guess rate ``cgr`` (None when a
    needed kind of stratum — correct or incorrect — was never observed).

    Examples
    --------
    >>> counts = {"active/active": 37, "active/placebo": 41, "placebo/active": 26,
    ...           "placebo/placebo": 88}
    >>> strata_sizes(192, 125 / 192, counts) == counts
    True
    >>> strata_sizes(192, 0.5, counts)
    {'active/active': 28, 'placebo/placebo': 68, 'active/placebo': 59, 'placebo/active': 37}
    """
    correct = _half_up(cgr * n)
    right = _split(correct, counts, CORRECT)
    wrong = _split(n - correct, counts, INCORRECT)
    if right is None or wrong is None:
        return None
    return {**right, **wrong}


def expected_effect(sizes: dict[str, int], means: dict[str, float]) -> float:
    """The pseudo-trial's expected active − placebo difference: each arm's mean is the
    size-weighted mean of its two strata's means (NaN when an arm is empty)."""

    def arm(keys: tuple[str, str]) -> float:
        size = sizes[keys[0]] + sizes[keys[1]]
        if size == 0:
            return float("nan")
        return sum(sizes[k] * means[k] for k in keys if sizes[k]) / size

    return arm(("active/active", "active/placebo")) - arm(("placebo/active", "placebo/placebo"))


def _draw(values: Array, count: int, rng: np.random.Generator, spread: float) -> Array:
    """``count`` values from the stratum's kernel density; a stratum with fewer than two
    distinct values gets a Gaussian kernel of SD ``spread`` (the pooled within-stratum SD)
    around its values."""
    if count == 0:
        return np.empty(0)
    if np.unique(values).size < 2:
        return rng.choice(values, size=count) + rng.normal(0.0, spread, size=count)
    return np.asarray(stats.gaussian_kde(values).resample(count, seed=rng)[0], dtype=float)


def _pooled_sd(strata: dict[str, Array]) -> float:
    """The pooled within-stratum SD over the strata with at least two values (0 if none)."""
    parts = [(x.size - 1, float(np.var(x, ddof=1))) for x in strata.values() if x.size > 1]
    df = sum(d for d, _ in parts)
    return float(np.sqrt(sum(d * v for d, v in parts) / df)) if df else 0.0


def _point(
    cgr: float, sizes: dict[str, int] | None, strata: dict[str, Array], trials: int,
    rng: np.random.Generator,
) -> CgrcPoint:  # fmt: skip
    nan = float("nan")
    if sizes is None:
        return CgrcPoint(cgr, nan, (nan, nan), {})
    spread = _pooled_sd(strata)
    draws = {
        k: _draw(strata[k], trials * sizes[k], rng, spread).reshape(trials, sizes[k])
        for k in sizes
    }
    on = sizes["active/active"] + sizes["active/placebo"]
    off = sizes["placebo/active"] + sizes["placebo/placebo"]
    if on == 0 or off == 0:
        return CgrcPoint(cgr, nan, (nan, nan), sizes)
    active = (draws["active/active"].sum(1) + draws["active/placebo"].sum(1)) / on
    placebo = (draws["placebo/active"].sum(1) + draws["placebo/placebo"].sum(1)) / off
    effects = active - placebo
    low, high = np.percentile(effects, [2.5, 97.5])
    return CgrcPoint(cgr, float(effects.mean()), (float(low), float(high)), sizes)


def correct_guess_rate_curve(
    values: ArrayLike,
    active: ArrayLike,
    guess: ArrayLike,
    *,
    grid: tuple[float, ...] = CGR_GRID,
    trials: int = PSEUDO_TRIALS,
    seed: int = 0,
) -> CgrcResult:
    """The CGRC of one outcome over the rows with an active/placebo guess (see the module).

    Raises :class:`InvalidInput` when no row has a guess or either arm has none.
    """
    v, a, g = (np.asarray(x, dtype=float) for x in (values, active, guess))
    cells = _cells(a.astype(bool), g)
    strata = {k: v[mask] for k, mask in cells.items()}
    counts = {k: int(x.size) for k, x in strata.items()}
    n = sum(counts.values())
    if counts["active/active"] + counts["active/placebo"] == 0 or (
        counts["placebo/active"] + counts["placebo/placebo"] == 0
    ):
        raise InvalidInput(
            "guess", "the correct guess rate curve needs guesses in both arms",
            "rows of both conditions with an active or placebo guess",
        )  # fmt: skip
    if trials < 1:
        raise InvalidInput("trials", f"{trials} pseudo-trials", "at least 1")
    observed = (counts["active/active"] + counts["placebo/placebo"]) / n
    rng = np.random.default_rng(seed)
    rates = (*grid, *(() if 0.5 in grid else (0.5,)))
    points = {c: _point(c, strata_sizes(n, c, counts), strata, trials, rng) for c in rates}
    means = {k: float(x.mean()) if x.size else float("nan") for k, x in strata.items()}
    return CgrcResult(
        curve=tuple(points[c] for c in grid), at_chance=points[0.5], observed_cgr=observed,
        observed_effect=expected_effect(counts, means), counts=counts, n=n,
        pseudo_trials=trials, seed=seed,
    )  # fmt: skip
