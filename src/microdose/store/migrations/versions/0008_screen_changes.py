"""Screens keep their changes; crisis flags carry the date of the answers.

``safety_screen.changes``: what a screen added, removed (and which removals the person
confirmed) and kept against the previous screen — a block is only removed explicitly.
``crisis_event.answers_date``: the date of the answers that raised the flag (a questionnaire
dated in the past raises a flag of that date, not of the day it was recorded).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("safety_screen", sa.Column("changes", sa.JSON(), nullable=True))
    op.add_column("crisis_event", sa.Column("answers_date", sa.Date(), nullable=True))


def downgrade() -> None:
    # batch mode: SQLite drops a column by copying the table
    with op.batch_alter_table("crisis_event") as batch:
        batch.drop_column("answers_date")
    with op.batch_alter_table("safety_screen") as batch:
        batch.drop_column("changes")
