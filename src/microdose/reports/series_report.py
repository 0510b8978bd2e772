"""Presenting a series of N-of-1 trials: each person as the personal report, the pool.

JSON carries every number at full precision; the text rounds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from microdose.analysis.meta import MetaResult
from microdose.reports.trial_report import num, outcome_dict, pval
from microdose.reports.trial_words import (
    GUESS_CAVEAT,
    interval_text,
    outcome_sentence,
)
from microdose.services.series_data import SeriesOutcome

__all__ = [
    "FEW_PEOPLE",
    "SERIES_CAVEAT",
    "few_people_note",
    "pooled_dict",
    "pooled_sentence",
    "series_dict",
    "series_text",
]

SERIES_CAVEAT = (
    "Each person's verdict comes from their own randomised comparison; the pooled estimate "
    "is the average effect over these people, and the prediction interval is where the "
    "result of a new person's trial of this kind would lie — read it before the average."
)


#: Up to this many people the pooled interval is conservative. In ``bench/bench_calibration.py``
#: (docs/trials.md) the modified HKSJ interval over 3 people covered the average effect
#: 99.5–99.9% of the time and found an average effect of 1 point in 15–19% of series; over
#: 6 people it covered 96.1–97.7%.
FEW_PEOPLE = 3


def few_people_note(k: int) -> str | None:
    """What a pooled interval over very few people can and cannot say, or None."""
    if k > FEW_PEOPLE:
        return None
    return (
        f"With {k} people the pooled interval is conservative (in simulation it held the "
        "true average more often than the 95% it aims at) and seldom detects a real "
        "effect: over so few people, no reliable difference is weak evidence of no effect."
    )


def _interval(pair: tuple[float, float]) -> list[float | None]:
    return [num(pair[0]), num(pair[1])]


def pooled_dict(pooled: MetaResult, people: tuple[str, ...]) -> dict[str, Any]:
    """The random-effects pool: modified HKSJ interval, τ², I², Q, the prediction interval."""
    return {
        "estimate": num(pooled.estimate),
        "se": num(pooled.se),
        "ci95": _interval(pooled.ci95),
        "p": pval(pooled.p),
        "df": pooled.df,
        "tau2": num(pooled.tau2),
        "i2": num(pooled.i2),
        "q": num(pooled.q),
        "q_df": pooled.q_df,
        "q_p": pval(pooled.q_p),
        "prediction95": _interval(pooled.prediction95),
        "se_wald": num(pooled.se_wald),
        "ci95_wald": _interval(pooled.ci95_wald),
        "k": pooled.k,
        "people": list(people),
        "method": pooled.method,
    }


def pooled_sentence(name: str, pooled: MetaResult) -> str:
    """The pooled effect in words, its prediction interval beside it."""
    pi = interval_text(pooled.prediction95)
    return (
        f"{name}, pooled over {pooled.k} people (random effects, modified "
        f"Hartung–Knapp–Sidik–Jonkman): "
        f"active − placebo {pooled.estimate:+.2f} (95% CI {interval_text(pooled.ci95)}, "
        f"p = {pooled.p:.3g}); between-person variance τ² {pooled.tau2:.3g}; a new person's "
        f"trial result: 95% prediction interval {pi}."
    ) + (f" {note}" if (note := few_people_note(pooled.k)) else "")


def _outcome(item: SeriesOutcome) -> dict[str, Any]:
    r = item.result
    return {
        "meaningful_difference": item.mid,
        "meaningful_difference_source": item.mid_source,
        "higher_is_better": item.higher_is_better,
        "people": {who: outcome_dict(o) for who, o in r.people.items()},
        "pooled": pooled_dict(r.pooled, r.pooled_people) if r.pooled else None,
        "pooled_text": pooled_sentence(r.outcome, r.pooled) if r.pooled else None,
        "note": r.note,
    }


def series_dict(items: list[SeriesOutcome], prior: str) -> dict[str, Any]:
    """``trial analyze --design n-of-1`` as JSON."""
    return {
        "design": "n-of-1",
        "prior": prior,
        "outcomes": {item.result.outcome: _outcome(item) for item in items},
        "guess_caveat": GUESS_CAVEAT,
        "caveat": SERIES_CAVEAT,
        "conclusion": [line for item in items for line in _lines(item)] + [SERIES_CAVEAT],
    }


def _lines(item: SeriesOutcome) -> list[str]:
    r = item.result
    lines = [outcome_sentence(replace(o, name=f"{r.outcome} · {who}"))
             for who, o in r.people.items()]  # fmt: skip
    if r.pooled is not None:
        lines.append(pooled_sentence(r.outcome, r.pooled))
    if r.note:
        lines.append(f"{r.outcome}: {r.note}.")
    return lines


def series_text(data: dict[str, Any]) -> str:
    """The series for the terminal: one line per person and outcome, then the pool."""
    return "\n".join(data["conclusion"])
