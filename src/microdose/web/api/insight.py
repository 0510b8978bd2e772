"""JSON API: the journal's analysis (``microdose analyze --json``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from microdose.domain.errors import InvalidInput
from microdose.services.people import local_today
from microdose.store.models import Person
from microdose.web.api.common import FromDate, ToDate, api_router, check_range
from microdose.web.platform.deps import PersonDep, SessionDep

#: longest period the analysis is asked for (a day-by-day model: keep requests bounded)
MAX_PERIOD_DAYS = 3660


def check_period(person: Person, start: dt.date | None, end: dt.date | None) -> None:
    """``from`` not after ``to``, and at most :data:`MAX_PERIOD_DAYS` between them (or today)."""
    check_range(start, end)
    first, last = start or local_today(person), end or local_today(person)
    if abs((last - first).days) > MAX_PERIOD_DAYS:
        raise InvalidInput("from", "the period is longer than 10 years", "at most 3660 days")


router = api_router()


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
