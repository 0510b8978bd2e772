"""Logging in and out: a passphrase for a personal journal, accounts for the service.

- Personal journal served to other devices: the passphrase it was started with.
- Service mode (the database holds accounts): email and password (argon2id), slowed by
  exponential back-off per account and per client address (HTTP 429 with
  ``Retry-After``) unless the browser holds the account's device cookie; a login opens a
  server-side session whose token goes into an ``HttpOnly`` cookie (pages) or is returned
  to API clients for ``Authorization: Bearer``, and sets a new device cookie (both).
  Logout revokes the session.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from microdose.domain.errors import NotFound
from microdose.services import accounts, login_sessions
from microdose.services.access import Actor
from microdose.store.service_models import AccountRow
from microdose.web.pages.forms import FormBase
from microdose.web.platform.auth import (
    LoginRequired,
    TooManyAttempts,
    client_key,
    device_of,
    home_of,
    request_token,
    set_device_cookie,
    set_session_cookie,
)
from microdose.web.platform.deps import StateDep, current_actor, require_api_login
from microdose.web.platform.guards import require_csrf, safe_next
from microdose.web.platform.problems import PROBLEM_RESPONSES
from microdose.web.platform.security import CLEAR_SITE_DATA, SESSION_COOKIE
from microdose.web.platform.state import WebState
from microdose.web.platform.views import render, secure_cookies
from microdose.web.schemas.inputs import StrictModel

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/auth", tags=["accounts"], responses=PROBLEM_RESPONSES)


class LoginForm(FormBase):
    """The login form: a passphrase (personal journal) or email and password (service)."""

    passphrase: str = ""
    email: str = ""
    password: str = ""
    next: str = "/"


class Credentials(StrictModel):
    """An account's email and password."""

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class LoginSession(BaseModel):
    """A new login: send ``token`` as ``Authorization: Bearer <token>``."""

    token: str
    token_type: str = "bearer"
    expires_at: str
    role: str
    home: str


def account_login(
    state: WebState, request: Request, email: str, password: str
) -> tuple[Actor, login_sessions.Started] | None:
    """Check the back-off and the password; open a session. None for wrong credentials.

    Raises
    ------
    TooManyAttempts
        A back-off wait holds for this account or client (or this device cookie).
    """
    device = device_of(request, state.security.secret)
    with state.sessions() as session, session.begin():
        result = accounts.login(session=session, email=email, password=password,
                                client_key=client_key(request), device=device)
        if not result.decision.allowed:
            raise TooManyAttempts(result.decision.retry_after)
        if result.account is None:
            return None
        return Actor.of(result.account), login_sessions.start(
            session=session, account=result.account
        )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, state: StateDep, next: str = "/") -> HTMLResponse:
    """The login form."""
    return render(request, "login/login.html", {"next": safe_next(next), "service": state.service})


def _refused(request: Request, state: WebState, form: LoginForm, field: str, message: str
             ) -> HTMLResponse:
    error = {"field": field, "message": message}
    context = {"next": safe_next(form.next), "error": error, "service": state.service,
               "email": form.email}
    return render(request, "login/login.html", context, 401)


@router.post("/login")
def login(request: Request, state: StateDep, form: Annotated[LoginForm, Form()]) -> Response:
    """Check the passphrase or the account's password; a wrong passphrase costs a second."""
    if state.service:
        opened = account_login(state, request, form.email, form.password)
        if opened is None:
            return _refused(request, state, form, "password",
                            "that email and password do not match an account")
        actor, started = opened
        target = safe_next(form.next) if form.next not in ("", "/") else home_of(actor)
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, started, secure_cookies(request))
        _trust_device(response, state, request, actor)
        return response
    if not state.security.check_passphrase(form.passphrase):
        time.sleep(1.0)
        return _refused(request, state, form, "passphrase", "that passphrase is not right")
    response = RedirectResponse(safe_next(form.next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, state.security.session_cookie(), httponly=True, samesite="strict"
    )
    return response


@router.post("/logout")
def logout(request: Request, state: StateDep, form: Annotated[FormBase, Form()]
           ) -> RedirectResponse:
    """End the login (service: revoke the session) and forget it in this browser."""
    if state.service:
        with state.sessions() as session, session.begin():
            login_sessions.end(session=session, token=request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


def _trust_device(response: Response, state: WebState, request: Request, actor: Actor) -> None:
    assert actor.account_id is not None
    set_device_cookie(response, state.security.secret, actor.account_id,
                      secure_cookies(request))


def _service_only(state: WebState) -> None:
    if not state.service:
        raise NotFound("accounts: this server holds one personal journal, without accounts")


@api_router.post(
    "/login",
    response_model=LoginSession,
    responses={429: {**PROBLEM_RESPONSES[422], "description": "Too Many Requests"}},
)
def api_login(body: Credentials, request: Request, response: Response, state: StateDep
              ) -> LoginSession:
    """Log in with email and password; returns a bearer token (12 hours).

    Also sets the device cookie ``md_device``: send it back (``Cookie: md_device=…``)
    with later logins so that others' failed guesses never hold this client up.
    Not idempotent by key: a retried login opens another session (tokens are never
    stored, so a first response cannot be replayed).
    """
    _service_only(state)
    opened = account_login(state, request, body.email, body.password)
    if opened is None:
        raise LoginRequired("email or password: they do not match an account")
    actor, started = opened
    _trust_device(response, state, request, actor)
    return LoginSession(token=started.token, expires_at=started.expires_at.isoformat(),
                        role=str(actor.role), home=home_of(actor))


class Me(BaseModel):
    """The logged-in account."""

    email: str
    role: str
    display_name: str
    home: str
    has_journal: bool


@api_router.get("/me", response_model=Me, dependencies=[Depends(require_api_login)])
def me(request: Request, state: StateDep) -> Me:
    """Who is logged in."""
    _service_only(state)
    actor = current_actor(request)
    with state.sessions() as session:
        account = accounts.account_dict(session.get_one(AccountRow, actor.account_id))
    return Me(email=account["email"], role=account["role"],
              display_name=account["display_name"], home=home_of(actor),
              has_journal=actor.person_id is not None)


@api_router.post("/logout", status_code=204, response_class=Response)
def api_logout(request: Request, state: StateDep) -> Response:
    """Revoke the bearer token's session."""
    _service_only(state)
    with state.sessions() as session, session.begin():
        if not login_sessions.end(session=session, token=request_token(request)):
            raise LoginRequired("no live session: log in first")
    return Response(status_code=204)
