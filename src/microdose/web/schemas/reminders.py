"""Reminder schedules in the API: one schema per direction."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool, StrictInt

from microdose.web.schemas.inputs import StrictModel

_TIME = "Local time HH:MM in the person's time zone; null or empty: no reminder of this kind"


class ReminderScheduleUpdate(StrictModel):
    """A new schedule. ``paused`` may only be changed by the person themself."""

    checkin_time: str | None = Field("20:00", max_length=8, description=_TIME)
    dose_time: str | None = Field("09:00", max_length=8, description=_TIME)
    questionnaire_time: str | None = Field("10:00", max_length=8, description=_TIME)
    questionnaires: dict[str, StrictInt] = Field(
        default_factory=lambda: {"phq9": 14, "gad7": 14, "who5": 14}, max_length=8,
        description="Instrument (phq9, gad7, who5, dass21) → interval in days (1-365)",
    )
    paused: StrictBool | None = Field(
        None, description="Pause every reminder (the person only; omit to keep it)"
    )


class ReminderSchedulePublic(BaseModel):
    """A person's reminder schedule (the defaults when none was set)."""

    checkin_time: str | None
    dose_time: str | None
    questionnaire_time: str | None
    questionnaires: dict[str, int]
    paused: bool
