"""Helpers of the insight tests: a demo journal with a flag and an adverse event."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from microdose.domain.adverse import make_adverse
from microdose.services.adverse import record_adverse
from microdose.services.demo import build_demo
from microdose.services.insight import Insight, analyze
from microdose.services.people import ensure_person
from microdose.services.questionnaires import record_response
from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema
from microdose.store.models import Person

TODAY = date(2026, 3, 1)


def fill_journal(session: Session, *, flagged: bool = True) -> Person:
    """Ten weeks of demo data; with ``flagged``, a last PHQ-9 with item 9 and an adverse event."""
    person = ensure_person(session=session, timezone="Europe/Berlin")
    build_demo(session=session, person=person, today=TODAY, weeks=10, seed=7)
    if flagged:
        day = TODAY - timedelta(days=1)
        record_response(
            session=session,
            person_id=person.id,
            instrument="phq9",
            answers=[3, 3, 3, 2, 2, 2, 2, 2, 1],
            day=day,
        )
        event = make_adverse("headache", 3, today=TODAY, start=day, action="paused")
        record_adverse(session=session, person=person, event=event)
    session.commit()
    return person


def sqlite_insight(folder: Path, *, flagged: bool = True) -> Insight:
    """An insight of a fresh SQLite demo journal in ``folder``."""
    engine = make_engine(f"sqlite:///{folder / 'insight.sqlite3'}")
    ensure_schema(engine)
    with Session(engine, expire_on_commit=False) as session:
        person = fill_journal(session, flagged=flagged)
        insight = analyze(session=session, person=person)
    engine.dispose()
    return insight
