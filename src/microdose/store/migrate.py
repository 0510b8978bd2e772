"""Alembic migrations, run programmatically: ``upgrade``, ``downgrade``, ``ensure_schema``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

#: the head revision this code expects (one chain, no branches); a test checks it against
#: Alembic's own view
HEAD = "0013"
HEADS: frozenset[str] = frozenset({HEAD})
#: where a journal stood while 0002–0006 were branches off 0001: every branch applied, which
#: on the one chain is 0006
OLD_BRANCH_HEADS: frozenset[str] = frozenset({"0002", "0003", "0004", "0006"})


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` (the head by default)."""
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (empty by default)."""
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database is at (empty when it has never been migrated)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return frozenset()
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        return frozenset(str(row[0]) for row in rows)


def script_heads() -> frozenset[str]:
    """Head revisions according to the migration scripts themselves."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(_config()).get_heads())


def ensure_schema(engine: Engine) -> bool:
    """Create or migrate the journal on first use; cheap when it is already current.

    Returns True when migrations ran.
    """
    current = current_revisions(engine)
    if current == HEADS:
        return False
    if current == OLD_BRANCH_HEADS:
        _restamp(engine, "0006")
    upgrade(engine)
    return True


def _restamp(engine: Engine, revision: str) -> None:
    """Record ``revision`` as the one place of a database whose schema is already there."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        connection.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:rev)"), {"rev": revision}
        )
