"""``Idempotency-Key``: a retried POST returns the first response and creates nothing.

The key is claimed by inserting a :class:`IdempotencyRow` as the first write of the same
transaction that does the work, and the response is stored in that row before the commit.
So the work and its key are committed together or not at all. A retry whose key is
already stored finds it at the start of its own transaction and replays it. A concurrent
retry blocks on the unique (person, key) index until the first transaction ends; it then
fails with an integrity error, and the stored response is read back and replayed. Reusing
a key for a different request is an error (422), as in the IETF ``Idempotency-Key`` draft.

A job may carry its request's :class:`Login` (service mode on PostgreSQL, for the routes
that opt in: see :mod:`microdose.web.platform.lean_route`): the bearer token is then resolved
first in the write's own transaction, before the key is looked up, instead of in a
transaction (and a thread hop) of its own; no live login is the API's 401, and nothing
is written.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, cast

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from microdose.domain.errors import Conflict, InvalidInput
from microdose.services import login_sessions
from microdose.services.access import Actor
from microdose.store.base import utcnow
from microdose.store.models import Person
from microdose.store.web_models import IdempotencyRow
from microdose.web.platform.auth import API_LOGIN_FIRST, CURRENT_ACTOR, LoginRequired
from microdose.web.platform.state import WebState, own_person_id

HEADER = "Idempotency-Key"
#: a key: 1–255 visible ASCII characters (a UUID is the usual choice)
KEY_PATTERN = r"^[!-~]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
#: how long a stored first response is kept
KEEP = timedelta(days=7)

#: the work of a POST: given the transaction and the person, (status, JSON-ready body)
Work = Callable[[Session, Person], tuple[int, dict[str, Any]]]
#: work that needs only the person's id: the row is not loaded (a foreign key still
#: refuses a person that is gone), which spares a query per transaction on the hot path
IdWork = Callable[[Session, uuid.UUID], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class Outcome:
    """What a POST answered: status and body, and whether this is a replay."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


def check_key(key: str | None) -> str | None:
    """A valid key, None when absent; raises ``InvalidInput`` for a malformed one."""
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise InvalidInput(HEADER, "must be 1-255 visible ASCII characters", "e.g. a UUID")
    return key


def fingerprint(method: str, path: str, payload: Any) -> str:
    """SHA-256 of the request's method, path and canonical JSON payload."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


@dataclass
class Login:
    """A request's bearer token, to be resolved in its write's transaction (service mode).

    ``resolved`` once the transaction looked the token up; ``actor`` is who it found (None:
    no live login). The request's handler hands the actor to the event loop's side.
    """

    token: str
    actor: Actor | None = None
    resolved: bool = False


@dataclass(frozen=True)
class Job:
    """One POST, ready to run in a transaction: its key, what it asks for, and its work
    (and the login to resolve first, when its request's login was deferred)."""

    key: str | None
    method: str
    path: str
    digest: str
    work: Work | IdWork
    by_id: bool = False
    login: Login | None = None


def prepare(*, key: str | None, method: str, path: str, payload: Any,
            work: Work | None = None, by_id: IdWork | None = None,
            login: Login | None = None) -> Job:
    """Check the ``Idempotency-Key`` and fingerprint the request (only when keyed); the
    work takes the person (``work``) or only the person's id (``by_id``); ``login``, when
    given, is resolved first in the work's transaction."""
    key = check_key(key)
    digest = fingerprint(method, path, payload) if key is not None else ""
    if by_id is not None:
        return Job(key, method, path, digest, by_id, by_id=True, login=login)
    assert work is not None, "prepare needs work or by_id"
    return Job(key, method, path, digest, work, login=login)


def _stored(state: WebState, key: str) -> IdempotencyRow | None:
    with state.sessions() as session:
        return _lookup(session, state.person_id(session), key)


def _lookup(session: Session, person_id: uuid.UUID, key: str) -> IdempotencyRow | None:
    query = select(IdempotencyRow).where(
        IdempotencyRow.person_id == person_id, IdempotencyRow.key == key
    )
    return session.scalars(query).first()


class StoredResponse(Protocol):
    """A stored first response (a person's or an account's)."""

    method: str
    path: str
    fingerprint: str
    status_code: int
    body: dict[str, Any]


def replay(stored: StoredResponse, method: str, path: str, digest: str) -> Outcome:
    """The stored first response, if the key was used for this very request (else 422)."""
    if (stored.method, stored.path, stored.fingerprint) != (method, path, digest):
        raise InvalidInput(
            HEADER,
            "was already used for a different request",
            "a new key for each new request",
        )
    return Outcome(stored.status_code, stored.body, replayed=True)


def _replay(stored: IdempotencyRow, job: Job) -> Outcome:
    return replay(stored, job.method, job.path, job.digest)


def respond(outcome: Outcome) -> JSONResponse:
    """The outcome of a POST; a replay says so in ``Idempotent-Replayed``."""
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else None
    return JSONResponse(outcome.body, status_code=outcome.status, headers=headers)


def run_in(session: Session, state: WebState, job: Job) -> Outcome:
    """Do ``job`` inside ``session``'s open transaction; the caller commits.

    A key already stored for this person is replayed (nothing is written); otherwise the
    key is claimed first, the work done, and the response stored with the claim. A job's
    deferred login is resolved before anything else (:func:`log_in`).
    """
    person: Person | None = None
    own = log_in(session, job.login) if job.login is not None else None
    if job.by_id:
        person_id = own if own is not None else state.person_id(session)
    else:
        person = state.person(session)
        # the identity map holds rows weakly: keep the person for the rest of the
        # transaction, so that the next job of a group (web.group_commit) finds it
        # without a query
        session.info.setdefault("people", []).append(person)
        person_id = person.id
    claim = None
    if job.key is not None:
        if (stored := _lookup(session, person_id, job.key)) is not None:
            return _replay(stored, job)
        claim = IdempotencyRow(
            person_id=person_id,
            key=job.key,
            method=job.method,
            path=job.path[:255],
            fingerprint=job.digest,
            status_code=0,
            body={},
        )
        session.add(claim)
        session.flush()
    status, body = _do(job, session, person_id if person is None else person)
    if claim is not None:
        claim.status_code, claim.body = status, body
        session.flush()
    return Outcome(status, body)


def log_in(session: Session, login: Login) -> uuid.UUID:
    """Resolve a deferred login inside the write's transaction; the id of the actor's own
    person, found by the same query (the work needs no ``session.get`` of it).

    No live login raises the API's :class:`LoginRequired` (401), an account without a
    journal ``AccessDenied`` (403), a journal that is gone ``NotFound`` (404): what the
    login dependency and ``WebState.person`` answer when the login is resolved apart. The
    actor is also set for the rest of this thread's work (``WebState.person``).
    """
    found = login_sessions.resolve_actor(session=session, token=login.token)
    login.resolved = True
    if found is None:
        raise LoginRequired(API_LOGIN_FIRST)
    actor, person_found = found
    login.actor = actor
    CURRENT_ACTOR.set(actor)
    return own_person_id(actor, person_found)


def _do(job: Job, session: Session, whom: Person | uuid.UUID) -> tuple[int, dict[str, Any]]:
    if job.by_id:
        return cast(IdWork, job.work)(session, cast(uuid.UUID, whom))
    return cast(Work, job.work)(session, cast(Person, whom))


def run_alone(state: WebState, job: Job) -> Outcome:
    """Do ``job`` in a transaction of its own; replay the first outcome of its key.

    Without a key the work is done (and retried once when a concurrent writer made it
    collide with a unique constraint, e.g. two check-ins for the same new day). A
    collision may also mean that the journal's person this process remembers is gone
    (deleted from another process): it is looked up again (or begun) for the retry.
    """
    for _ in range(2):
        try:
            with state.writing(), state.sessions() as session, session.begin():
                return run_in(session, state, job)
        except IntegrityError:
            if job.key is not None and (stored := _stored(state, job.key)) is not None:
                return _replay(stored, job)
            state.look_up_person_again()
    raise Conflict("a concurrent request changed the same record; try again")


def perform(
    state: WebState,
    *,
    key: str | None,
    method: str,
    path: str,
    payload: Any,
    work: Work,
) -> Outcome:
    """Do ``work`` once per key, in one transaction; replay the first outcome on retries.

    The stored response of a key is looked up inside the write transaction, so a request
    opens one session, not two.
    """
    return run_alone(state, prepare(key=key, method=method, path=path, payload=payload,
                                    work=work))


def prune(state: WebState) -> int:
    """Forget stored responses older than :data:`KEEP`; returns how many."""
    return prune_older(state, IdempotencyRow, KEEP)


def prune_older(state: WebState, model: Any, keep: timedelta) -> int:
    """Delete the rows of ``model`` created more than ``keep`` ago; returns how many."""
    with state.sessions() as session, session.begin():
        result = session.execute(delete(model).where(model.created_at < utcnow() - keep))
        return int(getattr(result, "rowcount", 0) or 0)
