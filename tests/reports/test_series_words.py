"""The pooled sentence of a series: the prediction interval's label and the few-people note."""

from __future__ import annotations

from microdose.analysis.meta import random_effects
from microdose.reports.series_report import FEW_PEOPLE, few_people_note, pooled_sentence
from microdose.reports.trial_words import credits_the_guess


def test_three_people_are_told_the_interval_is_conservative() -> None:
    pooled = random_effects([0.4, 1.2, 0.1], [0.2, 0.3, 0.25])
    text = pooled_sentence("mood", pooled)
    assert "a new person's trial result: 95% prediction interval" in text
    assert "With 3 people the pooled interval is conservative" in text
    assert "weak evidence of no effect" in text and credits_the_guess(text) == []


def test_more_people_get_no_such_note() -> None:
    pooled = random_effects([0.4, 1.2, 0.1, 0.8], [0.2, 0.3, 0.25, 0.2])
    assert pooled.k == FEW_PEOPLE + 1
    assert few_people_note(pooled.k) is None
    assert "conservative" not in pooled_sentence("mood", pooled)
    assert few_people_note(2) is not None
