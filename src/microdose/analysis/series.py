"""A series of self-blinded N-of-1 trials: each person's trial, then the people pooled.

Each person's trial is analysed by :func:`microdose.analysis.n_of_1.analyse_outcome`, the
one code path of the personal ``trial report`` (design-matched effect, randomisation test
and interval, verdict, posterior, the guess described). The people's design-matched
effects are then pooled by a random-effects meta-analysis with the modified
Hartung–Knapp–Sidik–Jonkman interval (SE at least the Wald SE) and a 95% prediction interval
(:func:`microdose.analysis.meta.random_effects`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microdose.analysis.meta import MetaResult, random_effects
from microdose.analysis.n_of_1 import OutcomeResult, analyse_outcome
from microdose.domain.errors import InvalidInput

__all__ = ["PersonTrial", "SeriesResult", "analyse_series"]


@dataclass(frozen=True)
class PersonTrial:
    """One person's units (dose days) of one outcome, in the order of their days."""

    values: NDArray[np.float64]
    active: NDArray[np.bool_]
    block: NDArray[np.int64]
    guess: NDArray[np.float64]


@dataclass(frozen=True)
class SeriesResult:
    """Every person's trial on one outcome, and the random-effects pool of their effects."""

    outcome: str
    people: dict[str, OutcomeResult]
    pooled: MetaResult | None
    pooled_people: tuple[str, ...]
    note: str | None = None


def analyse_series(
    outcome: str,
    trials: dict[str, PersonTrial],
    *,
    mid: float,
    higher_is_better: bool,
    prior: str = "sceptical",
    method: str = "REML",
) -> SeriesResult:
    """Each person's trial as the personal report analyses it, and the pooled effect.

    People whose effect has no positive SE (fewer than two blocks, or every block the same
    difference) are analysed but left out of the pool.
    """
    people = {
        who: analyse_outcome(
            outcome, "series", t.values, t.active, t.block, t.guess,
            mid=mid, higher_is_better=higher_is_better, prior=prior,
        )
        for who, t in trials.items()
    }  # fmt: skip
    effects = {
        w: (o.effect.estimate, o.effect.se**2)
        for w, o in people.items()
        if o.effect is not None and o.effect.se > 0
    }
    usable = tuple(effects)
    if len(usable) < 2:
        return SeriesResult(
            outcome, people, None, usable,
            f"{len(usable)} people with an estimable effect: at least 2 are needed to pool",
        )  # fmt: skip
    y, v = zip(*effects.values(), strict=True)
    try:
        pooled = random_effects(y, v, method=method)
    except InvalidInput as exc:
        return SeriesResult(outcome, people, None, usable, exc.message)
    left_out = len(people) - len(usable)
    note = f"{left_out} people without an estimable effect left out of the pool"
    return SeriesResult(outcome, people, pooled, usable, note if left_out else None)
