"""Expectancy before a trial: the SETS answers given when the trial was designed.

``trial.expectancy_answers``: the six answers (1-7) of the Stanford Expectations of
Treatment Scale (JSON list; NULL: not answered — the questions are optional).
``trial.expectancy_at``: when they were given (UTC; NULL with them).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from microdose.store.base import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("trial", sa.Column("expectancy_answers", sa.JSON(), nullable=True))
    op.add_column("trial", sa.Column("expectancy_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+), not batch mode: copying ``trial`` would drop the
    # table its envelopes and seal refer to (with foreign keys on, deleting them)
    op.drop_column("trial", "expectancy_at")
    op.drop_column("trial", "expectancy_answers")
