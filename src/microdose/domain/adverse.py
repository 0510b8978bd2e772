"""Adverse events: the known side effects, a 1–4 grade, and when advice and an alert are due.

Categories are the side effects reported with microdosing (``domain.checkins.SIDE_EFFECTS``).
Grades follow the general grading of the NCI Common Terminology Criteria for Adverse Events
(CTCAE v5.0, 2017): 1 mild, 2 moderate, 3 severe or medically significant,
4 life-threatening. Grade 3 or more, or perceptual effects on what should be a
sub-perceptual dose, bring advice to stop and contact a clinician, and an alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microdose.domain.checkins import SIDE_EFFECTS, normalise_side_effect
from microdose.domain.errors import InvalidInput
from microdose.domain.protocols import parse_date

CATEGORIES: tuple[str, ...] = SIDE_EFFECTS
#: CTCAE v5.0 general grades (grade 5, death, is not something a person records)
GRADES: dict[int, str] = {1: "mild", 2: "moderate", 3: "severe", 4: "life-threatening"}
#: grade from which the advice to stop and an alert follow
SERIOUS_GRADE = 3
#: a microdose is meant to be sub-perceptual: perceptual effects mean it was not
PERCEPTUAL = "perceptual effects"
#: what the person did about it
ACTIONS: tuple[str, ...] = (
    "none",
    "dose-reduced",
    "paused",
    "stopped",
    "clinician-contacted",
    "emergency-care",
)
MAX_NOTES = 2000
_GRADES_ALLOWED = ", ".join(f"{k} ({v})" for k, v in GRADES.items())

STOP_ADVICE = (
    "Stop microdosing and contact a clinician (your doctor or the clinician who oversees "
    "your programme) about this before any further dose."
)
EMERGENCY_ADVICE = "If you are in danger now, call your emergency number (resources below)."
PERCEPTUAL_ADVICE = (
    "Perceptual effects mean this was not a sub-perceptual dose: the amount or the material's "
    "potency was higher than intended."
)


@dataclass(frozen=True)
class AdverseInput:
    """A validated adverse event."""

    category: str
    grade: int
    start: date
    end: date | None = None
    action: str | None = None
    notes: str | None = None

    @property
    def grade_label(self) -> str:
        """``mild``, ``moderate``, ``severe`` or ``life-threatening``."""
        return GRADES[self.grade]


def check_grade(grade: object) -> int:
    """A grade must be a whole number 1–4."""
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in GRADES:
        raise InvalidInput("grade", f"{grade!r} is not a grade", allowed=_GRADES_ALLOWED)
    return grade


def check_action(action: str | None) -> str | None:
    """An action from ``ACTIONS`` (case and spaces ignored), or None."""
    if action is None:
        return None
    key = "-".join(action.casefold().replace("_", " ").split())
    if key not in ACTIONS:
        raise InvalidInput("action", f"{action!r} is not known", allowed=", ".join(ACTIONS))
    return key


def _day(value: date | str | None, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return parse_date(value, field)


def make_adverse(
    category: str,
    grade: object,
    *,
    today: date,
    start: date | str | None = None,
    end: date | str | None = None,
    action: str | None = None,
    notes: str | None = None,
) -> AdverseInput:
    """Validate an adverse event; ``start`` defaults to ``today``.

    Examples
    --------
    >>> event = make_adverse("Headache", 2, today=date(2026, 1, 10))
    >>> event.category, event.grade_label, event.start
    ('headache', 'moderate', datetime.date(2026, 1, 10))
    """
    first = _day(start, "start") or today
    last = _day(end, "end")
    if first > today:
        raise InvalidInput("start", "cannot be in the future", allowed="today or earlier")
    if last is not None and not first <= last <= today:
        raise InvalidInput("end", "must be on or after the start and not in the future")
    text = notes.strip() if notes else None
    if text and len(text) > MAX_NOTES:
        raise InvalidInput("notes", f"is longer than {MAX_NOTES} characters")
    return AdverseInput(
        category=_category(category),
        grade=check_grade(grade),
        start=first,
        end=last,
        action=check_action(action),
        notes=text or None,
    )


def _category(text: str) -> str:
    try:
        return normalise_side_effect(text)
    except InvalidInput as exc:
        raise InvalidInput("category", f"{text!r} is not known", ", ".join(CATEGORIES)) from exc


def is_serious(event: AdverseInput) -> bool:
    """Grade 3 or more, or perceptual effects on a microdose: advice and an alert."""
    return event.grade >= SERIOUS_GRADE or event.category == PERCEPTUAL


def advice(event: AdverseInput) -> str | None:
    """What to do now, for a serious event; None otherwise."""
    if not is_serious(event):
        return None
    parts = [STOP_ADVICE]
    if event.category == PERCEPTUAL:
        parts.insert(0, PERCEPTUAL_ADVICE)
    if event.grade >= max(GRADES):
        parts.append(EMERGENCY_ADVICE)
    return " ".join(parts)
