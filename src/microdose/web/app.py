"""The web app: ``create_app(settings)`` builds one FastAPI app over one engine.

Nothing happens at import time; the engine is created, and the journal migrated, when
:func:`create_app` is called.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException

from microdose import __version__
from microdose.domain.errors import MicrodoseError
from microdose.settings import Settings
from microdose.store.engine import pool_size
from microdose.web.platform import problems
from microdose.web.platform.audit_refusals import record_refusal
from microdose.web.platform.auth import LoginRequired, TooManyAttempts
from microdose.web.platform.deps import Redirect
from microdose.web.platform.failsafe import (
    Failsafe,
    JsonDepthLimit,
    log_unexpected,
    request_id,
)
from microdose.web.platform.security import SecurityConfig, SecurityHeaders
from microdose.web.platform.state import WebState
from microdose.web.platform.timing import ServerTiming
from microdose.web.platform.timing import enabled as server_timing_enabled

WEB_DIR = Path(__file__).parent
API_PREFIX = "/api/v1"
#: FastAPI's built-in OpenTelemetry stays off whatever the environment says
#: (``FASTAPI_OTEL_AUTO_CONFIGURE``, a global provider): no request, body or validation
#: error ever leaves the process as a span, metric or log record
NO_TELEMETRY: Any = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MicrodoseError)
    record_refusal(request, exc)  # refused accesses to others' data go into the audit log
    if _is_api(request):
        response = problems.domain_problem(request, exc)
        if isinstance(exc, LoginRequired):
            response.headers["WWW-Authenticate"] = 'Bearer realm="microdose"'
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    from microdose.web.platform.views import error_page

    page = error_page(request, exc.http_status, exc.message, exc.next_step)
    if isinstance(exc, TooManyAttempts):
        page.headers["Retry-After"] = str(exc.retry_after)
    return page


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _is_api(request):
        return problems.validation_problem(request, exc)
    from microdose.web.platform.views import error_page

    errors = problems.validation_errors(exc)
    return error_page(request, 422, "; ".join(f"{e.field}: {e.message}" for e in errors))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_api(request):
        return problems.http_problem(request, exc)
    from microdose.web.platform.views import error_page

    return error_page(request, exc.status_code, str(exc.detail))


def _redirect(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)
    return RedirectResponse(exc.location, status_code=303)


def _database_error(request: Request, _exc: Exception) -> Response:
    return problems.busy_problem(request)


def _unstorable(request: Request, exc: Exception) -> Response:
    """A value the database refuses (out of its range) that no rule caught first: 422."""
    log_unexpected(exc, request.scope, request_id(request.scope))  # a rule is missing
    return problems.unstorable_problem(request)


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Response]] = {
    MicrodoseError: _domain_error,
    RequestValidationError: _validation_error,
    HTTPException: _http_error,
    Redirect: _redirect,
    OperationalError: _database_error,
    DataError: _unstorable,
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


def _make_state(settings: Settings, security: SecurityConfig, demo: bool) -> WebState:
    from microdose.store.engine import make_engine, make_sessionmaker
    from microdose.store.migrate import ensure_schema

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return WebState(settings, engine, make_sessionmaker(engine), security, demo=demo)


def has_accounts(state: WebState) -> bool:
    """Whether the database holds accounts (then the app runs as the multi-user service)."""
    from microdose.services.people import has_accounts as any_account

    with state.sessions() as session:
        return any_account(session)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the worker threads to the connection pool (PostgreSQL); release the app's
    database connections when the server stops."""
    if app.state.web.engine.dialect.name == "postgresql":
        to_thread.current_default_thread_limiter().total_tokens = pool_size()
    yield
    app.state.web.engine.dispose()


def create_app(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    passphrase: str | None = None,
    secret: bytes | None = None,
    demo: bool = False,
    service: bool | None = None,
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
    service : bool, optional
        Multi-user service mode (accounts log in; see :mod:`microdose.web.platform.auth`); by
        default on when the database holds any account.

    Raises
    ------
    InvalidInput
        A default or short secret outside development (``check_deployment``), or a
        personal journal on another address without a passphrase.
    """
    state = _open_state(settings, host, passphrase, secret, demo=demo, service=service)
    return _build(state)


def _open_state(
    settings: Settings,
    host: str,
    passphrase: str | None,
    secret: bytes | None,
    *,
    demo: bool,
    service: bool | None,
) -> WebState:
    """Check the deployment, open the database, decide the mode, and prune stale keys."""
    from microdose.settings import check_deployment, secret_key_bytes
    from microdose.web.platform import idempotency, service_deps

    check_deployment(settings)
    key = secret or secret_key_bytes(settings)
    state = _make_state(settings, SecurityConfig(host=host, secret=key, any_host=True), demo)
    state.service = has_accounts(state) if service is None else service
    if not state.service:  # a personal journal: a passphrase guards other addresses
        state.security = SecurityConfig.build(host, passphrase, key)
    state.ensure_person()
    idempotency.prune(state)
    service_deps.prune(state)
    return state


def _build(state: WebState) -> FastAPI:
    """The FastAPI app over an opened state: templates, routers, headers, the OpenAPI."""
    from microdose.web.platform.views import make_templates

    app = FastAPI(
        title="microdose",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
        telemetry=NO_TELEMETRY,
    )
    app.state.web = state
    app.state.templates = make_templates(str(WEB_DIR / "templates"))
    _mount(app)
    app.add_middleware(Failsafe)  # innermost: catches what no handler answered
    app.add_middleware(JsonDepthLimit)
    app.add_middleware(SecurityHeaders, config=state.security)
    if server_timing_enabled():
        app.add_middleware(ServerTiming)  # outermost: the whole request's time
    _install_openapi(app)
    return app


#: what ``microdose serve --workers N`` hands each worker besides the ``MICRODOSE_*``
#: settings (the same secret key for all) and ``MICRODOSE_WEB_PASSPHRASE``
SERVE_HOST_ENV = "MICRODOSE_SERVE_HOST"
SERVE_DEMO_ENV = "MICRODOSE_SERVE_DEMO"
SERVE_SERVICE_ENV = "MICRODOSE_SERVE_SERVICE"


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``microdose serve --workers N``.

    Uvicorn calls this factory (``microdose.web.app:app_from_environment``) in every
    worker; ``serve`` has put the settings into the environment first.

    Returns
    -------
    FastAPI
        ``create_app`` over ``Settings.from_env()``, bound to ``MICRODOSE_SERVE_HOST``,
        in service mode when ``MICRODOSE_SERVE_SERVICE`` is ``1``.
    """
    import os

    env = os.environ
    service = env.get(SERVE_SERVICE_ENV)
    return settled(create_app(
        Settings.from_env(),
        host=env.get(SERVE_HOST_ENV, "127.0.0.1"),
        passphrase=env.get("MICRODOSE_WEB_PASSPHRASE") or None,
        demo=env.get(SERVE_DEMO_ENV) == "1",
        service=None if service is None else service == "1",
    ))


def settled(app: FastAPI) -> FastAPI:
    """``app``, with everything built so far moved out of the garbage collector's scans.

    A served process builds the app once and keeps it; ``gc.freeze`` after a collection
    spares every later collection from walking those objects, which took the open-loop
    p99 at 75 % load from 160–260 ms to 38–52 ms (``bench/bench_service.py``). Only for
    a server process: tests build many apps in one process and should not freeze each.
    """
    gc.collect()
    gc.freeze()
    return app


def routers() -> list[APIRouter]:
    """Every router: the API's, then the pages' (each the journal's first, then the service's)."""
    from microdose.web import api, pages

    return api.routers() + pages.routers()


def _mount(app: FastAPI) -> None:
    """The API and page routers, the static files, and the error handlers."""
    for router in routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)
