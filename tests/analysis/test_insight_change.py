"""Reliable and clinically significant change, MCID, PHQ-9 response and remission."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from microdose.analysis.change import (
    RELIABLE_Z,
    SCALES,
    change_from_baseline,
    jacobson_truax_cutoff,
    reliable_change_index,
    s_diff,
)
from microdose.domain import instruments
from microdose.domain.errors import InvalidInput


def test_a_person_s_reliable_change_is_the_nhs_talking_therapies_threshold() -> None:
    # NHS Talking Therapies Manual (CLINICAL.md): PHQ-9 a change of >= 6 points, GAD-7 >= 4
    assert SCALES["phq9"].reliable == instruments.PHQ9_RELIABLE_IMPROVEMENT == 6
    assert SCALES["gad7"].reliable == instruments.GAD7_RELIABLE_IMPROVEMENT == 4
    assert "NHS Talking Therapies" in change_from_baseline("phq9", 12, 6).method
    # Jacobson & Truax for study data, r from Kroenke 2001 / Spitzer 2006 (CLINICAL.md)
    assert instruments.NORMS["phq9"].r == 0.84 and instruments.NORMS["gad7"].r == 0.83
    assert RELIABLE_Z * s_diff(instruments.NORMS["phq9"]) == pytest.approx(4.7, abs=0.05)
    # no measurement-error band is called a confidence interval
    assert "ci95" not in change_from_baseline("phq9", 12, 6).to_dict()


def test_reliable_change_index_is_the_jacobson_truax_ratio() -> None:
    # exact arithmetic of RC = (x2 - x1) / (SD * sqrt(2) * sqrt(1 - r)), Jacobson & Truax 1991
    norm = instruments.NORMS["phq9"]
    expected = -9 / (4.25 * math.sqrt(2 * (1 - 0.84)))
    assert reliable_change_index(18, 9, norm) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("key", "before", "after", "direction"),
    [
        ("phq9", 14, 8, "improved"),  # a fall of 6 >= 6
        ("phq9", 14, 9, "no reliable change"),  # 5 < 6
        ("phq9", 9, 15, "deteriorated"),  # a rise of 6
        ("phq9", 9, 14, "no reliable change"),
        ("gad7", 14, 11, "no reliable change"),  # 3 < 4
        ("gad7", 14, 10, "improved"),  # 4 >= 4
        ("gad7", 6, 10, "deteriorated"),
    ],
)
def test_direction_follows_the_reliable_change_boundary(
    key: str, before: int, after: int, direction: str
) -> None:
    assert change_from_baseline(key, before, after).direction == direction


def test_the_threshold_is_reported_not_an_interval() -> None:
    result = change_from_baseline("phq9", 16, 7)
    assert result.change == -9 and result.reliable is True
    assert result.reliable_change_threshold == 6 and result.noise_band == 6
    assert change_from_baseline("phq9", 16, 11).reliable is False


@pytest.mark.parametrize(
    ("before", "after", "significant"),
    [
        (15, 8, True),  # reliable and from above caseness (> 9) to at or below it
        (16, 10, False),  # reliable, but still above the cut-off
        (8, 2, False),  # reliable, but never above the cut-off
        (12, 9, False),  # crosses, but not reliable
    ],
)
def test_clinically_significant_needs_reliable_and_crossing(
    before: int, after: int, significant: bool
) -> None:
    assert change_from_baseline("phq9", before, after).clinically_significant is significant


def test_jacobson_truax_cutoffs_c_a_and_b() -> None:
    # criterion c = (SD_f*M_d + SD_d*M_f) / (SD_f + SD_d), computed in exact fractions
    exact = (Fraction(3) * 17 + Fraction(5) * 4) / (3 + 5)
    found = jacobson_truax_cutoff(
        dysfunctional_mean=17, dysfunctional_sd=5, functional_mean=4, functional_sd=3
    )
    assert found == float(exact)
    assert jacobson_truax_cutoff(dysfunctional_mean=17, dysfunctional_sd=5) == 7.0  # a
    assert jacobson_truax_cutoff(functional_mean=4, functional_sd=3) == 10.0  # b
    assert jacobson_truax_cutoff(functional_mean=60, functional_sd=10, lower_is_better=False) == 40
    with pytest.raises(InvalidInput, match="norms"):
        jacobson_truax_cutoff(dysfunctional_mean=17)


@pytest.mark.parametrize(
    ("before", "after", "response", "remission"),
    [
        (10, 5, True, False),  # a 50% fall is a response; 5 is not below 5
        (10, 4, True, True),
        (10, 6, False, False),
        (0, 0, None, True),  # no baseline to fall from
    ],
)
def test_phq9_response_and_remission(
    before: int, after: int, response: bool | None, remission: bool
) -> None:
    result = change_from_baseline("phq9", before, after)
    assert (result.response, result.remission) == (response, remission)
    assert instruments.RESPONSE_FRACTION == 0.5 and instruments.REMISSION_BELOW == 5


def test_response_and_remission_are_phq9_only() -> None:
    result = change_from_baseline("gad7", 12, 2)
    assert result.response is None and result.remission is None


def test_mcid() -> None:
    assert change_from_baseline("phq9", 12, 7).mcid_reached is True  # 5 points (Löwe 2004)
    assert change_from_baseline("phq9", 12, 8).mcid_reached is False
    assert change_from_baseline("gad7", 10, 6).mcid_reached is True  # 4 points (Toussaint 2020)
    assert change_from_baseline("phq9", 7, 12).mcid_reached is False  # worse is not reached


def test_who5_higher_is_better_without_a_norm() -> None:
    better = change_from_baseline("who5", 40, 52)
    assert better.direction == "improved" and better.mcid_reached is True
    assert better.reliable_change_threshold is None and better.reliable is None
    assert better.noise_band == instruments.WHO5_MEANINGFUL_CHANGE_PERCENT
    assert change_from_baseline("who5", 40, 44).direction == "no reliable change"
    assert change_from_baseline("who5", 60, 40).direction == "deteriorated"


def test_labels_are_plain_language() -> None:
    small = change_from_baseline("phq9", 12, 9).label
    assert "less than the 6 points NHS Talking Therapies count as reliable change" in small
    improved = change_from_baseline("phq9", 16, 4).label
    assert "reliable improvement" in improved and "clinically significant" in improved
    assert "remission" in improved
    worse = change_from_baseline("phq9", 5, 14).label
    assert "reliable deterioration" in worse and "clinician" in worse


def test_every_scale_has_rules_and_unknown_scales_are_refused() -> None:
    assert {"phq9", "gad7", "who5", "dass21_depression"} <= set(SCALES)
    with pytest.raises(InvalidInput, match="instrument"):
        change_from_baseline("bdi", 1, 2)
