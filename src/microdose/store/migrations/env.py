"""Alembic environment: runs on the connection handed in by ``microdose.store.migrate``."""

from __future__ import annotations

from alembic import context

from microdose.store import all_models

target_metadata = all_models.metadata
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
