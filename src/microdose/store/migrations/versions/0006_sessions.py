"""Web sessions of the service: login sessions and account-scoped idempotency keys.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from microdose.store.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _account_fk() -> sa.Column[object]:
    return sa.Column(
        "account_id", sa.Uuid(), sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "login_session",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _account_fk(),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("token_sha256", name="uq_login_session_token_sha256"),
    )
    op.create_index("ix_login_session_account_id", "login_session", ["account_id"])
    op.create_table(
        "account_idempotency",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _account_fk(),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("account_id", "key", name="uq_account_idempotency_account_key"),
    )
    op.create_index("ix_account_idempotency_account_id", "account_idempotency", ["account_id"])


def downgrade() -> None:
    op.drop_table("account_idempotency")
    op.drop_table("login_session")
