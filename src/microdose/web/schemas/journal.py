"""JSON API schemas: one per direction (``XCreate`` in, ``XPublic`` out), strict on input.

Inputs forbid unknown fields, take whole numbers only where the domain wants whole numbers
(``5.0``, ``"5"`` and ``true`` are refused) and dates only as ``YYYY-MM-DD`` text. The
domain validates again, so the API can never store what the CLI would refuse.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    StrictFloat,
    StrictInt,
)

from microdose.domain.dosing import Material
from microdose.web.schemas.inputs import IsoDate as IsoDate
from microdose.web.schemas.inputs import IsoDateTime as IsoDateTime
from microdose.web.schemas.inputs import StrictModel as StrictModel
from microdose.web.schemas.ratings import Rating, Ratings

SideEffect = Literal[
    "anxiety",
    "restlessness",
    "jitteriness",
    "headache",
    "nausea",
    "insomnia",
    "low mood",
    "lightheadedness",
    "drowsiness",
    "difficulty focusing",
    "perceptual effects",
    "other",
]
Guess = Literal["active", "placebo", "unsure"]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Number = StrictInt | StrictFloat


class CheckinCreate(StrictModel, Ratings[Rating]):
    """A day's check-in; a second one for the same day updates it."""

    date: IsoDate
    side_effects: list[SideEffect] = Field(default_factory=list, max_length=12)
    notes: Annotated[str, Field(max_length=20_000)] | None = None
    guess: Guess | None = Field(None, description="In a blinded trial: what you think you took")
    guess_confidence: Annotated[StrictInt, Field(ge=0, le=100)] | None = Field(
        None, description="0–100; needs a guess"
    )


class CheckinPublic(Ratings[int | None]):
    """A stored check-in (a rating the person does not track is null; mood never is)."""

    id: uuid.UUID
    date: dt.date
    side_effects: list[str]
    notes: str | None
    guess: str | None
    guess_confidence: int | None
    created: bool = Field(description="True when this request created the day's check-in")
    created_at: dt.datetime
    updated_at: dt.datetime


class DoseCreate(StrictModel):
    """A dose taken: what and how much (or an envelope code in a blinded trial)."""

    material: Material | None = None
    grams: Annotated[Number, Field(gt=0, le=100)] | None = None
    mg: Annotated[Number, Field(gt=0, le=100)] | None = Field(
        None, description="Synthetic psilocybin only"
    )
    date: IsoDate | None = Field(None, description="A past day (09:00 local); default now")
    at: IsoDateTime | None = Field(None, description="The time taken; default now")
    notes: Annotated[str, Field(max_length=20_000)] | None = None
    envelope_code: Annotated[str, Field(min_length=1, max_length=32)] | None = None


class DosePublic(BaseModel):
    """A stored dose with its psilocybin estimate (a range) and warnings."""

    id: uuid.UUID
    date: dt.date
    taken_at: dt.datetime
    timezone: str
    material: str | None
    grams: float | None
    mg_low: float | None
    mg_typical: float | None
    mg_high: float | None
    classification: str | None
    envelope_code: str | None
    notes: str | None
    warnings: list[str]


class ResponseCreate(StrictModel):
    """Answers to a questionnaire, in item order (``null`` for a skipped DASS-21 item)."""

    answers: list[StrictInt | None] = Field(min_length=1, max_length=21)
    date: IsoDate | None = Field(None, description="Default: today")


class CrisisResource(BaseModel):
    """One place to get help now."""

    name: str
    contact: str
    region: str


class Crisis(BaseModel):
    """Shown at once when an answer raises a crisis flag; must be acknowledged."""

    message: str
    resources: list[CrisisResource]
    acknowledge_required: bool
    reviewed: str
    review_due: str | None = None
    review_warning: str | None = None
    triggers: list[str] = []
    open_since: str | None = None


class ResponsePublic(BaseModel):
    """A stored, scored questionnaire response."""

    id: uuid.UUID
    instrument: str
    date: dt.date
    answers: list[int | None]
    total: int | None
    severity: str | None
    flags: list[str]
    score: dict[str, Any]
    crisis: Crisis | None = None


class InstrumentPublic(BaseModel):
    """A questionnaire: its items and answer labels."""

    key: str
    name: str
    title: str
    stem: str
    items: list[str]
    answer_labels: list[str]
    min_answer: int
    max_answer: int
    recall_period: str
    personal_default: bool


class EntryCreate(StrictModel):
    """A journal entry."""

    kind: Literal["intention", "integration", "note"]
    text: Text
    date: IsoDate | None = Field(None, description="Default: today")


class EntryPublic(BaseModel):
    """A stored journal entry."""

    id: uuid.UUID
    kind: str
    date: dt.date
    text: str
    created_at: dt.datetime


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class PlanCreate(StrictModel):
    """A protocol plan; it replaces the active plan."""

    protocol: Literal["fadiman", "stamets", "every-other-day", "weekdays"]
    start: IsoDate
    weeks: Annotated[StrictInt, Field(ge=1, le=104)]
    weekdays: list[Weekday] = Field(default_factory=list, max_length=7)
    off_weeks: Annotated[StrictInt, Field(ge=0, le=104)] = 0
    cycles: Annotated[StrictInt, Field(ge=1, le=52)] = 1
    confirm_past: bool = Field(
        False, description="Confirm a start whose first dose days are already behind"
    )


class PlanPublic(BaseModel):
    """The active plan and its dose days."""

    protocol: str
    start: dt.date
    end: dt.date
    weeks: int
    weekdays: list[str]
    off_weeks: int
    cycles: int
    dose_days: list[dt.date]
    warnings: list[str] = Field(default_factory=list, description="Safety warnings of the plan")
    reminders_paused: bool = Field(
        False, description="Dose reminders are paused while a crisis is not acknowledged"
    )


class StatusPublic(BaseModel):
    """Today: what is planned, what is due, the streak and the latest scores."""

    today: dt.date
    protocol: str | None
    dose_today: bool
    next_dose_day: dt.date | None
    dosed_today: bool
    checked_in_today: bool
    streak: int
    due: list[str]
    latest: dict[str, dict[str, Any]]
    crisis: Crisis | None = None
