"""Reminders: each person's schedule, and the email reminders already sent.

``reminder_schedule``: one row per person — check-in, dose-day and questionnaire times
(``HH:MM``, NULL: off), the interval in days per instrument, paused, who changed it last.
``reminder_sent``: one row per (person, local day, kind) emailed, so that the sender
never sends the same reminder twice.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from microdose.store.base import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _person_fk(primary_key: bool = False) -> sa.Column[object]:
    return sa.Column(
        "person_id", sa.Uuid(), sa.ForeignKey("person.id", ondelete="CASCADE"),
        nullable=False, primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "reminder_schedule",
        _person_fk(primary_key=True),
        sa.Column("checkin_time", sa.String(5), nullable=True),
        sa.Column("dose_time", sa.String(5), nullable=True),
        sa.Column("questionnaire_time", sa.String(5), nullable=True),
        sa.Column("questionnaires", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _person_fk(),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("person_id", "local_date", "kind", name="uq_reminder_sent_day_kind"),
    )
    op.create_index("ix_reminder_sent_person_id", "reminder_sent", ["person_id"])


def downgrade() -> None:
    op.drop_table("reminder_sent")
    op.drop_table("reminder_schedule")
