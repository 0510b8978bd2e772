"""Encryption at rest: a SQLCipher journal is unreadable without its passphrase."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import DatabaseError
from starlette.testclient import TestClient
from tests.web.conftest import BASE_URL, CHECKIN

from microdose.cli.web_cmds import encrypted_url
from microdose.settings import Settings
from microdose.web.app import create_app

pytest.importorskip("sqlcipher3")


def test_encrypted_journal_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "secret.sqlite3"
    url = encrypted_url(f"sqlite:///{path}", "pass: phrase/with@odd chars")
    app = create_app(Settings(database_url=url))
    with TestClient(app, base_url=BASE_URL) as client:
        assert client.post("/api/v1/checkins", json=CHECKIN).status_code == 201
    app.state.web.engine.dispose()

    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(path).execute("SELECT * FROM checkin").fetchall()
    assert b"SQLite format 3" not in path.read_bytes()[:100]
    with pytest.raises(DatabaseError):
        create_app(Settings(database_url=encrypted_url(f"sqlite:///{path}", "wrong")))

    reopened = create_app(Settings(database_url=url))
    with TestClient(reopened, base_url=BASE_URL) as client:
        assert [c["mood"] for c in client.get("/api/v1/checkins").json()] == [CHECKIN["mood"]]
    reopened.state.web.engine.dispose()


def test_only_sqlite_can_be_encrypted() -> None:
    from microdose.domain.errors import InvalidInput

    with pytest.raises(InvalidInput, match="only a SQLite journal"):
        encrypted_url("postgresql+psycopg://u@h/db", "x")
