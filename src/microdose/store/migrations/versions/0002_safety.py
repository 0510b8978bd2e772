"""Safety: screens, medication changes, crisis events, adverse events, alerts.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from microdose.store.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("safety_screen", "medication_change", "crisis_event", "adverse_event", "safety_alert")


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid(), primary_key=True)


def _person() -> sa.Column[object]:
    return sa.Column(
        "person_id", sa.Uuid(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "safety_screen",
        _id(),
        _person(),
        sa.Column("screened_at", UTCDateTime(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("medications", sa.JSON(), nullable=False),
        sa.Column("generics", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
    )
    op.create_table(
        "medication_change",
        _id(),
        _person(),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_table(
        "crisis_event",
        _id(),
        _person(),
        sa.Column("triggered_at", UTCDateTime(), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("region", sa.String(8), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "adverse_event",
        _id(),
        _person(),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("action", sa.String(32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=True),
    )
    op.create_table(
        "safety_alert",
        _id(),
        _person(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
    )
    for table in TABLES:
        op.create_index(f"ix_{table}_person_id", table, ["person_id"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
