"""JSON API of the clinician view (service mode only; every route needs a login).

- ``POST /api/v1/clinician/invitations`` → 201 ``{code, expires_at, link_id}``
- ``GET  /api/v1/clinician/links``
- ``POST /api/v1/clinician/links/{link_id}/revoke``
- ``GET  /api/v1/clinician/caseload`` (sorted by need)
- ``GET  /api/v1/people/{person_id}/timeline``
- ``GET  /api/v1/people/{person_id}/alerts``
- ``GET  /api/v1/people/{person_id}/report.pdf``
- ``GET  /api/v1/people/{person_id}/charts``
- ``POST /api/v1/alerts/{alert_id}/acknowledge`` ``{note}`` → 201

The services decide: the ``/clinician/…`` routes and the acknowledgement are for accounts
with a caseload (clinicians, admins; others 403); a person's records are read by their
linked clinicians (and by the person), anyone else gets 404 as if the person did not
exist. Every read of another person's data is audited by the services.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from microdose.services import caseload, clinician_views
from microdose.services.access import Actor
from microdose.web.api.common import FromDate, ToDate, check_range
from microdose.web.platform.deps import ActorDep, IdempotencyKey, SessionDep, StateDep
from microdose.web.platform.problems import PROBLEM_RESPONSES
from microdose.web.platform.service_deps import SERVICE_API_DEPS, perform_as
from microdose.web.platform.state import WebState
from microdose.web.platform.views import attachment
from microdose.web.schemas.clinician import (
    AcknowledgementCreate,
    AcknowledgementPublic,
    AlertPublic,
    CaseloadEntryPublic,
    ChartPublic,
    ChartsPublic,
    InvitationPublic,
    LinkPublic,
    TimelinePublic,
)

router = APIRouter(
    prefix="/api/v1",
    tags=["clinicians"],
    responses=PROBLEM_RESPONSES,
    dependencies=SERVICE_API_DEPS,
)
T = TypeVar("T")
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The clinician report (PDF)"}
}


def audited_read(state: WebState, work: Callable[[Session], T]) -> T:
    """A read that appends audit entries: one transaction (SQLite: under the write lock)."""
    with state.writing(), state.sessions() as session, session.begin():
        return work(session)


def entry_public(entry: caseload.CaseloadEntry) -> CaseloadEntryPublic:
    """A caseload entry with its PHQ-9 change (latest − first)."""
    change = (
        entry.phq9_latest - entry.phq9_first
        if entry.phq9_first is not None and entry.phq9_latest is not None
        else None
    )
    return CaseloadEntryPublic.model_validate({**entry.to_dict(), "phq9_change": change})


@router.post("/clinician/invitations", status_code=201, response_model=InvitationPublic)
def create_invitation(request: Request, state: StateDep, actor: ActorDep,
                      key: IdempotencyKey = None) -> JSONResponse:
    """A single-use invitation code (valid 14 days) to give to one person.

    The code is never stored (only its digest). With an ``Idempotency-Key``, a retry
    makes no new code and answers 409 (``shown-once``, naming the link to withdraw):
    the first answer is stored without its code.
    """

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        made = clinician_views.create_invitation(session=session, actor=who)
        body = InvitationPublic(
            code=made.code, expires_at=made.link.expires_at, link_id=made.link.id
        )
        return 201, body.model_dump(mode="json")

    return perform_as(request, state, actor, key=key, payload={}, work=work,
                      secret=("code",))


@router.get("/clinician/links", response_model=list[LinkPublic])
def list_links(session: SessionDep, actor: ActorDep) -> list[LinkPublic]:
    """The clinician's invitations and links (pending, active, revoked, expired)."""
    rows = clinician_views.clinician_links(session=session, actor=actor)
    return [LinkPublic.model_validate(caseload.link_dict(row)) for row in rows]


@router.post("/clinician/links/{link_id}/revoke", response_model=LinkPublic)
def revoke_link(
    link_id: uuid.UUID,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """End a link, or withdraw an unused invitation (revoking twice changes nothing)."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = clinician_views.revoke_link(session=session, actor=who, link_id=link_id)
        return 200, LinkPublic.model_validate(caseload.link_dict(row)).model_dump(mode="json")

    return perform_as(request, state, actor, key=key, payload={"link": str(link_id)}, work=work)


@router.get("/clinician/caseload", response_model=list[CaseloadEntryPublic])
def get_caseload(state: StateDep, actor: ActorDep) -> list[CaseloadEntryPublic]:
    """Linked people, most in need first: open crisis alerts, reliable PHQ-9 deterioration,
    adverse events of grade ≥ 3, missed check-ins."""
    found = audited_read(state, lambda s: caseload.caseload(session=s, actor=actor))
    return [entry_public(e) for e in found]


@router.get("/people/{person_id}/timeline", response_model=TimelinePublic)
def get_timeline(
    person_id: uuid.UUID,
    state: StateDep,
    actor: ActorDep,
    start: FromDate = None,
    end: ToDate = None,
) -> TimelinePublic:
    """Check-ins, questionnaires, doses, adverse events and alerts of a person."""
    check_range(start, end)
    found = audited_read(
        state,
        lambda s: caseload.timeline(
            session=s, actor=actor, person_id=person_id, start=start, end=end
        ),
    )
    return TimelinePublic.model_validate(found)


@router.get("/people/{person_id}/alerts", response_model=list[AlertPublic])
def get_alerts(
    person_id: uuid.UUID,
    state: StateDep,
    actor: ActorDep,
    open_only: bool = Query(False, alias="open", description="Only unacknowledged alerts"),
) -> list[AlertPublic]:
    """A person's alerts, newest first, each with its acknowledgement (if any)."""
    found = audited_read(
        state,
        lambda s: caseload.person_alerts(
            session=s, actor=actor, person_id=person_id, open_only=open_only
        ),
    )
    return [AlertPublic.model_validate(alert) for alert in found]


def person_insight(
    state: WebState,
    actor: Actor,
    person_id: uuid.UUID,
    what: str,
    start: dt.date | None,
    end: dt.date | None,
) -> clinician_views.PersonInsight:
    """Authorise and analyse in one short transaction (the rendering happens after it)."""
    check_range(start, end)
    return audited_read(
        state,
        lambda s: clinician_views.person_insight(
            session=s, actor=actor, person_id=person_id, what=what, start=start, end=end
        ),
    )


@router.get("/people/{person_id}/report.pdf", response_class=Response, responses=PDF_RESPONSE)
def get_report(
    person_id: uuid.UUID,
    state: StateDep,
    actor: ActorDep,
    start: FromDate = None,
    end: ToDate = None,
) -> Response:
    """The clinician PDF report of a person (409 before anything was recorded)."""
    from microdose.domain.errors import Conflict
    from microdose.reports.pdf import render_pdf

    found = person_insight(state, actor, person_id, clinician_views.REPORT_READ, start, end)
    if found.insight is None:
        raise Conflict(f"report: {found.note}")
    body = render_pdf(found.insight, name=found.display_name)
    name = f"microdose-report-{found.insight.data.end.isoformat()}.pdf"
    return attachment(body, name, "application/pdf")


def chart_list(found: clinician_views.PersonInsight) -> list[ChartPublic]:
    """The person's charts with their titles and captions (as on the insights page)."""
    from microdose.reports.charts import chart_specs
    from microdose.reports.words import CHART_CAPTIONS

    if found.insight is None:
        return []
    return [
        ChartPublic(
            name=name, title=name.replace("_", " "), caption=CHART_CAPTIONS.get(name, ""), spec=spec
        )
        for name, spec in chart_specs(found.insight).items()
    ]


@router.get("/people/{person_id}/charts", response_model=ChartsPublic)
def get_charts(
    person_id: uuid.UUID,
    state: StateDep,
    actor: ActorDep,
    start: FromDate = None,
    end: ToDate = None,
) -> ChartsPublic:
    """The person's charts as Vega-Lite specs (the same as their insights page)."""
    found = person_insight(state, actor, person_id, clinician_views.CHARTS_READ, start, end)
    insight = found.insight
    return ChartsPublic(
        person_id=found.person_id,
        period_from=insight.data.start if insight else None,
        period_to=insight.data.end if insight else None,
        charts=chart_list(found),
        caveat=insight.caveat if insight else None,
        note=found.note,
    )


@router.post(
    "/alerts/{alert_id}/acknowledge", status_code=201, response_model=AcknowledgementPublic
)
def acknowledge_alert(
    alert_id: uuid.UUID,
    body: AcknowledgementCreate,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Acknowledge a linked person's alert with a note (required; once per alert: 409)."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = clinician_views.acknowledge(
            session=session, actor=who, alert_id=alert_id, note=body.note
        )
        public = AcknowledgementPublic(
            id=row.id,
            alert_id=row.alert_id,
            person_id=row.person_id,
            account_id=row.account_id,
            note=row.note,
            acknowledged_at=row.acknowledged_at,
        )
        return 201, public.model_dump(mode="json")

    payload = {"alert": str(alert_id), **body.model_dump()}
    return perform_as(request, state, actor, key=key, payload=payload, work=work)
