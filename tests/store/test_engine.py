"""Engine settings: SQLite in WAL mode with foreign keys; clear errors for bad URLs."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microdose.domain.errors import InvalidInput
from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema
from microdose.store.models import CheckinRow


def test_sqlite_has_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'folder' / 'j.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
    assert (tmp_path / "deep" / "folder" / "j.sqlite3").exists()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    orphan = CheckinRow(
        person_id=uuid.uuid4(), local_date=date(2026, 1, 1), mood=1, anxiety=1, energy=1,
        focus=1, sleep=1, connectedness=1, side_effects=[],
    )
    with Session(engine) as session:
        session.add(orphan)
        with pytest.raises(IntegrityError):
            session.commit()


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url", "oracle+cx://a"])
def test_unsupported_urls_are_refused_with_a_message(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_engine(url)
    assert caught.value.field == "database-url"
    assert "postgresql+psycopg" in str(caught.value)


def test_postgres_url_without_driver_uses_psycopg(postgres_url: str) -> None:
    engine = make_engine(postgres_url.replace("postgresql+psycopg", "postgresql"))
    assert engine.dialect.driver == "psycopg"
    assert ensure_schema(engine) is True
    engine.dispose()
