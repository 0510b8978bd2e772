"""The expectancy sentence of the trial report: describes, never credits."""

from __future__ import annotations

import pytest

from microdose.reports.trial_words import (
    EXPECTANCY_CAVEAT,
    credits_the_guess,
    expectancy_sentence,
)


@pytest.mark.parametrize(
    ("positive", "negative", "lead"),
    [
        (17 / 3, 5 / 3, "you expected benefit"),
        (4.0, 4.0, "you were undecided about benefit"),
        (2.0, 6.0, "you did not expect benefit"),
        (13 / 3, 1.0, "you expected benefit"),
    ],
)
def test_the_sentence_gives_both_subscales_of_seven(
    positive: float, negative: float, lead: str
) -> None:
    words = expectancy_sentence({"positive": positive, "negative": negative})
    assert words.startswith(f"Before the trial {lead}: ")
    assert f"positive expectancy {positive:.1f} of 7, negative {negative:.1f} of 7" in words
    assert "SETS" in words and "no published cut-offs" in words
    assert words.endswith(EXPECTANCY_CAVEAT)
    assert credits_the_guess(words) == []


def test_without_answers_the_report_says_expectancy_was_not_recorded() -> None:
    words = expectancy_sentence(None)
    assert "not recorded" in words and credits_the_guess(words) == []


@pytest.mark.parametrize(
    "crediting",
    [
        "Your high expectancy drove the difference.",
        "The difference was due to your expectancy.",
        "Expectancy explains the benefit.",
        "Your expectancy accounts for the difference between capsules.",
    ],
)
def test_the_checker_catches_sentences_that_credit_expectancy(crediting: str) -> None:
    assert credits_the_guess(crediting) != []
