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
from typing import Any, TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from microdose.domain.roles import Role
from microdose.services.actor import Actor
from microdose.store.base import utcnow
from microdose.store.models import Person
from microdose.store.service_models import AccountRow, LoginSessionRow

#: a query over accounts (of any columns)
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])

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


def _live(query: _Query, token: str, now: datetime | None) -> _Query:
    """``query`` (over accounts) kept to the enabled account of a live session token."""
    return query.join(LoginSessionRow, LoginSessionRow.account_id == AccountRow.id).where(
        LoginSessionRow.token_sha256 == digest(token),
        LoginSessionRow.revoked_at.is_(None),
        LoginSessionRow.expires_at > (now or utcnow()),
        AccountRow.disabled.is_(False),
    )


def resolve(
    *, session: Session, token: str | None, now: datetime | None = None
) -> AccountRow | None:
    """The enabled account of a live session token, else None."""
    if not token or len(token) > 128:
        return None
    return session.scalars(_live(select(AccountRow), token, now)).first()


def resolve_actor(
    *, session: Session, token: str | None, now: datetime | None = None
) -> tuple[Actor, bool] | None:
    """The actor of a live session token (as :func:`resolve` finds its account) and
    whether the account's person still exists, in one query; None without a live login.

    Only columns are read (no account or person row is loaded): the write that resolves
    its login in its own transaction (the check-in POST) needs nothing more.
    """
    if not token or len(token) > 128:
        return None
    query = _live(
        select(AccountRow.role, AccountRow.id, AccountRow.person_id, AccountRow.email,
               Person.id).outerjoin(Person, Person.id == AccountRow.person_id),
        token, now,
    )
    found = session.execute(query).first()
    if found is None:
        return None
    role, account_id, person_id, email, person_found = found
    return Actor(Role(role), account_id, person_id, email), person_found is not None


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
