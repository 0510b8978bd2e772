"""Refused accesses go into the audit log too, in a transaction of their own.

The services audit only what they allow: a refusal raises, and its transaction rolls back.
The app's domain-error handler calls :func:`record_refusal` once per error; when a
logged-in account gets ``NotFound`` or ``AccessDenied`` from a route under
:data:`WATCHED` (API routes and the pages that show the same data), an entry
``access.refused`` is appended: who (account and role), the
method and path (ids only, no query string, no body, no health data), and the person or
study id when the path names one. A failure to record is logged and never changes the
answer the client gets.

Entries are rate-limited per source (the client's address, as for login throttling): at
most :data:`REFUSALS_PER_WINDOW` in each :data:`REFUSAL_WINDOW`, the last of them saying
until when further refusals from that source go unrecorded, so that no client can grow
the log without bound. The count lives in ``login_throttle`` (scope ``refusal``), shared
by every server process.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError

from microdose.domain.errors import MicrodoseError, NotFound
from microdose.domain.roles import AccessDenied, Resource
from microdose.services import audit, login_throttle
from microdose.services.access import Actor
from microdose.store.base import utcnow
from microdose.web.platform.auth import client_key
from microdose.web.platform.state import WebState

ACTION = "access.refused"
#: path prefix → the kind of resource a refusal there concerns (first match wins)
WATCHED: dict[str, Resource] = {
    "/api/v1/people/": Resource.JOURNAL,
    "/api/v1/studies": Resource.STUDY,
    "/api/v1/alerts": Resource.ALERTS,
    "/api/v1/admin/audit": Resource.AUDIT,
    "/api/v1/admin": Resource.ACCOUNT,
    # the pages over the same data
    "/clinician/people/": Resource.JOURNAL,
    "/studies": Resource.STUDY,
    "/admin/audit": Resource.AUDIT,
    "/admin/": Resource.ACCOUNT,
}
#: audited refusals per source in each window
REFUSALS_PER_WINDOW = 30
REFUSAL_WINDOW = timedelta(minutes=10)
logger = logging.getLogger("microdose.web")


@dataclass(frozen=True)
class Refusal:
    """What an ``access.refused`` entry says."""

    resource: Resource
    subject_person_id: uuid.UUID | None
    study_id: uuid.UUID | None
    detail: str


def _id_after(parts: list[str], name: str) -> uuid.UUID | None:
    if name in parts and parts.index(name) + 1 < len(parts):
        try:
            return uuid.UUID(parts[parts.index(name) + 1])
        except ValueError:
            return None
    return None


def refusal_of(method: str, path: str, exc: MicrodoseError) -> Refusal | None:
    """The entry to write for this error at this path, or None when none is due."""
    if not isinstance(exc, NotFound | AccessDenied):
        return None
    resource = next((kind for prefix, kind in WATCHED.items() if path.startswith(prefix)), None)
    if resource is None:
        return None
    parts = path.strip("/").split("/")
    detail = f"{method} {path} -> {exc.http_status} {type(exc).__name__}"
    return Refusal(resource, _id_after(parts, "people"), _id_after(parts, "studies"), detail)


def _write(state: WebState, actor: Actor, refusal: Refusal, source: str) -> bool:
    """Append the entry unless ``source`` used up its window; whether it was appended."""
    moment = utcnow()
    with state.writing(), state.sessions() as session, session.begin():
        count = login_throttle.refusal_budget(session, source, moment, REFUSAL_WINDOW)
        if count > REFUSALS_PER_WINDOW:
            return False
        detail = refusal.detail
        if count == REFUSALS_PER_WINDOW:
            end = login_throttle.window_end(session, source, REFUSAL_WINDOW) or moment
            detail += (f"; {REFUSALS_PER_WINDOW} refusals from this source: further ones "
                       f"are not recorded until {end:%Y-%m-%d %H:%M} UTC")
        audit.record(session=session, actor=actor, action=ACTION, resource=refusal.resource,
                     subject_person_id=refusal.subject_person_id, study_id=refusal.study_id,
                     allowed=False, detail=detail[:500])
        return True


def record_refusal(request: Request, exc: MicrodoseError) -> None:
    """Append ``access.refused`` for a logged-in actor's refused request under :data:`WATCHED`.

    Called by the app's handler of domain errors (in a worker thread, after the request's
    own transaction has rolled back).
    """
    actor = getattr(request.state, "actor", None)
    if not isinstance(actor, Actor):
        return
    refusal = refusal_of(request.method, request.url.path, exc)
    if refusal is None:
        return
    state = request.app.state.web
    assert isinstance(state, WebState)
    try:
        if not _write(state, actor, refusal, client_key(request)):
            logger.info("refused access to %s not audited: the source's limit per window",
                        request.url.path)
    except SQLAlchemyError:
        logger.exception("could not record a refused access to %s", request.url.path)
