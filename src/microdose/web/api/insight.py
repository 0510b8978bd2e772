"""JSON API: the journal's analysis (``microdose analyze --json``), the trial's status and
its report once unblinded (``microdose trial report --json``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query

from microdose.domain.errors import InvalidInput
from microdose.services import trials
from microdose.services.people import local_today
from microdose.store.models import Person
from microdose.web.api.common import FromDate, ToDate, check_range
from microdose.web.platform.deps import PersonDep, SessionDep, require_api_login
from microdose.web.platform.problems import PROBLEM_RESPONSES

#: longest period the analysis is asked for (a day-by-day model: keep requests bounded)
MAX_PERIOD_DAYS = 3660


def check_period(person: Person, start: dt.date | None, end: dt.date | None) -> None:
    """``from`` not after ``to``, and at most :data:`MAX_PERIOD_DAYS` between them (or today)."""
    check_range(start, end)
    first, last = start or local_today(person), end or local_today(person)
    if abs((last - first).days) > MAX_PERIOD_DAYS:
        raise InvalidInput("from", "the period is longer than 10 years", "at most 3660 days")


router = APIRouter(
    prefix="/api/v1",
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(require_api_login)],
)


@router.get("/insights", response_model=dict[str, Any], tags=["insights"])
def get_insights(
    session: SessionDep, person: PersonDep, start: FromDate = None, end: ToDate = None
) -> dict[str, Any]:
    """Change on each questionnaire, dose-day effects with 95% CIs, adherence, side effects.

    The same document as ``microdose analyze --json``; 404 when nothing is recorded.
    """
    from microdose.services.insight import analyze

    check_period(person, start, end)
    result: dict[str, Any] = analyze(session=session, person=person, start=start, end=end).to_dict()
    return result


@router.get("/trial", response_model=dict[str, Any], tags=["trial"])
def get_trial(session: SessionDep, person: PersonDep) -> dict[str, Any]:
    """Where the current trial stands, never which envelope holds what (404: no trial)."""
    result = trials.trial_status(session=session, person=person, today=local_today(person))
    trial = result.trial
    return {
        **trials.design_summary(trial, result.blocks),
        "taken": result.taken,
        "guesses": result.guesses,
        "today": result.today.isoformat(),
        "today_block": result.today_block,
        "next_dose_day": result.next_dose_day.isoformat() if result.next_dose_day else None,
        "unblinded_at": trial.unblinded_at.isoformat() if trial.unblinded_at else None,
        "early": trial.unblinded_early,
    }


PriorQuery = Query(
    "sceptical",
    max_length=20,
    description="the prior of the posterior probability of a meaningful benefit: "
    "sceptical or neutral (never the verdict)",
)


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
