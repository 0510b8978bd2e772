"""The safety screen and the crisis triggers: pure rules with their sources.

Every rule names its source (``docs/safety.md``, "The rules" and "Crisis flow").
Severities are ``block`` > ``warn`` > ``note``; the verdict is the worst severity found
(``ok`` when there is nothing worse than a note). Anything the screen does not recognise
is ``warn`` ("not recognised — ask a clinician"), never ``ok``. The dose guards (tolerance,
the 5-HT2B caution) are in ``domain.tolerance``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from microdose.domain import medications
from microdose.domain.errors import InvalidInput

BLOCK, WARN, NOTE, OK = "block", "warn", "note", "ok"
SEVERITIES: tuple[str, ...] = (BLOCK, WARN, NOTE)
VERDICTS: tuple[str, ...] = (OK, WARN, BLOCK)
_RANK = {BLOCK: 0, WARN: 1, NOTE: 2}

#: a screen is due again this many days after the last one (and whenever medications change)
RESCREEN_DAYS = 28
#: PHQ-9 rise from baseline that counts as a reliable deterioration (NHS Talking Therapies: 6)
PHQ9_RELIABLE_DETERIORATION = 6
MAX_ITEM_LENGTH = 100

SAFETY_TABLE = "CLINICAL.md, Safety screen"
UNKNOWN_WHY = "not recognised — ask a clinician"


@dataclass(frozen=True)
class Rule:
    """One row of the safety table.

    Attributes
    ----------
    severity : str
        ``block``, ``warn`` or ``note``.
    why : str
        The reason shown to the person.
    source : str
        Where the rule comes from.
    crisis : bool
        Whether the item starts the crisis flow.
    """

    severity: str
    why: str
    source: str
    crisis: bool = False


_PSYCHOSIS = Rule(
    BLOCK,
    "a personal or family history of psychosis, schizophrenia, mania or bipolar disorder "
    "excludes people from every psilocybin trial: risk of psychosis",
    f"{SAFETY_TABLE}: exclusion criterion of every trial",
)
_PREGNANCY = Rule(
    BLOCK,
    "pregnancy or breastfeeding excludes people from every trial; there are no safety data",
    f"{SAFETY_TABLE}: exclusion criterion of every trial",
)

#: conditions the screen knows (the documented vocabulary) and their rules
CONDITION_RULES: dict[str, Rule] = {
    "psychosis": _PSYCHOSIS,
    "schizophrenia": _PSYCHOSIS,
    "mania": _PSYCHOSIS,
    "bipolar": _PSYCHOSIS,
    "family-psychosis": _PSYCHOSIS,
    "family-schizophrenia": _PSYCHOSIS,
    "family-mania": _PSYCHOSIS,
    "family-bipolar": _PSYCHOSIS,
    "pregnancy": _PREGNANCY,
    "breastfeeding": _PREGNANCY,
    "heart-valve-disease": Rule(
        WARN,
        "psilocin is a 5-HT2B agonist; a risk to heart valves is not excluded",
        "Tagen et al. 2023; Rouaud et al. 2023",
    ),
    "seizures": Rule(
        WARN,
        "seizures are reported when psychedelics meet lithium, and tramadol and bupropion "
        "lower the seizure threshold; there are no data on microdosing with a seizure "
        "disorder — ask a clinician",
        "no direct source (unconfirmed); related: Nayak et al. 2021, Pharmacopsychiatry 54:240",
    ),
    "suicidal-thoughts": Rule(
        WARN,
        "active thoughts of being better off dead or of hurting yourself: the crisis flow "
        "starts (help now, and an acknowledgement of it before any dose)",
        "CLINICAL.md, Crisis flow; Simon et al. 2013, Psychiatr Serv 64:1195",
        crisis=True,
    ),
}

CONDITION_ALIASES: dict[str, str] = {
    "bipolar-disorder": "bipolar",
    "schizoaffective": "psychosis",
    "schizoaffective-disorder": "psychosis",
    "psychotic-disorder": "psychosis",
    "family-bipolar-disorder": "family-bipolar",
    "pregnant": "pregnancy",
    "breast-feeding": "breastfeeding",
    "lactation": "breastfeeding",
    "heart-valve": "heart-valve-disease",
    "valvular-heart-disease": "heart-valve-disease",
    "valvulopathy": "heart-valve-disease",
    "epilepsy": "seizures",
    "seizure": "seizures",
    "suicidal-ideation": "suicidal-thoughts",
    "suicidal": "suicidal-thoughts",
}

#: the rule of each medication class (keys used by ``domain.medications``)
MEDICATION_RULES: dict[str, Rule] = {
    "lithium": Rule(
        BLOCK,
        "seizures in 47% of 62 reports of lithium taken with psychedelics",
        "Nayak et al. 2021, Pharmacopsychiatry 54:240",
    ),
    "maoi": Rule(
        WARN,
        "major interaction: MAO inhibition potentiates psilocybin. Sources disagree: the "
        "widely used TripSit chart rates MAOIs with psilocybin 'low risk & synergy'; "
        "microdose rates it warn (major)",
        f"{SAFETY_TABLE}: MAOIs (incl. ayahuasca-type), potentiation",
    ),
    "tramadol": Rule(
        WARN,
        "major interaction: tramadol lowers the seizure threshold and is serotonergic",
        f"{SAFETY_TABLE}: tramadol (source unconfirmed)",
    ),
    "ssri-snri": Rule(
        WARN,
        "serotonergic antidepressants blunt psilocybin's effects; never stop them abruptly — "
        "changes need your prescriber",
        "Gukasyan et al. 2023",
    ),
    "bupropion": Rule(
        NOTE,
        "less blunting than SSRIs, but bupropion lowers the seizure threshold",
        f"{SAFETY_TABLE}: bupropion",
    ),
    "antipsychotic": Rule(
        NOTE,
        "antipsychotics attenuate psilocybin's effects; if yours is for psychosis, "
        "schizophrenia, mania or bipolar disorder, that history is itself a block: declare "
        "it as a condition",
        f"{SAFETY_TABLE}: antipsychotics",
    ),
}

_UNKNOWN = Rule(WARN, UNKNOWN_WHY, "microdose rule: what the screen cannot recognise is never ok")


@dataclass(frozen=True)
class Reason:
    """One finding of the screen: its severity, the item, why, and the source."""

    severity: str
    item: str
    why: str
    source: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready reason: ``{"severity", "item", "why", "source"}``."""
        return {"severity": self.severity, "item": self.item, "why": self.why,
                "source": self.source}


@dataclass(frozen=True)
class ScreenResult:
    """The verdict and its reasons.

    Attributes
    ----------
    verdict : str
        ``ok``, ``warn`` or ``block``.
    reasons : tuple of Reason
        Worst first.
    conditions : tuple of str
        Conditions in the vocabulary's spelling (unrecognised ones as given).
    medications : tuple of str
        Medications as given (trimmed).
    generics : tuple of str
        Recognised generic names (or class names), sorted: what "medications changed" compares.
    crisis : bool
        Whether an item starts the crisis flow.
    """

    verdict: str
    reasons: tuple[Reason, ...]
    conditions: tuple[str, ...]
    medications: tuple[str, ...]
    generics: tuple[str, ...]
    crisis: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result: ``{"verdict", "reasons"}`` and what was declared."""
        return {
            "verdict": self.verdict,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "conditions": list(self.conditions),
            "medications": list(self.medications),
        }


def clean_item(text: str, field: str) -> str:
    stripped = " ".join(str(text).split())
    if not stripped:
        raise InvalidInput(field, "is empty", allowed="a name")
    if len(stripped) > MAX_ITEM_LENGTH:
        raise InvalidInput(field, f"is longer than {MAX_ITEM_LENGTH} characters")
    return stripped


def normalise_condition(text: str) -> str:
    """The vocabulary's spelling of a condition (``" Bipolar Disorder"`` → ``bipolar``).

    Unrecognised conditions come back cleaned but otherwise as given.

    Examples
    --------
    >>> normalise_condition("  Family_Bipolar ")
    'family-bipolar'
    >>> normalise_condition("Epilepsy")
    'seizures'
    """
    cleaned = clean_item(text, "condition")
    key = re.sub(r"[\s_]+", "-", cleaned.casefold()).strip("-")
    key = CONDITION_ALIASES.get(key, key)
    return key if key in CONDITION_RULES else cleaned


def _condition_reasons(conditions: Iterable[str]) -> tuple[list[Reason], bool]:
    reasons, crisis = [], False
    for condition in conditions:
        rule = CONDITION_RULES.get(condition, _UNKNOWN)
        crisis = crisis or rule.crisis
        why = rule.why if condition in CONDITION_RULES else f"condition {UNKNOWN_WHY}"
        reasons.append(Reason(rule.severity, condition, why, rule.source))
    return reasons, crisis


def _medication_reason(text: str, found: medications.Medication) -> Reason:
    rule = MEDICATION_RULES[found.rule]
    named = medications.match_key(text) == medications.match_key(found.generic)
    same = found.drug_class == found.generic
    what = found.generic if same else f"{found.generic} ({found.drug_class})"
    lead = what if named else f"{text} is {what}"
    return Reason(rule.severity, text, f"{lead}: {rule.why}", rule.source)


def _medication_reasons(given: Iterable[str]) -> tuple[list[Reason], set[str]]:
    reasons: list[Reason] = []
    generics: set[str] = set()
    for text in given:
        found = medications.lookup(text)
        if found:
            for item in found:
                if item.generic not in generics:
                    generics.add(item.generic)
                    reasons.append(_medication_reason(text, item))
            continue
        cls = medications.CLASS_NAMES.get(medications.match_key(text))
        if cls is not None:
            rule = MEDICATION_RULES[cls[0]]
            generics.add(cls[1])
            reasons.append(Reason(rule.severity, text, f"{cls[1]}: {rule.why}", rule.source))
            continue
        generics.add(medications.match_key(text))
        reasons.append(Reason(WARN, text, f"medication {UNKNOWN_WHY}", _UNKNOWN.source))
    return reasons, generics


def verdict_of(reasons: Iterable[Reason]) -> str:
    """``block`` if any reason blocks, else ``warn`` if any warns, else ``ok``."""
    severities = {reason.severity for reason in reasons}
    for severity in (BLOCK, WARN):
        if severity in severities:
            return severity
    return OK


def screen(
    conditions: Sequence[str] = (),
    medications_taken: Sequence[str] = (),
    *,
    pregnant: bool = False,
    breastfeeding: bool = False,
) -> ScreenResult:
    """Screen conditions, medications and pregnancy against the safety table.

    Examples
    --------
    >>> screen(medications_taken=["Prozac"]).verdict
    'warn'
    >>> screen(medications_taken=[" LITHOBID "]).verdict
    'block'
    >>> screen().verdict
    'ok'
    """
    named = [normalise_condition(c) for c in conditions]
    named += ["pregnancy"] * pregnant + ["breastfeeding"] * breastfeeding
    unique_conditions = tuple(dict.fromkeys(named))
    taken = tuple(dict.fromkeys(clean_item(m, "medication") for m in medications_taken))
    condition_reasons, crisis = _condition_reasons(unique_conditions)
    medication_reasons, generics = _medication_reasons(taken)
    reasons = sorted(condition_reasons + medication_reasons, key=lambda r: _RANK[r.severity])
    return ScreenResult(
        verdict=verdict_of(reasons),
        reasons=tuple(reasons),
        conditions=unique_conditions,
        medications=taken,
        generics=tuple(sorted(generics)),
        crisis=crisis,
    )


def medication_changes(before: Collection[str], after: Collection[str]) -> dict[str, list[str]]:
    """Generic names added and removed between two screens."""
    return {"added": sorted(set(after) - set(before)), "removed": sorted(set(before) - set(after))}


def rescreen_due(screened_at: datetime) -> datetime:
    """When the next screen is due: ``RESCREEN_DAYS`` after the last one."""
    return screened_at + timedelta(days=RESCREEN_DAYS)


def rescreen_reason(
    screened_at: datetime, now: datetime, medications_changed_at: datetime | None = None
) -> str | None:
    """Why a new screen is due now, or None while the last one is current."""
    if medications_changed_at is not None and medications_changed_at >= screened_at:
        return (
            f"your medications changed on {medications_changed_at.date().isoformat()}, "
            "after your last screen"
        )
    if now >= rescreen_due(screened_at):
        return (
            f"your last screen ({screened_at.date().isoformat()}) is {RESCREEN_DAYS // 7} "
            "weeks old or more"
        )
    return None


TRIGGER_PHQ9_ITEM9 = "phq9_item9"
TRIGGER_DASS21_ITEM21 = "dass21_item21"
TRIGGER_PHQ9_DETERIORATION = "phq9_deterioration"
TRIGGER_SCREEN = "screen_suicidal_thoughts"
CRISIS_TRIGGERS: dict[str, tuple[str, str]] = {
    TRIGGER_PHQ9_ITEM9: (
        "PHQ-9 item 9 answered 1 or more: thoughts of being better off dead or of hurting "
        "yourself",
        "CLINICAL.md, Crisis flow; Simon et al. 2013, Psychiatr Serv 64:1195",
    ),
    TRIGGER_DASS21_ITEM21: (
        "DASS-21 item 21 ('I felt that life was meaningless') answered 2 or 3",
        "CLINICAL.md, Crisis flow",
    ),
    TRIGGER_PHQ9_DETERIORATION: (
        f"PHQ-9 {PHQ9_RELIABLE_DETERIORATION} or more points above your first PHQ-9: a "
        "reliable deterioration",
        "CLINICAL.md: NHS Talking Therapies reliable change on PHQ-9 = 6 points",
    ),
    TRIGGER_SCREEN: ("you said you have active suicidal thoughts", "CLINICAL.md, Crisis flow"),
}


def crisis_triggers(
    instrument: str, flags: Collection[str], total: int | None, baseline: int | None
) -> tuple[str, ...]:
    """The crisis triggers raised by one stored response.

    ``baseline`` is the total of the person's first PHQ-9 (None when this is the first).

    Examples
    --------
    >>> crisis_triggers("phq9", ["suicidal_ideation"], 18, 11)
    ('phq9_item9', 'phq9_deterioration')
    >>> crisis_triggers("phq9", [], 16, 11)
    ()
    """
    triggers: list[str] = []
    if instrument == "phq9" and "suicidal_ideation" in flags:
        triggers.append(TRIGGER_PHQ9_ITEM9)
    if instrument == "dass21" and "meaningless_life" in flags:
        triggers.append(TRIGGER_DASS21_ITEM21)
    rise = None if total is None or baseline is None else total - baseline
    if instrument == "phq9" and rise is not None and rise >= PHQ9_RELIABLE_DETERIORATION:
        triggers.append(TRIGGER_PHQ9_DETERIORATION)
    return tuple(triggers)


def crisis_message(triggers: Iterable[str]) -> str:
    """What the crisis banner says, for the given triggers."""
    listed = list(triggers)
    if any(t in (TRIGGER_PHQ9_ITEM9, TRIGGER_SCREEN) for t in listed):
        return (
            "Your answers say you may be having thoughts of being better off dead or of "
            "hurting yourself. Please reach out now: you do not have to face this alone."
        )
    if TRIGGER_DASS21_ITEM21 in listed:
        return (
            "You said life has felt meaningless. That can come with thoughts of not wanting "
            "to live: please talk to someone now — you do not have to face this alone."
        )
    return (
        "Your depression score has risen a lot since you started (a reliable worsening). "
        "Please talk to a clinician or someone you trust, and reach out now if you are in "
        "danger."
    )
