"""Numbers in words: one place for rounding and signs, shared by the CLI and the PDF.

Every estimate is written with its interval (``+0.99 (+0.52 to +1.47)``), every share with
its count and interval (``23 of 24 (96%; 95% CI 80–99%)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from microdose.analysis.adherence import Proportion
from microdose.analysis.daily import Effect
from microdose.domain.plan_history import PlanPeriod
from microdose.reports.words import plural
from microdose.services.insight import Insight, ScaleHistory

__all__ = [
    "day_text",
    "effect_text",
    "insight_text",
    "many_intervals_note",
    "plans_text",
    "proportion_text",
    "score_text",
    "signed",
]


def day_text(value: date) -> str:
    """``13 Sep 2026``."""
    return f"{value.day} {value:%b %Y}"


def signed(value: float, digits: int = 2) -> str:
    """``+0.52`` or ``−0.17``, with no sign on a value that rounds to zero."""
    if round(value, digits) == 0:
        return f"{0.0:.{digits}f}"
    return f"{value:+.{digits}f}".replace("-", "−")


def effect_text(effect: Effect | None, digits: int = 2) -> str:
    """``+0.99 (+0.52 to +1.47)`` or an em dash."""
    if effect is None:
        return "—"
    low, high = effect.ci95
    return f"{signed(effect.estimate, digits)} ({signed(low, digits)} to {signed(high, digits)})"


def proportion_text(share: Proportion) -> str:
    """``23 of 24 (96%; 95% CI 80–99%)``."""
    if share.estimate is None or share.ci95 is None:
        return f"{share.count} of {share.n}"
    low, high = share.ci95
    return (
        f"{share.count} of {share.n} ({100 * share.estimate:.0f}%; "
        f"95% CI {100 * low:.0f}–{100 * high:.0f}%)"
    )


def score_text(history: ScaleHistory, value: float, band: str | None) -> str:
    """``12 (moderate)`` or ``76% (adequate well-being)``."""
    unit = "%" if history.key == "who5" else ""
    return f"{value:g}{unit} ({band})" if band else f"{value:g}{unit}"


def change_band(history: ScaleHistory) -> str:
    """``−4 (reliable: ≥ 6)``, ``+36 (meaningful: ≥ 10)`` or an em dash."""
    change = history.change
    if change is None:
        return "—"
    band = ""
    if change.reliable_change_threshold is not None:
        band = f" (reliable: ≥ {change.reliable_change_threshold:g})"
    elif change.mcid is not None:
        band = f" (meaningful: ≥ {change.mcid:g})"
    return f"{signed(change.change, 0)}{band}"


def _scales_text(insight: Insight) -> list[str]:
    lines = ["Questionnaires: first → last, change (the change that counts as reliable)"]
    for history in insight.scales.values():
        first, last = history.points[0], history.points[-1]
        lines.append(
            f"  {history.name:<20} {score_text(history, first.value, first.band)} → "
            f"{score_text(history, last.value, last.band)}   {change_band(history)}"
        )
        if history.change is not None:
            lines.append(f"  {'':<20} {history.change.label}")
    if not insight.scales:
        lines.append("  none answered in this period")
    return lines


def many_intervals_note(insight: Insight) -> str | None:
    """What many 95% intervals side by side mean, for the dose-day table; None for one.

    With no effect at all each interval excludes zero one time in twenty, and at least one
    of ``k`` does with probability ``1 − 0.95^k`` if they were independent (ratings are
    correlated, so this is a guide).
    """
    shown = sum(effect is not None for result in insight.daily.values()
                for effect in (result.dose_day_effect, result.day_after_effect))
    if shown < 2:
        return None
    return (f"The dose-day and day-after comparisons above are {shown} intervals: with no "
            "effect at all, each excludes zero one time in twenty, and at least one of them "
            f"does about {1 - 0.95 ** shown:.0%} of the time (if they were independent). Read one "
            "interval that only just excludes zero as weak evidence.")


def _daily_text(insight: Insight) -> list[str]:
    lines = [
        "Daily ratings: dose day vs other days | day after vs off days (points, 95% CI)",
    ]
    for rating, result in insight.daily.items():
        if result.dose_day_effect is None:
            lines.append(f"  {rating:<14} {result.note}")
            continue
        lines.append(
            f"  {rating:<14} {effect_text(result.dose_day_effect):<26}| "
            f"{effect_text(result.day_after_effect):<26} {plural(result.n_days, 'day')}"
        )
    notes = {r.note for r in insight.daily.values() if r.note and r.dose_day_effect}
    lines += [f"  note: {note}" for note in sorted(notes)]
    many = many_intervals_note(insight)
    return [*lines, f"  {many}"] if many else lines


def _other_text(insight: Insight) -> list[str]:
    followed = insight.adherence
    lines = [
        f"Adherence: {proportion_text(followed.adherence)} planned dose days taken; "
        f"{plural(followed.unplanned_doses, 'unplanned dose')}; "
        f"check-ins on {proportion_text(followed.checkins)} days",
    ]
    if insight.side_effects:
        lines.append("Side effects: share of dose days | of other days")
        lines += [
            f"  {rate.side_effect:<20} {proportion_text(rate.dose_days)} | "
            f"{proportion_text(rate.off_days)}"
            for rate in insight.side_effects
        ]
    serious = [f for f in insight.flags if f["kind"] != "dose_warning"]
    lines.append(
        f"Flags: {len(serious)}"
        + "".join(f"\n  {f['date']} {f['kind']} ({f['source']})" for f in serious)
    )
    lines.append(f"Adverse events: {len(insight.data.adverse_events)}")
    return lines


def plans_text(periods: Sequence[PlanPeriod]) -> str:
    """Each plan with the days it was in effect: ``fadiman, 1 Oct 2026 – 15 Nov 2026; …``.

    Empty when at most one plan covers the period (the head line names it already).
    """
    if len(periods) < 2:
        return ""
    parts = []
    for period in periods:
        since = day_text(period.first or period.plan.start)
        until = day_text(period.last) if period.last else "now"
        parts.append(f"{period.plan.spec.protocol.value} {since} – {until}")
    return "Plans, each judging its own days: " + "; ".join(parts)


def insight_text(insight: Insight) -> str:
    """A plain-text summary of an insight for the terminal."""
    data = insight.data
    protocol = data.plan.spec.protocol.value if data.plan else "no plan"
    head = (
        f"Analysis of {day_text(data.start)} – {day_text(data.end)} "
        f"({plural(len(data.days), 'day')}, {protocol})"
    )
    plans = plans_text(data.plans)
    parts = [head, *([plans] if plans else []), "", *_scales_text(insight), "",
             *_daily_text(insight), "", *_other_text(insight)]
    return "\n".join([*parts, "", f"Read with care: {insight.caveat}"])
