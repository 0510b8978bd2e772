"""What every input model of the API and the pages shares: storable text, plausible dates.

:class:`InputModel` refuses, in any of its text fields (and in lists, tuples and dict
keys or values of text), a NUL character or a lone surrogate, which PostgreSQL cannot
store: a 422 naming the field rather than a database error. :data:`IsoDate` and
:data:`IsoDateTime` take only ``YYYY-MM-DD`` text and only days in the window of
:mod:`microdose.domain.bounds` (1900-01-01 to 2100-12-31), in bodies and queries alike.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from microdose.domain.bounds import DATE_WINDOW, TEXT_RULE, plausible_day, storable_text

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
D = TypeVar("D", bound=dt.date)


def _iso_date(value: object) -> object:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _iso_datetime(value: object) -> object:
    if isinstance(value, str) and _ISO_DATE.match(value) and "T" in value:
        return value
    raise ValueError("must be a date and time written YYYY-MM-DDTHH:MM[:SS][±HH:MM]")


def _plausible(value: D) -> D:
    if not plausible_day(value):
        raise PydanticCustomError(
            "date_window", "is outside the plausible window", {"expected": DATE_WINDOW}
        )
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_plausible)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime), AfterValidator(_plausible)]


def _storable(value: Any) -> bool:
    """Whether every text inside ``value`` (a str, a collection of them, a dict) is storable."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list | tuple | set | frozenset):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    return True


class InputModel(BaseModel):
    """An input (a JSON body or a form) whose text a database can store."""

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any) -> Any:
        if not _storable(value):
            raise PydanticCustomError(
                "text_unstorable",
                "contains a NUL character or a lone surrogate",
                {"expected": TEXT_RULE},
            )
        return value


class StrictModel(InputModel):
    """Input model: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")
