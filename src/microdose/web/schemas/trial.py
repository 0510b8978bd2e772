"""Bodies of the self-blinded trial's API: designing one, and unblinding it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt

from microdose.domain import blinding
from microdose.web.schemas.inputs import IsoDate, StrictModel
from microdose.web.schemas.journal import Weekday

SetsAnswer = Annotated[StrictInt, Field(ge=1, le=7)]


class TrialDesign(StrictModel):
    """A trial to draw and seal (as ``microdose trial design``); its schedule becomes the
    active plan. The six SETS answers (1 strongly disagree … 7 strongly agree) are
    optional: all six or none."""

    doses: Annotated[StrictInt, Field(ge=blinding.MIN_DOSES, le=blinding.MAX_DOSES)] = Field(
        description="dose days, half active and half placebo (pairs: an even number)"
    )
    protocol: Literal["fadiman", "stamets", "every-other-day", "weekdays"] = "fadiman"
    start: IsoDate | None = Field(None, description="first day; today when left out")
    block: Literal["pairs", "weeks"] = "pairs"
    weekdays: list[Weekday] = Field(default_factory=list, max_length=7)
    confirm_past: bool = Field(
        False, description="Confirm a start whose first dose days are already behind"
    )
    expectancy: list[SetsAnswer] | None = Field(None, min_length=6, max_length=6)


class TrialUnblind(StrictModel):
    """Open the sealed key. Before the last dose day it is recorded as early, with the
    reason, in every report."""

    confirm: Literal["UNBLIND"] = Field(description="the word UNBLIND, typed to confirm")
    reason: Annotated[str, Field(max_length=500)] | None = None
