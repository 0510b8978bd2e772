"""Where a request's time goes inside the store: pool wait, SQL statements, commits.

A request that wants its timings (the service's ``Server-Timing`` middleware, switched on
by ``MICRODOSE_SERVER_TIMING=1`` for the benchmark) sets :data:`TIMINGS` to a dict; the
hooks below add seconds to it under ``wait`` (queued for a worker thread), ``pool``
(waiting for a connection from the pool), ``db`` (inside ``cursor.execute``: the round
trip and the server's work) and ``commit`` (the transaction's COMMIT, which on PostgreSQL
waits for the WAL flush). The worker threads that do a request's work run in a copy of its
context, so they add to the same dict. Without a dict every hook is one context-variable
lookup and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool

T = TypeVar("T")
#: the current request's timings (seconds by part), or None: not measured
TIMINGS: ContextVar[dict[str, float] | None] = ContextVar("microdose_timings", default=None)


def add(part: str, seconds: float) -> None:
    """Add ``seconds`` to ``part`` of the current request's timings, if it has any."""
    found = TIMINGS.get()
    if found is not None:
        found[part] = found.get(part, 0.0) + seconds


class TimedQueuePool(QueuePool):
    """SQLAlchemy's ``QueuePool``, adding the wait for a connection to ``pool``."""

    def _do_get(self) -> Any:
        began = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            add("pool", time.perf_counter() - began)


def _before_execute(conn: Any, *_args: Any) -> None:
    if TIMINGS.get() is not None:
        conn.info["microdose_began"] = time.perf_counter()


def _after_execute(conn: Any, *_args: Any) -> None:
    began = conn.info.pop("microdose_began", None)
    if began is not None:
        add("db", time.perf_counter() - began)


def _timed_commit(dialect_commit: Any) -> Any:
    def commit(dbapi_connection: Any) -> None:
        began = time.perf_counter()
        try:
            dialect_commit(dbapi_connection)
        finally:
            add("commit", time.perf_counter() - began)

    return commit


def install(engine: Engine) -> None:
    """Hook ``engine``'s statements and commits (its pool is made a ``TimedQueuePool``)."""
    event.listen(engine, "before_cursor_execute", _before_execute)
    event.listen(engine, "after_cursor_execute", _after_execute)
    dialect = engine.dialect
    dialect.do_commit = _timed_commit(dialect.do_commit)  # type: ignore[method-assign]


def queued(work: Callable[..., T], *args: Any) -> Callable[[], T]:
    """``work(*args)`` as a call for a worker thread that first adds its wait to ``wait``."""
    submitted = time.perf_counter()

    def run() -> T:
        add("wait", time.perf_counter() - submitted)
        return work(*args)

    return run
