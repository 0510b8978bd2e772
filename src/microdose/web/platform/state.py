"""What one web app holds: its settings, its one engine, and the journal's person."""

from __future__ import annotations

import threading
import uuid
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from microdose.domain.errors import NotFound
from microdose.domain.roles import AccessDenied
from microdose.services import login_sessions
from microdose.services.access import Actor
from microdose.services.people import ensure_person
from microdose.store.models import Person
from microdose.web.platform.auth import CURRENT_ACTOR, LoginRequired

if TYPE_CHECKING:
    from microdose.settings import Settings
    from microdose.web.platform.security import SecurityConfig


@dataclass
class WebState:
    """Per-app state, kept on ``app.state.web`` (never module-level).

    Attributes
    ----------
    settings : Settings
        The settings the app was built with.
    engine : Engine
        The app's only engine.
    sessions : sessionmaker
        Session factory bound to ``engine``.
    security : SecurityConfig
        Host, login and CSRF configuration.
    demo : bool
        Whether the app serves the separate demo journal.
    service : bool
        Multi-user service mode: accounts log in and each sees their own journal (see
        :mod:`microdose.web.platform.auth`); otherwise the database holds one personal journal.
    write_lock : threading.Lock
        On SQLite, this process's writes take turns here instead of in SQLite's busy
        handler (which sleeps in steps of up to 100 ms).
    """

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    security: SecurityConfig
    demo: bool = False
    service: bool = False
    write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _person_id: uuid.UUID | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def person(self, session: Session) -> Person:
        """The journal's person: the logged-in participant's own in service mode; else the
        one personal journal's, created on first use (and again after a delete)."""
        if self.service:
            return _own_person(session)
        if self._person_id is not None:
            found = session.get(Person, self._person_id)
            if found is not None:
                return found
        with self._lock:
            person = ensure_person(session=session, timezone=self.settings.timezone)
            self._person_id = person.id
        return person

    def person_id(self, session: Session) -> uuid.UUID:
        """The id of :meth:`person`, without a query once a personal journal's is known
        (a foreign key refuses writes for a person deleted since: see ``run_alone``)."""
        if not self.service and self._person_id is not None:
            return self._person_id
        return self.person(session).id

    def resolve_actor(self, token: str | None) -> Actor | None:
        """The actor of a live login token (service mode), else None."""
        with self.sessions() as session, session.begin():
            account = login_sessions.resolve(session=session, token=token)
            return Actor.of(account) if account is not None else None

    def ensure_person(self) -> None:
        """Create (and commit) the journal's person now, before requests race to do it."""
        if self.service:
            return
        with self.sessions() as session, session.begin():
            self.person(session)

    def look_up_person_again(self) -> None:
        """Forget the remembered person and find (or begin) the journal's again, committed
        under the lock: threads that all found it gone agree on one new person."""
        if self.service:
            return
        with self._lock, self.sessions() as session, session.begin():
            self._person_id = None
            person = ensure_person(session=session, timezone=self.settings.timezone)
        self._person_id = person.id

    def writing(self) -> AbstractContextManager[object]:
        """The lock a write holds: SQLite has one writer at a time; PostgreSQL needs none."""
        if self.engine.dialect.name == "sqlite":
            return self.write_lock
        return nullcontext()

    def forget_person(self) -> None:
        """Drop the cached person (after the journal was deleted)."""
        self._person_id = None


def _own_person(session: Session) -> Person:
    """The journal of the logged-in participant (service mode)."""
    actor = CURRENT_ACTOR.get()
    if actor is None:
        raise LoginRequired("log in first")
    person = None if actor.person_id is None else session.get(Person, actor.person_id)
    own_person_id(actor, person is not None)
    assert person is not None
    return person


def own_person_id(actor: Actor, found: bool) -> uuid.UUID:
    """The id of ``actor``'s own journal, whose row was ``found``: 403 for an account
    without a journal, 404 when its person is gone."""
    if actor.person_id is None:
        raise AccessDenied(f"journal: a {actor.role} account has no journal of its own")
    if not found:
        raise NotFound("journal: not found")
    return actor.person_id
