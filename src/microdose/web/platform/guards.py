"""What every page checks first: login, CSRF on forms, and an open crisis."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from microdose.domain.errors import MicrodoseError
from microdose.web.platform import crisis_gate
from microdose.web.platform.deps import Redirect, StateDep, require_page_login
from microdose.web.platform.security import CSRF_COOKIE, CSRF_FIELD
from microdose.web.platform.state import WebState

#: pages reachable while a crisis waits for its acknowledgement
CRISIS_EXEMPT = ("/crisis", "/login", "/logout", "/evidence", "/doses/estimate", "/plan.ics")


class FormExpired(MicrodoseError):
    """A form without a valid CSRF token (or sent from another site)."""

    exit_code = 1
    http_status = 403


async def require_csrf(request: Request, state: StateDep) -> None:
    """Refuse a form POST whose CSRF token does not match this browser's cookie."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        raise FormExpired("forms can only be sent from microdose's own pages")
    form = await request.form()
    token = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not state.security.csrf_valid(cookie, token if isinstance(token, str) else None):
        raise FormExpired(
            "this form has expired (the server may have restarted): reload the page and "
            "send it again"
        )


def _crisis_is_open(state: WebState) -> bool:
    with state.sessions() as session:
        person = state.person(session)
        found = crisis_gate.open_crisis(state, session, person)
        session.commit()
    return found is not None


async def require_no_open_crisis(request: Request, state: StateDep) -> None:
    """Show the crisis resources before any other page while a crisis is open."""
    if request.method != "GET" or request.url.path.startswith(CRISIS_EXEMPT):
        return
    if await run_in_threadpool(_crisis_is_open, state):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise Redirect("/crisis?next=" + quote(target, safe="/"))


PAGE_GUARDS = [
    Depends(require_page_login),
    Depends(require_csrf),
    Depends(require_no_open_crisis),
]


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
