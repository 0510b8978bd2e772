"""Shared fixtures: real SQLite files and real PostgreSQL schemas, the CLI runner."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema

#: PostgreSQL server for the suite (trust auth in CI); each test gets its own schema
POSTGRES_URL = os.environ.get(
    "MICRODOSE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")

#: The self-blinding microdose study's public data (Szigeti et al. 2021), copied into the repo
SBMD_DIR = Path(__file__).resolve().parent / "data" / "sbmd"


def _postgres_admin() -> Engine:
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def _require_postgres() -> None:
    try:
        with _postgres_admin().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any connection failure
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search path is a fresh schema, dropped afterwards."""
    _require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'journal.sqlite3'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema only (for PostgreSQL-specific tests)."""
    with postgres_schema() as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on the test database."""
    made = make_engine(database_url)
    ensure_schema(made)
    yield made
    made.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work the test commits (or not) itself."""
    with Session(engine, expire_on_commit=False) as opened:
        yield opened


def journal_today(zone: str = "Europe/Berlin") -> date:
    """Today where the test people live (the CLI fixture's zone), not the machine's."""
    return datetime.now(ZoneInfo(zone)).date()


CliRun = Callable[..., Result]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Run ``microdose ARGS…`` in-process against the test database."""
    from microdose.cli.app import app

    monkeypatch.setenv("MICRODOSE_DATABASE_URL", database_url)
    monkeypatch.setenv("MICRODOSE_TIMEZONE", "Europe/Berlin")
    monkeypatch.delenv("MICRODOSE_REGION", raising=False)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run
