"""Who is asking, in service mode: the logged-in account of this request.

In service mode (the database holds accounts) every request but the login itself needs a
live login session: the ``md_session`` cookie for pages, ``Authorization: Bearer <token>``
for the API. :func:`microdose.web.platform.deps.require_api_login` (and the page variant) resolve
the token once per request and put the :class:`~microdose.services.access.Actor` into a
context variable, which the request's thread-pool work inherits; ``WebState.person``
then answers with the actor's own person. (The check-in POST on PostgreSQL resolves a
bearer token inside its write's transaction instead: see
:mod:`microdose.web.platform.lean_route`.)

Every successful login (page or API) also sets a **device cookie** (``md_device``): the
account's id and a random id, signed with the server's secret key. Presented with a later
login of the same account, it makes that login judged by its own failures only, not by
others' (:mod:`microdose.services.login_throttle`).
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from contextvars import ContextVar
from datetime import timedelta

from fastapi import Request
from fastapi.responses import Response

from microdose.domain.errors import MicrodoseError
from microdose.domain.roles import Role
from microdose.services import login_sessions
from microdose.services.access import Actor
from microdose.services.accounts import Device
from microdose.web.platform.security import SESSION_COOKIE, keyed_hash

DEVICE_COOKIE = "md_device"
#: how long a browser stays trusted by an account after its last successful login
DEVICE_LIFETIME = timedelta(days=180)


class LoginRequired(MicrodoseError):
    """No valid login on a server that requires one."""

    exit_code = 1
    http_status = 401


class TooManyAttempts(MicrodoseError):
    """Too many failed logins in the window (HTTP 429 with ``Retry-After``)."""

    exit_code = 1
    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed logins; try again in {retry_after} seconds (a browser or "
            "client where this account logged in before is not held up by others' failures)"
        )
        self.retry_after = retry_after


#: what an API request without a live login is told (401), wherever its login is resolved
API_LOGIN_FIRST = "log in first: POST /api/v1/auth/login, then send Authorization: Bearer <token>"

#: the actor of the current request (service mode), set by the login dependencies
CURRENT_ACTOR: ContextVar[Actor | None] = ContextVar("microdose_actor", default=None)

#: where each role lands after logging in
HOME: dict[Role, str] = {
    Role.PARTICIPANT: "/",
    Role.CLINICIAN: "/clinician",
    Role.RESEARCHER: "/studies",
    Role.ADMIN: "/admin/accounts",
}


def bearer_token(request: Request) -> str | None:
    """What follows ``Bearer `` in the ``Authorization`` header (as sent, not stripped),
    else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def request_token(request: Request) -> str | None:
    """The session token of a request: the bearer token, else the session cookie."""
    token = bearer_token(request)
    if token is not None:
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


def client_key(request: Request) -> str:
    """The rate-limiting key of a client: its address (as the proxy reports it)."""
    return request.client.host if request.client else "unknown"


def set_session_cookie(response: Response, started: login_sessions.Started, secure: bool) -> None:
    """Put a new login's token into an ``HttpOnly``, ``SameSite=Strict`` cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
        max_age=int(login_sessions.LIFETIME.total_seconds()),
    )


def home_of(actor: Actor) -> str:
    """The first page of a role."""
    return HOME[actor.role]


def _device_signature(secret: bytes, account_id: str, nonce: str) -> str:
    return keyed_hash(secret, f"device:{account_id}:{nonce}")


def device_of(request: Request, secret: bytes) -> Device | None:
    """The request's device cookie if its signature is this server's, else None."""
    account_id, _, rest = request.cookies.get(DEVICE_COOKIE, "").partition(".")
    nonce, _, signature = rest.partition(".")
    if not (account_id and nonce and signature):
        return None
    if not hmac.compare_digest(_device_signature(secret, account_id, nonce), signature):
        return None
    try:
        return Device(uuid.UUID(account_id), nonce)
    except ValueError:
        return None


def set_device_cookie(response: Response, secret: bytes, account_id: uuid.UUID,
                      secure: bool) -> None:
    """A new device cookie for the account that just logged in (a fresh random id)."""
    nonce = secrets.token_urlsafe(16)
    signature = _device_signature(secret, str(account_id), nonce)
    response.set_cookie(
        DEVICE_COOKIE,
        f"{account_id}.{nonce}.{signature}",
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
        max_age=int(DEVICE_LIFETIME.total_seconds()),
    )
