"""The validated questionnaires (PHQ-9, GAD-7, WHO-5, DASS-21) and their scoring rules.

Pure: no I/O. Every cut-off is a named module-level table or constant carrying its source;
the facts come from the "Instruments" section of the project's CLINICAL.md. Item texts live
in :mod:`microdose.domain.instrument_items`.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from microdose.domain.errors import InvalidInput
from microdose.domain.instrument_items import INSTRUMENTS, Instrument

__all__ = [
    "CRISIS_FLAGS",
    "DASS21_BANDS",
    "DASS21_SUBSCALE_ITEMS",
    "GAD7_BANDS",
    "GAD7_CASENESS",
    "GAD7_MCID",
    "GAD7_RELIABLE_CHANGE",
    "GAD7_RELIABLE_IMPROVEMENT",
    "INSTRUMENTS",
    "LIKELY_DEPRESSION_PERCENT",
    "NORMS",
    "PHQ9_BANDS",
    "PHQ9_CASENESS",
    "PHQ9_MCID",
    "PHQ9_RELIABLE_IMPROVEMENT",
    "POOR_WELLBEING_RAW",
    "REMISSION_BELOW",
    "RESPONSE_FRACTION",
    "WHO5_MEANINGFUL_CHANGE_PERCENT",
    "Instrument",
    "Norm",
    "Score",
    "SubscaleScore",
    "get_instrument",
    "parse_answers",
    "score",
    "validate_answers",
]

# --------------------------------------------------------------------------------------------
# Cut-offs. A band table is a tuple of (lowest score of the band, band name), in rising order.
# --------------------------------------------------------------------------------------------

Bands = tuple[tuple[int, str], ...]

#: PHQ-9 severity: 0-4, 5-9, 10-14, 15-19, 20-27 (Kroenke, Spitzer & Williams 2001,
#: J Gen Intern Med 16:606).
PHQ9_BANDS: Bands = (
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "moderately severe"),
    (20, "severe"),
)

#: GAD-7 severity: 0-4, 5-9, 10-14, 15-21 (Spitzer et al. 2006, Arch Intern Med 166:1092).
GAD7_BANDS: Bands = (
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "severe"),
)

#: DASS-21 items of each subscale, 1-based (Lovibond & Lovibond 1995). Some web copies swap
#: the depression and anxiety lists; these are the manual's.
DASS21_SUBSCALE_ITEMS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {
        "depression": (3, 5, 10, 13, 16, 17, 21),
        "anxiety": (2, 4, 7, 9, 15, 19, 20),
        "stress": (1, 6, 8, 11, 12, 14, 18),
    }
)

#: DASS-21 bands on the DASS-42 scale, i.e. after doubling (Lovibond & Lovibond 1995).
DASS21_BANDS: Mapping[str, Bands] = MappingProxyType(
    {
        "depression": (
            (0, "normal"),
            (10, "mild"),
            (14, "moderate"),
            (21, "severe"),
            (28, "extremely severe"),
        ),
        "anxiety": (
            (0, "normal"),
            (8, "mild"),
            (10, "moderate"),
            (15, "severe"),
            (20, "extremely severe"),
        ),
        "stress": (
            (0, "normal"),
            (15, "mild"),
            (19, "moderate"),
            (26, "severe"),
            (34, "extremely severe"),
        ),
    }
)

#: DASS-21 item 21, "I felt that life was meaningless": answers >= this raise a flag.
DASS21_MEANINGLESS_ITEM = 21
DASS21_MEANINGLESS_MIN = 2

#: PHQ-9 item 9 (thoughts of being better off dead or of self-harm): answers >= this raise the
#: suicidal-ideation flag whatever the total (Simon et al. 2013, Psychiatr Serv 64:1195).
PHQ9_SUICIDE_ITEM = 9
PHQ9_SUICIDE_MIN = 1

#: WHO-5: raw < 13 (percent <= 48) means poor well-being; screen for depression
#: (Topp et al. 2015, Psychother Psychosom 84:167).
POOR_WELLBEING_RAW = 13
#: WHO-5: percent <= 28 suggests likely depression (Topp et al. 2015). UNCONFIRMED in the
#: project's clinical reference: a parameter, not a fact.
LIKELY_DEPRESSION_PERCENT = 28
#: WHO-5 percent = raw x 4 (not (raw - 5) x 4, a common web error).
WHO5_PERCENT_PER_POINT = 4

# --------------------------------------------------------------------------------------------
# Change analysis parameters (used by ``microdose.analysis``).
# --------------------------------------------------------------------------------------------

#: PHQ-9 minimal clinically important difference for an individual (Löwe et al. 2004,
#: Med Care 42:1194).
PHQ9_MCID = 5
#: NHS Talking Therapies: PHQ-9 caseness is a total *above* this value (> 9).
PHQ9_CASENESS = 9
#: NHS Talking Therapies: PHQ-9 reliable improvement is a fall of at least this many points.
PHQ9_RELIABLE_IMPROVEMENT = 6
#: GAD-7 minimal clinically important difference (Toussaint et al. 2020, J Affect Disord
#: 265:395).
GAD7_MCID = 4
#: NHS Talking Therapies: GAD-7 caseness is a total *above* this value (> 7).
GAD7_CASENESS = 7
#: NHS Talking Therapies: GAD-7 reliable improvement is a fall of at least this many points.
GAD7_RELIABLE_IMPROVEMENT = 4
#: GAD-7 reliable change in points from Bischoff et al. 2020 (a research alternative to the
#: NHS Talking Therapies convention above).
GAD7_RELIABLE_CHANGE = 6
#: WHO-5: a change of this many percentage points is meaningful (Topp et al. 2015).
WHO5_MEANINGFUL_CHANGE_PERCENT = 10
#: Response: a fall of at least this fraction of the baseline total (common trial convention).
RESPONSE_FRACTION = 0.5
#: Remission: a total below this value (common trial convention for PHQ-9).
REMISSION_BELOW = 5


@dataclass(frozen=True)
class Norm:
    """A reference-population norm for the Jacobson & Truax (1991, JCCP 59:12) reliable change.

    Attributes
    ----------
    sd : float
        Standard deviation of the total score in the reference population.
    r : float
        Test-retest reliability of the total score.
    source : str
        Where the two numbers come from.
    """

    sd: float
    r: float
    source: str


#: Norms for the reliable change index (1.96 x S_diff ~ 4.7 points for PHQ-9, ~ 6.4 for GAD-7).
NORMS: Mapping[str, Norm] = MappingProxyType(
    {
        "phq9": Norm(
            sd=4.25,
            r=0.84,
            source="CLINICAL.md norms for Jacobson & Truax 1991 (JCCP 59:12); r is the PHQ-9 "
            "test-retest reliability of Kroenke, Spitzer & Williams 2001 (J Gen Intern Med 16:606)",
        ),
        "gad7": Norm(
            sd=5.62,
            r=0.83,
            source="CLINICAL.md norms for Jacobson & Truax 1991 (JCCP 59:12); r is the GAD-7 "
            "test-retest reliability of Spitzer et al. 2006 (Arch Intern Med 166:1092)",
        ),
    }
)

#: Flags that must open the crisis flow in every interface.
CRISIS_FLAGS: frozenset[str] = frozenset({"suicidal_ideation", "meaningless_life"})


def get_instrument(key: str) -> Instrument:
    """Return the instrument named by ``key``, tolerating case, hyphens, spaces, underscores.

    Parameters
    ----------
    key : str
        ``"phq9"``, ``"PHQ-9"``, ``"gad-7"``, ``"WHO5"``, ``"DASS-21"``...

    Raises
    ------
    InvalidInput
        When no instrument has that key.
    """
    normal = re.sub(r"[\s_-]", "", key).lower() if isinstance(key, str) else ""
    if normal not in INSTRUMENTS:
        raise InvalidInput(
            "instrument", f"unknown instrument {key!r}", allowed=", ".join(INSTRUMENTS)
        )
    return INSTRUMENTS[normal]


# --------------------------------------------------------------------------------------------
# Parsing and validation.
# --------------------------------------------------------------------------------------------

_MISSING_TOKENS = frozenset({"", "-"})
_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_answers(instrument: Instrument, text: str) -> list[int | None]:
    """Parse answers typed as text, then validate them.

    Answers are separated by commas (``"1, 0, 2"``) or, when there is no comma, by
    whitespace (``"1 0 2"``). For an instrument that allows missing items (DASS-21) an empty
    field or ``"-"`` is a missing answer.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire answered.
    text : str
        The answers in item order.

    Returns
    -------
    list of (int or None)
        One answer per item; ``None`` marks a missing answer.

    Raises
    ------
    InvalidInput
        Naming the item whose answer is not a whole number, or as ``validate_answers``.
    """
    text = text.strip()
    if not text:
        raise InvalidInput("answers", f"no answers given; {_count_text(instrument)}")
    tokens = text.split(",") if "," in text else text.split()
    answers = [_parse_token(instrument, n, token.strip()) for n, token in enumerate(tokens, 1)]
    validate_answers(instrument, answers)
    return answers


def _parse_token(instrument: Instrument, item: int, token: str) -> int | None:
    if token in _MISSING_TOKENS:
        return None
    if not _INTEGER.fullmatch(token):
        raise InvalidInput(
            f"item {item}", f"{token!r} is not a whole number", allowed=instrument.answer_range
        )
    return int(token)


def parse_item(instrument: Instrument, item: int, text: str) -> int | None:
    """Parse and check one item's answer (1-based ``item``), as typed at a prompt."""
    answer = _parse_token(instrument, item, text.strip())
    _validate_answer(instrument, item, answer)
    return answer


def _count_text(instrument: Instrument) -> str:
    return f"{instrument.name} has {instrument.n_items} items"


def validate_answers(instrument: Instrument, answers: Sequence[int | None]) -> None:
    """Check the number of answers and each answer's range.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire answered.
    answers : sequence of (int or None)
        One answer per item, in item order; ``None`` is allowed only for DASS-21.

    Raises
    ------
    InvalidInput
        On the wrong number of answers (field ``"answers"``), or naming the first item whose
        answer is missing where not allowed, not a whole number (``bool`` is not) or out of
        range (field ``"item N"``, allowed e.g. ``"0-3"``).
    """
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise InvalidInput("answers", f"expected a list of answers; {_count_text(instrument)}")
    if len(answers) != instrument.n_items:
        raise InvalidInput("answers", f"{_count_text(instrument)}, got {len(answers)}")
    for n, answer in enumerate(answers, 1):
        _validate_answer(instrument, n, answer)


def _validate_answer(instrument: Instrument, item: int, answer: object) -> None:
    allowed = instrument.answer_range
    if answer is None:
        if not instrument.allows_missing:
            message = f"missing answer; every {instrument.name} item must be answered"
            raise InvalidInput(f"item {item}", message, allowed=allowed)
        return
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        raise InvalidInput(f"item {item}", f"{answer!r} is not a whole number", allowed=allowed)
    if not instrument.min_answer <= int(answer) <= instrument.max_answer:
        raise InvalidInput(f"item {item}", f"{int(answer)} is out of range", allowed=allowed)


# --------------------------------------------------------------------------------------------
# Scores.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscaleScore:
    """One DASS-21 subscale.

    Attributes
    ----------
    score : int or None
        Score on the DASS-42 scale (sum of the 7 items x 2); ``None`` when more than one of
        its items is missing.
    severity : str or None
        Band name, ``None`` when not scored.
    items_missing : int
        How many of its 7 items were missing.
    """

    score: int | None
    severity: str | None
    items_missing: int


@dataclass(frozen=True)
class Score:
    """The result of scoring one completed questionnaire.

    Attributes
    ----------
    instrument : str
        Instrument key.
    total : int or None
        PHQ-9 / GAD-7 total, WHO-5 raw score; ``None`` for DASS-21.
    severity : str or None
        Band name; ``None`` for DASS-21 (see ``subscales``).
    flags : tuple of str
        Rule-based flags, e.g. ``"suicidal_ideation"``; see ``CRISIS_FLAGS``.
    percent : int or None
        WHO-5 percentage score (raw x 4).
    subscales : mapping of str to SubscaleScore or None
        DASS-21 ``"depression"``, ``"anxiety"`` and ``"stress"``.
    """

    instrument: str
    total: int | None
    severity: str | None
    flags: tuple[str, ...]
    percent: int | None = None
    subscales: Mapping[str, SubscaleScore] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form used by the API and exports.

        The shape depends on the instrument: ``total`` and ``severity`` (PHQ-9, GAD-7);
        ``raw``, ``percent`` and ``severity`` (WHO-5); ``subscales`` (DASS-21).
        """
        out: dict[str, Any] = {"instrument": self.instrument}
        if self.subscales is not None:
            out["subscales"] = {
                name: {"score": sub.score, "severity": sub.severity}
                for name, sub in self.subscales.items()
            }
        elif self.percent is not None:
            out.update(raw=self.total, percent=self.percent, severity=self.severity)
        else:
            out.update(total=self.total, severity=self.severity)
        out["flags"] = list(self.flags)
        return out


def _band(bands: Bands, value: int) -> str:
    """Name of the band holding ``value``: the last band whose lower bound is <= value."""
    name = bands[0][1]
    for lowest, band in bands:
        if value >= lowest:
            name = band
    return name


def _complete(answers: Sequence[int | None]) -> list[int]:
    """Answers of an instrument without missing items, as plain ints (already validated)."""
    return [int(a) for a in answers if a is not None]


def _score_phq9(answers: Sequence[int | None]) -> Score:
    values = _complete(answers)
    total = sum(values)
    suicidal = values[PHQ9_SUICIDE_ITEM - 1] >= PHQ9_SUICIDE_MIN
    flags = ("suicidal_ideation",) if suicidal else ()
    return Score("phq9", total, _band(PHQ9_BANDS, total), flags)


def _score_gad7(answers: Sequence[int | None]) -> Score:
    total = sum(_complete(answers))
    return Score("gad7", total, _band(GAD7_BANDS, total), ())


def _score_who5(answers: Sequence[int | None]) -> Score:
    raw = sum(_complete(answers))
    percent = raw * WHO5_PERCENT_PER_POINT
    flags: list[str] = []
    if raw < POOR_WELLBEING_RAW:
        flags.append("poor_wellbeing")
    if percent <= LIKELY_DEPRESSION_PERCENT:
        flags.append("likely_depression")
    if percent <= LIKELY_DEPRESSION_PERCENT:
        severity = "likely depression"
    elif raw < POOR_WELLBEING_RAW:
        severity = "poor well-being"
    else:
        severity = "adequate well-being"
    return Score("who5", raw, severity, tuple(flags), percent=percent)


def _dass21_subscale(name: str, answers: Sequence[int | None]) -> SubscaleScore:
    """Score one DASS-21 subscale, prorating a single missing item.

    With exactly one of the 7 items missing it is replaced by the mean of the other six
    (Lovibond & Lovibond 1995 manual): the sum is ``round_half_up(sum_of_6 x 7 / 6)``, then
    doubled. With more than one missing the subscale is not scored.
    """
    given = [answers[i - 1] for i in DASS21_SUBSCALE_ITEMS[name]]
    present = [a for a in given if a is not None]
    missing = len(given) - len(present)
    if missing > 1:
        return SubscaleScore(None, None, missing)
    raw = sum(present)
    if missing == 1:
        # round half up of raw * 7 / 6 in exact integer arithmetic
        raw = (2 * 7 * raw + 6) // (2 * 6)
    doubled = raw * 2
    return SubscaleScore(doubled, _band(DASS21_BANDS[name], doubled), missing)


def _score_dass21(answers: Sequence[int | None]) -> Score:
    subscales = {name: _dass21_subscale(name, answers) for name in DASS21_SUBSCALE_ITEMS}
    meaningless = answers[DASS21_MEANINGLESS_ITEM - 1]
    flagged = meaningless is not None and meaningless >= DASS21_MEANINGLESS_MIN
    flags = ("meaningless_life",) if flagged else ()
    return Score("dass21", None, None, flags, subscales=MappingProxyType(subscales))


_SCORERS: Mapping[str, Callable[[Sequence[int | None]], Score]] = MappingProxyType(
    {"phq9": _score_phq9, "gad7": _score_gad7, "who5": _score_who5, "dass21": _score_dass21}
)


def score(key_or_instrument: str | Instrument, answers: Sequence[int | None]) -> Score:
    """Validate and score one completed questionnaire.

    Parameters
    ----------
    key_or_instrument : str or Instrument
        The instrument or its key (``"phq9"``, ``"PHQ-9"``...).
    answers : sequence of (int or None)
        One answer per item, in item order; ``None`` (missing) only for DASS-21.

    Returns
    -------
    Score
        Total and severity band, or WHO-5 raw and percent, or the DASS-21 subscales, with
        the rule-based flags (``"suicidal_ideation"`` when PHQ-9 item 9 >= 1 whatever the
        total; ``"meaningless_life"`` when DASS-21 item 21 >= 2; WHO-5 ``"poor_wellbeing"``
        and ``"likely_depression"``).

    Raises
    ------
    InvalidInput
        As ``validate_answers``.

    Examples
    --------
    >>> s = score("PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 0])
    >>> s.total, s.severity, s.flags
    (8, 'mild', ())
    >>> score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1]).flags
    ('suicidal_ideation',)
    >>> who = score("who5", [3, 3, 2, 2, 1])
    >>> who.total, who.percent, who.severity, who.flags
    (11, 44, 'poor well-being', ('poor_wellbeing',))
    >>> dass = score("dass21", [1] * 20 + [None])
    >>> dass.subscales["depression"]
    SubscaleScore(score=14, severity='moderate', items_missing=1)
    >>> score("gad7", [4, 0, 0, 0, 0, 0, 0])
    Traceback (most recent call last):
    ...
    microdose.domain.errors.InvalidInput: item 1: 4 is out of range (allowed: 0-3)
    """
    if isinstance(key_or_instrument, Instrument):
        instrument = key_or_instrument
    else:
        instrument = get_instrument(key_or_instrument)
    validate_answers(instrument, answers)
    return _SCORERS[instrument.key](answers)
