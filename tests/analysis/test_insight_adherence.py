"""Adherence counts, Wilson intervals, Newcombe differences, side effects by kind of day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from microdose.analysis.adherence import (
    adherence,
    newcombe_difference,
    proportion,
    side_effect_rates,
    wilson_interval,
)

DAY = date(2026, 3, 2)


@pytest.mark.parametrize(("count", "n"), [(0, 10), (1, 10), (21, 23), (23, 23), (3, 400)])
def test_wilson_interval_equals_statsmodels(count: int, n: int) -> None:
    # statsmodels: proportion_confint(count, nobs, alpha=0.05, method="wilson")
    expected = proportion_confint(count, n, alpha=0.05, method="wilson")
    assert wilson_interval(count, n) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("a", "b"), [((6, 30), (3, 60)), ((0, 20), (4, 40)), ((5, 5), (1, 9))])
def test_newcombe_difference_equals_statsmodels(a: tuple[int, int], b: tuple[int, int]) -> None:
    # statsmodels: confint_proportions_2indep(..., method="newcomb", compare="diff")
    expected = confint_proportions_2indep(*a, *b, method="newcomb", compare="diff")
    found = newcombe_difference(proportion(*a), proportion(*b))
    assert found == pytest.approx(expected, abs=1e-12)


def test_empty_proportions_have_no_interval() -> None:
    empty = proportion(0, 0)
    assert empty.estimate is None and empty.ci95 is None
    assert newcombe_difference(empty, proportion(1, 2)) is None


def test_adherence_counts_by_enumeration() -> None:
    planned = [DAY + timedelta(days=3 * i) for i in range(10)]  # 10 planned days in 28
    taken = [*planned[:7], planned[7] + timedelta(days=1), planned[0]]  # late one, a second
    checkins = [DAY + timedelta(days=i) for i in range(0, 28, 2)]
    result = adherence(
        planned=planned, taken=taken, checkin_days=checkins, start=DAY, end=DAY + timedelta(27)
    )
    assert result.planned_doses == 10
    assert result.taken_as_planned == 7
    assert result.missed == 3
    assert result.unplanned_doses == 2  # the late dose and the second one on day 0
    assert result.doses == 9
    assert (result.adherence.count, result.adherence.n) == (7, 10)
    assert (result.checkins.count, result.checkins.n) == (14, 28)
    assert result.adherence.ci95 == pytest.approx(proportion_confint(7, 10, method="wilson"))


def test_adherence_only_counts_the_period() -> None:
    planned = [DAY - timedelta(days=3), DAY, DAY + timedelta(days=30)]
    result = adherence(planned=planned, taken=planned, checkin_days=[], start=DAY, end=DAY)
    assert (result.planned_doses, result.taken_as_planned, result.doses) == (1, 1, 1)


def test_side_effects_on_dose_and_other_days() -> None:
    days = [(True, ["headache"])] * 4 + [(True, [])] * 16 + [(False, ["headache"])]
    days += [(False, ["insomnia", "insomnia"])] * 2 + [(False, [])] * 37
    rates = {rate.side_effect: rate for rate in side_effect_rates(days)}
    headache = rates["headache"]
    assert (headache.dose_days.count, headache.dose_days.n) == (4, 20)
    assert (headache.off_days.count, headache.off_days.n) == (1, 40)
    assert rates["insomnia"].off_days.count == 2  # a repeat on one day counts once
    assert headache.difference == pytest.approx(4 / 20 - 1 / 40)
    expected = confint_proportions_2indep(4, 20, 1, 40, method="newcomb", compare="diff")
    assert headache.ci95 == pytest.approx(expected, abs=1e-12)
    assert list(rates) == ["headache", "insomnia"]  # most frequent first
