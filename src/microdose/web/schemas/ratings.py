"""The six daily ratings, declared once for every check-in shape of the API.

The domain owns the names and the range (:data:`microdose.domain.checkins.RATINGS`,
``RATING_MIN``–``RATING_MAX``) and checks a check-in with them; here they become fields.
``Ratings[T]`` is generic in the type of a rating: a strict, bounded 0–10 whole number on
the way in (``CheckinCreate``), a plain ``int`` on the way out (``CheckinPublic`` of the
journal's API, ``CheckinRecord`` of the clinician's). A test checks the fields against the
domain's names, so a new rating is added in the domain and here, nowhere else.
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field, StrictInt

from microdose.domain.checkins import RATING_MAX, RATING_MIN, RATINGS

#: a rating as a request gives it: a whole number (not a bool or a float) in the range
Rating = Annotated[
    StrictInt, Field(ge=RATING_MIN, le=RATING_MAX, description=f"{RATING_MIN}–{RATING_MAX}")
]
R = TypeVar("R")


class Ratings(BaseModel, Generic[R]):
    """A day's ratings, one field per name in :data:`~microdose.domain.checkins.RATINGS`."""

    mood: R
    anxiety: R
    energy: R
    focus: R
    sleep: R
    connectedness: R

    def ratings(self) -> dict[str, R]:
        """The ratings by name, in the domain's order."""
        return {name: getattr(self, name) for name in RATINGS}
