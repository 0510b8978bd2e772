"""Dependencies of the routes, as ``Annotated`` aliases (``SessionDep``, ``PersonDep`` …).

Reads use ``SessionDep`` (one transaction per request, closed before the response is
sent). Writes go through :func:`microdose.web.platform.idempotency.perform`, which opens its own
transaction, so that a 2xx is only ever sent after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from microdose.domain.errors import MicrodoseError
from microdose.services.access import Actor
from microdose.store.models import Person
from microdose.store.timing import queued
from microdose.web.platform.auth import (
    API_LOGIN_FIRST,
    CURRENT_ACTOR,
    LoginRequired,
    bearer_token,
    request_token,
)
from microdose.web.platform.idempotency import HEADER, KEY_PATTERN
from microdose.web.platform.security import SESSION_COOKIE, SecurityConfig
from microdose.web.platform.state import WebState


class Redirect(Exception):
    """Send the browser elsewhere (303 See Other)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def web_state(request: Request) -> WebState:
    """The app's :class:`WebState`."""
    state = request.app.state.web
    assert isinstance(state, WebState)
    return state


async def get_state(request: Request) -> WebState:
    """The app's :class:`WebState` as a dependency (async: no thread hop for a lookup)."""
    return web_state(request)


StateDep = Annotated[WebState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """A read transaction for the request."""
    with state.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_person(state: StateDep, session: SessionDep) -> Person:
    """The journal's person."""
    return state.person(session)


PersonDep = Annotated[Person, Depends(get_person)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        pattern=KEY_PATTERN,
        description="A unique key per intended write (e.g. a UUID). A retry with the same "
        "key returns the first response and creates nothing.",
    ),
]


async def _logged_in(request: Request, security: SecurityConfig) -> bool:
    if security.session_valid(request.cookies.get(SESSION_COOKIE)):
        return True
    token = bearer_token(request)
    if token is None:
        return False
    # Argon2 is slow on purpose: verify off the event loop
    return bool(await run_in_threadpool(security.check_bearer, token))


async def _service_actor(request: Request, state: WebState) -> Actor | None:
    """Resolve the request's login token once and remember the actor for the request."""
    actor = await run_in_threadpool(queued(state.resolve_actor, request_token(request)))
    CURRENT_ACTOR.set(actor)
    request.state.actor = actor
    return actor


#: methods that change state: a browser's cross-site request with them is refused
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CrossOrigin(MicrodoseError):
    """A browser's state-changing API request sent from another site's page."""

    http_status = 403


def check_origin(request: Request) -> None:
    """Refuse a state-changing API request that a browser sent from another origin.

    Bearer-token clients are unaffected (a page elsewhere cannot read the token). Any other
    write — carried by the session cookie, or by nothing in a personal journal without a
    login — is refused when the browser says it comes from elsewhere: an ``Origin`` whose
    host is not this server's, or ``Sec-Fetch-Site`` other than ``same-origin``/``none``.
    Clients that are not browsers send neither header and pass.
    """
    if request.method not in UNSAFE_METHODS:
        return
    if bearer_token(request) is not None:
        return
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    foreign_site = site is not None and site not in ("same-origin", "none")
    foreign_origin = origin is not None and urlsplit(origin).netloc != request.headers.get(
        "host", request.url.netloc
    )
    if foreign_site or foreign_origin:
        raise CrossOrigin(
            f"origin: {origin or site!r} is not this server; a browser may write to the API "
            "only from this server's own pages (allowed: the same origin, or a bearer token)"
        )


async def require_api_login(request: Request, state: StateDep) -> None:
    """401 for API calls without a login when the server requires one; 403 for a browser's
    write from another site (:func:`check_origin`)."""
    check_origin(request)
    if state.service:
        if await _service_actor(request, state) is None:
            raise LoginRequired(API_LOGIN_FIRST)
        return
    if state.security.login_required and not await _logged_in(request, state.security):
        raise LoginRequired("log in first: send Authorization: Bearer <passphrase>")


async def require_page_login(request: Request, state: StateDep) -> None:
    """Send the browser to the login page when the server requires a login."""
    if state.service:
        if await _service_actor(request, state) is None:
            raise Redirect(f"/login?next={quote(request.url.path, safe='/')}")
        return
    if state.security.login_required and not await _logged_in(request, state.security):
        raise Redirect(f"/login?next={request.url.path}")


def current_actor(request: Request) -> Actor:
    """The logged-in actor (service mode; after a login dependency)."""
    actor = getattr(request.state, "actor", None)
    if actor is None:
        raise LoginRequired("log in first")
    assert isinstance(actor, Actor)
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]
