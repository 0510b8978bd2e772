"""The trial's secondary comparison: ratings on the days after active vs placebo dose days.

Each day from the day after an envelope up to :data:`DAYS_AFTER` days later (and before
the next envelope) is attributed to that envelope's content. Every check-in day of the
trial enters one regression with a linear time trend and AR(1) errors (today's noise
carries part of yesterday's), two-step feasible GLS (Cochrane & Orcutt 1949) as in
:mod:`microdose.analysis.daily`:

    rating ~ 1 + dose day + active dose day + after active + [other day] + trend

so ``after active`` is the difference between days after active and days after placebo
envelopes, while dose days and days not attributed have terms of their own (``other day``
only when there are such days). Keeping every day in the series keeps neighbouring days
neighbours, which the AR(1) needs: a series with the dose days cut out under-covers
(about 90% in ``bench/bench_calibration.py``), this one does not.

It is secondary: the randomisation assigned envelopes to dose days, and carry-over to
later days rests on a model (the AR(1) and the trend), not on the randomisation alone.
Estimates and standard errors are those of statsmodels
``GLSAR(y, X, rho=1).iterative_fit(maxiter=2)`` on the check-in days; the 95% interval
uses t with n − 1 − k degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from microdose.analysis.gls_ar1 import compact, fgls_ar1, moments

__all__ = ["DAYS_AFTER", "MIN_DAYS_EACH", "AfterDoseEffect", "after_dose_effect", "attribute"]

#: Days after a dose day attributed to its envelope (Fadiman leaves two before the next).
DAYS_AFTER = 2
#: Fewest attributed check-in days of each content before anything is estimated.
MIN_DAYS_EACH = 6
METHOD = (
    "days after active vs placebo dose days, every check-in day in one regression with a "
    "linear trend and AR(1) errors, two-step feasible GLS (Cochrane-Orcutt); t-based 95% CI"
)


@dataclass(frozen=True)
class AfterDoseEffect:
    """After-active minus after-placebo days, in rating points."""

    estimate: float
    se: float
    ci95: tuple[float, float]
    df: int
    rho: float
    n_active_days: int
    n_placebo_days: int
    method: str = METHOD


def attribute(dose_condition: ArrayLike, days_after: int = DAYS_AFTER) -> NDArray[np.float64]:
    """Per day: 1 after an active envelope, 0 after a placebo one, NaN otherwise.

    ``dose_condition`` per consecutive day: 1 active dose day, 0 placebo, NaN no envelope.

    Examples
    --------
    >>> attribute([1, np.nan, np.nan, 0, np.nan, np.nan, np.nan]).tolist()
    [nan, 1.0, 1.0, nan, 0.0, 0.0, nan]
    """
    dose = np.asarray(dose_condition, dtype=float)
    out = np.full(dose.size, np.nan)
    last, since = np.nan, days_after + 1
    for day, condition in enumerate(dose):
        if not np.isnan(condition):
            last, since = condition, 0
            continue
        since += 1
        if since <= days_after:
            out[day] = last
    return out


def after_dose_effect(values: ArrayLike, dose_condition: ArrayLike) -> AfterDoseEffect | None:
    """The AR(1) comparison of the days after active and placebo envelopes.

    ``values`` are the ratings on consecutive days (NaN missing); ``dose_condition`` per
    day is 1 (active envelope), 0 (placebo) or NaN (no envelope). None with fewer than
    :data:`MIN_DAYS_EACH` rated days after either kind, or one value throughout.
    """
    y = np.asarray(values, dtype=float)
    dose = np.asarray(dose_condition, dtype=float)
    after = attribute(dose)
    seen = ~np.isnan(y)
    n_on = int(np.sum(seen & (after == 1)))
    n_off = int(np.sum(seen & (after == 0)))
    if min(n_on, n_off) < MIN_DAYS_EACH or np.ptp(y[seen]) == 0:
        return None
    x, k = _design(dose, after, seen)
    mask, yy, *columns = compact(y[None, :], *(c[None, :] for c in x))
    design = np.stack(columns, axis=2)
    beta, se, rho = fgls_ar1(design, yy, mask, moments(design, yy, mask), np.ones((1, k)))
    df = int(seen.sum()) - 1 - k
    q = float(stats.t.ppf(0.975, max(df, 1)))
    estimate, error = float(beta[0, 3]), float(se[0, 3])
    interval = (estimate - q * error, estimate + q * error)
    return AfterDoseEffect(estimate, error, interval, df, float(rho[0]), n_on, n_off)


def _design(
    dose: NDArray[np.float64], after: NDArray[np.float64], seen: NDArray[np.bool_]
) -> tuple[list[NDArray[np.float64]], int]:
    """Columns 1, dose day, active dose day, after active, trend (and other day)."""
    on_dose = ~np.isnan(dose)
    columns = [
        np.ones(dose.size),
        on_dose.astype(float),
        np.nan_to_num(dose),
        np.nan_to_num(after),
        np.arange(dose.size, dtype=float) / 7.0,
    ]
    other = ~on_dose & np.isnan(after)
    if np.any(other & seen):
        columns.append(other.astype(float))
    return columns, len(columns)
