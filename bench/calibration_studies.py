"""Calibration of the study and series analyses: every 95% interval's coverage, every
test's type-I error at 5%, and how often any output credits the guess.

Blinded study data goes through ``analysis.study.analyze_study`` and the text of
``trial analyze`` (``reports.trial_report.study_dict`` → ``cli.study_text.study_text``,
the conclusion with the posterior and the correct guess rate curve's sentence). Every
arm has the same number of participants (permuted), and unless said otherwise the guess
follows the felt effect: "active" when the participant's value (or change from baseline)
plus N(0, 10) noise is above the middle of the two arms, "unsure" on 10% of rows.

- **one timepoint** (OLS): 120 participants, value = 50 + δ·active + N(0, 15).
- **three timepoints** (random intercept, REML): 60 participants × 3 timepoints, value =
  50 + u + δ·active + N(0, 10), u ~ N(0, 10) per participant; Bang's index with the
  cluster-robust SE.
- **guess drives the outcome** (the CGRC's own assumption): one timepoint, the guess made
  first — right with probability 0.7 in each arm, 10% unsure — and "guessed active" adds 6
  points to the value. The OLS effect's truth is then δ + 6·0.9·(0.7 − 0.3); the CGRC's at
  a correct-guess rate of 0.5 is δ.
- **ANCOVA** (``--baseline`` with a further arm and ``--covariate``): 50 participants in
  each of MD, PL and HH; post = 15 + 0.7·baseline + δ·MD + δ/2·HH + 0.3·expectation +
  N(0, 10), baseline ~ N(50, 15), expectation ~ N(0, 10); no arm × expectation
  interaction (the moderators' truth is 0), the change score's truth is the arm's effect.

Bang's index truth per arm: (1 − 0.1)·(P(right) − P(wrong) among the sure), from the
normal distribution of value + guess noise. The CGRC is computed at the correct-guess
rate 0.5 only (``grid=(0.5,)``, 500 pseudo-trials, the product's default; the point at 0.5
is computed the same way whatever the grid).

A series of N-of-1 trials (``analysis.series.analyse_series``, the text of ``trial analyze
--design n-of-1``): k people, each a Fadiman trial of 8 pairs with AR(1) noise as in the
personal trials, the person's effect θ ~ N(μ, τ²); the modified HKSJ interval covers μ, the
prediction interval a new person's θ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from calibration_sim import UNSURE, covers, pct
from numpy.typing import NDArray
from scipy import stats

from microdose.analysis.cgrc import correct_guess_rate_curve
from microdose.analysis.study import StudyData, StudyResult, analyze_study
from microdose.analysis.trial import posterior_benefit
from microdose.cli.study_text import study_text
from microdose.reports.trial_report import study_dict
from microdose.reports.trial_words import credits_the_guess

Array = NDArray[np.float64]
GUESS_SD = 10.0
DRIVE, RIGHT = 6.0, 0.7


@dataclass(frozen=True)
class Sim:
    """One simulated study: its data, the truth of each output, and the CGRC's input."""

    data: StudyData
    truth: dict[str, float]
    cgrc_value: Array


def _felt_guess(felt: Array, middle: float, rng: np.random.Generator) -> Array:
    """"active" (1) when felt + N(0, 10) > middle, "unsure" (NaN) on 10% of rows."""
    said = (felt + rng.normal(0, GUESS_SD, felt.size) > middle).astype(float)
    return np.where(rng.random(felt.size) < UNSURE, np.nan, said)


def _bang_truth(arm_mean: float, middle: float, sd: float, active: bool) -> float:
    """(1 − unsure)·(P(right) − P(wrong)) for an arm whose felt value has mean and SD."""
    p_active = float(stats.norm.sf(middle, arm_mean, np.hypot(sd, GUESS_SD)))
    return (1 - UNSURE) * (2 * p_active - 1) * (1 if active else -1)


def _arms(n: int, rng: np.random.Generator) -> NDArray[np.bool_]:
    return rng.permutation(np.repeat([True, False], n // 2))


def one_timepoint(effect: float, rng: np.random.Generator) -> Sim:
    n = 120
    active = _arms(n, rng)
    value = 50 + effect * active + rng.normal(0, 15, n)
    middle = 50 + effect / 2
    guess = _felt_guess(value, middle, rng)
    data = StudyData(np.arange(n).astype(str), np.full(n, "t1"), value, active, guess)
    truth = {
        "effect": effect, "cgrc": effect,
        "bang active": _bang_truth(50 + effect, middle, 15, True),
        "bang placebo": _bang_truth(50, middle, 15, False),
    }  # fmt: skip
    return Sim(data, truth, value)


def three_timepoints(effect: float, rng: np.random.Generator) -> Sim:
    people, times = 60, 3
    on = _arms(people, rng)
    person = np.repeat(np.arange(people), times)
    active = on[person]
    value = 50 + rng.normal(0, 10, people)[person] + effect * active
    value = value + rng.normal(0, 10, person.size)
    middle, sd = 50 + effect / 2, float(np.hypot(10, 10))
    guess = _felt_guess(value, middle, rng)
    timepoint = np.tile(np.array(["t1", "t2", "t3"]), people)
    data = StudyData(person.astype(str), timepoint, value, active, guess)
    truth = {
        "effect": effect, "cgrc": effect,
        "bang active": _bang_truth(50 + effect, middle, sd, True),
        "bang placebo": _bang_truth(50, middle, sd, False),
    }  # fmt: skip
    return Sim(data, truth, value)


def guess_drives(effect: float, rng: np.random.Generator) -> Sim:
    n = 120
    active = _arms(n, rng)
    right = rng.random(n) < RIGHT
    said = np.where(right, active, ~active).astype(float)
    guess = np.where(rng.random(n) < UNSURE, np.nan, said)
    value = 50 + effect * active + DRIVE * (guess == 1.0) + rng.normal(0, 15, n)
    data = StudyData(np.arange(n).astype(str), np.full(n, "t1"), value, active, guess)
    index = (1 - UNSURE) * (2 * RIGHT - 1)
    truth = {
        "effect": effect + DRIVE * (1 - UNSURE) * (2 * RIGHT - 1), "cgrc": effect,
        "bang active": index, "bang placebo": index,
    }  # fmt: skip
    return Sim(data, truth, value)


def _study_text(result: StudyResult) -> str:
    """Everything ``trial analyze`` prints, with ``--mid 5`` and ``--cgrc``."""
    e = result.effect
    posterior = posterior_benefit(e.estimate, e.se, 5.0)
    return study_text(study_dict(result, 0, "mood", posterior))


Counts = dict[str, float]


def _tally(counts: Counts, key: str, hit: bool) -> None:
    counts[key] = counts.get(key, 0.0) + float(hit)


def study_rep(sim: Sim, seed: int, counts: Counts) -> None:
    """One simulated study analysed; the coverage, rejections and crediting tallied."""
    result = analyze_study(sim.data)
    assert result.blinding_index is not None
    _tally(counts, "effect cover", covers(result.effect.ci95, sim.truth["effect"]))
    _tally(counts, "effect reject", result.effect.p <= 0.05)
    for arm in ("active", "placebo"):
        ci = result.blinding_index[arm].ci95
        _tally(counts, f"bang {arm}", covers(ci, sim.truth[f"bang {arm}"]))
    curve = correct_guess_rate_curve(
        sim.cgrc_value, sim.data.active, sim.data.guess, grid=(0.5,), seed=seed
    )
    _tally(counts, "cgrc cover", covers(curve.at_chance.ci95, sim.truth["cgrc"]))
    _tally(counts, "cgrc excl 0", not covers(curve.at_chance.ci95, 0.0))
    text = _study_text(replace(result, cgrc=curve))
    _tally(counts, "credited", bool(credits_the_guess(text)))


def study_table(reps: int, rng: np.random.Generator) -> list[str]:
    """Markdown rows of the one-timepoint, three-timepoint and guess-drives designs."""
    designs: tuple[tuple[str, Callable[[float, np.random.Generator], Sim]], ...] = (
        ("one timepoint, OLS", one_timepoint),
        ("3 timepoints, mixed (REML)", three_timepoints),
        ("guess drives the outcome, OLS", guess_drives),
    )
    rows = [
        "| design | δ | effect's truth | effect CI cover | effect p ≤ 0.05 | Bang CI cover, "
        "active | Bang CI cover, placebo | CGRC at 0.5: cover δ | CGRC at 0.5 excl. 0 | "
        "credited |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    print(*rows, sep="\n")
    for name, simulate in designs:
        for effect in (0.0, 5.0):
            counts: Counts = {}
            truth = simulate(effect, np.random.default_rng(0)).truth["effect"]
            for rep in range(reps):
                study_rep(simulate(effect, rng), rep, counts)
            c = {k: pct(v, reps) for k, v in counts.items()}
            rows.append(
                f"| {name} | {effect:g} | {truth:.2f} | {c['effect cover']} | "
                f"{c['effect reject']} | "
                f"{c['bang active']} | {c['bang placebo']} | {c['cgrc cover']} | "
                f"{c['cgrc excl 0']} | {c.get('credited', '0.0%')} |"
            )
            print(rows[-1], flush=True)
    return rows


ANCOVA_TERMS = (
    ("MD", "arm MD"), ("HH", "arm HH"), ("baseline", "baseline"),
    ("expectation", "expectation"), ("change MD", "change MD"), ("change HH", "change HH"),
    ("MD × exp.", "moderator MD"), ("HH × exp.", "moderator HH"),
)  # fmt: skip


def ancova_study(effect: float, rng: np.random.Generator) -> StudyData:
    """Three arms of 50, a baseline and an expectation covariate (see the module)."""
    n = 150
    arm = rng.permutation(np.repeat(np.array(["MD", "PL", "HH"]), n // 3))
    baseline = rng.normal(50, 15, n)
    expectation = rng.normal(0, 10, n)
    shift = effect * (arm == "MD") + effect / 2 * (arm == "HH")
    post = 15 + 0.7 * baseline + shift + 0.3 * expectation + rng.normal(0, 10, n)
    guess = _felt_guess(post - baseline, effect / 2, rng)
    return StudyData(
        np.arange(n).astype(str), np.full(n, "post"), post, arm == "MD", guess,
        extra=np.where(arm == "HH", "HH", ""), baseline=baseline,
        covariates=(("expectation", expectation),), active_label="MD",
    )  # fmt: skip


def _ancova_terms(result: StudyResult) -> dict[str, tuple[tuple[float, float], float]]:
    """Each checked term's 95% CI and p."""
    assert result.change is not None
    found = {
        "arm MD": result.arms["MD"], "arm HH": result.arms["HH"],
        "baseline": result.adjustment["baseline"],
        "expectation": result.adjustment["expectation"],
        "change MD": result.change.arms["MD"], "change HH": result.change.arms["HH"],
        "moderator MD": result.moderators["expectation"]["MD"],
        "moderator HH": result.moderators["expectation"]["HH"],
    }  # fmt: skip
    return {k: (c.ci95, c.p) for k, c in found.items()}


def ancova_rep(effect: float, rng: np.random.Generator, counts: Counts) -> None:
    result = analyze_study(ancova_study(effect, rng))
    truth = {
        "arm MD": effect, "arm HH": effect / 2, "baseline": 0.7, "expectation": 0.3,
        "change MD": effect, "change HH": effect / 2, "moderator MD": 0.0,
        "moderator HH": 0.0,
    }  # fmt: skip
    for key, (ci, p) in _ancova_terms(result).items():
        _tally(counts, f"{key} cover", covers(ci, truth[key]))
        _tally(counts, f"{key} reject", p <= 0.05)
    _tally(counts, "credited", bool(credits_the_guess(_study_text(result))))


def ancova_table(reps: int, rng: np.random.Generator) -> list[str]:
    """Markdown rows: each term's CI coverage, then p ≤ 0.05 where its truth is 0."""
    head = " | ".join(label for label, _ in ANCOVA_TERMS)
    rows = [
        f"| δ | what | {head} | credited |",
        "|---|---|" + "---|" * len(ANCOVA_TERMS) + "---|",
    ]
    print(*rows, sep="\n")
    for effect in (0.0, 5.0):
        counts: Counts = {}
        for _ in range(reps):
            ancova_rep(effect, rng, counts)
        truth_zero = {"moderator MD", "moderator HH"} | (
            {"arm MD", "arm HH", "change MD", "change HH"} if effect == 0 else set()
        )
        cover = " | ".join(pct(counts[f"{k} cover"], reps) for _, k in ANCOVA_TERMS)
        reject = " | ".join(
            pct(counts[f"{k} reject"], reps) if k in truth_zero else "–" for _, k in ANCOVA_TERMS
        )
        rows.append(f"| {effect:g} | 95% CI covers | {cover} | {pct(counts['credited'], reps)} |")
        rows.append(f"| {effect:g} | p ≤ 0.05 (truth 0) | {reject} | |")
        print(*rows[-2:], sep="\n", flush=True)
    return rows
