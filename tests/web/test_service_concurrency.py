"""Many participants submitting at once: no lost and no duplicated rows.

A real server (two workers on PostgreSQL, one on SQLite) and 32 participants, each logged
in through the API. Threads post check-ins for distinct days all at once; half of the
participants send one of their check-ins twice in parallel with the same
``Idempotency-Key`` (a client retrying before the first answer arrived), the other half
retry one after its answer. Afterwards the database holds exactly one row per (person,
day) posted, each answered row is there, and the replays created nothing.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import postgres_schema
from tests.web.conftest import CHECKIN
from tests.web.service_server import Answer, Client, create_participants, serving

from microdose.store.engine import make_engine
from microdose.store.models import CheckinRow
from microdose.store.service_models import AccountRow
from microdose.store.web_models import IdempotencyRow

PARTICIPANTS = 32
DAYS = 4
FIRST_DAY = date(2026, 1, 5)


@dataclass(frozen=True)
class Sent:
    """One request and its answer."""

    email: str
    day: str
    mood: int
    key: str | None
    answer: Answer


@pytest.fixture(params=["postgresql-2-workers", "sqlite-1-worker"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(server URL, database URL) of a running service with the participants' accounts."""
    if request.param.startswith("postgresql"):
        with postgres_schema() as database_url:
            create_participants(database_url, PARTICIPANTS)
            with serving(database_url, "--workers", "2") as running:
                yield running.url, database_url
        return
    database_url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    create_participants(database_url, PARTICIPANTS)
    with serving(database_url) as running:
        yield running.url, database_url


def _log_in_all(url: str) -> dict[str, str]:
    """Every participant logs in through the API (in parallel); their tokens."""
    emails = [f"p{i:03d}@example.org" for i in range(PARTICIPANTS)]

    def log_in(email: str) -> str:
        client = Client(url)
        try:
            return client.log_in(email)
        finally:
            client.close()

    with ThreadPoolExecutor(8) as pool:
        return dict(zip(emails, pool.map(log_in, emails), strict=True))


Request = tuple[str, str, int, str | None]  # email, day, mood, Idempotency-Key


def _plan(tokens: dict[str, str]) -> tuple[list[list[Request]], list[Request]]:
    """Groups of requests sent at once (a group of two in parallel), and later retries."""
    groups: list[list[Request]] = []
    retries: list[Request] = []
    for number, email in enumerate(tokens):
        for offset in range(DAYS):
            day = (FIRST_DAY + timedelta(days=offset)).isoformat()
            request: Request = (email, day, (number + offset) % 11, None)
            if offset == 0 and number % 2 == 0:  # the same key twice at the same moment
                request = (*request[:3], str(uuid.uuid4()))
                groups.append([request, request])
                continue
            if offset == 1 and number % 2 == 1:  # a retry after the first answer
                request = (*request[:3], str(uuid.uuid4()))
                retries.append(request)
            groups.append([request])
    return groups, retries


def _sender(url: str, tokens: dict[str, str]) -> Callable[..., Sent]:
    local = threading.local()

    def send(email: str, day: str, mood: int, key: str | None,
             barrier: threading.Barrier | None = None) -> Sent:
        if not hasattr(local, "client"):
            local.client = Client(url)
        client: Client = local.client
        client.token = tokens[email]
        headers = {"Idempotency-Key": key} if key else {}
        if barrier is not None:
            barrier.wait(timeout=60)
        answer = client.call("POST", "/api/v1/checkins", {**CHECKIN, "date": day, "mood": mood},
                             headers)
        return Sent(email, day, mood, key, answer)

    return send


def _send_all(url: str, tokens: dict[str, str]) -> list[Sent]:
    """Every planned request from 40 threads; sequential retries after their first."""
    send = _sender(url, tokens)
    groups, retries = _plan(tokens)
    with ThreadPoolExecutor(40) as pool:
        futures = []
        for group in groups:
            barrier = threading.Barrier(len(group)) if len(group) > 1 else None
            futures += [pool.submit(send, *request, barrier) for request in group]
        sent = [future.result() for future in futures]
    return sent + [send(*request) for request in retries]


def _stored(database_url: str) -> tuple[dict[tuple[str, str], tuple[str, int]], int, int]:
    """Check-ins by (email, day) as (id, mood); check-in rows; idempotency keys stored."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        rows = session.execute(
            select(AccountRow.email, CheckinRow.local_date, CheckinRow.id, CheckinRow.mood)
            .join(CheckinRow, CheckinRow.person_id == AccountRow.person_id)
        ).all()
        keys = session.scalar(select(func.count()).select_from(IdempotencyRow)) or 0
    engine.dispose()
    found = {(e, d.isoformat()): (str(i), m) for e, d, i, m in rows}
    return found, len(rows), keys


def test_concurrent_checkins_are_stored_exactly_once(served: tuple[str, str]) -> None:
    url, database_url = served
    tokens = _log_in_all(url)
    sent = _send_all(url, tokens)

    assert all(s.answer.status == 201 for s in sent), [s.answer for s in sent
                                                        if s.answer.status != 201][:3]
    found, rows, keys = _stored(database_url)
    expected = {(s.email, s.day) for s in sent}
    assert len(expected) == PARTICIPANTS * DAYS
    assert rows == len(found) == len(expected)  # one row per (person, day): none lost or doubled
    assert set(found) == expected
    for s in sent:  # every answered check-in is stored as answered
        assert found[(s.email, s.day)] == (s.answer.body["id"], s.mood)
    keyed = [s for s in sent if s.key]
    assert keys == len({s.key for s in keyed}) == PARTICIPANTS
    replayed = [s for s in keyed if s.answer.headers.get("idempotent-replayed") == "true"]
    assert len(replayed) == PARTICIPANTS  # one of each pair was a replay: it created nothing
    assert {s.key for s in replayed} == {s.key for s in keyed}
