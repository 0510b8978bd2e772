"""Daily use: which ratings a person tracks, their theme and date style; corrections.

``person.tracked_ratings``: the daily ratings the person chose to be asked (JSON list;
NULL asks all six — mood is always asked). ``person.theme``: ``light``, ``dark`` or NULL
(follow the system). ``person.date_style``: how dates are shown (NULL is ``long``).
``person.factors``: the daily factors the person notes (e.g. exercise), and
``checkin.factors`` each one's yes or no that day.
The five ratings other than mood become nullable: a rating the person does not track is
stored as missing, never as an invented value.

``correction``: a record as it was before the person corrected or deleted it, so an edit
of the past keeps its history.

Downgrade refuses while any check-in has a missing rating: filling one in would change
the person's record.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from microdose.store.base import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OPTIONAL = ("anxiety", "energy", "focus", "sleep", "connectedness")


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("tracked_ratings", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("theme", sa.String(8), nullable=True))
        batch.add_column(sa.Column("date_style", sa.String(8), nullable=True))
        batch.add_column(sa.Column("factors", sa.JSON(), nullable=True))
    with op.batch_alter_table("checkin") as batch:
        for name in OPTIONAL:
            batch.alter_column(name, existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("factors", sa.JSON(), nullable=True))
    op.create_table(
        "correction",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("person_id", sa.Uuid(), sa.ForeignKey("person.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("record_kind", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("previous", sa.JSON(), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_correction_person_id", "correction", ["person_id"])


def downgrade() -> None:
    missing = " OR ".join(f"{name} IS NULL" for name in OPTIONAL)
    count = op.get_bind().execute(sa.text(f"SELECT count(*) FROM checkin WHERE {missing}"))
    if count.scalar_one():
        raise RuntimeError(
            "cannot downgrade below 0011: some check-ins leave untracked ratings missing"
        )
    op.drop_index("ix_correction_person_id", table_name="correction")
    op.drop_table("correction")
    with op.batch_alter_table("checkin") as batch:
        batch.drop_column("factors")
        for name in OPTIONAL:
            batch.alter_column(name, existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("person") as batch:
        batch.drop_column("factors")
        batch.drop_column("date_style")
        batch.drop_column("theme")
        batch.drop_column("tracked_ratings")
