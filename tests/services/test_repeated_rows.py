"""A participant's repeated timepoint (study file) or day (N-of-1 series) is refused
naming both lines of the file."""

from __future__ import annotations

import numpy as np
import pytest

from microdose.domain.errors import InvalidInput
from microdose.services import series_data, study_data


def test_the_first_repeat_with_both_lines() -> None:
    assert study_data.repeated_pair(["a", "b", "a"], ["t1", "t1", "t2"], [2, 3, 4]) is None
    found = study_data.repeated_pair(["a", "b", "a", "a"], [1, 1, 2, 1], [2, 3, 4, 5])
    assert found == ("a", "1", 2, 5)


def test_a_series_day_twice_names_the_day_and_lines() -> None:
    with pytest.raises(InvalidInput) as caught:
        series_data._check_days(np.array(["p1", "p1"]), np.array([3, 3]), [7, 9])
    assert caught.value.field == "day"
    assert "p1 has two rows for day 3 (lines 7 and 9)" in caught.value.message
