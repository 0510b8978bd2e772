"""Group commit of check-ins: many requests per transaction, each answered as if alone."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from tests.web.conftest import BASE_URL, CHECKIN

from microdose.store.models import CheckinRow
from microdose.web.platform import group_commit as group_commit_module
from microdose.web.platform.group_commit import group_commit

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def day(index: int) -> dict[str, Any]:
    """The check-in body for the ``index``-th day, its mood encoding the index."""
    return {**CHECKIN, "date": (date(2026, 1, 1) + timedelta(days=index)).isoformat(),
            "mood": index % 11}


async def post_together(
    app: FastAPI, requests: list[tuple[dict[str, Any], str | None]], hold: float = 0.0
) -> list[httpx.Response]:
    """POST every (body, key) at once; with ``hold``, the SQLite write lock is held that
    long first, so that the requests queue up and are written as one group."""
    state = app.state.web
    if hold:
        state.write_lock.acquire()
        asyncio.get_running_loop().call_later(hold, state.write_lock.release)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        return list(await asyncio.gather(*(
            client.post("/api/v1/checkins", json=body,
                        headers={"Idempotency-Key": key} if key else None)
            for body, key in requests
        )))


def stored(app: FastAPI) -> dict[str, int]:
    """Mood by date of every stored check-in."""
    with app.state.web.sessions() as session:
        return {str(r.local_date): r.mood for r in session.scalars(select(CheckinRow))}


def test_concurrent_checkins_are_all_committed(web_app: FastAPI) -> None:
    responses = asyncio.run(post_together(web_app, [(day(i), None) for i in range(40)]))
    assert [r.status_code for r in responses] == [201] * 40
    assert len({r.json()["id"] for r in responses}) == 40
    assert stored(web_app) == {day(i)["date"]: i % 11 for i in range(40)}


@SQLITE_ONLY
def test_queued_checkins_share_one_commit(web_app: FastAPI) -> None:
    responses = asyncio.run(post_together(web_app, [(day(i), None) for i in range(30)],
                                          hold=0.5))
    assert [r.status_code for r in responses] == [201] * 30
    # the first may be taken alone before the rest arrive; the rest wait and go together
    assert group_commit(web_app).commits <= 2
    assert len(stored(web_app)) == 30


@SQLITE_ONLY
def test_a_repeated_key_in_one_group_is_replayed(web_app: FastAPI) -> None:
    responses = asyncio.run(post_together(web_app, [(day(1), "same"), (day(1), "same")],
                                          hold=0.3))
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    replayed = sorted(r.headers.get("idempotent-replayed", "") for r in responses)
    assert replayed == ["", "true"]
    with web_app.state.web.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CheckinRow)) == 1


@SQLITE_ONLY
def test_a_failing_request_does_not_take_its_group_with_it(web_app: FastAPI) -> None:
    first = asyncio.run(post_together(web_app, [(day(0), "used")]))
    assert first[0].status_code == 201
    responses = asyncio.run(post_together(web_app, [
        (day(1), None),
        (day(2), "used"),  # the key of another request: 422, and this day is not stored
        (day(3), "fresh"),
        (day(4), None),
    ], hold=0.3))
    assert [r.status_code for r in responses] == [201, 422, 201, 201]
    assert responses[1].json()["errors"][0]["field"] == "Idempotency-Key"
    assert stored(web_app) == {day(i)["date"]: i for i in (0, 1, 3, 4)}


@SQLITE_ONLY
def test_the_writer_ends_when_idle_and_a_new_request_starts_it(
    web_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group_commit_module, "IDLE_SECONDS", 0.05)
    assert asyncio.run(post_together(web_app, [(day(1), None)]))[0].status_code == 201
    writer = group_commit(web_app)
    deadline = time.monotonic() + 5
    while writer.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not writer.running
    assert asyncio.run(post_together(web_app, [(day(2), None)]))[0].status_code == 201
    assert writer.commits == 2 and len(stored(web_app)) == 2


def test_a_journal_deleted_by_another_process_is_begun_again(
    web_app: FastAPI, database_url: str
) -> None:
    """The API writes check-ins by the person's remembered id (no query); when another
    process has deleted the journal since, the foreign key refuses the write, the person
    is looked up again (a new one is begun) and the check-in is stored, not lost."""
    from sqlalchemy import delete

    from microdose.store.engine import make_engine, make_sessionmaker
    from microdose.store.models import Person

    first = asyncio.run(post_together(web_app, [(day(0), None)]))
    assert first[0].status_code == 201
    before = web_app.state.web.person_id(None)  # remembered: no session needed
    other = make_engine(database_url)  # another process's connection, e.g. the CLI's
    try:
        with make_sessionmaker(other)() as session, session.begin():
            session.execute(delete(Person))  # check-ins go with it (ON DELETE CASCADE)
    finally:
        other.dispose()
    again = asyncio.run(post_together(web_app, [(day(1), "after"), (day(2), None)]))
    assert [r.status_code for r in again] == [201, 201]
    with web_app.state.web.sessions() as session:
        people = list(session.scalars(select(Person)))
        rows = list(session.scalars(select(CheckinRow)))
    assert len(people) == 1 and people[0].id != before
    assert {(str(r.local_date), r.person_id) for r in rows} == {
        (day(1)["date"], people[0].id), (day(2)["date"], people[0].id)}
