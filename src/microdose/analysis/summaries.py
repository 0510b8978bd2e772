"""Weekly and monthly summaries of a daily rating: the mean with an interval honest about
day-to-day correlation.

Days in a row are not independent: a good day tends to follow a good day. The plain
t-interval for a mean (``sd/√n``) then is too narrow. Here the variance of the mean is the
AR(1) one, ``σ²/n² · Σᵢ Σⱼ φ^|i−j|`` (the sum over n days is ``n·f``), with φ the lag-1
autocorrelation (floored at 0, as a negative estimate is mostly noise) and σ² estimated
without the AR(1) bias of the sample variance, ``s²(n − 1)/(n − f)``, on ``n − 1``
degrees of freedom. With φ = 0 it is exactly the t-interval. A week or a month is too short
to estimate φ well (the estimate is biased towards 0 and the interval then too narrow), so
the caller passes φ estimated over the person's longer record (the calendar: the whole
year so far); ``bench/bench_summaries.py`` measures the coverage either way. The interval
describes the period's typical mood; it does not compare periods or say what caused a change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: fewer days than this: a mean but no interval
MIN_DAYS = 3


@dataclass(frozen=True)
class MeanSummary:
    """``n`` days, their mean, a 95% interval (None with fewer than 3 days), the lag-1
    autocorrelation used, lowest and highest rating."""

    n: int
    mean: float | None
    ci95: tuple[float, float] | None
    lag1: float | None
    low: float | None
    high: float | None


def ar1_variance_factor(n: int, phi: float) -> float:
    """``(1/n) Σᵢ Σⱼ φ^|i−j|`` for ``n`` consecutive days: how much AR(1) correlation widens
    the variance of a mean over independent days (1 when φ = 0)."""
    lags = np.arange(1, n)
    return float(1 + 2 * np.sum((1 - lags / n) * phi**lags))


def lag1_autocorrelation(values: Sequence[float | None]) -> float | None:
    """The lag-1 autocorrelation over consecutive pairs of days that both have a rating."""
    series = np.array([np.nan if v is None else v for v in values], float)
    pairs = ~np.isnan(series[:-1]) & ~np.isnan(series[1:])
    present = series[~np.isnan(series)]
    if pairs.sum() < 2 or present.var() == 0:
        return None
    centred = series - present.mean()
    numerator = float(np.nansum((centred[:-1] * centred[1:])[pairs]))
    return numerator / float(np.sum((present - present.mean()) ** 2))


def lag1_bias_corrected(values: Sequence[float | None]) -> float | None:
    """The lag-1 autocorrelation with Kendall's (1954) first-order bias correction,
    ``r + (1 + 3r)/n``: the plain estimate is pulled towards 0 by about that much."""
    r = lag1_autocorrelation(values)
    n = sum(v is not None for v in values)
    return None if r is None else min(r + (1 + 3 * r) / n, 0.99)


def mean_summary(values: Sequence[float | None], level: float = 0.95,
                 phi: float | None = None) -> MeanSummary:
    """The mean of the period's ratings (None: no rating that day) with its interval;
    ``phi`` is the lag-1 autocorrelation to use (estimated from ``values`` when None)."""
    present = np.array([v for v in values if v is not None], float)
    n = len(present)
    if n == 0:
        return MeanSummary(0, None, None, None, None, None)
    mean, low, high = float(present.mean()), float(present.min()), float(present.max())
    if n < MIN_DAYS:
        return MeanSummary(n, mean, None, None, low, high)
    if phi is None:
        phi = lag1_autocorrelation(values)
    phi = max(phi or 0.0, 0.0)
    factor = ar1_variance_factor(n, phi)
    # E[s²] = σ²(n − factor)/(n − 1) under AR(1): correlated days look less spread than
    # they are, so s² is scaled back up before it is used
    variance = float(present.var(ddof=1)) * (n - 1) / (n - factor)
    se = np.sqrt(variance * factor / n)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se
    return MeanSummary(n, mean, (mean - half, mean + half), phi, low, high)
