"""Every check-in shape takes its ratings from one base, and the base from the domain."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from microdose.domain.checkins import RATING_MAX, RATING_MIN, RATINGS
from microdose.web.schemas.clinician import CheckinRecord
from microdose.web.schemas.journal import CheckinCreate, CheckinPublic
from microdose.web.schemas.ratings import Ratings


def test_the_base_declares_the_domains_ratings_in_order() -> None:
    assert tuple(Ratings.model_fields) == RATINGS


@pytest.mark.parametrize("shape", [CheckinCreate, CheckinPublic, CheckinRecord])
def test_each_check_in_shape_has_every_rating_from_the_base(shape: type[Ratings[int]]) -> None:
    assert issubclass(shape, Ratings)
    assert set(RATINGS) <= set(shape.model_fields)


def test_the_input_bounds_are_the_domains() -> None:
    schema = CheckinCreate.model_json_schema()["properties"]
    for name in RATINGS:
        assert (schema[name]["minimum"], schema[name]["maximum"]) == (RATING_MIN, RATING_MAX)
    day = {"date": "2026-01-01", **{name: RATING_MAX for name in RATINGS}}
    assert CheckinCreate.model_validate(day).ratings() == {name: RATING_MAX for name in RATINGS}
    with pytest.raises(ValidationError, match="mood"):
        CheckinCreate.model_validate({**day, "mood": RATING_MAX + 1})
    with pytest.raises(ValidationError, match="extra"):
        CheckinCreate.model_validate({**day, "unknown": 1})  # still strict
