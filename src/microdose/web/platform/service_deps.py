"""What the service's own routes share: guards, and account-scoped idempotent writes.

Routes for clinicians, researchers, admins and the participants' sharing area exist only
in service mode (:func:`require_service`, else 404). API routers use
:data:`SERVICE_API_DEPS`, page routers :data:`SERVICE_PAGE_GUARDS`; a route gets the
logged-in :class:`~microdose.services.access.Actor` from ``ActorDep`` and hands it to the
services, which apply the authorisation policy and write the audit log.

Writes go through :func:`perform_as`: one transaction, 2xx only after the commit, and an
``Idempotency-Key`` is honoured per account (a retry returns the first response).

Secrets are never stored at rest with a key: a response field named in ``secret`` (the
invitation codes) is left out of the stored copy, which records only that it was shown
once, so a retry of such a request is answered :class:`ShownOnce` (409) and creates
nothing; a request field that is a secret (``code``, ``password``) enters the stored
fingerprint only as an HMAC under the server's secret key.
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
from microdose.services import login_throttle
from microdose.services.access import Actor
from microdose.store.base import utcnow
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
from microdose.web.platform.security import keyed_hash
from microdose.web.platform.state import WebState

#: how long an account's stored first response is kept (it may hold invitation codes)
KEEP = timedelta(days=1)

#: the work of a service POST: given the transaction and the actor, (status, JSON body)
ActorWork = Callable[[Session, Actor], tuple[int, dict[str, Any]]]
#: request fields that are secrets: the stored fingerprint covers them only as an HMAC
SECRET_REQUEST_FIELDS = ("code", "password")
#: the mark a stored response carries in place of the secret fields it left out
SHOWN_ONCE = "shown_once"


class ShownOnce(Conflict):
    """A retry of a request whose answer held a secret that was shown once (409); the
    message gives the rest of the first answer (e.g. the link to withdraw)."""

    def __init__(self, fields: list[str], kept: dict[str, Any]) -> None:
        rest = ", ".join(f"{name} {value}" for name, value in kept.items() if value is not None)
        plural = len(fields) > 1 or fields[0].endswith("s")
        were, them = ("were", "them") if plural else ("was", "it")
        super().__init__(
            f"already done: the {' and '.join(fields)} of the first request with this "
            f"Idempotency-Key {were} shown once and {'are' if plural else 'is'} not stored, "
            f"so a retry cannot show {them} again; nothing new was made (unused codes "
            "expire: make new ones with a new request)"
            + (f"; the first answer also said: {rest}" if rest else "")
        )
        self.fields = fields


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


def without_secrets(body: dict[str, Any], secret: tuple[str, ...]) -> dict[str, Any]:
    """What may be stored of a response: ``body`` without the ``secret`` fields, marked
    with the names of those left out (nothing to mark when none is present)."""
    left_out = [name for name in secret if name in body]
    if not left_out:
        return body
    kept = {name: value for name, value in body.items() if name not in left_out}
    return {**kept, SHOWN_ONCE: left_out}


def request_digest(state: WebState, method: str, path: str, payload: Any) -> str:
    """The fingerprint of a request; secret fields of a JSON object count as keyed hashes."""
    if isinstance(payload, dict) and any(f in payload for f in SECRET_REQUEST_FIELDS):
        payload = {
            name: keyed_hash(state.security.secret, str(value))
            if name in SECRET_REQUEST_FIELDS else value
            for name, value in payload.items()
        }
    return fingerprint(method, path, payload)


def _replay(stored: AccountIdempotencyRow, method: str, path: str, digest: str) -> Outcome:
    outcome = replay(stored, method, path, digest)
    if SHOWN_ONCE in outcome.body:
        kept = {k: v for k, v in outcome.body.items() if k != SHOWN_ONCE}
        raise ShownOnce(list(outcome.body[SHOWN_ONCE]), kept)
    return outcome


def _attempt(state: WebState, actor: Actor, key: str | None, method: str, path: str,
             digest: str, work: ActorWork, secret: tuple[str, ...]) -> Outcome:
    """One transaction: replay a stored key, or claim it, do the work and store the answer
    (without its secret fields)."""
    with state.writing(), state.sessions() as session, session.begin():
        claim = None
        if key is not None and actor.account_id is not None:
            if (stored := _lookup(session, actor, key)) is not None:
                return _replay(stored, method, path, digest)
            claim = AccountIdempotencyRow(
                account_id=actor.account_id, key=key, method=method, path=path[:255],
                fingerprint=digest, status_code=0, body={},
            )
            session.add(claim)
            session.flush()
        status, body = work(session, actor)
        if claim is not None:
            claim.status_code, claim.body = status, without_secrets(body, secret)
            session.flush()
    return Outcome(status, body)


def perform_as(
    request: Request, state: WebState, actor: Actor, *, key: str | None, payload: Any,
    work: ActorWork, secret: tuple[str, ...] = (),
) -> JSONResponse:
    """Do ``work`` as ``actor`` in one transaction, once per ``Idempotency-Key``.

    Returns the JSON response (``Idempotent-Replayed: true`` on a replay). A concurrent
    request with the same key collides on the unique (account, key) index; its stored
    answer is then read back and replayed. The response fields named in ``secret`` are
    not stored: a replay of such an answer raises :class:`ShownOnce`.
    """
    key = check_key(key)
    method, path = request.method, request.url.path
    digest = request_digest(state, method, path, payload)
    for _ in range(2):
        try:
            return respond(_attempt(state, actor, key, method, path, digest, work, secret))
        except IntegrityError:
            if key is not None:
                with state.sessions() as session:
                    if (stored := _lookup(session, actor, key)) is not None:
                        return respond(_replay(stored, method, path, digest))
    raise Conflict("a concurrent request changed the same record; try again")


def prune(state: WebState) -> int:
    """Forget accounts' stored first responses older than :data:`KEEP`, and throttle
    state nothing counts any more; returns how many rows went."""
    pruned = prune_older(state, AccountIdempotencyRow, KEEP)
    with state.sessions() as session, session.begin():
        return pruned + login_throttle.prune(session, utcnow())
