"""Calibration: coverage of the trial's 95% intervals, type-I error of its tests, and how
often any output credits the guess — by simulation, on the code that makes the reports.

Personal trials (``microdose.analysis.n_of_1.analyse_outcome``, the one code path of
``trial report``), each with AR(1) daily noise (ρ = 0.5, innovations SD 1, continuous):

- ``pairs``: Fadiman dose days (every third day), consecutive dose days paired, the order
  within each pair random; ``weeks``: two dose days a week (days 0 and 3), weeks paired,
  which week of a pair is active random.
- The capsule adds ``effect`` to the dose day's rating and ``effect / 2`` to each of the
  two days after (the secondary comparison's truth).
- Guesses follow the felt effect: "active" when the day's rating plus N(0, 1) noise is
  above 5 + effect/2, "unsure" on 10% of days. The guess does nothing to the ratings.

Blinded study data (``analysis.study.analyze_study``, one timepoint, 120 participants):
value = 50 + 5·active + N(0, 15), guess "active" when value + N(0, 10) > 55.

Bang's index: exact coverage of its 95% score interval, by enumerating every
(correct, incorrect, unsure) outcome of n answers over a grid of true proportions.

Targets: coverage 93–97%, type-I error ≤ 5.5%, credited 0%.

Run: ``.venv/bin/python bench/bench_calibration.py [--reps 2000] [--seed 1]``
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from microdose.analysis.after_dose import attribute
from microdose.analysis.blinding_index import bang_index, bang_index_from_guesses
from microdose.analysis.n_of_1 import OutcomeResult, analyse_outcome
from microdose.analysis.study import StudyData, analyze_study
from microdose.reports import trial_words as words

Array = NDArray[np.float64]
RHO = 0.5


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


def one_trial(design: Design, effect: float, rng: np.random.Generator) -> tuple[OutcomeResult, str]:
    """Simulate one trial; its result and every sentence the report would print about it."""
    days, block, length = design.dose_days()
    first = rng.random(design.blocks) < 0.5
    if design.name == "pairs":
        active = np.empty(days.size, bool)
        active[0::2], active[1::2] = first, ~first
    else:
        week_active = np.repeat(np.column_stack([first, ~first]).ravel(), 2)
        active = week_active
    noise = np.zeros(length)
    shocks = rng.normal(0, 1, length)
    for t in range(length):
        noise[t] = (RHO * noise[t - 1] if t else 0.0) + shocks[t]
    condition = np.full(length, np.nan)
    condition[days] = active.astype(float)
    after = attribute(condition)
    series = 5 + noise + effect * np.nan_to_num(condition) + effect / 2 * np.nan_to_num(after)
    values = series[days]
    felt = values + rng.normal(0, 1, values.size) > 5 + effect / 2
    guess = np.where(rng.random(values.size) < 0.1, np.nan, felt.astype(float))
    result = analyse_outcome(
        "mood", "daily", values, active, block, guess, mid=1.0, higher_is_better=True,
        daily=(series, condition),
    )  # fmt: skip
    text = " ".join(
        line or ""
        for line in (
            words.outcome_sentence(result, primary=True),
            words.after_dose_sentence(result),
            words.guess_sentence(result.name, result.with_guess),
            words.strata_words(result.strata) if result.strata else "",
            words.blinding_sentence(bang_index_from_guesses(active, guess)),
            words.PRIMARY_WHY,
            words.GUESS_CAVEAT,
        )
    )
    return result, text


def _covers(ci: tuple[float, float], truth: float) -> bool:
    return bool(ci[0] <= truth <= ci[1])


def personal_row(design: Design, effect: float, reps: int, rng: np.random.Generator) -> dict:
    t_cover = r_cover = t_reject = r_reject = credited = false_verdict = 0
    after_cover = after_reject = after_n = bounded = 0
    for _ in range(reps):
        o, text = one_trial(design, effect, rng)
        assert o.effect is not None and o.randomisation is not None
        t_cover += _covers(o.effect.ci95, effect)
        r_cover += _covers(o.randomisation.ci95, effect)
        bounded += o.randomisation.bounded
        t_reject += o.effect.p <= 0.05
        r_reject += o.randomisation.p <= 0.05
        false_verdict += o.verdict in ("benefit", "harm") if effect == 0 else o.verdict == "harm"
        if o.after_dose is not None:
            after_n += 1
            after_cover += _covers(o.after_dose.ci95, effect / 2)
            after_reject += not _covers(o.after_dose.ci95, 0.0)
        credited += bool(words.credits_the_guess(text))
    share = 100.0 / reps
    return {
        "design": design.name, "blocks": design.blocks, "effect": effect, "reps": reps,
        "t_cover": t_cover * share, "r_cover": r_cover * share, "bounded": bounded * share,
        "t_reject": t_reject * share, "r_reject": r_reject * share,
        "verdict": false_verdict * share,
        "after_cover": 100.0 * after_cover / max(after_n, 1),
        "after_reject": 100.0 * after_reject / max(after_n, 1), "credited": credited * share,
    }  # fmt: skip


def study_credited(reps: int, rng: np.random.Generator) -> tuple[float, float]:
    """Share of study conclusions crediting the guess, and the effect's CI coverage."""
    credited = covered = 0
    n = 120
    for _ in range(reps):
        active = rng.permutation(np.repeat([True, False], n // 2))
        value = 50 + 5 * active + rng.normal(0, 15, n)
        guess = (value + rng.normal(0, 10, n) > 55).astype(float)
        data = StudyData(
            np.arange(n).astype(str), np.full(n, "t1"), value, active, guess
        )  # fmt: skip
        result = analyze_study(data)
        credited += bool(words.credits_the_guess(words.study_conclusion(result)))
        covered += _covers(result.effect.ci95, 5.0)
    return 100.0 * credited / reps, 100.0 * covered / reps


def bang_coverage(n: int) -> tuple[float, float]:
    """Exact coverage (min, mean over a grid of true proportions) of Bang's 95% interval."""
    found = []
    for p_c in np.arange(0.05, 1.0, 0.1):
        for p_i in np.arange(0.05, 1.0 - p_c, 0.1):
            truth, total = p_c - p_i, 0.0
            for c in range(n + 1):
                for i in range(n + 1 - c):
                    low, high = bang_index(c, i, n - c - i).ci95
                    if low - 1e-12 <= truth <= high + 1e-12:
                        probs = [p_c, p_i, 1 - p_c - p_i]
                        total += stats.multinomial.pmf([c, i, n - c - i], n, probs)
            found.append(total)
    return 100 * min(found), 100 * float(np.mean(found))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    print(f"personal trials: {args.reps} simulated trials per row, AR(1) rho {RHO}")
    print(
        "| design | blocks | effect | t CI cover | rand. CI cover (bounded) | rand. p ≤ 0.05 | "
        "t p ≤ 0.05 | wrong verdict | after-dose CI cover | after-dose excl. 0 | credited |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    designs = (Design("pairs", 6), Design("pairs", 8), Design("pairs", 12), Design("weeks", 6))
    for design in designs:
        for effect in (0.0, 1.0):
            r = personal_row(design, effect, args.reps, rng)
            print(
                f"| {r['design']} | {r['blocks']} | {r['effect']:g} | {r['t_cover']:.1f}% | "
                f"{r['r_cover']:.1f}% ({r['bounded']:.0f}%) | {r['r_reject']:.1f}% | "
                f"{r['t_reject']:.1f}% | {r['verdict']:.1f}% | {r['after_cover']:.1f}% | "
                f"{r['after_reject']:.1f}% | {r['credited']:.1f}% |",
                flush=True,
            )
    credited, covered = study_credited(max(200, args.reps // 4), rng)
    print(f"\nstudy data (OLS, 120 participants): effect CI coverage {covered:.1f}%, "
          f"conclusions crediting the guess {credited:.1f}%")
    for n in (6, 12, 30):
        low, mean = bang_coverage(n)
        print(f"Bang index score interval, {n} answers: exact coverage min {low:.1f}%, "
              f"mean {mean:.1f}% over the grid of true proportions")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
