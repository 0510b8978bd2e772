"""Presenting trial results: JSON-ready dicts, plain text, the conclusion, and the PDF.

Rounding and wording live here, apart from the statistics (``analysis``) and the data
gathering (``services``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from microdose.analysis.blinding_index import BangIndex
from microdose.analysis.study import Coefficient, Stratum, StudyResult
from microdose.analysis.trial import Effect, Posterior, RandomisationTest
from microdose.services.trial_report import OutcomeResult, TrialReport

TEMPLATES = Path(__file__).parent / "templates"
ALPHA = 0.05


def num(value: float | None, digits: int = 4) -> float | None:
    """A rounded float, or None for missing/NaN."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def pval(value: float | None) -> float | None:
    """A p-value to 4 significant digits (None when missing)."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.4g}")


def coefficient_dict(c: Coefficient) -> dict[str, Any]:
    """``{"estimate", "se", "ci95", "p"}``."""
    return {
        "estimate": num(c.estimate),
        "se": num(c.se),
        "ci95": [num(c.ci95[0]), num(c.ci95[1])],
        "p": pval(c.p),
    }


def strata_dict(cells: dict[str, Stratum]) -> dict[str, dict[str, Any]]:
    """``{"active/active": {"mean", "n", "se"}, …}``."""
    return {k: {"mean": num(s.mean), "n": s.n, "se": num(s.se)} for k, s in cells.items()}


def bang_dict(index: dict[str, BangIndex]) -> dict[str, dict[str, Any]]:
    """``{"active": {"bang", "ci95", …}, "placebo": …}``."""
    return {
        arm: {
            "bang": num(b.estimate),
            "ci95": [num(b.ci95[0]), num(b.ci95[1])],
            "se": num(b.se),
            "n": b.n,
            "correct": b.correct,
            "incorrect": b.incorrect,
            "dont_know": b.dont_know,
        }
        for arm, b in index.items()
    }


def _excludes_zero(c: Coefficient) -> bool:
    return c.ci95[0] > 0 or c.ci95[1] < 0


def guess_explains(effect_p: float, with_guess: dict[str, Coefficient] | None) -> bool:
    """The guess, not the capsule, explains a difference: the difference is reliable
    (p < 0.05), and in ``value ~ condition × guess`` the guess term's CI excludes 0 while
    the capsule's (condition) term's CI includes it."""
    if with_guess is None or not effect_p < ALPHA:
        return False
    return _excludes_zero(with_guess["guess"]) and not _excludes_zero(with_guess["condition"])


def follows_guess(with_guess: dict[str, Coefficient] | None) -> bool:
    """Ratings moved with the guess (its CI excludes 0), whatever the capsule did."""
    return with_guess is not None and _excludes_zero(with_guess["guess"])


def _fmt(x: float) -> str:
    return f"{x:+.2f}"


def outcome_sentence(o: OutcomeResult) -> str:
    """One plain-language line about one outcome."""
    if o.effect is None or o.randomisation is None or o.posterior is None:
        return f"{o.name}: not analysed — {o.note}"
    e, p = o.effect, o.randomisation.p
    ci = f"95% CI {_fmt(e.ci95[0])} to {_fmt(e.ci95[1])}"
    head = f"{o.name}: active − placebo {_fmt(e.estimate)} ({ci}; randomisation p = {p:.3g})"
    if guess_explains(p, o.with_guess):
        assert o.with_guess is not None
        g, c = o.with_guess["guess"], o.with_guess["condition"]
        return (
            f"{head}. The guess, not the capsule, explains the difference: believing you took "
            f"the active capsule moved your rating by {_fmt(g.estimate)} points, while the "
            f"capsule itself adds {_fmt(c.estimate)} (95% CI {_fmt(c.ci95[0])} to "
            f"{_fmt(c.ci95[1])})."
        )
    chance = (
        f"{head}: a difference chance alone rarely produces"
        if p < ALPHA
        else f"{head}: no reliable difference"
    )
    if p >= ALPHA and follows_guess(o.with_guess):
        assert o.with_guess is not None
        guessed = _fmt(o.with_guess["guess"].estimate)
        chance += (
            f", but your rating followed your guess ({guessed} points when you guessed active)"
        )
    floor = 2 / o.randomisation.allocations if o.randomisation.draws is None else 0.0
    small = (
        f" (with {o.randomisation.blocks} blocks no p below {floor:.3g} is possible)"
        if floor >= ALPHA
        else ""
    )
    return (
        f"{chance}{small}; probability of a benefit of at least {o.mid:g} point(s): "
        f"{percent(o.posterior.prob_benefit)}."
    )


def percent(p: float) -> str:
    """A probability as a percentage, never a flat 0% or 100%."""
    if p < 0.01:
        return "<1%"
    if p > 0.99:
        return ">99%"
    return f"{p:.0%}"


def blinding_sentence(index: dict[str, BangIndex]) -> str:
    """Whether the guesses suggest the blind held (Bang's −0.2…0.2 reading)."""
    parts = []
    for arm, b in index.items():
        if b.n == 0 or not math.isfinite(b.estimate):
            parts.append(f"no guesses on {arm} days")
            continue
        verdict = (
            "blind held"
            if b.ci95[0] >= -0.2 and b.ci95[1] <= 0.2
            else "you often knew"
            if b.ci95[0] > 0
            else "opposite guessing"
            if b.ci95[1] < 0
            else "unclear (too few guesses)"
        )
        parts.append(
            f"{arm} days: Bang index {b.estimate:+.2f} "
            f"(95% CI {b.ci95[0]:+.2f} to {b.ci95[1]:+.2f}) — {verdict}"
        )
    return "Blinding: " + "; ".join(parts) + "."


def conclusion(report: TrialReport) -> list[str]:
    """The report's plain-language conclusion, most important line first."""
    lines = []
    trial = report.trial
    if trial.unblinded_early:
        lines.append(
            "Unblinded early"
            + (f" ({trial.unblind_reason})" if trial.unblind_reason else "")
            + ": fewer days than planned, so less certain."
        )
    explained = [
        o.name
        for o in report.outcomes
        if o.randomisation is not None and guess_explains(o.randomisation.p, o.with_guess)
    ]
    if explained:
        lines.append(
            "The guess, not the capsule, explains the difference on: "
            + ", ".join(explained)
            + ". Expectation is doing the work there."
        )
    lines += [outcome_sentence(o) for o in report.outcomes]
    tested = [o.randomisation.p for o in report.outcomes if o.randomisation is not None]
    if any(p < ALPHA for p in tested):
        lines.append(
            f"{len(tested)} outcomes were tested: one p below 0.05 among {len(tested)} tests "
            "can be chance alone."
        )
    lines.append(blinding_sentence(report.blinding_index))
    lines.append(
        "One person, few days: this says what happened to you in this trial, "
        "not what microdosing does in general."
    )
    return lines


def outcome_dict(o: OutcomeResult) -> dict[str, Any]:
    """One outcome's full result."""
    data: dict[str, Any] = {
        "kind": o.kind,
        "n_active": o.n_active,
        "n_placebo": o.n_placebo,
        "meaningful_difference": o.mid,
        "higher_is_better": o.higher_is_better,
        "note": o.note,
    }
    if o.effect is not None:
        data["effect"] = effect_dict(o.effect)
    if o.randomisation is not None:
        data["randomisation"] = randomisation_dict(o.randomisation)
    if o.posterior is not None:
        data["posterior"] = posterior_dict(o.posterior)
    if o.with_guess is not None:
        data["with_guess"] = {k: coefficient_dict(c) for k, c in o.with_guess.items()}
    if o.strata is not None:
        data["strata"] = strata_dict(o.strata)
    return data


def effect_dict(e: Effect) -> dict[str, Any]:
    """The active-minus-placebo difference with its interval and p-value."""
    return {
        "estimate": num(e.estimate),
        "se": num(e.se),
        "ci95": [num(e.ci95[0]), num(e.ci95[1])],
        "p": pval(e.p),
        "method": e.method,
    }


def randomisation_dict(r: RandomisationTest) -> dict[str, Any]:
    """The randomisation test's p-value and the allocations it drew from."""
    return {
        "p": pval(r.p),
        "method": r.method,
        "allocations": r.allocations,
        "draws": r.draws,
        "blocks": r.blocks,
    }


def posterior_dict(post: Posterior) -> dict[str, Any]:
    """The posterior probabilities of benefit and harm, and its summary."""
    return {
        "prob_benefit": num(post.prob_benefit),
        "prob_harm": num(post.prob_harm),
        "mean": num(post.mean),
        "sd": num(post.sd),
        "ci95": [num(post.ci95[0]), num(post.ci95[1])],
        "prior": f"normal(0, {post.prior_sd:.3f}^2)",
        "method": post.method,
    }


def report_dict(report: TrialReport) -> dict[str, Any]:
    """The whole trial report, JSON-ready."""
    trial = report.trial
    return {
        "trial": str(trial.id),
        "block_design": trial.block_design,
        "protocol": trial.protocol,
        "start": trial.start_date.isoformat(),
        "end": trial.end_date.isoformat(),
        "doses_planned": trial.doses,
        "envelopes_taken": len(report.units),
        "unblinded_at": trial.unblinded_at.isoformat() if trial.unblinded_at else None,
        "unblinded_early": trial.unblinded_early,
        "unblind_reason": trial.unblind_reason,
        "commitment": trial.commitment,
        "days": [
            {
                "date": u.day.isoformat(),
                "envelope": u.code,
                "condition": "active" if u.active else "placebo",
                "guess": u.checkin.guess if u.checkin else None,
                "guess_confidence": u.checkin.guess_confidence if u.checkin else None,
            }
            for u in report.units
        ],
        "outcomes": {o.name: outcome_dict(o) for o in report.outcomes},
        "blinding_index": bang_dict(report.blinding_index),
        "conclusion": conclusion(report),
    }


def study_dict(result: StudyResult, dropped: int, outcome: str | None) -> dict[str, Any]:
    """``trial analyze`` as JSON (the issue's shape, plus outcome, timepoints and notes)."""
    return {
        "outcome": outcome,
        "n": result.n,
        "participants": result.participants,
        "timepoints": list(result.timepoints),
        "method": result.method,
        "effect": coefficient_dict(result.effect),
        "with_guess": (
            {k: coefficient_dict(c) for k, c in result.with_guess.items()}
            if result.with_guess
            else None
        ),
        "strata": strata_dict(result.strata),
        "blinding_index": bang_dict(result.blinding_index),
        "rows_without_value": dropped,
        "notes": list(result.notes),
        "conclusion": study_conclusion(result),
    }


def study_conclusion(result: StudyResult) -> str:
    """One paragraph on a blinded study's outcome."""
    e = result.effect
    text = (
        f"Active − placebo: {_fmt(e.estimate)} (95% CI {_fmt(e.ci95[0])} to "
        f"{_fmt(e.ci95[1])}, p = {e.p:.3g}). "
    )
    if guess_explains(e.p, result.with_guess):
        assert result.with_guess is not None
        g, c = result.with_guess["guess"], result.with_guess["condition"]
        text += (
            f"With the guess in the model the capsule's effect is {_fmt(c.estimate)} "
            f"(95% CI {_fmt(c.ci95[0])} to {_fmt(c.ci95[1])}) while believing one took the "
            f"active capsule adds {_fmt(g.estimate)} (95% CI {_fmt(g.ci95[0])} to "
            f"{_fmt(g.ci95[1])}): the guess, not the capsule, explains the difference."
        )
    elif e.p < ALPHA:
        text += "The difference is not explained by the guess in this model."
    else:
        text += "No reliable difference between capsules."
    return text


def report_text(data: dict[str, Any]) -> str:
    """The trial report for the terminal."""
    lines = [
        f"Trial {data['trial'][:8]} ({data['block_design']}, {data['protocol']}, "
        f"{data['start']} → {data['end']}): {data['envelopes_taken']} of "
        f"{data['doses_planned']} envelopes taken"
        + (" — UNBLINDED EARLY" if data["unblinded_early"] else ""),
        "",
    ]
    lines += [f"  {line}" for line in data["conclusion"]]
    return "\n".join(lines)


def write_report_pdf(data: dict[str, Any], path: Path) -> Path:
    """The trial report as a PDF."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from weasyprint import HTML

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    html = env.get_template("trial_report.html").render(r=data)
    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(str(path))
    return path
