"""Check-in and dose notes are private unless the person shares them with clinicians.

``person.notes_shared``: false (the default, also for every person already stored) keeps
the free-text notes of check-ins and doses from linked clinicians, as journal text is.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "person",
        sa.Column("notes_shared", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+), not batch mode: copying ``person`` would drop
    # the table every journal row refers to (with foreign keys on, deleting them)
    op.drop_column("person", "notes_shared")
