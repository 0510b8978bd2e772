"""Login throttling without lockout: exponential back-off, and device cookies.

Online guessing is slowed, never stopped for the owner. Each failed login from a browser
the account does not trust adds one to the **account**'s count (its email) and to the
**client**'s (the source address); past a number of free failures, the next attempt on
that key waits ``base × 2^(failures − free)`` seconds, at most ``cap``. A login that
presents a valid **device cookie** of the account (set by its own earlier success; OWASP,
"Slow down online guessing attacks with device cookies") is judged only by that cookie's
own failures, so others' failures on the account or from a shared address never stop it.

The state lives in ``login_throttle`` (every server process reads and writes the same
rows): each failure is one atomic upsert, so concurrent failures all count. A refused
(throttled) attempt is neither verified nor counted, so it does not extend the wait.
Counts start again after :data:`FORGET` without failures. A success clears the count of
the path it used (the device's, or the account's), never the client's.

The same table bounds the audit log: :func:`refusal_budget` counts the refused requests
one source has had audited in the current window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from microdose.store.base import UTCDateTime
from microdose.store.service_models import ThrottleRow

#: failures this long ago are forgotten (a count starts again)
FORGET = timedelta(days=1)
_TABLE: Any = ThrottleRow.__table__


@dataclass(frozen=True)
class Backoff:
    """How fast the wait grows: none for ``free`` failures, then doubling up to ``cap``."""

    free: int
    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(minutes=15)

    def wait(self, failures: int) -> timedelta:
        """The wait after ``failures`` consecutive failures.

        >>> Backoff(free=3).wait(2), Backoff(free=3).wait(3), Backoff(free=3).wait(6)
        (datetime.timedelta(0), datetime.timedelta(seconds=1), datetime.timedelta(seconds=8))
        """
        if failures < self.free:
            return timedelta(0)
        doublings = min(failures - self.free, 30)
        grown: timedelta = self.base * (2**doublings)
        return min(self.cap, grown)


@dataclass(frozen=True)
class ThrottlePolicy:
    """The back-off of each scope."""

    account: Backoff = Backoff(free=5)
    client: Backoff = Backoff(free=20)
    device: Backoff = Backoff(free=5)


DEFAULT_POLICY = ThrottlePolicy()


@dataclass(frozen=True)
class Wait:
    """A throttled key: which scope, and the seconds until it may be tried."""

    scope: str
    retry_after: int


def blocked(session: Session, keys: list[tuple[str, str]], now: datetime) -> Wait | None:
    """The longest wait among ``keys`` ((scope, key) pairs), None when none waits."""
    waits = []
    for scope, key in keys:
        until = session.scalar(select(_TABLE.c.blocked_until).where(
            _TABLE.c.scope == scope, _TABLE.c.key == key))
        if until is not None and until > now:
            waits.append(Wait(scope, max(1, math.ceil((until - now).total_seconds()))))
    return max(waits, key=lambda w: w.retry_after, default=None)


def _upsert(session: Session, scope: str, key: str, now: datetime, restart_before: datetime,
            restart_column: Any) -> int:
    """Count one more event of (scope, key), restarting when ``restart_column`` is older
    than ``restart_before``; the new count (one atomic statement on either database)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    restart = restart_column < restart_before
    first = insert(_TABLE).values(scope=scope, key=key, count=1, started_at=now,
                                  last_at=now, blocked_until=None)
    statement = first.on_conflict_do_update(
        index_elements=[_TABLE.c.scope, _TABLE.c.key],
        set_={"count": case((restart, 1), else_=_TABLE.c.count + 1),
              "started_at": case((restart, literal(now, UTCDateTime())),
                                 else_=_TABLE.c.started_at),
              "last_at": now},
    ).returning(_TABLE.c.count)
    return int(session.execute(statement).scalar_one())


def fail(session: Session, scope: str, key: str, backoff: Backoff, now: datetime) -> int:
    """Record one failure of (scope, key) and set its wait; the failures counted."""
    failures = _upsert(session, scope, key, now, now - FORGET, _TABLE.c.last_at)
    wait = backoff.wait(failures)
    session.execute(update(_TABLE).where(_TABLE.c.scope == scope, _TABLE.c.key == key)
                    .values(blocked_until=now + wait if wait else None))
    return failures


def clear(session: Session, scope: str, key: str) -> None:
    """Forget the failures of (scope, key) (after a success on that path)."""
    session.execute(delete(_TABLE).where(_TABLE.c.scope == scope, _TABLE.c.key == key))


def refusal_budget(session: Session, source: str, now: datetime,
                   window: timedelta) -> int:
    """Count one more audited refusal of ``source`` in the current ``window``; the count."""
    return _upsert(session, "refusal", source, now, now - window, _TABLE.c.started_at)


def window_end(session: Session, source: str, window: timedelta) -> datetime | None:
    """When the current refusal window of ``source`` ends."""
    started = session.scalar(select(_TABLE.c.started_at).where(
        _TABLE.c.scope == "refusal", _TABLE.c.key == source))
    return started + window if started is not None else None


def prune(session: Session, now: datetime) -> int:
    """Delete rows untouched for :data:`FORGET` (nothing they hold counts any more)."""
    result = session.execute(delete(_TABLE).where(_TABLE.c.last_at < now - FORGET))
    return int(getattr(result, "rowcount", 0) or 0)
