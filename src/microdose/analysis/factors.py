"""How mood went on days with and without a daily factor (e.g. exercise): an association,
with an interval honest about day-to-day correlation.

The days with a check-in that asked the factor, in order, are fitted as
``mood_t = a + b · factor_t + e_t`` with AR(1) errors by two-step feasible GLS
(:func:`microdose.analysis.gls_ar1.fgls_ar1`, the same fit as statsmodels
``GLSAR(y, X, rho=1).iterative_fit(maxiter=2)``); ``b`` is the difference in mood between
yes days and no days, with a t interval on ``n − 3`` degrees of freedom. It says nothing
about cause: a good day may bring the walk, something else may bring both, and the
person chose when to do it. ``bench/bench_summaries.py`` measures its type-I error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from microdose.analysis.gls_ar1 import compact, fgls_ar1, moments

#: fewer yes days or no days than this: no estimate
MIN_EACH = 5


@dataclass(frozen=True)
class FactorAssociation:
    """Days with and without the factor, mean mood of each, and the fitted difference."""

    name: str
    yes_days: int
    no_days: int
    mean_yes: float | None
    mean_no: float | None
    difference: float | None
    ci95: tuple[float, float] | None
    p: float | None


def association(name: str, mood: Sequence[float | None],
                factor: Sequence[float | None]) -> FactorAssociation:
    """The association of ``factor`` (1/0/None a day) with ``mood`` (None: no rating)."""
    pairs = [(m, f) for m, f in zip(mood, factor, strict=True) if m is not None and f is not None]
    y = np.array([m for m, _ in pairs], float)
    x = np.array([f for _, f in pairs], float)
    yes, no = int(x.sum()), int(len(x) - x.sum())
    mean_yes = float(y[x == 1].mean()) if yes else None
    mean_no = float(y[x == 0].mean()) if no else None
    if yes < MIN_EACH or no < MIN_EACH:
        return FactorAssociation(name, yes, no, mean_yes, mean_no, None, None, None)
    design = np.stack([np.ones_like(x), x], axis=1)[None, :, :]
    mask, values, *_ = compact(y[None, :])
    beta, se, _ = fgls_ar1(design, values, mask, moments(design, values, mask),
                           np.ones((1, 2)))
    estimate, error, df = float(beta[0, 1]), float(se[0, 1]), len(y) - 3
    half = float(stats.t.ppf(0.975, df)) * error
    p = float(2 * stats.t.sf(abs(estimate / error), df)) if error > 0 else None
    return FactorAssociation(name, yes, no, mean_yes, mean_no, estimate,
                             (estimate - half, estimate + half), p)
