"""Foundation: person, plan, dose, check-in, questionnaire response, journal entry.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from microdose.store.base import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid(), primary_key=True)


def _person() -> sa.Column[object]:
    return sa.Column(
        "person_id", sa.Uuid(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "person",
        _id(),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("region", sa.String(8), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "plan",
        _id(),
        _person(),
        sa.Column("protocol", sa.String(32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(32), nullable=False),
        sa.Column("off_weeks", sa.Integer(), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "dose",
        _id(),
        _person(),
        sa.Column("taken_at", UTCDateTime(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("material", sa.String(32), nullable=True),
        sa.Column("grams", sa.Float(), nullable=True),
        sa.Column("mg_low", sa.Float(), nullable=True),
        sa.Column("mg_typical", sa.Float(), nullable=True),
        sa.Column("mg_high", sa.Float(), nullable=True),
        sa.Column("classification", sa.String(32), nullable=True),
        sa.Column("envelope_code", sa.String(32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "checkin",
        _id(),
        _person(),
        sa.Column("local_date", sa.Date(), nullable=False),
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("mood", "anxiety", "energy", "focus", "sleep", "connectedness")
        ],
        sa.Column("side_effects", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("guess", sa.String(16), nullable=True),
        sa.Column("guess_confidence", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("person_id", "local_date", name="uq_checkin_person_day"),
    )
    op.create_table(
        "questionnaire_response",
        _id(),
        _person(),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(32), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("score", sa.JSON(), nullable=False),
    )
    op.create_table(
        "journal_entry",
        _id(),
        _person(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    for table in ("plan", "dose", "checkin", "questionnaire_response", "journal_entry"):
        op.create_index(f"ix_{table}_person_id", table, ["person_id"])
    for table in ("dose", "questionnaire_response", "journal_entry"):
        op.create_index(f"ix_{table}_local_date", table, ["local_date"])
    op.create_index(
        "ix_questionnaire_response_instrument", "questionnaire_response", ["instrument"]
    )


def downgrade() -> None:
    for table in ("journal_entry", "questionnaire_response", "checkin", "dose", "plan", "person"):
        op.drop_table(table)
