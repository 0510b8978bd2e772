"""Deploying the service: secrets checked before binding, several workers, a TLS proxy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.service_support import PASSWORD
from tests.web.conftest import CHECKIN
from tests.web.service_server import (
    Client,
    answering_worker,
    create_participants,
    serving,
    wait_for_workers,
)

from microdose.store.engine import make_engine
from microdose.store.models import CheckinRow
from microdose.store.service_models import AccountRow, LoginAttemptRow


def _serve_once(database: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MICRODOSE_")}
    command = [sys.executable, "-m", "microdose", "--database-url", f"sqlite:///{database}",
               "serve", "--port", "0"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60,
                          env={**environ, **env})


@pytest.mark.parametrize("secret", [None, "changeme", "short-but-not-default"])
def test_production_refuses_a_default_secret_before_opening_anything(
    tmp_path: Path, secret: str | None
) -> None:
    env = {"MICRODOSE_ENVIRONMENT": "production"}
    if secret is not None:
        env["MICRODOSE_SECRET_KEY"] = secret
    database = tmp_path / "journal.sqlite3"
    result = _serve_once(database, env)
    assert result.returncode == 2, result
    assert "MICRODOSE_SECRET_KEY" in result.stderr and "at least 32 characters" in result.stderr
    assert "serving" not in result.stdout and "Traceback" not in result.stderr
    assert not database.exists()  # refused before the database was created or migrated


#: a good key for the tests only (random, 42 characters)
SECRET = "Xq3v9-ZpLr7_kT2mWc8yNf4bHd6sJa1uGe5oRi0tVx"


def test_production_serves_only_a_database_with_accounts(tmp_path: Path) -> None:
    env = {"MICRODOSE_ENVIRONMENT": "production", "MICRODOSE_SECRET_KEY": SECRET}
    database = tmp_path / "journal.sqlite3"
    empty = _serve_once(database, env)
    assert empty.returncode == 2
    assert "holds no accounts" in empty.stderr and "microdose user add" in empty.stderr
    create_participants(f"sqlite:///{database}", 1)
    with serving(f"sqlite:///{database}", env=env) as served:
        assert "serving the service (1 account) at" in served.banner
        client = Client(served.url)
        assert client.call("GET", "/api/v1/auth/me").status == 401


def test_an_encrypted_journal_is_served_by_one_worker(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "microdose", "--database-url",
         f"sqlite:///{tmp_path / 'j.sqlite3'}", "serve", "--encrypt", "--workers", "2",
         "--port", "0"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "MICRODOSE_DB_PASSPHRASE": "a passphrase"},
    )
    assert result.returncode == 2
    assert "workers: an encrypted journal is served by one process" in result.stderr


def test_a_bad_proxy_address_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "microdose", "--database-url",
         f"sqlite:///{tmp_path / 'j.sqlite3'}", "serve", "--forwarded-allow-ips",
         "127.0.0.1,proxy.example", "--port", "0"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "forwarded-allow-ips: 'proxy.example' is not an address or network" in result.stderr


def _clients_on_both_workers(url: str, workers: list[int]) -> dict[int, Client]:
    """Open connections until each worker holds one (the kernel picks who accepts)."""
    held: dict[int, Client] = {}
    spare: list[Client] = []
    for _ in range(200):
        client = Client(url)
        assert client.call("GET", "/api/v1/auth/me").status == 401  # opens the connection
        pid = answering_worker(client, workers)
        if pid in held:
            spare.append(client)
        else:
            held[pid] = client
        if len(held) == len(workers):
            break
    for client in spare:
        client.close()
    assert sorted(held) == workers, f"only {sorted(held)} of {workers} answered"
    return held


def test_two_workers_on_postgresql_share_logins_and_write_once(postgres_url: str) -> None:
    emails = create_participants(postgres_url, 4)
    with serving(postgres_url, "--workers", "2") as served:
        assert re.search(r"serving the service \(4 accounts\) at \S+ with 2 workers",
                         served.banner)
        workers = wait_for_workers(served.process.pid, 2)
        assert len(workers) == 2 and served.process.pid not in workers
        held = _clients_on_both_workers(served.url, workers)
        first, second = held.values()
        _log_in_on_one_and_write_on_both(first, second, emails)
        assert {answering_worker(c, workers): c for c in (first, second)} == held  # same ones
    engine = make_engine(postgres_url)
    with Session(engine) as session:
        rows = session.execute(select(AccountRow.email, CheckinRow.local_date, CheckinRow.mood)
                               .join(CheckinRow, CheckinRow.person_id == AccountRow.person_id))
        stored = sorted((e, str(d), m) for e, d, m in rows)
    engine.dispose()
    expected = sorted((e, d, n) for n, e in enumerate(emails)
                      for d in ("2026-03-01", "2026-03-02"))
    assert stored == expected


def _log_in_on_one_and_write_on_both(first: Client, second: Client, emails: list[str]) -> None:
    for number, email in enumerate(emails):
        token = first.log_in(email)  # logged in on one worker …
        second.token = token  # … valid on the other: the session lives in the database
        me = second.call("GET", "/api/v1/auth/me")
        assert me.status == 200 and me.body["email"] == email
        for client, day in ((first, "2026-03-01"), (second, "2026-03-02")):
            created = client.call("POST", "/api/v1/checkins",
                                  {**CHECKIN, "date": day, "mood": number})
            assert created.status == 201, created.body


def test_behind_a_tls_proxy_the_cookie_is_secure_and_the_client_is_the_proxied_one(
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    [email] = create_participants(database_url, 1)
    proxied = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    cookies = {}
    for extra in ((), ("--forwarded-allow-ips", "127.0.0.1")):
        with serving(database_url, *extra) as served, httpx.Client(base_url=served.url) as browser:
            page = browser.get("/login")
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
            assert token, page.text
            form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
            answer = browser.post("/login", data=form, headers=proxied)
            assert answer.status_code == 303, answer.text
            wrong = browser.post("/api/v1/auth/login", headers=proxied,
                                 json={"email": email, "password": "not the password"})
            assert wrong.status_code == 401
        cookies[bool(extra)] = answer.headers["set-cookie"]
    assert "secure" in cookies[True].lower()
    assert "secure" not in cookies[False].lower()  # untrusted headers change nothing
    engine = make_engine(database_url)
    with Session(engine) as session:
        keys = session.scalars(select(LoginAttemptRow.client_key).where(
            LoginAttemptRow.succeeded.is_(False)).order_by(LoginAttemptRow.at)).all()
    engine.dispose()
    assert keys == ["127.0.0.1", "203.0.113.7"]
