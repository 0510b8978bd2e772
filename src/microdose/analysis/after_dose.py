"""The trial's secondary comparison: ratings on the days after active vs placebo dose days.

Each day from the day after an envelope up to :data:`DAYS_AFTER` days later (and before
the next envelope) is attributed to that envelope's content. The ratings of those days
are compared with the model of :mod:`microdose.analysis.daily` — a linear time trend and
AR(1) errors (today's noise carries part of yesterday's), two-step feasible GLS
(Cochrane & Orcutt 1949) — ``rating ~ 1 + after_active + trend``, so that neighbouring
days are not counted as independent evidence. Days without a check-in, dose days and
days not attributed are skipped; the AR(1) links consecutive attributed check-ins.

It is secondary: the randomisation assigned envelopes to dose days, and carry-over to
later days rests on a model (the AR(1) and the trend), not on the randomisation alone.
Estimates and standard errors are those of statsmodels
``GLSAR(y, X, rho=1).iterative_fit(maxiter=2)`` on the attributed days; the 95% interval
uses t with n − 1 − 3 degrees of freedom.
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
    "days after active vs placebo dose days: linear trend and AR(1) errors, two-step "
    "feasible GLS (Cochrane-Orcutt); t-based 95% CI"
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


def after_dose_effect(values: ArrayLike, after: ArrayLike) -> AfterDoseEffect | None:
    """The AR(1) comparison of the attributed days; None with too few of either kind (or
    one value throughout: nothing to estimate).

    ``values`` are the ratings on consecutive days (NaN missing); ``after`` is
    :func:`attribute`'s output for the same days.
    """
    y = np.asarray(values, dtype=float)
    label = np.asarray(after, dtype=float)
    kept = ~np.isnan(y) & ~np.isnan(label)
    n_on, n_off = int(np.sum(kept & (label == 1))), int(np.sum(kept & (label == 0)))
    if min(n_on, n_off) < MIN_DAYS_EACH or np.ptp(y[kept]) == 0:
        return None
    weeks = np.arange(y.size, dtype=float) / 7.0
    series = np.where(kept, y, np.nan)[None, :]
    mask, yy, on, t = compact(series, np.nan_to_num(label)[None, :], weeks[None, :])
    x = np.stack([mask, on, t], axis=2)
    beta, se, rho = fgls_ar1(x, yy, mask, moments(x, yy, mask), np.ones((1, 3)))
    df = int(kept.sum()) - 1 - 3
    q = float(stats.t.ppf(0.975, max(df, 1)))
    estimate, error = float(beta[0, 1]), float(se[0, 1])
    interval = (estimate - q * error, estimate + q * error)
    return AfterDoseEffect(estimate, error, interval, df, float(rho[0]), n_on, n_off)
