"""Alembic migrations up and down on SQLite and PostgreSQL, and schema == models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from microdose.store.all_models import metadata
from microdose.store.engine import make_engine
from microdose.store.migrate import (
    HEADS,
    current_revisions,
    downgrade,
    ensure_schema,
    script_heads,
    upgrade,
)


def test_heads_constant_matches_the_scripts() -> None:
    assert script_heads() == HEADS


def test_upgrade_creates_every_table_and_downgrade_removes_them(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    assert current_revisions(engine) == HEADS
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert current_revisions(engine) == frozenset()
    upgrade(engine)  # and up again
    assert current_revisions(engine) == HEADS
    engine.dispose()


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_ensure_schema_is_a_no_op_when_current(database_url: str) -> None:
    engine = make_engine(database_url)
    assert ensure_schema(engine) is True
    assert ensure_schema(engine) is False
    engine.dispose()


def test_a_journal_made_before_the_branches_were_joined_moves_to_the_one_head(
    database_url: str,
) -> None:
    """A database at the four branch heads (0002, 0003, 0004, 0006) is migrated to 0007."""
    engine = make_engine(database_url)
    for branch_head in ("0002", "0003", "0004", "0006"):
        upgrade(engine, branch_head)
    assert current_revisions(engine) == {"0002", "0003", "0004", "0006"}
    assert ensure_schema(engine) is True
    assert current_revisions(engine) == HEADS == {"0007"}
    engine.dispose()
