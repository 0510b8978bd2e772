"""What the service's own routes share: guards, and account-scoped idempotent writes.

Routes for clinicians, researchers, admins and the participants' sharing area exist only
in service mode (:func:`require_service`, else 404). API routers use
:data:`SERVICE_API_DEPS`, page routers :data:`SERVICE_PAGE_GUARDS`; a route gets the
logged-in :class:`~microdose.services.access.Actor` from ``ActorDep`` and hands it to the
services, which apply the authorisation policy and write the audit log.

Writes go through :func:`perform_as`: one transaction, 2xx only after the commit, and an
``Idempotency-Key`` is honoured per account (a retry returns the first response).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microdose.domain.errors import Conflict, NotFound
from microdose.services.access import Actor
from microdose.store.service_models import AccountIdempotencyRow
from microdose.web.platform.deps import StateDep, require_api_login, require_page_login
from microdose.web.platform.guards import require_csrf
from microdose.web.platform.idempotency import (
    Outcome,
    check_key,
    fingerprint,
    prune_older,
    replay,
    respond,
)
from microdose.web.platform.state import WebState

#: how long an account's stored first response is kept (it may hold invitation codes)
KEEP = timedelta(days=1)

#: the work of a service POST: given the transaction and the actor, (status, JSON body)
ActorWork = Callable[[Session, Actor], tuple[int, dict[str, Any]]]


async def require_service(state: StateDep) -> None:
    """The service's routes do not exist on a personal journal."""
    if not state.service:
        raise NotFound("this server holds one personal journal; it has no accounts")


SERVICE_API_DEPS = [Depends(require_service), Depends(require_api_login)]
SERVICE_PAGE_GUARDS = [
    Depends(require_service),
    Depends(require_page_login),
    Depends(require_csrf),
]


def _lookup(session: Session, actor: Actor, key: str) -> AccountIdempotencyRow | None:
    query = select(AccountIdempotencyRow).where(
        AccountIdempotencyRow.account_id == actor.account_id, AccountIdempotencyRow.key == key
    )
    return session.scalars(query).first()


def _attempt(state: WebState, actor: Actor, key: str | None, method: str, path: str,
             digest: str, work: ActorWork) -> Outcome:
    """One transaction: replay a stored key, or claim it, do the work and store the answer."""
    with state.writing(), state.sessions() as session, session.begin():
        claim = None
        if key is not None and actor.account_id is not None:
            if (stored := _lookup(session, actor, key)) is not None:
                return replay(stored, method, path, digest)
            claim = AccountIdempotencyRow(
                account_id=actor.account_id, key=key, method=method, path=path[:255],
                fingerprint=digest, status_code=0, body={},
            )
            session.add(claim)
            session.flush()
        status, body = work(session, actor)
        if claim is not None:
            claim.status_code, claim.body = status, body
            session.flush()
    return Outcome(status, body)


def perform_as(
    request: Request, state: WebState, actor: Actor, *, key: str | None, payload: Any,
    work: ActorWork,
) -> JSONResponse:
    """Do ``work`` as ``actor`` in one transaction, once per ``Idempotency-Key``.

    Returns the JSON response (``Idempotent-Replayed: true`` on a replay). A concurrent
    request with the same key collides on the unique (account, key) index; its stored
    answer is then read back and replayed.
    """
    key = check_key(key)
    method, path = request.method, request.url.path
    digest = fingerprint(method, path, payload)
    for _ in range(2):
        try:
            return respond(_attempt(state, actor, key, method, path, digest, work))
        except IntegrityError:
            if key is not None:
                with state.sessions() as session:
                    if (stored := _lookup(session, actor, key)) is not None:
                        return respond(replay(stored, method, path, digest))
    raise Conflict("a concurrent request changed the same record; try again")


def prune(state: WebState) -> int:
    """Forget accounts' stored first responses older than :data:`KEEP`; returns how many."""
    return prune_older(state, AccountIdempotencyRow, KEEP)
