"""SETS, the expectancy asked before a trial (Younger, Gandhi, Hubbard & Mackey 2012,
Clinical Trials 9:767): six statements answered 1-7, three positive and three negative, each
subscale the mean of its three answers; no total, no cut-offs."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from microdose.domain.errors import InvalidInput
from microdose.domain.expectancy import (
    EXPECTANCY_INSTRUMENTS,
    SETS,
    SETS_NEGATIVE_ITEMS,
    SETS_POSITIVE_ITEMS,
    parse_sets,
    score_sets,
    validate_sets,
)
from microdose.domain.instruments import INSTRUMENTS, get_instrument


def test_the_form_has_six_statements_on_a_seven_point_agreement_scale() -> None:
    assert SETS.n_items == 6 and (SETS.min_answer, SETS.max_answer) == (1, 7)
    assert SETS.answer_labels[0] == "Strongly disagree"
    assert SETS.answer_labels[3] == "Neither agree nor disagree"
    assert SETS.answer_labels[-1] == "Strongly agree" and len(SETS.answer_labels) == 7
    assert sorted(SETS_POSITIVE_ITEMS + SETS_NEGATIVE_ITEMS) == [1, 2, 3, 4, 5, 6]
    assert len(SETS_POSITIVE_ITEMS) == len(SETS_NEGATIVE_ITEMS) == 3
    assert "Younger" in SETS.source and "2012;9:767" in SETS.source
    assert "adapted" in SETS.licence and "adapted" in SETS.title


def test_the_negative_statements_are_the_worried_ones() -> None:
    worried = ("worried", "concerned", "uneasy")
    for number, item in enumerate(SETS.items, 1):
        assert any(w in item for w in worried) == (number in SETS_NEGATIVE_ITEMS), item


def test_sets_is_not_one_of_the_symptom_questionnaires() -> None:
    """Everything that iterates over INSTRUMENTS (due lists, reminders, crisis rules,
    reliable change, insight tables, FHIR) treats its members as symptom scales."""
    assert "sets" not in INSTRUMENTS and set(EXPECTANCY_INSTRUMENTS) == {"sets"}
    with pytest.raises(InvalidInput) as raised:
        get_instrument("SETS")
    assert raised.value.field == "instrument"


def _by_hand(answers: tuple[int, ...], items: tuple[int, ...]) -> Fraction:
    return Fraction(sum(answers[i - 1] for i in items), 3)


def test_the_subscales_are_means_of_their_three_items_over_every_answer() -> None:
    """Every one of the 7^3 answers to a subscale's items, the other three held fixed:
    the mean of the three (Younger et al. 2012 score each subscale as the item mean, 1-7)."""
    seen_positive, seen_negative = set(), set()
    for triple in itertools.product(range(1, 8), repeat=3):
        answers = [4] * 6
        for item, value in zip(SETS_POSITIVE_ITEMS, triple, strict=True):
            answers[item - 1] = value
        scored = score_sets(answers)
        assert Fraction(scored.positive).limit_denominator(3) == _by_hand(
            tuple(answers), SETS_POSITIVE_ITEMS
        )
        assert scored.negative == 4.0  # the other subscale does not move
        seen_positive.add(scored.positive)
        mirrored = [4] * 6
        for item, value in zip(SETS_NEGATIVE_ITEMS, triple, strict=True):
            mirrored[item - 1] = value
        other = score_sets(mirrored)
        assert other.positive == 4.0
        assert Fraction(other.negative).limit_denominator(3) == _by_hand(
            tuple(mirrored), SETS_NEGATIVE_ITEMS
        )
        seen_negative.add(other.negative)
    assert min(seen_positive) == 1.0 and max(seen_positive) == 7.0
    assert len(seen_positive) == len(seen_negative) == 19  # sums 3..21, in thirds


@pytest.mark.parametrize(
    ("answers", "positive", "negative"),
    [
        ((6, 2, 5, 1, 6, 2), Fraction(17, 3), Fraction(5, 3)),
        ((7, 7, 7, 7, 7, 7), Fraction(7), Fraction(7)),
        ((1, 1, 1, 1, 1, 1), Fraction(1), Fraction(1)),
        ((6, 5, 2, 3, 6, 1), Fraction(14, 3), Fraction(9, 3)),
    ],
)
def test_worked_examples(
    answers: tuple[int, ...], positive: Fraction, negative: Fraction
) -> None:
    scored = score_sets(answers)
    assert scored.positive == pytest.approx(float(positive), abs=1e-12)
    assert scored.negative == pytest.approx(float(negative), abs=1e-12)
    data = scored.to_dict()
    assert data["answers"] == list(answers) and data["instrument"] == "SETS"
    assert "total" not in data and "severity" not in data  # none is published


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("6,5,2,3,9,1", "sets item 5", "9 is out of range (allowed: 1-7)"),
        ("0,5,2,3,6,1", "sets item 1", "0 is out of range"),
        ("6,5,x,3,6,1", "sets item 3", "'x' is not a whole number"),
        ("6,5,,3,6,1", "sets item 3", "every SETS item must be answered"),
        ("6,5,2", "sets", "SETS has 6 items, got 3"),
        ("6,5,2,3,6,1,4", "sets", "SETS has 6 items, got 7"),
        ("   ", "sets", "no answers given"),
    ],
)
def test_bad_answers_name_the_field_and_what_is_allowed(
    text: str, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_sets(text)
    assert raised.value.field == field and words in raised.value.message
    assert raised.value.message.startswith(f"{field}: ")


def test_each_interface_names_the_fields_its_own_way() -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_sets([1, 2, None, 4, 5, 6], field="sets", item_field="sets_{}")
    assert raised.value.field == "sets_3"
    with pytest.raises(InvalidInput) as raised:
        parse_sets("1 2 3 4 5 8", field="--sets", item_field="--sets item {}")
    assert raised.value.field == "--sets item 6"
    assert parse_sets("1 2 3 4 5 7") == (1, 2, 3, 4, 5, 7)


@pytest.mark.parametrize("bad", [True, 2.0, "3"])
def test_not_whole_numbers_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        score_sets([bad, 1, 1, 1, 1, 1])  # type: ignore[list-item]
    assert raised.value.field == "sets item 1"
