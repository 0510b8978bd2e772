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
    with op.batch_alter_table("trial") as batch:
        batch.add_column(sa.Column("expectancy_answers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("expectancy_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trial") as batch:
        batch.drop_column("expectancy_at")
        batch.drop_column("expectancy_answers")
