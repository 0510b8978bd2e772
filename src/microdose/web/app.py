"""The web app: ``create_app(settings)`` builds one FastAPI app over one engine.

Nothing happens at import time; the engine is created, and the journal migrated, when
:func:`create_app` is called.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from microdose import __version__
from microdose.domain.errors import MicrodoseError
from microdose.settings import Settings
from microdose.web import problems
from microdose.web.deps import LoginRequired, Redirect
from microdose.web.security import SecurityConfig, SecurityHeaders
from microdose.web.state import WebState

WEB_DIR = Path(__file__).parent
API_PREFIX = "/api/v1"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MicrodoseError)
    if _is_api(request):
        response = problems.domain_problem(request, exc)
        if isinstance(exc, LoginRequired):
            response.headers["WWW-Authenticate"] = 'Bearer realm="microdose"'
        return response
    from microdose.web.views import error_page

    return error_page(request, exc.http_status, exc.message)


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _is_api(request):
        return problems.validation_problem(request, exc)
    from microdose.web.views import error_page

    errors = problems.validation_errors(exc)
    return error_page(request, 422, "; ".join(f"{e.field}: {e.message}" for e in errors))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_api(request):
        return problems.http_problem(request, exc)
    from microdose.web.views import error_page

    return error_page(request, exc.status_code, str(exc.detail))


def _redirect(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)
    return RedirectResponse(exc.location, status_code=303)


def _database_error(request: Request, _exc: Exception) -> Response:
    return problems.busy_problem(request)


def _internal_error(request: Request, exc: Exception) -> Response:
    return problems.internal_problem(request, exc)


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Response]] = {
    MicrodoseError: _domain_error,
    RequestValidationError: _validation_error,
    HTTPException: _http_error,
    Redirect: _redirect,
    OperationalError: _database_error,
    Exception: _internal_error,
}


def _problem_only_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are ``application/problem+json`` only; drop the 422 default."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45" and "content" in response:
                    content = response["content"]
                    content.pop("application/json", None)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


def _install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title="microdose API",
                version=__version__,
                description="The personal microdosing journal: check-ins, doses, "
                "questionnaires, journal, plan. Errors are RFC 9457 problem details.",
                routes=app.routes,
            )
            app.openapi_schema = _problem_only_errors(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _make_state(
    settings: Settings, security: SecurityConfig, demo: bool
) -> WebState:
    from microdose.store.engine import make_engine, make_sessionmaker
    from microdose.store.migrate import ensure_schema

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return WebState(settings, engine, make_sessionmaker(engine), security, demo=demo)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Release the app's database connections when the server stops."""
    yield
    app.state.web.engine.dispose()


def create_app(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    passphrase: str | None = None,
    secret: bytes | None = None,
    demo: bool = False,
) -> FastAPI:
    """Build the web app for ``settings``' journal.

    Parameters
    ----------
    settings : Settings
        Database URL, time zone and region.
    host : str, default "127.0.0.1"
        The address the server will bind to; any non-loopback address needs ``passphrase``.
    passphrase : str, optional
        Login passphrase (at least 8 characters); only its Argon2 hash is kept.
    secret : bytes, optional
        Key for CSRF tokens and session cookies; else ``MICRODOSE_SECRET_KEY`` (checked
        outside development), else random per process.
    demo : bool, default False
        Say on every page that this is the synthetic demo journal.
    """
    from microdose.settings import secret_key_bytes
    from microdose.web import idempotency
    from microdose.web.views import make_templates

    security = SecurityConfig.build(host, passphrase, secret or secret_key_bytes(settings))
    state = _make_state(settings, security, demo)
    state.ensure_person()
    idempotency.prune(state)
    app = FastAPI(
        title="microdose",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.web = state
    app.state.templates = make_templates(str(WEB_DIR / "templates"))
    _mount(app)
    app.add_middleware(SecurityHeaders, config=security)
    _install_openapi(app)
    return app


def _mount(app: FastAPI) -> None:
    """The API and page routers, the static files, and the error handlers."""
    from microdose.web import (
        api,
        api_insight,
        api_measures,
        api_safety,
        pages,
        pages_areas,
        pages_insight,
        pages_measures,
    )

    for router in (
        api.router,
        api_measures.router,
        api_safety.router,
        api_insight.router,
        pages.router,
        pages_measures.router,
        pages_areas.router,
        pages_areas.login_router,
        pages_insight.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)
