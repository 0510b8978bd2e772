"""JSON schemas of the researcher's study API: ``XCreate`` in (strict), ``XPublic`` out.

Inputs forbid unknown fields and take whole numbers and booleans only as JSON numbers and
booleans. The vocabularies (arm kinds, protocols, instruments, statuses, outcomes,
ratings) are spelled out as ``Literal`` so that OpenAPI lists them and a 422 names them;
a test checks that they are the domain's. The domain validates again
(:func:`microdose.domain.studies.validate_spec`), so the API stores nothing the CLI would
refuse.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt

from microdose.domain import studies as rules
from microdose.web.schemas.inputs import StrictModel

ArmKind = Literal["open-label", "self-blinded", "placebo-controlled", "comparator"]
StudyProtocol = Literal["observational", "fadiman", "stamets", "every-other-day", "weekdays"]
StudyInstrument = Literal["phq9", "gad7", "who5", "dass21"]
StudyStatus = Literal["draft", "recruiting", "closed"]
Outcome = Literal[
    "phq9", "gad7", "who5", "dass21_depression", "dass21_anxiety", "dass21_stress"
]
DailyRating = Literal["mood", "anxiety", "energy", "focus", "sleep", "connectedness"]
ExportFormat = Literal["csv", "parquet"]
StudyDay = Annotated[StrictInt, Field(ge=0, le=rules.MAX_DAY, description="study day")]


class ArmCreate(StrictModel):
    """One arm: a short name and its kind."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$",
                               description="1-32 of a-z, 0-9, '-', '_'")]
    kind: ArmKind


class AssessmentCreate(StrictModel):
    """Instruments due on one study day (day 0 = the participant's enrolment day)."""

    day: StudyDay
    instruments: Annotated[list[StudyInstrument], Field(min_length=1, max_length=4)]


class StudyCreate(StrictModel):
    """A new study, as ``microdose study create`` defines one."""

    title: Annotated[str, Field(min_length=1, max_length=rules.MAX_TITLE)]
    arms: Annotated[list[ArmCreate], Field(min_length=1, max_length=20)]
    protocol: StudyProtocol = "observational"
    schedule: Annotated[list[AssessmentCreate], Field(min_length=1, max_length=200)]
    duration_days: Annotated[StrictInt, Field(ge=1, le=rules.MAX_DAY)] = 28
    window_days: Annotated[StrictInt, Field(ge=0, le=rules.MAX_WINDOW)] = 2
    description: Annotated[str, Field(max_length=20_000)] | None = None
    consent_text: Annotated[str, Field(min_length=1, max_length=50_000)]
    export_dates: StrictBool = False
    export_free_text: StrictBool = False
    status: Literal["draft", "recruiting"] = "recruiting"

    def spec(self) -> rules.StudySpec:
        """The domain's :class:`~microdose.domain.studies.StudySpec` (not yet validated)."""
        return rules.StudySpec(
            title=self.title,
            arms=tuple(rules.Arm(a.name, a.kind) for a in self.arms),
            schedule=tuple(rules.Assessment(s.day, tuple(s.instruments))
                           for s in self.schedule),
            protocol=self.protocol, duration_days=self.duration_days,
            window_days=self.window_days, description=self.description,
            export_dates=self.export_dates, export_free_text=self.export_free_text,
        )


class StatusUpdate(StrictModel):
    """Open (``recruiting``), pause (``draft``) or close (``closed``) recruitment."""

    status: StudyStatus


class ConsentCreate(StrictModel):
    """A new consent version's text."""

    text: Annotated[str, Field(min_length=1, max_length=50_000)]


class InvitationCreate(StrictModel):
    """Single-use invitation codes."""

    count: Annotated[StrictInt, Field(ge=1, le=1000)] = 1
    arm: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    expires_days: Annotated[StrictInt, Field(ge=1, le=365)] | None = None


class ArmPublic(BaseModel):
    """An arm of a study."""

    name: str
    kind: str


class AssessmentPublic(BaseModel):
    """Instruments due on one study day."""

    day: int
    instruments: list[str]


class ConsentPublic(BaseModel):
    """A consent version (its text's SHA-256 proves which text was accepted)."""

    version: int
    sha256: str


class StudyPublic(BaseModel):
    """A study's definition."""

    id: str
    title: str
    description: str | None
    status: str
    protocol: str
    arms: list[ArmPublic]
    schedule: list[AssessmentPublic]
    duration_days: int
    window_days: int
    export_dates: bool
    export_free_text: bool
    created_at: str
    consent: ConsentPublic | None = None


class AssessmentProgress(BaseModel):
    """One scheduled assessment: how many participants owed it so far, how many did it."""

    day: int
    instrument: str
    due: int
    done: int


class ParticipantProgress(BaseModel):
    """One participant (by pseudonym): their study day and assessments due and done."""

    pseudonym: str
    arm: str
    study_day: int
    withdrawn: bool
    due: int
    done: int


class ProgressPublic(BaseModel):
    """Enrolment and completion of the schedule of assessments."""

    enrolled: int
    active: int
    withdrawn: int
    by_arm: dict[str, int]
    invitations_issued: int
    invitations_used: int
    assessments: list[AssessmentProgress]
    participants: list[ParticipantProgress]


class StudyDetail(StudyPublic):
    """A study with its progress (``null`` for a participant enrolled in it)."""

    progress: ProgressPublic | None = None


class ConsentVersionPublic(ConsentPublic):
    """A new consent version of a study."""

    study_id: str


class StatusPublic(BaseModel):
    """A study's recruitment status."""

    study_id: str
    status: str


class InvitationsPublic(BaseModel):
    """New invitation codes: shown once (only their SHA-256 is stored)."""

    study_id: str
    codes: list[str]
    arm: str | None
    expires_days: int | None


class TermPublic(BaseModel):
    """A coefficient with its standard error, Wald or t 95% CI and two-sided p."""

    name: str
    estimate: float | None
    se: float | None
    ci95: list[float | None]
    p: float | None


class MixedModelPublic(BaseModel):
    """Change over study time: linear mixed model, random intercept per participant."""

    outcome: str
    formula: str
    terms: list[TermPublic]
    n: int
    participants: int
    participant_variance: float | None
    residual_variance: float | None
    converged: bool
    method: str
    caveat: str


class AncovaPublic(BaseModel):
    """Arms compared at follow-up, adjusted for baseline (ANCOVA)."""

    outcome: str
    reference: str
    effects: list[TermPublic]
    baseline_slope: TermPublic
    n: int
    n_by_group: dict[str, int]
    method: str
    caveat: str


class PooledPublic(BaseModel):
    """A random-effects pooled estimate with heterogeneity (τ², I², Cochran's Q):
    ``se``, ``ci95`` and ``p`` are modified Hartung–Knapp–Sidik–Jonkman (SE at least the
    Wald SE; t on ``df`` = k − 1),
    ``se_wald`` and ``ci95_wald`` the normal-theory ones, ``prediction95`` the 95%
    prediction interval for a new participant's result (their estimated effect, from a
    trial as precise as the pooled ones' typical one; t on k − 1 df)."""

    estimate: float | None
    se: float | None
    ci95: list[float | None]
    p: float | None
    df: int
    se_wald: float | None
    ci95_wald: list[float | None]
    prediction95: list[float | None]
    tau2: float | None
    i2: float | None
    q: float | None
    q_df: int
    q_p: float | None
    k: int
    method: str


class NOf1Public(BaseModel):
    """Participants' own dose-day effects pooled by a random-effects meta-analysis."""

    outcome: str
    pooled: PooledPublic
    participants: list[str]
    left_out: int
    method: str
    caveat: str


class AnalysisPublic(BaseModel):
    """The cohort analyses; one that the data cannot support is null, with a note why."""

    study_id: str
    outcome: str
    mixed_model: MixedModelPublic | None
    ancova: AncovaPublic | None
    n_of_1: NOf1Public | None
    notes: list[str]


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinity (nested) replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def analysis_public(data: dict[str, Any]) -> AnalysisPublic:
    """The analysis service's ``to_dict()`` as the public schema (pooled method named)."""
    clean = finite(data)
    if clean.get("mixed_model") is not None:  # the model names its column; say the outcome
        clean["mixed_model"]["outcome"] = clean["outcome"]
    pooled = clean.get("n_of_1")
    if pooled is not None:
        pooled["method"] = ("each participant's dose-day effect by regression with AR(1) "
                            f"errors, pooled by {pooled['pooled']['method']}")
    return AnalysisPublic.model_validate(clean)
