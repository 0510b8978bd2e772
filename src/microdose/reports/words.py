"""Small wording rules, one place for the CLI, the pages and the PDF.

``plural(1, "point")`` is "1 point"; a range whose ends round to the same value is shown
once ("2.0 mg", not "2.0–2.0 mg"); a questionnaire's flag is said in words; each scale
says which direction is better; and the change worth reading on each questionnaire is said
from the domain's one table of it (``CHANGE_GUIDES``). Nothing here imports more than the
domain.
"""

from __future__ import annotations

from collections.abc import Iterable

from microdose.domain.instrument_cutoffs import CHANGE_GUIDES

__all__ = [
    "CHART_CAPTIONS",
    "FLAG_WORDS",
    "better_text",
    "change_short",
    "change_text",
    "flag_text",
    "plural",
    "range_text",
]

#: what each chart shows and how to read it, beside the chart on every page
CHART_CAPTIONS = {
    "mood": "Mood each day, dose days marked. Single days are noisy: read the dose-day "
    "effect and its interval in the table below.",
    "scores": "Questionnaire totals over their severity bands; the error bar is the change "
    "that measurement noise alone can produce.",
    "effects": "Dose-day and day-after effects on each rating, with 95% intervals. An "
    "interval that crosses zero is compatible with no effect.",
    "side_effects": "Share of dose days and of other days with each side effect.",
}
#: the instruments' rule-based flags (``domain.instruments``), in words
FLAG_WORDS: dict[str, str] = {
    "suicidal_ideation": "thoughts of being better off dead or of self-harm (PHQ-9 item 9)",
    "meaningless_life": "life felt meaningless (DASS-21 item 21)",
    "poor_wellbeing": "poor well-being (WHO-5 raw score below 13)",
    "likely_depression": "screens positive for depression (WHO-5 at or below 28%)",
}
#: which way is better, for the scales and the daily ratings
LOWER_IS_BETTER = frozenset({"phq9", "gad7", "dass21", "anxiety"})


def plural(count: float, singular: str, many: str | None = None) -> str:
    """``1 point``, ``2 points``, ``0 days``, ``1.5 points``; ``many`` for irregular words."""
    word = singular if abs(count) == 1 else (many or f"{singular}s")
    shown = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{shown} {word}"


def range_text(low: float, high: float, unit: str = "", digits: int = 1) -> str:
    """``1.6–2.4 mg``, or ``2.0 mg`` when both ends round to the same value."""
    lo, hi = f"{low:.{digits}f}", f"{high:.{digits}f}"
    suffix = f" {unit}" if unit else ""
    return f"{lo}{suffix}" if lo == hi else f"{lo}–{hi}{suffix}"


def flag_text(flags: Iterable[str]) -> str:
    """The flags in words, joined by semicolons; "none" when there are none."""
    words = [FLAG_WORDS.get(flag, flag.replace("_", " ")) for flag in flags]
    return "; ".join(words) or "none"


def better_text(key: str) -> str:
    """``lower is better`` or ``higher is better`` for an instrument key or a rating name."""
    return "lower is better" if key in LOWER_IS_BETTER else "higher is better"


def change_short(key: str) -> str | None:
    """``reliable at 6 points or more, NHS Talking Therapies``: the change worth reading on
    an instrument, for a table cell (None where our reference has no figure, e.g. DASS-21)."""
    guide = CHANGE_GUIDES.get(key)
    if guide is None:
        return None
    return f"{guide.kind} at {guide.size:g} {guide.unit} or more, {guide.source}"


def change_text(key: str) -> str | None:
    """``a change of 6 points or more is reliable (NHS Talking Therapies)``; WHO-5's is
    ``meaningful`` (our reference gives it no reliable-change figure); None without a figure.

    Examples
    --------
    >>> change_text("phq9")
    'a change of 6 points or more is reliable (NHS Talking Therapies)'
    >>> change_text("who5")
    'a change of 10 percentage points or more is meaningful (Topp et al. 2015)'
    """
    guide = CHANGE_GUIDES.get(key)
    if guide is None:
        return None
    return f"a change of {guide.size:g} {guide.unit} or more is {guide.kind} ({guide.source})"
