"""A JSON POST that FastAPI documents but whose requests skip its dependency solver.

``POST /api/v1/checkins`` is the route a phone hits every day and the one the benchmark
(``bench/bench_api.py``) measures. FastAPI's generic request handling (its dependency
solver, the parameter machinery, an exit stack per request) cost about a third of the
server's time per check-in. :class:`LeanJsonRoute` is an ``APIRoute``, so the route is
declared, documented in the OpenAPI schema and guarded like any other; only the handler
that FastAPI builds for it is replaced (``get_route_handler``, FastAPI's documented
extension point). That handler does, in this order, what FastAPI's would:

1. the login check of the API (:func:`~microdose.web.platform.deps.require_api_login`, the one
   dependency such a router may have: checked when the route is built);
2. the ``Idempotency-Key`` header, validated against the same pattern;
3. the JSON body, read as FastAPI reads it (the content type must be JSON) and validated
   by the same pydantic model;

and answers a failure with the same ``RequestValidationError`` (``loc`` starting with
``"body"`` or ``"header"``), so the app's handler turns it into the same problem+json.
``tests/web/test_web_lean_route.py`` holds the two handlers side by side on many inputs.

**Deferred login.** A route of class :class:`DeferredLoginRoute` (the check-in POST) skips
step 1 for a bearer token in service mode on PostgreSQL: its endpoint hands the token
(:func:`deferred_login`) to its write's job, which resolves it first in the write's own
transaction (:func:`~microdose.web.platform.idempotency.log_in`) — one transaction and one
thread hop per check-in instead of two. The answers stay the same: when the header or
the body is invalid, or the endpoint fails before its write looked the token up, the
login is resolved the usual way first, so a request without a live login is still told
401 before anything else; no live login in the write's transaction is the same 401, and
nothing is written. The actor found is set for the request (``request.state.actor``, the
``CURRENT_ACTOR`` context variable) on the event loop's side after the write, as the
login dependency would have. Session cookies (and their ``Origin`` checks), SQLite (its
group commit, :mod:`microdose.web.platform.group_commit`) and personal journals take
the usual path.
"""

from __future__ import annotations

import email.message
import inspect
import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from pydantic import BaseModel, StringConstraints, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from microdose.web.platform.auth import CURRENT_ACTOR, bearer_token
from microdose.web.platform.deps import require_api_login, web_state
from microdose.web.platform.idempotency import HEADER, KEY_PATTERN, Login
from microdose.web.platform.state import WebState

#: what the endpoint of a lean route is called with: body=, request=, key=
PARAMETERS = ("body", "request", "key")
#: an empty request body (unlike a JSON ``null``, a missing field)
NO_BODY = object()
_HEADER_NAME = HEADER.lower().encode("latin-1")
_KEY = TypeAdapter(Annotated[str, StringConstraints(pattern=KEY_PATTERN)])


class LeanJsonRoute(APIRoute):
    """An ``APIRoute`` for ``async def endpoint(body: Model, request: Request, key:
    IdempotencyKey = None)`` on a router whose only dependency is the API's login."""

    #: whether a bearer token's login may be resolved in the endpoint's write (see the
    #: module): only for an endpoint that hands :func:`deferred_login` to its job
    defer_login = False

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        model = _body_model(self)
        endpoint = self.endpoint
        defer = self.defer_login

        async def handle(request: Request) -> Response:
            raw = await _json_body(request)  # FastAPI reads the body before anything else
            state = web_state(request)
            login = _deferrable(request, state) if defer else None
            if login is None:
                await require_api_login(request, state)
            key, key_errors = _key(_header(request, _HEADER_NAME))
            body, body_errors = _validated(model, raw)
            if key_errors or body_errors:  # reported together, header first, as FastAPI does
                if login is not None:  # a request without a login is told 401 first
                    await require_api_login(request, state)
                raise RequestValidationError([*key_errors, *body_errors], body=raw)
            if login is None:
                response = await endpoint(body=body, request=request, key=key)
            else:
                response = await _with_deferred_login(endpoint, request, state, login,
                                                      body=body, key=key)
            assert isinstance(response, Response)
            return response

        return handle


class DeferredLoginRoute(LeanJsonRoute):
    """A :class:`LeanJsonRoute` whose endpoint resolves a bearer token's login in its write
    (service mode on PostgreSQL): ``prepare(..., login=deferred_login(request))``."""

    defer_login = True


def deferred_login(request: Request) -> Login | None:
    """The login a :class:`DeferredLoginRoute` left for the endpoint's write to resolve;
    None when it was resolved already (the endpoint then writes as usual)."""
    login = getattr(request.state, "deferred_login", None)
    assert login is None or isinstance(login, Login)
    return login


def _deferrable(request: Request, state: WebState) -> Login | None:
    """The bearer token of a service's request on PostgreSQL, whose login may wait for the
    write; None: resolve it now (a cookie, no token, SQLite, a personal journal).

    ``check_origin`` passes every request with a bearer token, so skipping it changes
    nothing.
    """
    if not state.service or state.engine.dialect.name == "sqlite":
        return None
    token = bearer_token(request)
    return None if token is None else Login(token.strip())  # as ``request_token`` reads it


async def _with_deferred_login(endpoint: Callable[..., Any], request: Request,
                               state: WebState, login: Login, **arguments: Any) -> Any:
    """Call ``endpoint`` with ``login`` left to its write; then set the actor it found."""
    request.state.deferred_login = login
    try:
        response = await endpoint(request=request, **arguments)
    except Exception:
        if not login.resolved:  # failed before its write: 401 comes first, as without
            await require_api_login(request, state)
        raise
    finally:
        if login.resolved:
            CURRENT_ACTOR.set(login.actor)
            request.state.actor = login.actor
    if not login.resolved:
        raise RuntimeError(f"{request.url.path}: the endpoint of a DeferredLoginRoute "
                           "answered without resolving the login it was left")
    return response


def _body_model(route: APIRoute) -> type[BaseModel]:
    """The endpoint's body model; refuses a route this handler would not serve faithfully."""
    signature = inspect.signature(route.endpoint)
    logins = [d.dependency for d in route.dependencies if isinstance(d, DependsParam)]
    if (
        tuple(signature.parameters) != PARAMETERS
        or not inspect.iscoroutinefunction(route.endpoint)
        or logins != [require_api_login]
        or len(route.dependencies) != 1
    ):
        raise TypeError(
            f"{route.path}: a lean route needs `async def (body, request, key)` and only "
            "the API's login as a dependency"
        )
    bodies = route.dependant.body_params
    model = bodies[0].field_info.annotation if len(bodies) == 1 else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{route.path}: the body of a lean route must be a pydantic model")
    return model


def _header(request: Request, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case, as ASGI servers give names), as
    ``request.headers.get`` finds it, without its exception for an absent header."""
    for key, value in request.scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _key(value: str | None) -> tuple[str | None, list[Any]]:
    """The ``Idempotency-Key`` as FastAPI's ``Header(pattern=...)`` checks it, or errors."""
    if value is None:
        return None, []
    try:
        return _KEY.validate_python(value), []
    except ValidationError as exc:
        return None, _located(exc, ("header", HEADER))


async def _json_body(request: Request) -> Any:
    """The body as FastAPI reads a JSON body (strict content type): parsed JSON when the
    content type is JSON, the raw bytes otherwise (which then fail validation),
    :data:`NO_BODY` when empty."""
    raw = await request.body()
    if not raw:
        return NO_BODY
    kind = request.headers.get("content-type")
    if not kind:
        return raw
    message = email.message.Message()
    message["content-type"] = kind
    subtype = message.get_content_subtype()
    if message.get_content_maintype() != "application" or not (
        subtype == "json" or subtype.endswith("+json")
    ):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error",
              "input": {}, "ctx": {"error": exc.msg}}],
            body=exc.doc,
        ) from None
    except UnicodeDecodeError:  # FastAPI's answer to a body it cannot read
        raise HTTPException(400, "There was an error parsing the body") from None


def _validated(model: type[BaseModel], body: Any) -> tuple[BaseModel | None, list[Any]]:
    """The body validated by ``model``, or errors; no body is a missing one, as in FastAPI."""
    if body is NO_BODY:
        return None, [{"type": "missing", "loc": ("body",), "msg": "Field required",
                       "input": None}]
    try:
        return model.model_validate(body, from_attributes=True), []  # as FastAPI validates
    except ValidationError as exc:
        return None, _located(exc, ("body",))


def _located(exc: ValidationError, where: tuple[str, ...]) -> list[Any]:
    """Pydantic's errors, located in the request as FastAPI locates them."""
    return [{**error, "loc": (*where, *error["loc"])} for error in exc.errors(include_url=False)]
