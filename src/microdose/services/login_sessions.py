"""Login sessions of the service: a random token per login, only its SHA-256 stored.

A session ends when it expires, on logout, when the account is disabled, and when the
password changes (every session of the account). The token travels in an ``HttpOnly``
cookie for pages and as ``Authorization: Bearer`` for the API.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from microdose.store.base import utcnow
from microdose.store.service_models import AccountRow, LoginSessionRow

#: how long a login lasts
LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class Started:
    """A new login: the token (shown once) and when it expires."""

    token: str
    expires_at: datetime


def digest(token: str) -> str:
    """SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    *, session: Session, account: AccountRow, now: datetime | None = None,
    lifetime: timedelta = LIFETIME,
) -> Started:
    """Open a session for ``account`` and return its token."""
    moment = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = LoginSessionRow(
        account_id=account.id, token_sha256=digest(token), created_at=moment,
        expires_at=moment + lifetime,
    )
    session.add(row)
    session.flush()
    return Started(token, row.expires_at)


def resolve(
    *, session: Session, token: str | None, now: datetime | None = None
) -> AccountRow | None:
    """The enabled account of a live session token, else None."""
    if not token or len(token) > 128:
        return None
    query = (
        select(AccountRow)
        .join(LoginSessionRow, LoginSessionRow.account_id == AccountRow.id)
        .where(
            LoginSessionRow.token_sha256 == digest(token),
            LoginSessionRow.revoked_at.is_(None),
            LoginSessionRow.expires_at > (now or utcnow()),
            AccountRow.disabled.is_(False),
        )
    )
    return session.scalars(query).first()


def end(*, session: Session, token: str | None, now: datetime | None = None) -> bool:
    """Revoke one session (logout); True when a live session was ended."""
    if not token:
        return False
    result = session.execute(
        update(LoginSessionRow)
        .where(LoginSessionRow.token_sha256 == digest(token),
               LoginSessionRow.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


def end_all(*, session: Session, account_id: uuid.UUID, now: datetime | None = None) -> int:
    """Revoke every live session of an account (disabled, or password changed)."""
    result = session.execute(
        update(LoginSessionRow)
        .where(LoginSessionRow.account_id == account_id, LoginSessionRow.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
