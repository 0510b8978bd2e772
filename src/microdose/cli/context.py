"""What every command shares: settings, a lazily made engine, and one transaction per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from microdose.settings import Settings
    from microdose.store.models import Person


@dataclass
class AppState:
    """Per-invocation state held in ``typer.Context.obj``."""

    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        """The database engine, created and migrated on first use."""
        if self._engine is None:
            from microdose.store.engine import make_engine
            from microdose.store.migrate import ensure_schema

            self._engine = make_engine(self.settings.database_url)
            ensure_schema(self._engine)
        return self._engine

    @contextmanager
    def session(self) -> Iterator[tuple[Session, Person]]:
        """One transaction with the journal's person: all of it is written, or none."""
        from sqlalchemy.orm import Session

        from microdose.services.people import ensure_person

        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            _refuse_service_database(session)
            person = ensure_person(session=session, timezone=self.settings.timezone)
            yield session, person

    def close(self) -> None:
        """Release the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()


def _refuse_service_database(session: Session) -> None:
    """Journal commands act on one personal journal: never on a multi-user service's data."""
    from microdose.domain.errors import Conflict
    from microdose.services.people import has_accounts

    if has_accounts(session):
        raise Conflict(
            "this database is a multi-user service (it holds accounts): journal commands "
            "act on one personal journal. Participants record through the web app or the "
            "API; manage the service with `microdose user`, `study` and `clinician`"
        )
