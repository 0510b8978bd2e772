"""The last step of the one chain 0001 → 0007; it changes nothing in the schema.

0002–0006 once grew as branches off 0001 and this revision joined them. They now follow one
another (0001 foundation, 0002 safety, 0003 trials, 0004 web, 0005 service, 0006 sessions,
0007), so every step up or down is unambiguous (``alembic downgrade -1`` works everywhere).
It stays so that a journal stamped ``0007`` is current. A new migration follows it
(``down_revision = "0007"``), and ``HEAD`` in ``store/migrate.py`` names the new one.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change."""


def downgrade() -> None:
    """Nothing to change."""
