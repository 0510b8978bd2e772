"""JSON API: the self-blinded trial — design, status, unblinding, and its report.

The same services as ``microdose trial …`` and the Trial page. Nothing here ever says which
envelope holds what before unblinding; envelopes are taken with ``POST /api/v1/doses``
(``envelope_code``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from microdose.services import trials
from microdose.services.people import local_today
from microdose.store.models import Person
from microdose.web.api.common import api_router, write
from microdose.web.platform.deps import IdempotencyKey, PersonDep, SessionDep, StateDep
from microdose.web.schemas.trial import TrialDesign, TrialUnblind

router = api_router()

PriorQuery = Query(
    "sceptical",
    max_length=20,
    description="the prior of the posterior probability of a meaningful benefit: "
    "sceptical or neutral (never the verdict)",
)


def _status(session: Session, person: Person) -> dict[str, Any]:
    result = trials.trial_status(session=session, person=person, today=local_today(person))
    return trials.status_dict(result)


@router.get("/trial", response_model=dict[str, Any], tags=["trial"])
def get_trial(session: SessionDep, person: PersonDep) -> dict[str, Any]:
    """Where the current trial stands, never which envelope holds what (404: no trial)."""
    return _status(session, person)


@router.post("/trial", status_code=201, response_model=dict[str, Any], tags=["trial"])
def design_trial(
    body: TrialDesign, request: Request, state: StateDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Draw and seal a trial; its schedule becomes the active plan (409 while one runs;
    a current safety screen is needed, as for any plan)."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        create = trials.TrialCreate(
            doses=body.doses, protocol=body.protocol, start=body.start or local_today(person),
            block=body.block, weekdays=",".join(body.weekdays) or None,
            past_confirmed=body.confirm_past, expectancy=body.expectancy,
        )  # fmt: skip
        trials.design_trial(session=session, person=person, create=create)
        return 201, _status(session, person)

    return write(request, state, key, body.model_dump(mode="json"), work)


@router.post("/trial/unblind", response_model=dict[str, Any], tags=["trial"])
def unblind_trial(
    body: TrialUnblind, request: Request, state: StateDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Open the sealed key and check it against its commitment (409: no blind trial).
    Early unblinding is allowed and marked, with its reason, in every report."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        trials.unblind(session=session, person=person, reason=body.reason,
                       today=local_today(person))  # fmt: skip
        return 200, _status(session, person)  # its taken and early are the unblinding's

    return write(request, state, key, body.model_dump(mode="json"), work)


@router.get("/trial/report", response_model=dict[str, Any], tags=["trial"])
def get_trial_report(
    session: SessionDep, person: PersonDep, prior: str = PriorQuery
) -> dict[str, Any]:
    """The unblinded trial's report: the same document as ``microdose trial report --json``.

    404 without a trial, 409 while it is still blind, 422 for a prior not offered.
    """
    from microdose.reports.trial_report import report_dict
    from microdose.services.trial_report import trial_report

    return report_dict(trial_report(session=session, person_id=person.id, prior=prior))
