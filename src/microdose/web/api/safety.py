"""JSON API: the safety screen, adverse events and the evidence summary."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from microdose.domain import adverse, evidence
from microdose.domain.errors import NotFound
from microdose.services import safety
from microdose.services.adverse import adverse_events, record_adverse
from microdose.services.people import local_today
from microdose.web.api.common import write
from microdose.web.platform.deps import (
    IdempotencyKey,
    PersonDep,
    SessionDep,
    StateDep,
    require_api_login,
)
from microdose.web.platform.problems import PROBLEM_RESPONSES
from microdose.web.schemas.journal import IsoDate, StrictModel

router = APIRouter(
    prefix="/api/v1",
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(require_api_login)],
)
Name = Annotated[str, Field(min_length=1, max_length=100)]


class ScreenCreate(StrictModel):
    """What the person declares: conditions (vocabulary), medications, pregnancy."""

    conditions: list[Name] = Field(default_factory=list, max_length=30)
    medications: list[Name] = Field(default_factory=list, max_length=30)
    pregnant: bool = False
    breastfeeding: bool = False
    #: blocks of the last screen that no longer apply: a block left out is kept otherwise
    remove_conditions: list[Name] = Field(default_factory=list, max_length=30)
    remove_medications: list[Name] = Field(default_factory=list, max_length=30)


class ScreenChanges(BaseModel):
    """Against the previous screen: what was added, removed (confirmed removals) and kept."""

    added: list[str]
    removed: list[str]
    removed_confirmed: list[str]
    kept: list[str]


class Reason(BaseModel):
    """One finding of the screen."""

    severity: str
    item: str
    why: str
    source: str


class ScreenPublic(BaseModel):
    """A stored screen: the verdict, its reasons, and when the next one is due."""

    verdict: Literal["ok", "warn", "block"]
    reasons: list[Reason]
    conditions: list[str]
    medications: list[str]
    screened_at: dt.datetime
    next_screen_due: dt.date
    rescreen_due_now: str | None = None
    #: None for a person's first screen
    changes: ScreenChanges | None = None


class AdverseCreate(StrictModel):
    """An adverse event, graded 1 (mild) to 4 (life-threatening)."""

    category: Literal[
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
    grade: Literal[1, 2, 3, 4]
    start: IsoDate | None = None
    end: IsoDate | None = None
    action: (
        Literal[
            "none", "dose-reduced", "paused", "stopped", "clinician-contacted", "emergency-care"
        ]
        | None
    ) = None
    notes: Annotated[str, Field(max_length=2000)] | None = None


class AdversePublic(BaseModel):
    """A stored adverse event with the advice it brought."""

    id: str
    category: str
    grade: int
    grade_label: str
    start_date: dt.date
    end_date: dt.date | None
    action: str | None
    notes: str | None
    serious: bool
    advice: str | None
    alert: bool = False
    resources: list[dict[str, str]] | None = None


class Claim(BaseModel):
    """One statement and its citation."""

    text: str
    citation: str


class Section(BaseModel):
    """Claims under a heading."""

    heading: str
    claims: list[Claim]


class EvidencePublic(BaseModel):
    """What the evidence says, each claim with its citation."""

    sections: list[Section]
    conclusion: str
    reviewed: str


def _screen_public(session: Any, person: Any, row: Any) -> ScreenPublic:
    due = safety.rescreen_reason(session=session, person_id=person.id)
    from microdose.domain import safety as rules

    return ScreenPublic(
        verdict=row.verdict,
        reasons=[Reason.model_validate(r) for r in row.reasons],
        conditions=list(row.conditions),
        medications=list(row.medications),
        screened_at=row.screened_at,
        next_screen_due=rules.rescreen_due(row.screened_at).date(),
        rescreen_due_now=due,
        changes=ScreenChanges.model_validate(row.changes) if row.changes else None,
    )


@router.post("/safety/screen", status_code=201, response_model=ScreenPublic, tags=["safety"])
def create_screen(
    body: ScreenCreate, request: Request, state: StateDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Screen and store: ``block`` refuses plans and doses (403) until a new screen."""

    def work(session: Any, person: Any) -> tuple[int, dict[str, Any]]:
        outcome = safety.record_screen(
            session=session,
            person=person,
            conditions=body.conditions,
            medications=body.medications,
            pregnant=body.pregnant,
            breastfeeding=body.breastfeeding,
            removals=(body.remove_conditions, body.remove_medications),
            removal_fields=("remove_conditions", "remove_medications"),
        )
        return 201, _screen_public(session, person, outcome.row).model_dump(mode="json")

    return write(request, state, key, body.model_dump(mode="json"), work)


@router.get("/safety/screen", response_model=ScreenPublic, tags=["safety"])
def latest_screen(session: SessionDep, person: PersonDep) -> ScreenPublic:
    """The latest screen (404 when there is none yet)."""
    row = safety.latest_screen(session=session, person_id=person.id)
    if row is None:
        raise NotFound("no safety screen yet: POST /api/v1/safety/screen")
    return _screen_public(session, person, row)


@router.post("/adverse-events", status_code=201, response_model=AdversePublic, tags=["safety"])
def create_adverse(
    body: AdverseCreate, request: Request, state: StateDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Record an adverse event; grade 3+ or perceptual effects bring advice and an alert."""

    def work(session: Any, person: Any) -> tuple[int, dict[str, Any]]:
        event = adverse.make_adverse(
            body.category,
            body.grade,
            today=local_today(person),
            start=body.start,
            end=body.end,
            action=body.action,
            notes=body.notes,
        )
        outcome = record_adverse(
            session=session, person=person, event=event, env_region=state.settings.region
        )
        return 201, AdversePublic.model_validate(outcome.to_dict()).model_dump(mode="json")

    return write(request, state, key, body.model_dump(mode="json"), work)


@router.get("/adverse-events", response_model=list[AdversePublic], tags=["safety"])
def list_adverse(session: SessionDep, person: PersonDep) -> list[AdversePublic]:
    """Adverse events in start-date order."""
    rows = adverse_events(session=session, person_id=person.id)
    return [
        AdversePublic(
            id=str(r.id),
            category=r.category,
            grade=r.grade,
            grade_label=adverse.GRADES[r.grade],
            start_date=r.start_date,
            end_date=r.end_date,
            action=r.action,
            notes=r.notes,
            serious=r.serious,
            advice=r.advice,
        )
        for r in rows
    ]


@router.get("/evidence", response_model=EvidencePublic, tags=["safety"])
def get_evidence() -> EvidencePublic:
    """What the evidence says about microdosing, each claim with its citation."""
    return EvidencePublic.model_validate(evidence.evidence_dict())
