"""Self-blinded trials: trial, trial_envelope, trial_seal.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from microdose.store.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _person() -> sa.Column[object]:
    return sa.Column(
        "person_id", sa.Uuid(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False
    )


def _trial(primary_key: bool = False) -> sa.Column[object]:
    return sa.Column(
        "trial_id",
        sa.Uuid(),
        sa.ForeignKey("trial.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "trial",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _person(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("block_design", sa.String(16), nullable=False),
        sa.Column("protocol", sa.String(32), nullable=False),
        sa.Column("weekdays", sa.String(32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("doses", sa.Integer(), nullable=False),
        sa.Column("dose_days", sa.JSON(), nullable=False),
        sa.Column("seeded", sa.Boolean(), nullable=False),
        sa.Column("sealed_key", sa.Text(), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("unblinded_at", UTCDateTime(), nullable=True),
        sa.Column("unblinded_early", sa.Boolean(), nullable=False),
        sa.Column("unblind_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_trial_person_id", "trial", ["person_id"])
    op.create_table(
        "trial_envelope",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _person(),
        _trial(),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(16), nullable=True),
        sa.UniqueConstraint("trial_id", "code", name="uq_trial_envelope_code"),
    )
    op.create_index("ix_trial_envelope_person_id", "trial_envelope", ["person_id"])
    op.create_index("ix_trial_envelope_trial_id", "trial_envelope", ["trial_id"])
    op.create_table(
        "trial_seal",
        _trial(primary_key=True),
        sa.Column("data_key", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("trial_seal", "trial_envelope", "trial"):
        op.drop_table(table)
