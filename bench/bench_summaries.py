"""Calibration of the calendar's weekly and monthly mood intervals (analysis/summaries.py).

Simulates half a year of daily mood as AR(1) around a true mean (φ from 0 to 0.7, 10% of
days missing at random) and takes its last week or month, as the calendar does. Prints how
often the 95% interval covers the true mean: the plain t-interval (days independent), the
AR(1) interval with φ estimated from the period alone, and with φ from the half year (what
the calendar shows). Then the daily-factor association (analysis/factors.py): its type-I
error when the factor (a habit that tends to repeat) has no effect on mood, and the
coverage of its interval when it adds one point.

``python bench/bench_summaries.py [REPLICATES]`` (default 4000 per row).
"""

from __future__ import annotations

import sys

import numpy as np
from scipy import stats

from microdose.analysis.factors import association
from microdose.analysis.summaries import lag1_bias_corrected, mean_summary

TRUE_MEAN, SD = 5.0, 1.6
RECORD = 180  # days of record before the period's end


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """``n`` days of AR(1) noise with marginal SD ``SD``, started at stationarity."""
    noise = rng.normal(0, SD * np.sqrt(1 - phi**2), n)
    series = np.empty(n)
    series[0] = rng.normal(0, SD)
    for t in range(1, n):
        series[t] = phi * series[t - 1] + noise[t]
    return TRUE_MEAN + series


def _covers(ci: tuple[float, float] | None) -> bool:
    return ci is not None and ci[0] <= TRUE_MEAN <= ci[1]


def coverage(n: int, phi: float, replicates: int,
             rng: np.random.Generator) -> tuple[float, float, float]:
    """Share of replicates whose plain, period-φ and record-φ intervals cover the mean."""
    plain = alone = record = 0
    for _ in range(replicates):
        days = ar1(rng, RECORD, phi)
        year = [None if rng.random() < 0.1 else float(v) for v in days]
        values = year[-n:]
        present = np.array([v for v in values if v is not None])
        plain += _covers(stats.t.interval(0.95, len(present) - 1, loc=present.mean(),
                                          scale=stats.sem(present)))
        alone += _covers(mean_summary(values).ci95)
        record += _covers(mean_summary(values, phi=lag1_bias_corrected(year)).ci95)
    return plain / replicates, alone / replicates, record / replicates


def habit(rng: np.random.Generator, n: int, stay: float) -> np.ndarray:
    """A yes/no factor that tends to repeat (a habit): stays as it was with ``stay``."""
    days = np.empty(n)
    days[0] = rng.random() < 0.5
    for t in range(1, n):
        days[t] = days[t - 1] if rng.random() < stay else 1 - days[t - 1]
    return days


def factor_error(n: int, phi: float, stay: float, replicates: int,
                 rng: np.random.Generator) -> tuple[float, float]:
    """Type-I error at 5% of the daily-factor difference (no real effect), and coverage of
    its interval with a real one (+1 point)."""
    false = covered = fitted = 0
    for _ in range(replicates):
        factor = habit(rng, n, stay)
        noise = ar1(rng, n, phi) - TRUE_MEAN
        null = association("f", list(TRUE_MEAN + noise), list(factor))
        real = association("f", list(TRUE_MEAN + noise + factor), list(factor))
        if null.ci95 is None or real.ci95 is None:
            continue
        fitted += 1
        false += not null.ci95[0] <= 0 <= null.ci95[1]
        covered += real.ci95[0] <= 1 <= real.ci95[1]
    return false / fitted, covered / fitted


def main(replicates: int) -> None:
    rng = np.random.default_rng(20261207)
    print(f"coverage of 95% intervals for a period's mean mood ({replicates} replicates each)")
    print(f"{'days':>5} {'phi':>5} {'plain t':>9} {'φ period':>9} {'φ record':>9}")
    for n in (7, 30):
        for phi in (0.0, 0.3, 0.5, 0.7):
            plain, alone, record = coverage(n, phi, replicates, rng)
            print(f"{n:>5} {phi:>5.1f} {plain:>9.3f} {alone:>9.3f} {record:>9.3f}")
    print("\ndaily factors: type-I error at 5% (no effect) and coverage of the 95% interval")
    print(f"{'days':>5} {'phi':>5} {'habit':>6} {'type-I':>8} {'coverage':>9}")
    for n in (30, 90):
        for phi, stay in ((0.0, 0.5), (0.5, 0.5), (0.5, 0.8)):
            false, covered = factor_error(n, phi, stay, replicates // 2, rng)
            print(f"{n:>5} {phi:>5.1f} {stay:>6.1f} {false:>8.3f} {covered:>9.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000)
