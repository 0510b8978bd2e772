"""Alembic migrations up and down on SQLite and PostgreSQL, and schema == models."""

from __future__ import annotations

import itertools

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from microdose.store.all_models import metadata
from microdose.store.engine import make_engine
from microdose.store.migrate import (
    HEAD,
    HEADS,
    OLD_BRANCH_HEADS,
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


def chain() -> list[str]:
    """The revisions from the first to the head, read from the scripts (Alembic's own walk)."""
    from alembic.script import ScriptDirectory

    from microdose.store.migrate import _config

    scripts = ScriptDirectory.from_config(_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def test_the_migrations_form_one_chain() -> None:
    from alembic.script import ScriptDirectory

    from microdose.store.migrate import _config

    scripts = ScriptDirectory.from_config(_config())
    revisions = chain()
    assert revisions[0] == "0001" and revisions[-1] == HEAD
    for lower, upper in itertools.pairwise(revisions):
        script = scripts.get_revision(upper)
        assert script is not None and script.down_revision == lower  # one parent each
    assert all(len(scripts.get_revision(r).nextrev) <= 1 for r in revisions)  # one child each
    assert revisions == sorted(revisions)


def test_every_single_step_upgrades_and_downgrades(database_url: str) -> None:
    """Up one revision at a time to the head, then ``-1`` at a time back to an empty database."""
    engine = make_engine(database_url)
    tables_at: dict[str, set[str]] = {}
    for revision in chain():
        upgrade(engine, "+1")
        assert current_revisions(engine) == {revision}
        tables_at[revision] = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables_at[HEAD]
    for below, revision in reversed(list(zip([None, *chain()], chain(), strict=False))):
        assert set(inspect(engine).get_table_names()) == tables_at[revision]
        downgrade(engine, "-1")
        assert current_revisions(engine) == (frozenset() if below is None else {below})
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_a_journal_made_while_the_migrations_were_branches_moves_to_the_head(
    database_url: str,
) -> None:
    """A database stamped at the old branch heads (0002, 0003, 0004, 0006) reaches the head."""
    engine = make_engine(database_url)
    upgrade(engine, "0006")  # the same schema the four branches built
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        for old_head in sorted(OLD_BRANCH_HEADS):
            connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": old_head}
            )
    assert current_revisions(engine) == {"0002", "0003", "0004", "0006"}
    assert ensure_schema(engine) is True
    assert current_revisions(engine) == HEADS == {HEAD}
    engine.dispose()
