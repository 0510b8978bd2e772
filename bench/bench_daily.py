"""Benchmark: the daily analysis over many synthetic people, batched vs a statsmodels loop.

Every person has ``--days`` days of a Fadiman protocol (some doses missed, some check-ins
missing) and six daily ratings with AR(1) noise. The daily analysis (models A and B of
``microdose.analysis.daily`` on all six ratings) runs once over everybody with
:func:`fit_daily_many`, and once as a plain loop — one person and rating at a time, gating
in Python, statsmodels ``GLSAR(...).iterative_fit(maxiter=2)`` for each model — over a
random sample of people (the full loop over 10,000 people would take minutes). Both are
timed in the same run; the loop's people per second come from its sample. The estimates
and interval ends of the sample must be identical (to 1e-9) or the script exits with 1.

Run: ``.venv/bin/python bench/bench_daily.py [--people 10000] [--days 90] [--loop-sample 300]``
Prints figures only: no timed assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
from numpy.typing import NDArray

from microdose.analysis.daily import (
    CONFIDENCE,
    MIN_CATEGORY_DAYS,
    MIN_DAYS,
    MIN_STRETCHES,
    fit_daily_many,
)
from microdose.domain.checkins import RATINGS


def synthetic(people: int, days: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Ratings (people x ratings, days) with NaN gaps, and dose flags (people x ratings, days)."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    dose = (t % 3 == 0)[None, :] & (rng.random((people, days)) > rng.uniform(0.0, 0.2, (people, 1)))
    k = len(RATINGS)
    rho = rng.uniform(0.2, 0.7, (people, k, 1))
    effect = rng.normal(0.4, 0.3, (people, k, 1))
    noise = rng.normal(size=(people, k, days))
    for i in range(1, days):
        noise[:, :, i] += rho[:, :, 0] * noise[:, :, i - 1]
    values = np.clip(np.round(5 + effect * dose[:, None, :] + 0.01 * t + noise), 0, 10)
    values[np.broadcast_to(rng.random((people, 1, days)) < 0.1, values.shape)] = np.nan
    return values.reshape(people * k, days), np.repeat(dose, k, axis=0)


def _enough(days: NDArray[np.bool_]) -> bool:
    starts = days & ~np.concatenate([[False], days[:-1]])
    return bool(days.sum() >= MIN_CATEGORY_DAYS and starts.sum() >= MIN_STRETCHES)


def _glsar(y: NDArray[np.float64], columns: list[NDArray[np.float64]]) -> tuple[float, ...]:
    from statsmodels.regression.linear_model import GLSAR

    fit = GLSAR(y, np.column_stack(columns), rho=1).iterative_fit(maxiter=2)
    low, high = fit.conf_int(alpha=1 - CONFIDENCE).T
    return tuple(fit.params) + tuple(low) + tuple(high)


def loop_one(values: NDArray[np.float64], dose: NDArray[np.bool_]) -> NDArray[np.float64]:
    """One series the plain way: (estimate, low, high) x 4 effects, NaN where not estimable."""
    out = np.full((4, 3), np.nan)
    seen = ~np.isnan(values)
    d = dose
    a1 = np.concatenate([[False], d[:-1]]) & ~d
    a2 = np.concatenate([[False, False], d[:-2]]) & ~d & ~np.concatenate([[False], d[:-1]])
    off = ~(d | a1 | a2)
    if not (seen.sum() >= MIN_DAYS and _enough(d & seen) and _enough(~d & seen)):
        return out
    y, t = values[seen], np.arange(len(values))[seen] / 7.0
    one = np.ones(len(y))
    a = _glsar(y, [one, d[seen].astype(float), t])
    out[0], out[3] = (a[1], a[4], a[7]), (a[2], a[5], a[8])
    full = _enough(off & seen) and _enough(a2 & seen)
    reference = off if full else off | a2
    if _enough(a1 & seen) and _enough(reference & seen):
        cols = [one, d[seen].astype(float), a1[seen].astype(float)]
        cols += [a2[seen].astype(float)] if full else []
        b = _glsar(y, [*cols, t])
        k = len(cols) + 1
        out[1] = (b[2], b[2 + k], b[2 + 2 * k])
        if full:
            out[2] = (b[3], b[3 + k], b[3 + 2 * k])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--loop-sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    k = len(RATINGS)
    values, dose = synthetic(args.people, args.days, args.seed)

    start = time.perf_counter()
    fit = fit_daily_many(values, dose)
    batched = time.perf_counter() - start

    rng = np.random.default_rng(args.seed + 1)
    sample = np.sort(
        rng.choice(args.people, size=min(args.loop_sample, args.people), replace=False)
    )
    rows = (sample[:, None] * k + np.arange(k)).ravel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        looped = np.stack([loop_one(values[r], dose[r]) for r in rows])
        loop_time = time.perf_counter() - start

    ours = np.stack([fit.estimate[rows], fit.lower[rows], fit.upper[rows]], axis=2)
    same_gates = np.array_equal(np.isnan(ours), np.isnan(looped))
    difference = float(np.nanmax(np.abs(ours - looped))) if same_gates else float("inf")
    batched_rate = args.people / batched
    loop_rate = len(sample) / loop_time
    print(f"daily analysis, {len(RATINGS)} ratings x 2 models per person, {args.days} days")
    print(f"batched : {args.people:>6} people in {batched:7.2f} s = {batched_rate:9.0f} people/s")
    print(f"loop    : {len(sample):>6} people in {loop_time:7.2f} s = {loop_rate:9.1f} people/s")
    print(f"ratio   : {batched_rate / loop_rate:.0f}x faster (aim: >= 20x)")
    shares = ", ".join(
        f"{name} {share:.0%}"
        for name, share in zip(("dose day", "day after", "two days after", "trend"),
                               np.mean(fit.ok, axis=0), strict=True)
    )  # fmt: skip
    print(f"estimable: {shares} of all series")
    print(f"identical: max |difference| {difference:.2e} over {rows.size} sampled series")
    if not difference < 1e-9:
        print("ERROR: batched and statsmodels estimates differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
