"""Rendering pages: the shared context (navigation, CSRF token, demo notice) and errors."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from microdose.domain.errors import MicrodoseError
from microdose.domain.roles import Role
from microdose.reports import words
from microdose.web.platform.appearance import DEFAULTS, appearance, day_filter
from microdose.web.platform.deps import web_state
from microdose.web.platform.security import CSRF_COOKIE, CSRF_FIELD, is_loopback

#: the navigation: (path, label)
NAV: tuple[tuple[str, str], ...] = (
    ("/", "Today"),
    ("/questionnaires", "Questionnaires"),
    ("/doses", "Doses"),
    ("/journal", "Journal"),
    ("/plan", "Plan"),
    ("/insights", "Insights"),
    ("/trial", "Trial"),
    ("/safety", "Safety"),
    ("/evidence", "Evidence"),
    ("/settings", "Settings"),
)


#: the navigation of each role in service mode (participants: the journal and sharing)
SERVICE_NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.PARTICIPANT: (*NAV[:-1], ("/sharing", "Sharing"), NAV[-1]),
    Role.CLINICIAN: (("/clinician", "Caseload"), ("/evidence", "Evidence")),
    Role.RESEARCHER: (("/studies", "Studies"), ("/evidence", "Evidence")),
    Role.ADMIN: (("/admin/accounts", "Accounts"), ("/admin/audit", "Audit log")),
}


#: the phone's tab bar shows these (when the navigation has them); the rest go under "More"
PRIMARY = ("/", "/doses", "/journal", "/insights")


def split_nav(
    nav: tuple[tuple[str, str], ...],
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The phone tab bar's links and the rest ("More"); five or fewer all fit the bar."""
    if len(nav) <= 5:
        return nav, ()
    primary = tuple(item for item in nav if item[0] in PRIMARY)
    return primary, tuple(item for item in nav if item[0] not in PRIMARY)


def nav_of(request: Request) -> tuple[tuple[str, str], ...]:
    """The navigation for this request: by role in service mode (none before login)."""
    if not web_state(request).service:
        return NAV
    actor = getattr(request.state, "actor", None)
    return SERVICE_NAV[actor.role] if actor is not None else ()


def secure_cookies(request: Request) -> bool:
    """Cookies are ``Secure`` behind TLS and outside development."""
    return request.url.scheme == "https" or web_state(request).settings.environment != (
        "development"
    )


def home_path(request: Request) -> str:
    """Where the brand link and "back" links go: the role's first page in service mode."""
    actor = getattr(request.state, "actor", None)
    if not web_state(request).service or actor is None:
        return "/"
    from microdose.web.platform.auth import home_of

    return home_of(actor)


def make_templates(directory: str) -> Jinja2Templates:
    """The app's Jinja2 environment (autoescaping on)."""
    templates = Jinja2Templates(directory=directory)
    templates.env.globals.update(
        nav=NAV,
        csrf_field=CSRF_FIELD,
        plural=words.plural,
        range_text=words.range_text,
        flag_text=words.flag_text,
        better_text=words.better_text,
    )
    templates.env.filters["day"] = day_filter
    return templates


def _templates(request: Request) -> Jinja2Templates:
    templates = request.app.state.templates
    assert isinstance(templates, Jinja2Templates)
    return templates


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """A page with the shared context; sets the CSRF cookie on a browser's first visit."""
    state = web_state(request)
    cookie = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    nav = nav_of(request)
    shared = {
        "csrf_token": state.security.csrf_token(cookie),
        "demo": state.demo,
        "path": request.url.path,
        "logged_in_mode": state.security.login_required
        or getattr(request.state, "actor", None) is not None,
        "service": state.service,
        "nav": nav,
        "tabs": split_nav(nav),
        "home": home_path(request),
        "exposed": not is_loopback(state.security.host),
        "idempotency_key": str(uuid.uuid4()),
        **(DEFAULTS if context and "theme" in context else appearance(request)),
    }
    response = _templates(request).TemplateResponse(
        request, template, {**shared, **(context or {})}, status_code=status
    )
    if CSRF_COOKIE not in request.cookies:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict", path="/",
                            secure=secure_cookies(request))
    return response


#: The web's words for each next step the core names (``domain.errors.NEXT_STEPS``): a link
NEXT_STEP_LINKS: dict[str, tuple[str, str]] = {
    "safety-screen": ("Answer the safety screen", "/safety"),
    "crisis-ack": ("See the help resources and acknowledge them", "/crisis"),
    "trial-design": ("Design a trial", "/trial"),
    "trial-unblind": ("Unblind the trial", "/trial"),
    "checkin": ("Check in today", "/"),
    "confirm": ("Tick the confirmation below the form and save again", "#confirm-past"),
}


def _next_link(next_step: str | None) -> dict[str, str]:
    if next_step is None:
        return {}
    text, href = NEXT_STEP_LINKS[next_step]
    return {"next_text": text, "next_href": href}


def attachment(body: bytes, name: str, media_type: str) -> Response:
    """A download: ``body``, saved by the browser as ``name``."""
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media_type, headers=headers)


def error_page(
    request: Request, status: int, message: str, next_step: str | None = None
) -> HTMLResponse:
    """A plain error page that says what went wrong and where to go next."""
    context = {"status": status, "message": message, **DEFAULTS, **_next_link(next_step)}
    return render(request, "error.html", context, status)


def form_error(exc: MicrodoseError) -> dict[str, str]:
    """The field and message of a domain error (and the link to the next step, if any)."""
    field = getattr(exc, "field", "form")
    return {"field": str(field).replace("-", "_"), "message": exc.message,
            **_next_link(exc.next_step)}
