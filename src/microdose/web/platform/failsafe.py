"""What no request can do: nest JSON without end, or put health data into the server log.

Two pure ASGI middlewares, around everything but the security headers:

- :class:`JsonDepthLimit` reads a JSON body first and refuses one nested deeper than
  :data:`MAX_DEPTH` levels (no input of ours needs more than a few) with a 422 naming
  ``body``, before any parser recurses into it (Python's own would raise
  ``RecursionError`` at about a thousand levels). A body with fewer brackets than the
  limit is passed on without a scan.
- :class:`Failsafe` answers an unexpected error with a 500 problem and logs only the
  error's type, where it was raised (file:line in function) and a request id, which the
  answer carries too (``X-Request-ID``, and in its detail). Never the message (a
  database error's text holds the statement and its values) nor the body. The error is
  not raised on to the server, so the connection stays open and no traceback is logged.
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from typing import TYPE_CHECKING

from microdose.web.platform.problems import FieldError, problem

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: deepest nesting of arrays and objects a JSON body may have
MAX_DEPTH = 32
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_ID_HEADER = "X-Request-ID"
logger = logging.getLogger("microdose.web")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def json_depth_exceeds(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the arrays and objects of a JSON text nest deeper than ``limit``."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub(b"", body)):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole body, and any message after it (a disconnect) to pass on."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), []


class JsonDepthLimit:
    """Refuse a JSON body nested deeper than :data:`MAX_DEPTH` (422, field ``body``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or "json" not in _header(scope, b"content-type").lower()
        ):
            await self.app(scope, receive, send)
            return
        body, after = await _read_body(receive)
        if json_depth_exceeds(body):
            await _too_deep(scope["path"])(scope, receive, send)
            return
        pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
        pending.extend(after)

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)


def _too_deep(path: str) -> ASGIApp:
    message = f"JSON nested deeper than {MAX_DEPTH} levels"
    return problem(
        422,
        f"body: {message}",
        kind="invalid-request",
        instance=path,
        errors=[FieldError(field="body", message=message,
                           allowed=f"at most {MAX_DEPTH} levels of arrays and objects")],
    )


def error_place(exc: BaseException) -> str:
    """Where ``exc`` was raised: the innermost frame in microdose (else the innermost)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/microdose/" in f.filename.replace("\\", "/")]
    if not (ours or frames):
        return "unknown"
    frame = (ours or frames)[-1]
    name = frame.filename.replace("\\", "/")
    short = name.split("/microdose/", 1)[-1] if "/microdose/" in name else name
    return f"{short}:{frame.lineno} in {frame.name}"


def request_id(scope: Scope) -> str:
    """The proxy's ``X-Request-ID`` when it looks like one, else a new random id."""
    given = _header(scope, REQUEST_ID_HEADER.lower().encode())
    return given if _GIVEN_ID.fullmatch(given) else uuid.uuid4().hex[:16]


def log_unexpected(exc: BaseException, scope: Scope, rid: str) -> None:
    """Log an unexpected error by type, place and request id: no message, no traceback."""
    logger.error(
        "internal error %s at %s on %s %s (request %s)",
        type(exc).__name__,
        error_place(exc),
        scope.get("method", "?"),
        scope.get("path", "?"),
        rid,
    )


class Failsafe:
    """An unexpected error → a 500 problem with a request id; logged without health data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # the last line of defence: every error, logged safely
            rid = request_id(scope)
            log_unexpected(exc, scope, rid)
            if not started:
                await _internal(scope["path"], rid)(scope, receive, send)


def _internal(path: str, rid: str) -> ASGIApp:
    return problem(
        500,
        f"internal error: nothing was saved (request id {rid})",
        kind="internal",
        instance=path,
        headers={REQUEST_ID_HEADER: rid},
    )
