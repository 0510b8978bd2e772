"""Alembic migrations, run programmatically: ``upgrade``, ``downgrade``, ``ensure_schema``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

#: the head revisions this code expects; a test checks it against Alembic's own view
HEADS: frozenset[str] = frozenset({"0007"})


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Migrate the database up to ``revision`` (all heads by default)."""
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
    if current_revisions(engine) == HEADS:
        return False
    upgrade(engine)
    return True
