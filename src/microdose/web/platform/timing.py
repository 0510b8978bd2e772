"""``Server-Timing`` on every response, when the operator asks for it (the benchmark does).

``MICRODOSE_SERVER_TIMING=1`` in a server's environment makes every response carry
``Server-Timing: wait;dur=…, pool;dur=…, db;dur=…, commit;dur=…, app;dur=…, total;dur=…``
(milliseconds, the W3C header that browsers' developer tools and ``bench_service.py``
read): ``wait`` queued for a worker thread, ``pool`` waiting for a database connection,
``db`` inside SQL statements, ``commit`` in COMMIT, ``app`` the rest of the request's time
in the server (Python: validation, the service, serialisation), ``total`` from the request's
first byte at the app to its response head. Off by default: a timing is of no use to a
participant's phone, and it would tell a client a little about what the server did.
"""

from __future__ import annotations

import os
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microdose.store.timing import TIMINGS

ENV = "MICRODOSE_SERVER_TIMING"
PARTS = ("wait", "pool", "db", "commit")


def enabled(environ: dict[str, str] | None = None) -> bool:
    """Whether the environment switches ``Server-Timing`` on."""
    return (os.environ if environ is None else environ).get(ENV, "") in ("1", "true", "yes")


def header(timings: dict[str, float], total: float) -> bytes:
    """The header's value: each part, the rest (``app``) and the total, in milliseconds."""
    parts = [(name, timings.get(name, 0.0)) for name in PARTS]
    rest = max(0.0, total - sum(seconds for _, seconds in parts))
    shown = [*parts, ("app", rest), ("total", total)]
    return ", ".join(f"{name};dur={1000 * seconds:.2f}" for name, seconds in shown).encode()


class ServerTiming:
    """Measure each HTTP request (see the module) and add the header to its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        timings: dict[str, float] = {}
        token = TIMINGS.set(timings)
        began = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = header(timings, time.perf_counter() - began)
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"server-timing", value)]}
            await send(message)

        try:
            await self.app(scope, receive, timed)
        finally:
            TIMINGS.reset(token)
