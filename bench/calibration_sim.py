"""Shared pieces of the calibration benchmark (``bench_calibration.py`` and
``calibration_studies.py``): the personal-trial designs and their AR(1) simulator.

A personal trial has AR(1) daily noise (ρ = 0.5, innovations SD 1, continuous). The
capsule adds ``effect`` to the dose day's rating and ``effect / 2`` to each of the two days
after. Guesses follow the felt effect: "active" when the day's rating plus N(0, 1) noise
is above 5 + effect/2, "unsure" on 10% of days; the guess does nothing to the ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microdose.analysis.after_dose import attribute

Array = NDArray[np.float64]
RHO = 0.5
UNSURE = 0.1


@dataclass(frozen=True)
class Design:
    name: str
    blocks: int

    def dose_days(self) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
        """Dose days, each dose day's block, and the number of days."""
        if self.name == "pairs":
            days = np.arange(2 * self.blocks) * 3
            return days, np.repeat(np.arange(self.blocks), 2), int(days[-1] + 3)
        weeks = np.arange(2 * self.blocks)
        days = (weeks[:, None] * 7 + np.array([0, 3])[None, :]).ravel()
        return days, np.repeat(np.arange(self.blocks), 4), int(days[-1] + 4)


@dataclass(frozen=True)
class Units:
    """One simulated trial: the dose days' values, arms, blocks and guesses, and the
    daily series with each day's envelope (for the days-after comparison)."""

    values: Array
    active: NDArray[np.bool_]
    block: NDArray[np.int64]
    guess: Array
    series: Array
    condition: Array
    day_block: Array


def _allocation(design: Design, size: int, rng: np.random.Generator) -> NDArray[np.bool_]:
    first = rng.random(design.blocks) < 0.5
    if design.name == "pairs":
        active = np.empty(size, bool)
        active[0::2], active[1::2] = first, ~first
        return active
    return np.repeat(np.column_stack([first, ~first]).ravel(), 2)


def ar1(length: int, rng: np.random.Generator, rho: float = RHO) -> Array:
    """AR(1) noise with innovations SD 1, started at its first innovation."""
    noise = np.zeros(length)
    shocks = rng.normal(0, 1, length)
    for t in range(length):
        noise[t] = (rho * noise[t - 1] if t else 0.0) + shocks[t]
    return noise


def simulate_units(design: Design, effect: float, rng: np.random.Generator) -> Units:
    """One personal trial of ``design`` whose capsule adds ``effect`` (see the module)."""
    days, block, length = design.dose_days()
    active = _allocation(design, days.size, rng)
    condition = np.full(length, np.nan)
    condition[days] = active.astype(float)
    day_block = np.full(length, np.nan)
    day_block[days] = block
    after = attribute(condition)
    series = (
        5 + ar1(length, rng) + effect * np.nan_to_num(condition)
        + effect / 2 * np.nan_to_num(after)
    )  # fmt: skip
    values = series[days]
    felt = values + rng.normal(0, 1, values.size) > 5 + effect / 2
    guess = np.where(rng.random(values.size) < UNSURE, np.nan, felt.astype(float))
    return Units(values, active, block, guess, series, condition, day_block)


def covers(ci: tuple[float, float], truth: float) -> bool:
    """Whether the interval holds the truth (ends included)."""
    return bool(ci[0] <= truth <= ci[1])


def pct(count: float, reps: int) -> str:
    """``95.2%`` of ``reps``."""
    return f"{100.0 * count / max(reps, 1):.1f}%"
