"""One outcome of one self-blinded N-of-1 trial, analysed as its design was randomised.

The one code path for a personal trial (``trial report``) and for each person of an
N-of-1 series: the design-matched effect and randomisation test
(:mod:`microdose.analysis.paired`), the verdict, the posterior with its prior named
(:mod:`microdose.analysis.trial`), the secondary days-after comparison
(:mod:`microdose.analysis.after_dose`) and the guess, described.

**The verdict** is decided from the randomised comparison only, and always agrees with
its primary interval, the randomisation 95% interval:

- ``too_little_data`` — fewer than two blocks with both conditions, or so few blocks that
  no randomisation p-value can reach 5% (the interval is unbounded);
- ``benefit`` — p ≤ 0.05 and the interval lies wholly on the benefit side of 0 (above 0
  when higher is better, below 0 when lower is better);
- ``harm`` — p ≤ 0.05 and the interval lies wholly on the other side;
- ``no_reliable_difference`` — otherwise (the interval includes 0, or p > 0.05; a p above
  0.05 means 0 was not rejected, so the interval, the hull of the shifts not rejected,
  holds 0).

The guess-adjusted model, the strata and the blinding index never change the verdict:
the guess is recorded after the capsule and can follow what was felt.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from microdose.analysis.after_dose import AfterDoseEffect, after_dose_effect
from microdose.analysis.paired import (
    ALPHA,
    PairedEffect,
    SignFlipTest,
    block_differences,
    paired_effect,
    sign_flip_test,
)
from microdose.analysis.study import Coefficient, Stratum
from microdose.analysis.trial import Posterior, guess_model, posterior_benefit
from microdose.domain.errors import InvalidInput

__all__ = ["PRIMARY_INTERVAL", "VERDICTS", "OutcomeResult", "analyse_outcome", "verdict"]

VERDICTS = ("benefit", "harm", "no_reliable_difference", "too_little_data")
#: Which interval decides the verdict.
PRIMARY_INTERVAL = "randomisation"


@dataclass(frozen=True)
class OutcomeResult:
    """Active vs placebo on one outcome of one trial."""

    name: str
    kind: str
    n_active: int
    n_placebo: int
    mid: float
    higher_is_better: bool
    verdict: str = "too_little_data"
    effect: PairedEffect | None = None
    randomisation: SignFlipTest | None = None
    posterior: Posterior | None = None
    after_dose: AfterDoseEffect | None = None
    with_guess: dict[str, Coefficient] | None = None
    strata: dict[str, Stratum] | None = None
    note: str | None = None


def verdict(test: SignFlipTest | None, *, higher_is_better: bool) -> str:
    """The verdict from the randomisation test and its interval (see the module).

    Examples
    --------
    >>> from microdose.analysis.paired import sign_flip_test
    >>> verdict(sign_flip_test([1.0, 2.0, 1.5, 0.5, 3.0, 1.0]), higher_is_better=True)
    'benefit'
    >>> verdict(sign_flip_test([1.0, 2.0, 1.5, 0.5, 3.0, 1.0]), higher_is_better=False)
    'harm'
    >>> verdict(sign_flip_test([1.0, 2.0, 1.5, 0.5]), higher_is_better=True)
    'too_little_data'
    """
    if test is None or not test.bounded:
        return "too_little_data"
    low, high = test.ci95
    if test.p > ALPHA or low <= 0 <= high:
        return "no_reliable_difference"
    above = low > 0
    return "benefit" if above == higher_is_better else "harm"


def analyse_outcome(
    name: str,
    kind: str,
    values: ArrayLike,
    active: ArrayLike,
    block: ArrayLike,
    guess: ArrayLike,
    *,
    mid: float,
    higher_is_better: bool,
    prior: str = "sceptical",
    daily: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
) -> OutcomeResult:
    """Everything the report shows about one outcome.

    Parameters
    ----------
    values, active, block, guess : arrays over the trial's units (dose days or weekly
        scores); ``guess`` 1 = active, 0 = placebo, NaN = unsure or none.
    daily : (ratings, dose condition, dose block), optional
        The rating on consecutive days, each day's envelope (1 active, 0 placebo, NaN
        none) and its block (NaN none), for the secondary days-after comparison.
    """
    v, a = np.asarray(values, dtype=float), np.asarray(active, dtype=bool)
    base = OutcomeResult(name, kind, int(a.sum()), int((~a).sum()), mid, higher_is_better)
    diffs, _labels = block_differences(v, a, block)
    effect = _effect(v, diffs)
    if isinstance(effect, str):
        return replace(base, note=effect)
    fitted, cells, reason = guess_model(v, a, np.asarray(guess, dtype=float))
    test = sign_flip_test(diffs)
    changes: dict[str, Any] = dict(
        verdict=verdict(test, higher_is_better=higher_is_better),
        effect=effect,
        randomisation=test,
        posterior=_posterior(effect, mid, higher_is_better, prior),
        with_guess=fitted,
        strata=cells,
        note=_note(effect, test, reason),
    )
    if daily is not None:
        changes["after_dose"] = after_dose_effect(*daily)
    return replace(base, **changes)


def _effect(values: NDArray[np.float64], diffs: NDArray[np.float64]) -> PairedEffect | str:
    """The paired effect, or why there is none."""
    if values.size and np.nanmax(values) == np.nanmin(values):
        return "every value is the same on active and placebo days: nothing to estimate"
    try:
        return paired_effect(diffs)
    except InvalidInput:
        return (
            f"too little data: {diffs.size} block(s) with both an active and a placebo value; "
            "at least 2 are needed"
        )


def _posterior(effect: PairedEffect, mid: float, higher: bool, prior: str) -> Posterior:
    """The posterior of the design-matched effect, its paired t as the likelihood."""
    return posterior_benefit(
        effect.estimate, effect.se, mid, higher_is_better=higher, prior=prior, df=effect.df
    )


def _note(effect: PairedEffect, test: SignFlipTest, reason: str | None) -> str | None:
    notes = []
    if not test.bounded:
        notes.append(
            f"with {test.blocks} blocks no randomisation p-value below {test.smallest_p:.3g} "
            "is possible, so nothing can be shown at the 5% level"
        )
    if effect.se == 0:
        notes.append("every block gave the same difference")
    if reason:
        notes.append(f"guess model not estimable: {reason}")
    return "; ".join(notes) or None
