"""Engines for SQLite (WAL, foreign keys) and PostgreSQL (psycopg 3), and session factories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from microdose.domain.errors import InvalidInput
from microdose.store.timing import TimedQueuePool
from microdose.store.timing import install as install_timing

SUPPORTED = "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"


#: PRAGMAs run on every new SQLite connection. ``synchronous=FULL`` makes WAL fsync on
#: every commit, so a committed check-in survives a power loss or an OS crash, not only a
#: crash of the process (under ``NORMAL`` the last commits may roll back after a power loss).
SQLITE_PRAGMAS = (
    "foreign_keys=ON",
    "journal_mode=WAL",
    "synchronous=FULL",
    "busy_timeout=5000",
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


POOL_ENV = "MICRODOSE_POOL_SIZE"
#: connections (and web worker threads) per process unless ``MICRODOSE_POOL_SIZE`` says
DEFAULT_POOL_SIZE = 4


def pool_size(environ: dict[str, str] | None = None) -> int:
    """PostgreSQL connections an engine keeps open, from ``MICRODOSE_POOL_SIZE`` (1–64).

    The web app runs as many worker threads (``web.app``), so a request's thread never
    waits for a connection and requests queue in arrival order for a thread instead (the
    same number again as overflow serves the rare thread that holds two sessions at once).
    Few threads keep the GIL's hand-offs few: on two cores with the database beside the
    server, 4 gave the best throughput and tail (docs/service.md, Benchmark).
    """
    text = (os.environ if environ is None else environ).get(POOL_ENV, "").strip()
    if not text:
        return DEFAULT_POOL_SIZE
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise InvalidInput(POOL_ENV, f"{text!r} is not a pool size", allowed="1-64")
    return int(text)


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; a SQLite file's folder is created on first use.

    ``hide_parameters``: a database error's text names the statement, never its values
    (a person's ratings and notes), wherever it is shown or logged.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError on malformed URLs
        raise InvalidInput("database-url", f"cannot parse {url!r}", allowed=SUPPORTED) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 10}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        size = pool_size()
        engine = create_engine(parsed, pool_pre_ping=True, hide_parameters=True,
                               poolclass=TimedQueuePool, pool_size=size, max_overflow=size)
        install_timing(engine)
        return engine
    raise InvalidInput("database-url", f"unsupported database {backend!r}", allowed=SUPPORTED)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose sessions keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    with factory() as session, session.begin():
        yield session
