"""What the API's resource modules share: a router, the from/to types, the one write path.

Every POST goes through :func:`microdose.web.platform.idempotency.perform` (one transaction;
``Idempotency-Key`` honoured). Routes parse, call services, and present.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from microdose.domain.errors import InvalidInput
from microdose.web.platform.deps import (
    StateDep,
    require_api_login,
)
from microdose.web.platform.idempotency import Work, perform, respond
from microdose.web.platform.problems import PROBLEM_RESPONSES
from microdose.web.schemas.journal import (
    IsoDate,
)


def api_router() -> APIRouter:
    """A router of the personal journal's API: under ``/api/v1``, login required."""
    return APIRouter(
        prefix="/api/v1",
        responses=PROBLEM_RESPONSES,
        dependencies=[Depends(require_api_login)],
    )


FromDate = Annotated[IsoDate | None, Query(alias="from", description="First day, YYYY-MM-DD")]


ToDate = Annotated[IsoDate | None, Query(alias="to", description="Last day, YYYY-MM-DD")]


def write(
    request: Request, state: StateDep, key: str | None, payload: Any, work: Work
) -> JSONResponse:
    """Run a POST's work once per ``Idempotency-Key`` and answer with its outcome."""
    return respond(
        perform(state, key=key, method="POST", path=request.url.path, payload=payload, work=work)
    )


def check_range(start: dt.date | None, end: dt.date | None) -> None:
    """``from`` must not be after ``to``."""
    if start and end and start > end:
        raise InvalidInput("from", f"{start} is after to={end}", "from <= to")
