"""JSON API of studies for researchers: define, invite, follow, export, analyse.

Service mode only (``SERVICE_API_DEPS``: 404 on a personal journal, 401 without a login).
The services apply the authorisation policy (:mod:`microdose.domain.roles`) and write the
audit log; these routes parse, call them, and present. Another researcher's study is
answered 404 (as if it did not exist); what a role may never do is 403.

Endpoints (who may call them, per the policy):

- ``POST /api/v1/studies`` — a researcher creates a study (201); any other role 403.
- ``GET /api/v1/studies`` — a researcher's own studies; a participant's enrolled studies
  (the policy lets participants read studies they are enrolled in); clinician, admin 403.
- ``GET /api/v1/studies/{study_id}`` — the owner gets the study with its progress
  (enrolment, completion by scheduled assessment; audited per participant); a participant
  enrolled in it gets the study without progress; another researcher or a participant not
  enrolled 404; clinician, admin 403.
- ``POST /api/v1/studies/{study_id}/status`` — the owner opens, pauses or closes
  recruitment; another researcher 404; other roles 403.
- ``POST /api/v1/studies/{study_id}/consent`` — the owner publishes a new consent version
  (201); another researcher 404; other roles 403.
- ``POST /api/v1/studies/{study_id}/invitations`` — the owner creates single-use codes,
  shown once (201); another researcher 404; other roles 403.
- ``GET /api/v1/studies/{study_id}/export?format=csv|parquet`` — the owner downloads a zip
  of the pseudonymised tables and the data dictionary (audited per participant); another
  researcher 404; other roles 403.
- ``GET /api/v1/studies/{study_id}/analysis`` — the owner runs the cohort analyses
  (mixed model, ANCOVA on baseline, N-of-1 meta-analysis; audited per participant);
  another researcher 404; other roles 403.

Every POST runs in one transaction and honours ``Idempotency-Key`` per account: a retry
returns the first response (for invitations: the same codes) and creates nothing.
"""

from __future__ import annotations

import io
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from microdose.domain import studies as rules
from microdose.domain.roles import Action, Relation, Resource, decide
from microdose.services.access import Actor, require_study
from microdose.services.studies import (
    add_consent_version,
    create_invitations,
    create_study,
    current_consent,
    list_studies,
    set_status,
    study_dict,
)
from microdose.services.study_analysis import analyze
from microdose.services.study_export import export_study
from microdose.services.study_records import progress
from microdose.web.platform.deps import ActorDep, IdempotencyKey, StateDep
from microdose.web.platform.problems import PROBLEM_RESPONSES
from microdose.web.platform.service_deps import SERVICE_API_DEPS, perform_as
from microdose.web.platform.state import WebState
from microdose.web.platform.views import attachment
from microdose.web.schemas.studies import (
    AnalysisPublic,
    ConsentCreate,
    ConsentVersionPublic,
    DailyRating,
    ExportFormat,
    InvitationCreate,
    InvitationsPublic,
    Outcome,
    StatusPublic,
    StatusUpdate,
    StudyCreate,
    StudyDetail,
    StudyPublic,
    analysis_public,
)

router = APIRouter(
    prefix="/api/v1/studies",
    tags=["studies"],
    responses=PROBLEM_RESPONSES,
    dependencies=SERVICE_API_DEPS,
)
T = TypeVar("T")


def audited_read(state: WebState, work: Callable[[Session], T]) -> T:
    """A read that appends audit entries: one transaction (SQLite: under the write lock)."""
    with state.writing(), state.sessions() as session, session.begin():
        return work(session)


def study_public(session: Session, study: Any) -> dict[str, Any]:
    """A study's definition with its current consent version, JSON-ready."""
    data = study_dict(study, current_consent(session, study.id))
    return StudyPublic.model_validate(data).model_dump(mode="json")


def study_detail(session: Session, actor: Actor, study_id: uuid.UUID) -> dict[str, Any]:
    """The study; with its progress when the actor may read the study's data (audited)."""
    study = require_study(session=session, actor=actor, study_id=study_id)
    data: dict[str, Any] = {**study_public(session, study), "progress": None}
    if decide(actor.role, Action.READ, Resource.STUDY_DATA, Relation.OWN).allowed:
        data["progress"] = progress(session=session, actor=actor, study_id=study_id).to_dict()
    return StudyDetail.model_validate(data).model_dump(mode="json")


def export_zip(state: WebState, actor: Actor, study_id: uuid.UUID, fmt: str) -> tuple[str, bytes]:
    """The study's pseudonymised export zipped: its file name and bytes."""
    with tempfile.TemporaryDirectory(prefix="study-export-") as folder:
        result = audited_read(
            state,
            lambda session: export_study(
                session=session,
                actor=actor,
                study_id=study_id,
                folder=Path(folder) / "export",
                fmt=fmt,
            ),
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(result.files):
                archive.write(path, path.name)
    return f"study-{str(study_id)[:8]}-{fmt}.zip", buffer.getvalue()


def run_analysis(
    state: WebState,
    actor: Actor,
    study_id: uuid.UUID,
    *,
    outcome: str,
    rating: str,
    followup_day: int | None,
    reference: str | None,
) -> AnalysisPublic:
    """The cohort analyses of a study (audited per participant)."""
    result = audited_read(
        state,
        lambda session: analyze(
            session=session,
            actor=actor,
            study_id=study_id,
            outcome=outcome,
            followup_day=followup_day,
            reference=reference,
            rating=rating,
        ),
    )
    return analysis_public(result.to_dict())


@router.post("", status_code=201, response_model=StudyPublic)
def create(
    body: StudyCreate,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Define a study: arms, protocol, schedule of assessments, consent text (version 1)."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        study = create_study(
            session=session,
            actor=who,
            spec=body.spec(),
            consent_text=body.consent_text,
            status=body.status,
        )
        return 201, study_public(session, study)

    return perform_as(
        request, state, actor, key=key, payload=body.model_dump(mode="json"), work=work
    )


@router.get("", response_model=list[StudyPublic])
def list_all(state: StateDep, actor: ActorDep) -> list[dict[str, Any]]:
    """A researcher's own studies; a participant's, the studies they are enrolled in."""
    with state.sessions() as session, session.begin():
        return [study_public(session, s) for s in list_studies(session=session, actor=actor)]


@router.get("/{study_id}", response_model=StudyDetail)
def show(study_id: uuid.UUID, state: StateDep, actor: ActorDep) -> dict[str, Any]:
    """A study with its enrolment and completion of the schedule (owner only)."""
    return audited_read(state, lambda session: study_detail(session, actor, study_id))


@router.post("/{study_id}/status", response_model=StatusPublic)
def change_status(
    study_id: uuid.UUID,
    body: StatusUpdate,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Open (``recruiting``), pause (``draft``) or close (``closed``) recruitment."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = set_status(session=session, actor=who, study_id=study_id, status=body.status)
        return 200, {"study_id": str(row.id), "status": row.status}

    return perform_as(
        request, state, actor, key=key, payload=body.model_dump(mode="json"), work=work
    )


@router.post("/{study_id}/consent", status_code=201, response_model=ConsentVersionPublic)
def new_consent(
    study_id: uuid.UUID,
    body: ConsentCreate,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Publish a new consent version; participants accept it before more collection."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = add_consent_version(session=session, actor=who, study_id=study_id, text=body.text)
        return 201, {"study_id": str(study_id), "version": row.version, "sha256": row.sha256}

    return perform_as(
        request, state, actor, key=key, payload=body.model_dump(mode="json"), work=work
    )


@router.post("/{study_id}/invitations", status_code=201, response_model=InvitationsPublic)
def invite(
    study_id: uuid.UUID,
    body: InvitationCreate,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Single-use invitation codes, shown once (only their SHA-256 is stored).

    With an ``Idempotency-Key``, a retry makes no new codes and answers 409
    (``shown-once``): the first answer is stored without its codes.
    """

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        codes = create_invitations(
            session=session,
            actor=who,
            study_id=study_id,
            count=body.count,
            arm=body.arm,
            expires_days=body.expires_days,
        )
        return 201, {
            "study_id": str(study_id),
            "codes": codes,
            "arm": body.arm,
            "expires_days": body.expires_days,
        }

    return perform_as(
        request, state, actor, key=key, payload=body.model_dump(mode="json"), work=work,
        secret=("codes",),
    )


@router.get(
    "/{study_id}/export",
    response_class=Response,
    responses={
        200: {
            "content": {"application/zip": {}},
            "description": "A zip of the pseudonymised tables and data_dictionary",
        }
    },
)
def export(
    study_id: uuid.UUID,
    state: StateDep,
    actor: ActorDep,
    fmt: Annotated[ExportFormat, Query(alias="format")] = "csv",
) -> Response:
    """The pseudonymised tables and the data dictionary, as CSV or Parquet, zipped."""
    name, body = export_zip(state, actor, study_id, fmt)
    return attachment(body, name, "application/zip")


@router.get("/{study_id}/analysis", response_model=AnalysisPublic)
def analysis(
    study_id: uuid.UUID,
    state: StateDep,
    actor: ActorDep,
    outcome: Outcome = "phq9",
    rating: DailyRating = "mood",
    followup_day: Annotated[int | None, Query(ge=0, le=rules.MAX_DAY)] = None,
    reference: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
) -> AnalysisPublic:
    """Mixed model over study time, ANCOVA on baseline, pooled N-of-1 effects; each with
    its 95% CI, method and caveat. An analysis the data cannot support is null, with a
    note saying why."""
    return run_analysis(
        state,
        actor,
        study_id,
        outcome=outcome,
        rating=rating,
        followup_day=followup_day,
        reference=reference,
    )
