"""Calibration of a series of N-of-1 trials pooled by random effects (``trial analyze
--design n-of-1``): the product's modified Hartung–Knapp–Sidik–Jonkman 95% CI of the mean
effect μ (SE at least the Wald SE) and its p-value at 5% when μ = 0, the Wald interval
kept beside it, the 95% prediction interval's coverage of a new person's trial result
(what it predicts: their estimated effect from a trial of the same design) and of their true
effect θ, and
whether any sentence credits the guess; for comparison, not in the product, the plain
(unmodified) HKSJ interval.

Each of k people runs a Fadiman trial of 8 pairs (``calibration_sim``: AR(1) noise, the
guess following the felt effect) whose capsule adds θ ~ N(μ, τ²), the person's own
effect. Everything goes through ``analysis.series.analyse_series`` (each person by the
personal report's ``analyse_outcome``, τ² by REML) and the text of ``series_text``.
"""

from __future__ import annotations

import numpy as np
from calibration_sim import Design, covers, pct, simulate_units
from scipy import stats

from microdose.analysis.n_of_1 import analyse_outcome
from microdose.analysis.series import PersonTrial, SeriesResult, analyse_series
from microdose.reports.series_report import series_dict, series_text
from microdose.reports.trial_words import credits_the_guess
from microdose.services.series_data import SeriesOutcome

DESIGN = Design("pairs", 8)
SCENARIOS = tuple((k, tau, mu) for k in (3, 6) for tau in (0.0, 0.5) for mu in (0.0, 1.0))


def one_series(k: int, tau: float, mu: float, rng: np.random.Generator) -> SeriesResult:
    """k people's trials, each with its own effect θ ~ N(μ, τ²), analysed and pooled."""
    trials = {}
    for person in range(k):
        u = simulate_units(DESIGN, mu + tau * rng.normal(), rng)
        trials[f"p{person + 1}"] = PersonTrial(u.values, u.active, u.block, u.guess)
    return analyse_series("mood", trials, mid=1.0, higher_is_better=True)


def new_trial_result(theta: float, rng: np.random.Generator) -> float | None:
    """A new person's trial of the same design, analysed alone: their estimated effect."""
    u = simulate_units(DESIGN, theta, rng)
    found = analyse_outcome(
        "mood", "bench", u.values, u.active, u.block, u.guess, mid=1.0, higher_is_better=True
    )
    return found.effect.estimate if found.effect is not None else None


def plain_hksj(result: SeriesResult) -> tuple[float, float]:
    """For comparison only, not in the product: the unmodified HKSJ interval (Hartung &
    Knapp 2001; Sidik & Jonkman 2002), SE √(Σw(y − μ)²/((k − 1)·Σw)) with no floor at the
    Wald SE, t on k − 1 df, from the same effects, variances and τ² the product pooled."""
    pooled = result.pooled
    assert pooled is not None
    effects = [result.people[w].effect for w in result.pooled_people]
    y = np.array([e.estimate for e in effects if e is not None])
    v = np.array([e.se**2 for e in effects if e is not None])
    w = 1 / (v + pooled.tau2)
    se = float(np.sqrt(np.sum(w * (y - pooled.estimate) ** 2) / ((y.size - 1) * np.sum(w))))
    half = float(stats.t.ppf(0.975, pooled.df)) * se
    return (pooled.estimate - half, pooled.estimate + half)


def series_rep(k: int, tau: float, mu: float, rng: np.random.Generator) -> dict[str, bool]:
    """One series: which intervals held their truth, whether the test rejected."""
    result = one_series(k, tau, mu, rng)
    text = series_text(series_dict([SeriesOutcome(result, 1.0, "bench", True)], "sceptical"))
    pooled = result.pooled
    if pooled is None:  # fewer than 2 estimable effects: nothing pooled, nothing claimed
        return {"pooled": False, "credited": bool(credits_the_guess(text))}
    new_person = mu + tau * rng.normal()
    new_result = new_trial_result(new_person, rng)
    plain = plain_hksj(result)
    return {
        "pooled": True,
        "hksj": covers(pooled.ci95, mu),
        "reject": pooled.p <= 0.05,
        "wald": covers(pooled.ci95_wald, mu),
        "wald reject": not covers(pooled.ci95_wald, 0.0),
        "plain": covers(plain, mu),
        "plain reject": not covers(plain, 0.0),
        "prediction": new_result is not None and covers(pooled.prediction95, new_result),
        "prediction θ": covers(pooled.prediction95, new_person),
        "credited": bool(credits_the_guess(text)),
    }


def series_table(reps: int, rng: np.random.Generator) -> list[str]:
    """Markdown rows: one per (people, τ, μ)."""
    rows = [
        "| people | τ | μ | modified HKSJ CI cover | modified HKSJ p ≤ 0.05 | Wald CI cover | "
        "Wald excl. 0 | prediction cover (new result) | prediction cover (new θ) | "
        "plain HKSJ cover* | plain HKSJ excl. 0* | pooled | credited |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    print(*rows, sep="\n")
    keys = (
        "hksj", "reject", "wald", "wald reject", "prediction", "prediction θ", "plain",
        "plain reject",
    )  # fmt: skip
    for k, tau, mu in SCENARIOS:
        found = [series_rep(k, tau, mu, rng) for _ in range(reps)]
        pooled = [f for f in found if f["pooled"]]
        c = {key: pct(sum(f[key] for f in pooled), len(pooled)) for key in keys}
        credited = pct(sum(f["credited"] for f in found), reps)
        rows.append(
            f"| {k} | {tau:g} | {mu:g} | {c['hksj']} | {c['reject']} | {c['wald']} | "
            f"{c['wald reject']} | {c['prediction']} | {c['prediction θ']} | {c['plain']} | "
            f"{c['plain reject']} | "
            f"{pct(len(pooled), reps)} | {credited} |"
        )
        print(rows[-1], flush=True)
    return rows
