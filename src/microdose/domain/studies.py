"""Studies: arms, the schedule of assessments by study day, invitation codes, consent hashes.

Pure: no I/O. A study day is counted from the participant's enrolment (day 0 is the local
day they enrolled); the schedule says which instruments are due on which study day, and a
response counts for a scheduled assessment when it falls within ``window_days`` of it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from microdose.domain.errors import InvalidInput
from microdose.domain.instruments import get_instrument
from microdose.domain.protocols import Protocol

__all__ = [
    "ARM_KINDS",
    "COMPARATOR",
    "OBSERVATIONAL",
    "OUTCOMES",
    "STATUSES",
    "Arm",
    "Assessment",
    "StudySpec",
    "code_digest",
    "completion",
    "consent_digest",
    "make_code",
    "normalise_code",
    "parse_arms",
    "parse_schedule",
    "study_day",
    "validate_spec",
]

#: Arm kinds. ``comparator`` is a group that does not microdose (Rootman et al. 2022,
#: Sci Rep, compared microdosers with non-microdosers).
ARM_KINDS: tuple[str, ...] = ("open-label", "self-blinded", "placebo-controlled", "comparator")
COMPARATOR = "comparator"
#: Protocol value of a study that prescribes none (participants keep their own).
OBSERVATIONAL = "observational"
PROTOCOLS: tuple[str, ...] = (OBSERVATIONAL, *(p.value for p in Protocol))
#: draft (being set up), recruiting (codes can be used), closed (no new enrolments)
STATUSES: tuple[str, ...] = ("draft", "recruiting", "closed")
#: Outcomes the cohort analyses use: instrument score or DASS-21 subscale.
OUTCOMES: tuple[str, ...] = (
    "phq9", "gad7", "who5", "dass21_depression", "dass21_anxiety", "dass21_stress"
)
MAX_DAY = 3650
MAX_WINDOW = 30
MAX_TITLE = 200
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
#: Crockford base32 without I, L, O, U: codes read aloud or typed from paper
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10


@dataclass(frozen=True)
class Arm:
    """One arm: a short name (``microdose``) and its kind (one of :data:`ARM_KINDS`)."""

    name: str
    kind: str


@dataclass(frozen=True)
class Assessment:
    """Instruments due on one study day."""

    day: int
    instruments: tuple[str, ...]


@dataclass(frozen=True)
class StudySpec:
    """Everything a researcher defines about a study.

    Attributes
    ----------
    title : str
        Shown to participants.
    arms : tuple of Arm
        At least one; names unique.
    schedule : tuple of Assessment
        Instruments by study day (day 0 = enrolment day), days unique and rising.
    protocol : str
        A dosing protocol (``fadiman`` …) or ``observational``.
    duration_days : int
        Last study day; data after it are not part of the study.
    window_days : int
        A response up to this many days before or after a scheduled day counts for it.
    description : str or None
        Free text for participants.
    export_dates : bool
        Whether exports may carry calendar dates (otherwise study days only).
    export_free_text : bool
        Whether exports may carry free-text notes and journal entries.
    """

    title: str
    arms: tuple[Arm, ...]
    schedule: tuple[Assessment, ...]
    protocol: str = OBSERVATIONAL
    duration_days: int = 28
    window_days: int = 2
    description: str | None = None
    export_dates: bool = False
    export_free_text: bool = False

    @property
    def instruments(self) -> tuple[str, ...]:
        """Every instrument the schedule uses, in first-use order."""
        return tuple(dict.fromkeys(i for a in self.schedule for i in a.instruments))


def parse_arms(text: str) -> tuple[Arm, ...]:
    """Arms from ``"microdose=open-label,comparison=comparator"`` (a bare kind names itself).

    Examples
    --------
    >>> parse_arms("md=self-blinded, pl=placebo-controlled")[1]
    Arm(name='pl', kind='placebo-controlled')
    >>> parse_arms("open-label")
    (Arm(name='open-label', kind='open-label'),)
    """
    arms = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        name, _, kind = part.partition("=")
        kind = (kind or name).strip().lower()
        arms.append(Arm(name.strip().lower(), kind))
    return _checked_arms(arms)


def _checked_arms(arms: Sequence[Arm]) -> tuple[Arm, ...]:
    if not arms:
        raise InvalidInput("arms", "give at least one arm", "NAME=KIND, KIND: " + _kinds())
    for arm in arms:
        if arm.kind not in ARM_KINDS:
            raise InvalidInput("arms", f"unknown arm kind {arm.kind!r}", _kinds())
        if not _NAME.fullmatch(arm.name):
            raise InvalidInput(
                "arms", f"bad arm name {arm.name!r}", "1-32 of a-z, 0-9, '-', '_'"
            )
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise InvalidInput("arms", "arm names must be unique")
    return tuple(arms)


def _kinds() -> str:
    return ", ".join(ARM_KINDS)


def parse_schedule(text: str) -> tuple[Assessment, ...]:
    """A schedule from ``"0:phq9,gad7,dass21; 14:phq9; 28:phq9,dass21"``.

    Examples
    --------
    >>> parse_schedule("0:phq9,dass21;28:PHQ-9")
    (Assessment(day=0, instruments=('phq9', 'dass21')), Assessment(day=28, instruments=('phq9',)))
    """
    items = []
    for part in (p.strip() for p in str(text).split(";")):
        if not part:
            continue
        day_text, sep, names = part.partition(":")
        if not sep or not day_text.strip().isdigit():
            raise InvalidInput(
                "schedule", f"{part!r} is not DAY:INSTRUMENT,…", "e.g. 0:phq9,dass21;28:phq9"
            )
        keys = tuple(get_instrument(n.strip()).key for n in names.split(",") if n.strip())
        items.append(Assessment(int(day_text), keys))
    return _checked_schedule(items)


def _checked_schedule(items: Sequence[Assessment]) -> tuple[Assessment, ...]:
    if not items:
        raise InvalidInput("schedule", "give at least one assessment", "e.g. 0:phq9;28:phq9")
    days = [a.day for a in items]
    if days != sorted(set(days)):
        raise InvalidInput("schedule", "study days must be unique and rising")
    for item in items:
        if not 0 <= item.day <= MAX_DAY:
            raise InvalidInput("schedule", f"day {item.day} is out of range", f"0-{MAX_DAY}")
        if not item.instruments or len(set(item.instruments)) != len(item.instruments):
            raise InvalidInput("schedule", f"day {item.day}: list each instrument once")
        for key in item.instruments:
            get_instrument(key)
    return tuple(items)


def validate_spec(spec: StudySpec) -> StudySpec:
    """Check every field of ``spec``; returns it with a stripped title."""
    title = " ".join(str(spec.title).split())
    if not 1 <= len(title) <= MAX_TITLE:
        raise InvalidInput("title", "is empty or too long", f"1-{MAX_TITLE} characters")
    _checked_arms(spec.arms)
    schedule = _checked_schedule(spec.schedule)
    if spec.protocol not in PROTOCOLS:
        raise InvalidInput("protocol", f"unknown protocol {spec.protocol!r}", ", ".join(PROTOCOLS))
    if not 1 <= spec.duration_days <= MAX_DAY:
        raise InvalidInput("duration_days", "is out of range", f"1-{MAX_DAY}")
    if schedule[-1].day > spec.duration_days:
        raise InvalidInput("schedule", "has a day after the study's last day", "0-duration")
    if not 0 <= spec.window_days <= MAX_WINDOW:
        raise InvalidInput("window_days", "is out of range", f"0-{MAX_WINDOW}")
    return StudySpec(**{**spec.__dict__, "title": title})


def study_day(start: date, day: date) -> int:
    """Study day of calendar ``day`` for a participant who enrolled on ``start`` (day 0)."""
    return (day - start).days


def make_code() -> str:
    """A fresh invitation code, ``XXXXX-XXXXX`` (50 random bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(text: str) -> str:
    """A code as typed (any case, spaces, hyphens; O→0, I/L→1) in its canonical form."""
    cleaned = re.sub(r"[\s-]", "", str(text)).upper()
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        raise InvalidInput("code", "is not an invitation code", "XXXXX-XXXXX")
    return f"{cleaned[:5]}-{cleaned[5:]}"


def code_digest(code: str) -> str:
    """SHA-256 of the canonical code: only digests are stored."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def consent_digest(text: str) -> str:
    """SHA-256 of a consent text (UTF-8), proving which text was accepted."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Due:
    """One scheduled assessment of one participant and whether it was done."""

    day: int
    instrument: str
    done: bool


def completion(
    schedule: Iterable[Assessment],
    answered: Mapping[str, Iterable[int]],
    *,
    current_day: int,
    window_days: int,
) -> list[Due]:
    """Scheduled assessments due by ``current_day`` and whether each was answered.

    ``answered`` maps an instrument to the study days it was answered on. An assessment is
    due once its window has closed (``day + window_days < current_day``) or it was answered.

    Examples
    --------
    >>> sched = parse_schedule("0:phq9;14:phq9")
    >>> [d.done for d in completion(sched, {"phq9": [1]}, current_day=20, window_days=2)]
    [True, False]
    """
    days = {key: sorted(set(values)) for key, values in answered.items()}
    out = []
    for item in schedule:
        for key in item.instruments:
            done = any(abs(d - item.day) <= window_days for d in days.get(key, ()))
            if done or item.day + window_days < current_day:
                out.append(Due(item.day, key, done))
    return out
