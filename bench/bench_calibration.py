"""Calibration: coverage of the trial's 95% intervals, type-I error of its tests, and how
often any output credits the guess — by simulation, on the code that makes the reports.

Personal trials (``microdose.analysis.n_of_1.analyse_outcome``, the one code path of
``trial report``), simulated by ``calibration_sim`` (AR(1) daily noise, ρ = 0.5):

- ``pairs``: Fadiman dose days (every third day), consecutive dose days paired, the order
  within each pair random; ``weeks``: two dose days a week (days 0 and 3), weeks paired,
  which week of a pair is active random.
- The capsule adds ``effect`` to the dose day's rating and ``effect / 2`` to each of the
  two days after (the secondary comparison's truth).
- Guesses follow the felt effect; the guess does nothing to the ratings.

Bang's index: exact coverage of its 95% score interval, by enumerating every
(correct, incorrect, unsure) outcome of n answers over a grid of true proportions.

Blinded study data (one timepoint, three timepoints, the guess driving the outcome, the
ANCOVA with a further arm and a covariate, the correct guess rate curve at 0.5):
``calibration_studies``; a series of N-of-1 trials pooled by random effects (modified HKSJ and
the prediction interval): ``calibration_series``.

Targets: coverage 93–97%, type-I error ≤ 5.5%, credited 0%.

Run: ``.venv/bin/python bench/bench_calibration.py [--reps 2000] [--study-reps 1000]
[--series-reps 400] [--seed 1] [--only personal|studies|series]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from calibration_series import series_table
from calibration_sim import RHO, Design, covers, simulate_units
from calibration_studies import ancova_table, study_table
from scipy import stats

from microdose.analysis.blinding_index import bang_index, bang_index_from_guesses
from microdose.analysis.n_of_1 import OutcomeResult, analyse_outcome
from microdose.reports import trial_words as words


def one_trial(design: Design, effect: float, rng: np.random.Generator) -> tuple[OutcomeResult, str]:
    """Simulate one trial; its result and every sentence the report would print about it."""
    u = simulate_units(design, effect, rng)
    result = analyse_outcome(
        "mood", "daily", u.values, u.active, u.block, u.guess, mid=1.0, higher_is_better=True,
        daily=(u.series, u.condition, u.day_block),
    )  # fmt: skip
    text = " ".join(
        line or ""
        for line in (
            words.outcome_sentence(result, primary=True),
            words.after_dose_sentence(result),
            words.guess_sentence(result.name, result.with_guess),
            words.strata_words(result.strata) if result.strata else "",
            words.blinding_sentence(bang_index_from_guesses(u.active, u.guess)),
            words.PRIMARY_WHY,
            words.GUESS_CAVEAT,
        )
    )
    return result, text


def personal_row(design: Design, effect: float, reps: int, rng: np.random.Generator) -> dict:
    t_cover = r_cover = t_reject = r_reject = credited = false_verdict = 0
    after_cover = after_reject = after_n = bounded = 0
    for _ in range(reps):
        o, text = one_trial(design, effect, rng)
        assert o.effect is not None and o.randomisation is not None
        t_cover += covers(o.effect.ci95, effect)
        r_cover += covers(o.randomisation.ci95, effect)
        bounded += o.randomisation.bounded
        t_reject += o.effect.p <= 0.05
        r_reject += o.randomisation.p <= 0.05
        false_verdict += o.verdict in ("benefit", "harm") if effect == 0 else o.verdict == "harm"
        if o.after_dose is not None:
            after_n += 1
            after_cover += covers(o.after_dose.effect.ci95, effect / 2)
            after_reject += not covers(o.after_dose.effect.ci95, 0.0)
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


def personal_table(reps: int, rng: np.random.Generator) -> None:
    print(f"personal trials: {reps} simulated trials per row, AR(1) rho {RHO}")
    print(
        "| design | blocks | effect | t CI cover | rand. CI cover (bounded) | rand. p ≤ 0.05 | "
        "t p ≤ 0.05 | wrong verdict | after-dose CI cover | after-dose excl. 0 | credited |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    designs = (Design("pairs", 6), Design("pairs", 8), Design("pairs", 12), Design("weeks", 6))
    for design in designs:
        for effect in (0.0, 1.0):
            r = personal_row(design, effect, reps, rng)
            print(
                f"| {r['design']} | {r['blocks']} | {r['effect']:g} | {r['t_cover']:.1f}% | "
                f"{r['r_cover']:.1f}% ({r['bounded']:.0f}%) | {r['r_reject']:.1f}% | "
                f"{r['t_reject']:.1f}% | {r['verdict']:.1f}% | {r['after_cover']:.1f}% | "
                f"{r['after_reject']:.1f}% | {r['credited']:.1f}% |",
                flush=True,
            )
    for n in (6, 12, 30):
        low, mean = bang_coverage(n)
        print(f"Bang index score interval, {n} answers: exact coverage min {low:.1f}%, "
              f"mean {mean:.1f}% over the grid of true proportions")


def studies_tables(study_reps: int, series_reps: int, rng: np.random.Generator) -> None:
    print(f"blinded study data: {study_reps} simulated studies per row")
    study_table(study_reps, rng)
    print(f"\nANCOVA, three arms, baseline and covariate: {study_reps} studies per δ")
    ancova_table(study_reps, rng)
    print()
    series_section(series_reps, rng)


def series_section(series_reps: int, rng: np.random.Generator) -> None:
    print(f"N-of-1 series pooled (8 pairs each): {series_reps} series per row")
    series_table(series_reps, rng)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000, help="personal trials per row")
    parser.add_argument("--study-reps", type=int, default=1000, help="studies per row")
    parser.add_argument("--series-reps", type=int, default=400, help="N-of-1 series per row")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("personal", "studies", "series"), default=None)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    if args.only == "series":
        series_section(args.series_reps, rng)
    if args.only is None or args.only == "personal":
        personal_table(args.reps, rng)
        print()
    if args.only is None or args.only == "studies":
        studies_tables(args.study_reps, args.series_reps, rng)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
