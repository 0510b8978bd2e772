"""The validated questionnaires (PHQ-9, GAD-7, WHO-5, DASS-21) and their scoring rules.

Pure: no I/O. The cut-offs (severity bands, flag thresholds, change-analysis parameters and
norms) live in :mod:`microdose.domain.instrument_cutoffs` and the item texts in
:mod:`microdose.domain.instrument_items`; this module re-exports their public names.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from microdose.domain.errors import InvalidInput
from microdose.domain.instrument_cutoffs import (
    CRISIS_FLAGS,
    CRISIS_ITEMS,
    DASS21_BANDS,
    DASS21_MEANINGLESS_ITEM,
    DASS21_MEANINGLESS_MIN,
    DASS21_SUBSCALE_ITEMS,
    GAD7_BANDS,
    GAD7_CASENESS,
    GAD7_MCID,
    GAD7_RELIABLE_CHANGE,
    GAD7_RELIABLE_IMPROVEMENT,
    LIKELY_DEPRESSION_PERCENT,
    NORMS,
    PHQ9_BANDS,
    PHQ9_CASENESS,
    PHQ9_MCID,
    PHQ9_RELIABLE_IMPROVEMENT,
    PHQ9_SUICIDE_ITEM,
    PHQ9_SUICIDE_MIN,
    POOR_WELLBEING_RAW,
    REMISSION_BELOW,
    RESPONSE_FRACTION,
    WHO5_MEANINGFUL_CHANGE_PERCENT,
    WHO5_PERCENT_PER_POINT,
    Bands,
    Norm,
)
from microdose.domain.instrument_items import INSTRUMENTS, Instrument

__all__ = [
    "CRISIS_FLAGS",
    "CRISIS_ITEMS",
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

    Examples
    --------
    >>> validate_answers(get_instrument("gad7"), [4, 0, 0, 0, 0, 0, 0])
    Traceback (most recent call last):
    ...
    microdose.domain.errors.InvalidInput: item 1: 4 is out of range (allowed: 0-3)
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
        the rule-based flags (PHQ-9 ``"suicidal_ideation"``, DASS-21 ``"meaningless_life"``,
        WHO-5 ``"poor_wellbeing"`` and ``"likely_depression"``; thresholds in
        :mod:`microdose.domain.instrument_cutoffs`).

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
    >>> score("dass21", [1] * 20 + [None]).subscales["depression"]
    SubscaleScore(score=14, severity='moderate', items_missing=1)
    """
    instrument = _as_instrument(key_or_instrument)
    validate_answers(instrument, answers)
    return _SCORERS[instrument.key](answers)


def _as_instrument(key_or_instrument: str | Instrument) -> Instrument:
    """The instrument itself, or the one its key names."""
    if isinstance(key_or_instrument, Instrument):
        return key_or_instrument
    return get_instrument(key_or_instrument)
