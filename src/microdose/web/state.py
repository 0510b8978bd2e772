"""What one web app holds: its settings, its one engine, and the journal's person."""

from __future__ import annotations

import threading
import uuid
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from microdose.services.people import ensure_person
from microdose.store.models import Person

if TYPE_CHECKING:
    from microdose.settings import Settings
    from microdose.web.security import SecurityConfig


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
    write_lock : threading.Lock
        On SQLite, this process's writes take turns here instead of in SQLite's busy
        handler (which sleeps in steps of up to 100 ms).
    """

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    security: SecurityConfig
    demo: bool = False
    write_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _person_id: uuid.UUID | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def person(self, session: Session) -> Person:
        """The journal's person, created on first use (and again after a delete)."""
        if self._person_id is not None:
            found = session.get(Person, self._person_id)
            if found is not None:
                return found
        with self._lock:
            person = ensure_person(session=session, timezone=self.settings.timezone)
            self._person_id = person.id
        return person

    def ensure_person(self) -> None:
        """Create (and commit) the journal's person now, before requests race to do it."""
        with self.sessions() as session, session.begin():
            self.person(session)

    def writing(self) -> AbstractContextManager[object]:
        """The lock a write holds: SQLite has one writer at a time; PostgreSQL needs none."""
        if self.engine.dialect.name == "sqlite":
            return self.write_lock
        return nullcontext()

    def forget_person(self) -> None:
        """Drop the cached person (after the journal was deleted)."""
        self._person_id = None
