"""Wording rules: plurals, single values shown once, flags in words, direction of better."""

from __future__ import annotations

import pytest

from microdose.domain.checkins import RATINGS
from microdose.domain.instruments import INSTRUMENTS
from microdose.reports.words import FLAG_WORDS, better_text, flag_text, plural, range_text


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [(1, "point", "1 point"), (2, "point", "2 points"), (0, "day", "0 days"),
     (1.5, "point", "1.5 points"), (1, "entry", "1 entry"), (3, "entry", "3 entries")],
)
def test_plural(count: float, word: str, expected: str) -> None:
    many = "entries" if word == "entry" else None
    assert plural(count, word, many) == expected


def test_a_range_whose_ends_round_alike_is_one_value() -> None:
    assert range_text(2.0, 2.04, "mg") == "2.0 mg"
    assert range_text(1.6, 2.4, "mg") == "1.6–2.4 mg"
    assert range_text(10, 20, "%", digits=0) == "10–20 %"


def test_every_flag_an_instrument_can_raise_has_words() -> None:
    from microdose.domain.instruments import score

    raised = set(score("phq9", [0] * 8 + [1]).flags) | set(score("who5", [0] * 5).flags)
    raised |= set(score("dass21", [0] * 20 + [3]).flags)
    assert raised <= set(FLAG_WORDS)
    assert flag_text([]) == "none"
    assert "PHQ-9 item 9" in flag_text(["suicidal_ideation"])


def test_direction_is_said_for_every_scale_and_rating() -> None:
    assert better_text("phq9") == better_text("gad7") == better_text("anxiety") == "lower is better"
    assert better_text("who5") == better_text("mood") == "higher is better"
    assert {better_text(k) for k in (*INSTRUMENTS, *RATINGS)} == {
        "lower is better", "higher is better"}
