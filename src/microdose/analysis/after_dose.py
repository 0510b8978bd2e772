"""The trial's secondary comparison: ratings on the days after active vs placebo dose days.

Each day from the day after an envelope up to :data:`DAYS_AFTER` days later (and before
the next envelope) is attributed to that envelope: its content and its block. Then, as the
primary comparison does with the dose days, the days are compared **within each block**:

    difference(block) = mean rating on the days after its active envelope(s)
                        − mean rating on the days after its placebo envelope(s)

and the effect is the mean of these differences with Student's t interval on B − 1 df
(:func:`microdose.analysis.paired.paired_effect`). Blocks without a rated day after both
kinds are left out.

Why within blocks and not one regression over every day: daily ratings are
autocorrelated (today's noise carries part of yesterday's). Because the order of the
envelopes within each block was randomised, the block differences are uncorrelated
whatever the autocorrelation and a slow trend adds noise, not bias — no model of either
is needed. The regression with a linear trend and AR(1) errors (two-step feasible GLS, as
:mod:`microdose.analysis.daily` uses for ratings outside a trial) was this comparison
before; on 6-block trials its interval covered only 92.3–92.8% and its test rejected a
true null in 7.2–7.7% (``bench/bench_calibration.py``), because an AR(1) coefficient
estimated from 36 days is too low. The paired blocks meet the targets at 6 blocks.

It is secondary: the randomisation assigned envelopes to dose days, and counting the
following days as the envelope's assumes its effect, if any, lasts that long.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from microdose.analysis.paired import PairedEffect, block_differences, paired_effect

__all__ = ["DAYS_AFTER", "MIN_BLOCKS", "AfterDoseEffect", "after_dose_effect", "attribute"]

#: Days after a dose day attributed to its envelope (Fadiman leaves two before the next).
DAYS_AFTER = 2
#: Fewest blocks with a rated day after both kinds of envelope before anything is estimated.
MIN_BLOCKS = 2
METHOD = (
    "days after active vs placebo dose days compared within each block (mean of the "
    "block differences), paired t 95% CI on B − 1 df"
)


@dataclass(frozen=True)
class AfterDoseEffect:
    """After-active minus after-placebo days, in rating points: the paired effect of the
    block differences, the days it counted and how it was compared."""

    effect: PairedEffect
    n_active_days: int
    n_placebo_days: int
    method: str = METHOD


def attribute(dose_condition: ArrayLike, days_after: int = DAYS_AFTER) -> NDArray[np.float64]:
    """Per day: the value of the latest envelope's day if within ``days_after``, else NaN.

    ``dose_condition`` per consecutive day: 1 active dose day, 0 placebo, NaN no envelope
    (or, for blocks, the envelope's block label).

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


def after_dose_effect(
    values: ArrayLike, dose_condition: ArrayLike, dose_block: ArrayLike
) -> AfterDoseEffect | None:
    """The within-block comparison of the days after active and placebo envelopes.

    ``values`` are the ratings on consecutive days (NaN missing); per day,
    ``dose_condition`` is 1 (active envelope), 0 (placebo) or NaN (no envelope) and
    ``dose_block`` the envelope's block (NaN without one). None with fewer than
    :data:`MIN_BLOCKS` complete blocks, or one value throughout.

    Examples
    --------
    >>> dose = [1, None, None, 0, None, None, 0, None, None, 1, None, None]
    >>> block = [0, None, None, 0, None, None, 1, None, None, 1, None, None]
    >>> y = [0, 6, 4, 0, 3, 3, 0, 2, 2, 0, 5, 5]
    >>> after = after_dose_effect(y, np.array(dose, float), np.array(block, float))
    >>> after.effect.estimate
    2.5
    """
    y = np.asarray(values, dtype=float)
    after = attribute(dose_condition)
    block = attribute(dose_block)
    days = ~np.isnan(y) & ~np.isnan(after)
    if not days.any() or np.ptp(y[days]) == 0:
        return None
    diffs, kept = block_differences(y[days], after[days] == 1, block[days].astype(np.int64))
    if diffs.size < MIN_BLOCKS:
        return None
    counted = days & np.isin(block, kept)
    n_on, n_off = int(np.sum(counted & (after == 1))), int(np.sum(counted & (after == 0)))
    return AfterDoseEffect(paired_effect(diffs), n_on, n_off)
