"""Expectancy before a trial: the Stanford Expectations of Treatment Scale (SETS).

Younger J, Gandhi V, Hubbard E, Mackey S. Development of the Stanford Expectations of
Treatment Scale (SETS): a tool for measuring patient outcome expectancy in clinical trials.
Clin Trials 2012;9:767-76. Six statements, each answered on a 7-point agreement scale from
1 (strongly disagree) to 7 (strongly agree); three make up the positive expectancy subscale
and three the negative expectancy subscale.

SETS is *not* a symptom scale. It is kept out of :data:`microdose.domain.instruments.
INSTRUMENTS` on purpose: everything that iterates over that registry (the questionnaires
due, reminders, crisis rules, reliable change, the insight tables, FHIR) treats its members
as measures of how a person is, and SETS measures what a person expects. It is asked once,
when a trial is designed, and shown beside the trial's result.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from microdose.domain.errors import InvalidInput
from microdose.domain.instrument_items import Instrument
from microdose.domain.instruments import parse_answers, validate_answers

__all__ = [
    "EXPECTANCY_INSTRUMENTS",
    "SETS",
    "SETS_MIDPOINT",
    "SETS_NEGATIVE_ITEMS",
    "SETS_POSITIVE_ITEMS",
    "Expectancy",
    "parse_sets",
    "score_sets",
    "validate_sets",
]

SETS_STEM = (
    "Before the trial starts: how much do you agree with each statement about microdosing "
    "psilocybin, the treatment this trial tests? There are no right or wrong answers."
)

#: The six statements, in form order. The wording is adapted for a self-blinded
#: microdosing trial; it follows the published structure of SETS (Younger et al. 2012,
#: Clin Trials 9:767): three positive and three negative expectancy statements, each
#: subscale the mean of its three. It is not the published wording, which this adaptation
#: does not reproduce, and the order is this form's own (positive and negative alternate):
#: the published form's item order could not be checked here, so the subscales below are
#: defined by this form's statements, not by the published item numbers.
SETS_ITEMS: tuple[str, ...] = (
    "I expect that microdosing will improve my mood",  # 1 positive
    "I am worried that the capsules will give me unpleasant side effects",  # 2 negative
    "I feel confident that microdosing will help me",  # 3 positive
    "I am concerned that this treatment could harm me",  # 4 negative
    "I believe that microdosing will work for me",  # 5 positive
    "I feel uneasy about taking the capsules",  # 6 negative
)

#: The 7-point agreement scale, for the answers 1 to 7 (Younger et al. 2012).
SETS_ANSWER_LABELS: tuple[str, ...] = (
    "Strongly disagree",
    "Moderately disagree",
    "Slightly disagree",
    "Neither agree nor disagree",
    "Slightly agree",
    "Moderately agree",
    "Strongly agree",
)

#: Items of each subscale on this form, 1-based (the statements marked positive and
#: negative above).
SETS_POSITIVE_ITEMS: tuple[int, ...] = (1, 3, 5)
SETS_NEGATIVE_ITEMS: tuple[int, ...] = (2, 4, 6)

#: The middle of the agreement scale ("neither agree nor disagree"). A reading aid only:
#: SETS has no published cut-offs, severity bands or total score (Younger et al. 2012 report
#: the two subscales, each the mean of its three items, range 1-7), so none is used here.
SETS_MIDPOINT = 4

SETS = Instrument(
    key="sets",
    name="SETS",
    title="Stanford Expectations of Treatment Scale (adapted for a microdosing trial)",
    stem=SETS_STEM,
    items=SETS_ITEMS,
    min_answer=1,
    max_answer=7,
    answer_labels=SETS_ANSWER_LABELS,
    recall_period="now, before the trial",
    loinc_panel=None,
    loinc_total=None,
    item_loinc=(None,) * len(SETS_ITEMS),
    source="Younger J, Gandhi V, Hubbard E, Mackey S. Development of the Stanford "
    "Expectations of Treatment Scale (SETS): a tool for measuring patient outcome "
    "expectancy in clinical trials. Clin Trials 2012;9:767-76",
    licence="Item wording adapted for microdosing trials (not the published wording); "
    "structure and scoring as published",
    personal_default=False,
    allows_missing=False,
)

#: Expectancy measures, apart from the symptom questionnaires (see the module docstring).
EXPECTANCY_INSTRUMENTS = MappingProxyType({SETS.key: SETS})


@dataclass(frozen=True)
class Expectancy:
    """A scored SETS: the answers and the two subscale means.

    Attributes
    ----------
    answers : tuple of int
        The six answers, 1-7, in item order.
    positive, negative : float
        Mean of the three positive and of the three negative items (1-7; Younger et al.
        2012 score each subscale as the mean of its items). There is no total.
    """

    answers: tuple[int, ...]
    positive: float
    negative: float

    def to_dict(self) -> dict[str, Any]:
        """``{"instrument", "answers", "positive", "negative", "scale"}`` (full precision)."""
        return {
            "instrument": SETS.name,
            "answers": list(self.answers),
            "positive": self.positive,
            "negative": self.negative,
            "scale": SETS.answer_range,
        }


#: How a refusal names the answers and one item: the CLI's defaults (``sets``,
#: ``sets item 3``); the web form passes its own names (``sets``, ``sets_3``).
FIELD, ITEM_FIELD = "sets", "sets item {}"


def _renamed(exc: InvalidInput, field: str, item_field: str) -> InvalidInput:
    """The same refusal, its field named for the interface."""
    item = exc.field.removeprefix("item ")
    name = item_field.format(item) if item.isdigit() else field
    message = exc.message.split(": ", 1)[-1].split(" (allowed:")[0]
    return InvalidInput(name, message, exc.allowed or "six answers, each 1-7")


def validate_sets(
    answers: Sequence[int | None], *, field: str = FIELD, item_field: str = ITEM_FIELD
) -> None:
    """Check six answers of 1-7.

    Raises
    ------
    InvalidInput
        On the wrong number of answers (named ``field``), or naming the first item
        (``item_field`` with its number) missing, not a whole number or out of 1-7.
    """
    try:
        validate_answers(SETS, answers)
    except InvalidInput as exc:
        raise _renamed(exc, field, item_field) from None


def parse_sets(text: str, *, field: str = FIELD, item_field: str = ITEM_FIELD) -> tuple[int, ...]:
    """Six answers typed as ``"6,5,2,3,6,1"`` (or separated by spaces), validated.

    Examples
    --------
    >>> parse_sets("6, 5, 2, 3, 6, 1")
    (6, 5, 2, 3, 6, 1)
    >>> parse_sets("6,5,2,3,9,1")
    Traceback (most recent call last):
    ...
    microdose.domain.errors.InvalidInput: sets item 5: 9 is out of range (allowed: 1-7)
    >>> parse_sets("6,5,2", field="--sets")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    microdose.domain.errors.InvalidInput: --sets: SETS has 6 items, got 3 (allowed: six ...)
    """
    try:
        answers = parse_answers(SETS, text)
    except InvalidInput as exc:
        raise _renamed(exc, field, item_field) from None
    return tuple(int(a) for a in answers if a is not None)


def _mean(answers: Sequence[int], items: Sequence[int]) -> float:
    return sum(answers[i - 1] for i in items) / len(items)


def score_sets(
    answers: Sequence[int | None], *, field: str = FIELD, item_field: str = ITEM_FIELD
) -> Expectancy:
    """Validate and score a SETS: the positive and the negative subscale means.

    Examples
    --------
    >>> e = score_sets([6, 2, 5, 1, 6, 2])
    >>> round(e.positive, 2), round(e.negative, 2)
    (5.67, 1.67)
    """
    validate_sets(answers, field=field, item_field=item_field)
    values = tuple(int(a) for a in answers if a is not None)
    return Expectancy(
        values, _mean(values, SETS_POSITIVE_ITEMS), _mean(values, SETS_NEGATIVE_ITEMS)
    )
