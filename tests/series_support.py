"""A simulated series of self-blinded N-of-1 trials as a long-format CSV.

Each person runs ``pairs`` blocks of two dose days (one active, one placebo, in random
order); their own true effect on mood varies around ``effect`` (SD 0.5); ratings have
noise SD 1 around a personal level; each guess follows how the day felt (above the
person's level → "active"), a fifth of them unsure. Energy has no effect at all.

Run ``python -m tests.series_support FILE [PEOPLE] [SEED]`` to write one.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

COLUMNS = ("person", "day", "pair", "capsule", "guess", "measure", "rating")


def series_rows(
    people: int = 6, pairs: int = 8, effect: float = 1.0, seed: int = 7
) -> list[dict[str, str]]:
    """The rows of a simulated series (deterministic under ``seed``)."""
    rng = np.random.default_rng(seed)
    rows = []
    for person in range(1, people + 1):
        own = effect + rng.normal(0, 0.5)
        level = rng.uniform(4, 6)
        order = [rng.permutation([1, 0]) for _ in range(pairs)]
        for day, active in enumerate(np.concatenate(order), start=1):
            mood = level + own * active + rng.normal(0, 1)
            energy = level + rng.normal(0, 1)
            felt = "MD" if mood > level + own / 2 else "PL"
            guess = "unsure" if rng.random() < 0.2 else felt
            for measure, value in (("mood", mood), ("energy", energy)):
                rows.append({
                    "person": f"p{person}", "day": str(day), "pair": str((day + 1) // 2),
                    "capsule": "MD" if active else "PL", "guess": guess, "measure": measure,
                    "rating": f"{value:.3f}",
                })  # fmt: skip
    return rows


def write_series(path: Path, people: int = 6, pairs: int = 8, seed: int = 7) -> Path:
    """Write a simulated series to ``path``."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(series_rows(people, pairs, seed=seed))
    return path


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[2:4]]
    write_series(Path(sys.argv[1]), people=(numbers or [6])[0],
                 seed=numbers[1] if len(numbers) > 1 else 7)  # fmt: skip
