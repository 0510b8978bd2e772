"""Refused accesses go into the audit log too, in a transaction of their own.

The services audit only what they allow: a refusal raises, and its transaction rolls back.
The app's domain-error handler calls :func:`record_refusal` once per error; when a
logged-in account gets ``NotFound`` or ``AccessDenied`` from a route under
:data:`WATCHED` (API routes and the pages that show the same data), an entry
``access.refused`` is appended: who (account and role), the
method and path (ids only, no query string, no body, no health data), and the person or
study id when the path names one. A failure to record is logged and never changes the
answer the client gets.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError

from microdose.domain.errors import MicrodoseError, NotFound
from microdose.domain.roles import AccessDenied, Resource
from microdose.services import audit
from microdose.services.access import Actor
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


def _write(state: WebState, actor: Actor, refusal: Refusal) -> None:
    with state.writing(), state.sessions() as session, session.begin():
        audit.record(session=session, actor=actor, action=ACTION, resource=refusal.resource,
                     subject_person_id=refusal.subject_person_id, study_id=refusal.study_id,
                     allowed=False, detail=refusal.detail)


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
        _write(state, actor, refusal)
    except SQLAlchemyError:
        logger.exception("could not record a refused access to %s", request.url.path)
