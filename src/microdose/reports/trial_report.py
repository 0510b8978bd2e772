"""Presenting trial results: JSON-ready dicts, plain text, the conclusion, and the PDF.

Rounding and wording live here, apart from the statistics (``analysis``) and the data
gathering (``services``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from microdose.analysis.after_dose import AfterDoseEffect
from microdose.analysis.ancova import ArmModel
from microdose.analysis.blinding_index import BangIndex
from microdose.analysis.cgrc import CgrcResult
from microdose.analysis.n_of_1 import PRIMARY_INTERVAL, OutcomeResult
from microdose.analysis.paired import ALPHA, PairedEffect, SignFlipTest
from microdose.analysis.study import Coefficient, Stratum, StudyResult
from microdose.analysis.trial import Posterior
from microdose.reports.trial_words import (
    GUESS_CAVEAT,
    PRIMARY_WHY,
    after_dose_sentence,
    blinding_sentence,
    cgrc_sentence,
    expectancy_sentence,
    guess_sentence,
    outcome_sentence,
    posterior_sentence,
    prior_words,
    probability_sentence,
    strata_words,
    study_conclusion,
    verdict_words,
)
from microdose.services.trial_report import PRIMARY_OUTCOME, TrialReport
from microdose.services.trials import trial_expectancy

TEMPLATES = Path(__file__).parent / "templates"


def num(value: float | None) -> float | None:
    """A float at full precision for JSON, or None for missing/NaN/infinite.

    JSON carries every number unrounded; rounding happens only where text is written.
    """
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def pval(value: float | None) -> float | None:
    """A p-value at full precision (None when missing)."""
    return num(value)


def coefficient_dict(c: Coefficient) -> dict[str, Any]:
    """``{"estimate", "se", "ci95", "p"}``."""
    return {
        "estimate": num(c.estimate),
        "se": num(c.se),
        "ci95": [num(c.ci95[0]), num(c.ci95[1])],
        "p": pval(c.p),
    }


def strata_dict(cells: dict[str, Stratum] | None) -> dict[str, dict[str, Any]] | None:
    """``{"active/active": {"mean", "n", "se"}, …}`` (None without a guess column)."""
    if cells is None:
        return None
    return {k: {"mean": num(s.mean), "n": s.n, "se": num(s.se)} for k, s in cells.items()}


def bang_dict(index: dict[str, BangIndex] | None) -> dict[str, dict[str, Any]] | None:
    """``{"active": {"bang", "ci95", …}, "placebo": …}``; null numbers when not estimable
    (None without a guess column)."""
    if index is None:
        return None
    return {
        arm: {
            "bang": num(b.estimate) if b.estimable else None,
            "ci95": [num(b.ci95[0]), num(b.ci95[1])] if b.estimable else [None, None],
            "se": num(b.se) if b.estimable else None,
            "estimable": b.estimable,
            "n": b.n,
            "correct": b.correct,
            "incorrect": b.incorrect,
            "dont_know": b.dont_know,
            "method": b.method,
            "note": None if b.estimable else "not estimable: no guesses",
        }
        for arm, b in index.items()
    }


def conclusion(report: TrialReport) -> list[str]:
    """The report's plain-language conclusion, the verdict first."""
    lines = []
    trial = report.trial
    if trial.unblinded_early:
        lines.append(
            "Unblinded early"
            + (f" ({trial.unblind_reason})" if trial.unblind_reason else "")
            + ": fewer days than planned, so less certain."
        )
    primary = report.primary
    if primary is not None:
        lines.append(f"Verdict on {primary.name}, the primary outcome: {verdict_words(primary)}.")
    lines.append(PRIMARY_WHY)
    lines.append(expectancy_sentence(trial_expectancy(trial)))
    for o in report.outcomes:
        lines.append(outcome_sentence(o, primary=o.name == PRIMARY_OUTCOME))
        lines += [s for s in [after_dose_sentence(o)] if s]
    tested = [o.randomisation.p for o in report.outcomes if o.randomisation is not None]
    if any(p <= ALPHA for p in tested):
        lines.append(
            f"{len(tested)} outcomes were tested and only {PRIMARY_OUTCOME} is primary: one p "
            f"below 0.05 among {len(tested)} tests can be chance alone."
        )
    lines.append(blinding_sentence(report.blinding_index))
    if primary is not None and primary.strata is not None:
        cells = strata_words(primary.strata)
        lines.append(f"{primary.name} by what you took and guessed: {cells}.")
    described = [guess_sentence(o.name, o.with_guess) for o in report.outcomes]
    lines += [line for line in described if line]
    lines.append(GUESS_CAVEAT)
    if report.cgrc is not None:
        lines.append(f"{PRIMARY_OUTCOME}: {cgrc_sentence(report.cgrc)}")
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
        "verdict": o.verdict,
        "verdict_text": verdict_words(o),
        "primary_interval": PRIMARY_INTERVAL,
        "note": o.note,
        "effect": effect_dict(o.effect) if o.effect else None,
        "randomisation": randomisation_dict(o.randomisation) if o.randomisation else None,
        "posterior": posterior_dict(o.posterior, o.mid) if o.posterior else None,
        "posterior_text": posterior_sentence(o) or None,
        "after_dose_days": after_dose_dict(o.after_dose) if o.after_dose else None,
        "with_guess": (
            {k: coefficient_dict(c) for k, c in o.with_guess.items()} if o.with_guess else None
        ),
        "with_guess_text": guess_sentence(o.name, o.with_guess),
    }
    if o.strata is not None:
        data["strata"] = strata_dict(o.strata)
        data["strata_text"] = strata_words(o.strata)
    return data


def _interval(ci: tuple[float, float]) -> list[float | None]:
    return [num(ci[0]), num(ci[1])]


def effect_dict(e: PairedEffect) -> dict[str, Any]:
    """The mean within-block difference with its paired t interval and p-value."""
    return {
        "estimate": num(e.estimate),
        "se": num(e.se),
        "ci95": _interval(e.ci95),
        "df": e.df,
        "p": pval(e.p),
        "blocks": e.blocks,
        "method": e.method,
    }


def randomisation_dict(r: SignFlipTest) -> dict[str, Any]:
    """The randomisation test's p-value, its inverted 95% interval (null ends when
    unbounded) and the allocations it drew from."""
    return {
        "p": pval(r.p),
        "ci95": _interval(r.ci95),
        "bounded": r.bounded,
        "smallest_possible_p": pval(r.smallest_p),
        "method": r.method + "; 95% interval by inverting the test over a shift",
        "allocations": r.allocations,
        "draws": r.draws,
        "blocks": r.blocks,
    }


def after_dose_dict(a: AfterDoseEffect) -> dict[str, Any]:
    """The secondary comparison of the days after active and placebo dose days: the paired
    effect's numbers (:func:`effect_dict`), the days counted, then its own method."""
    data = effect_dict(a.effect)
    del data["method"]  # the generic paired-t one; this comparison's method comes last
    return data | {
        "n_active_days": a.n_active_days,
        "n_placebo_days": a.n_placebo_days,
        "method": a.method,
    }


def posterior_dict(post: Posterior, mid: float) -> dict[str, Any]:
    """The posterior probabilities of benefit and harm, its summary and its prior."""
    return {
        "prob_benefit": num(post.prob_benefit),
        "prob_harm": num(post.prob_harm),
        "mean": num(post.mean),
        "sd": num(post.sd),
        "ci95": _interval(post.ci95),
        "prior": post.prior,
        "prior_text": prior_words(post.prior, mid),
        "prior_sd": num(post.prior_sd),
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
        "primary_outcome": PRIMARY_OUTCOME,
        "verdict": report.primary.verdict if report.primary else "too_little_data",
        "primary_interval": PRIMARY_INTERVAL,
        "primary_interval_why": PRIMARY_WHY,
        "expectancy": trial_expectancy(trial),
        "expectancy_text": expectancy_sentence(trial_expectancy(trial)),
        "prior": report.prior,
        "outcomes": {o.name: outcome_dict(o) for o in report.outcomes},
        "blinding_index": bang_dict(report.blinding_index),
        "guess_caveat": GUESS_CAVEAT,
        "cgrc": cgrc_dict(report.cgrc),
        "cgrc_note": report.cgrc_note,
        "conclusion": conclusion(report),
    }


def cgrc_dict(curve: CgrcResult | None) -> dict[str, Any] | None:
    """The correct guess rate curve: ``curve`` = ``[{cgr, estimate, ci95}]``,
    ``at_chance`` = ``{estimate, ci95, observed_cgr}``, its assumption in words."""
    if curve is None:
        return None
    chance = curve.at_chance
    return {
        "curve": [
            {"cgr": p.cgr, "estimate": num(p.estimate), "ci95": _interval(p.ci95)}
            for p in curve.curve
        ],
        "at_chance": {
            "estimate": num(chance.estimate),
            "ci95": _interval(chance.ci95),
            "observed_cgr": curve.observed_cgr,
        },
        "observed_cgr": curve.observed_cgr,
        "observed_effect": num(curve.observed_effect),
        "counts": curve.counts,
        "n": curve.n,
        "pseudo_trials": curve.pseudo_trials,
        "seed": curve.seed,
        "method": curve.method,
        "assumption": curve.assumption,
        "text": cgrc_sentence(curve),
    }


def change_dict(change: ArmModel | None) -> dict[str, Any] | None:
    """The secondary change-score model: every arm vs placebo on value − baseline."""
    if change is None:
        return None
    return {
        "formula": change.formula,
        "effect": coefficient_dict(change.effect),
        "arms": {label: {"effect": coefficient_dict(c)} for label, c in change.arms.items()},
    }


def study_dict(
    result: StudyResult, dropped: int, outcome: str | None, posterior: Posterior | None = None
) -> dict[str, Any]:
    """``trial analyze`` as JSON (the issue's shape, plus outcome, timepoints and notes);
    with ``posterior`` (``--mid``) its probability, the prior named in the conclusion."""
    text = study_conclusion(result)
    if posterior is not None:
        text += " " + probability_sentence(posterior, "study")
    if result.cgrc is not None:
        text += " " + cgrc_sentence(result.cgrc)
    return {
        "outcome": outcome,
        "n": result.n,
        "participants": result.participants,
        "timepoints": list(result.timepoints),
        "method": result.method,
        "formula": result.formula,
        "effect": coefficient_dict(result.effect),
        "arms": {label: {"effect": coefficient_dict(c)} for label, c in result.arms.items()},
        "adjustment": {name: coefficient_dict(c) for name, c in result.adjustment.items()},
        "change": change_dict(result.change),
        "moderators": {
            name: {label: {"interaction": coefficient_dict(c)} for label, c in terms.items()}
            for name, terms in result.moderators.items()
        },
        "with_guess": (
            {k: coefficient_dict(c) for k, c in result.with_guess.items()}
            if result.with_guess
            else None
        ),
        "strata": strata_dict(result.strata),
        "blinding_index": bang_dict(result.blinding_index),
        "rows_without_value": dropped,
        "notes": list(result.notes),
        "posterior": posterior_dict(posterior, posterior.mid) if posterior else None,
        "cgrc": cgrc_dict(result.cgrc),
        "conclusion": text,
    }


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


def _cgrc_chart(data: dict[str, Any]) -> str | None:
    """The correct guess rate curve as an SVG data URI for the PDF (None without one)."""
    import base64

    from microdose.reports.charts import cgrc_chart, to_svg

    if not data.get("cgrc"):
        return None
    svg = to_svg(cgrc_chart(data["cgrc"], outcome=data.get("primary_outcome") or "the outcome"))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def write_report_pdf(data: dict[str, Any], path: Path) -> Path:
    """The trial report as a PDF."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from weasyprint import HTML

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    html = env.get_template("trial_report.html").render(r=data, cgrc_chart=_cgrc_chart(data))
    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(str(path))
    return path
