"""Join the four branches (0002 safety, 0003 trials, 0004 web, 0005–0006 service) into one.

No schema change: the branches grew side by side off 0001; from here on a new migration
has exactly one revision to follow (``down_revision = "0007"``).

Revision ID: 0007
Revises: 0002, 0003, 0004, 0006
"""

from __future__ import annotations

revision = "0007"
down_revision = ("0002", "0003", "0004", "0006")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: Alembic records the single head."""


def downgrade() -> None:
    """Nothing to change: Alembic records the four branch heads again."""
