"""The check-in POST resolves a bearer token in its write's transaction (service mode).

On PostgreSQL :class:`~microdose.web.platform.lean_route.DeferredLoginRoute` leaves the
login to the write (one transaction instead of two); on SQLite the login is resolved
apart, as before. Either way the answers are the same: no live login is 401 and nothing
is written, before any 422; a valid login writes exactly one row; a retry with the same
``Idempotency-Key`` replays; the actor is set for the request afterwards. The lean route
also answers exactly as FastAPI's own handler for the same endpoint on the service.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send
from tests.web.conftest import BASE_URL, CHECKIN
from tests.web.service_world import World, build_world, open_sessions, service_app
from tests.web.test_web_lean_route import FIXED_CASES, JSON, REFERENCE, _answer, _with_reference

from microdose.services.access import Actor
from microdose.store.models import CheckinRow, Person
from microdose.store.web_models import IdempotencyRow
from microdose.web.platform import idempotency
from microdose.web.platform.auth import LoginRequired
from microdose.web.platform.idempotency import Login, prepare, run_alone
from microdose.web.platform.state import WebState

PATH = "/api/v1/checkins"
BAD = {"Authorization": "Bearer not-a-live-token"}


class Seen:
    """Around the app: the ``request.state.actor`` each request ended with."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.actors: list[Any] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http":
            self.actors.append(scope.get("state", {}).get("actor"))


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[TestClient, World, FastAPI, Seen]]:
    """The service with its world, a client, and what each request's actor was."""
    app = _with_reference(service_app(database_url))
    made = build_world(app)
    open_sessions(app, made)
    seen = Seen(app)
    with TestClient(seen, base_url=BASE_URL) as client:
        yield client, made, app, seen
    app.state.web.engine.dispose()


@pytest.fixture
def apart(world: tuple[TestClient, World, FastAPI, Seen],
          monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The tokens resolved in a transaction of their own (the login dependency's way)."""
    state: WebState = world[2].state.web
    tokens: list[str | None] = []
    resolve = state.resolve_actor

    def counted(token: str | None) -> Actor | None:
        tokens.append(token)
        return resolve(token)

    monkeypatch.setattr(state, "resolve_actor", counted)
    return tokens


def _count(app: FastAPI, model: Any, person: uuid.UUID | None = None) -> int:
    with app.state.web.sessions() as session:
        query = select(func.count()).select_from(model)
        if person is not None:
            query = query.where(model.person_id == person)
        return int(session.scalar(query) or 0)


def _postgres(app: FastAPI) -> bool:
    return bool(app.state.web.engine.dialect.name == "postgresql")


def test_a_valid_token_writes_one_row_in_one_transaction(
    world: tuple[TestClient, World, FastAPI, Seen], apart: list[str | None],
) -> None:
    client, made, app, seen = world
    response = client.post(PATH, json=CHECKIN, headers=made.headers("p1"))
    assert response.status_code == 201, response.text
    assert _count(app, CheckinRow, made.person("p1")) == 1
    assert _count(app, CheckinRow) == 1
    # PostgreSQL: resolved in the write; SQLite: apart, as before
    assert apart == ([] if _postgres(app) else [made.tokens["p1"]])
    assert seen.actors[-1] == made.actors["p1"]  # the actor is set for the request after


def test_no_live_login_is_401_and_writes_nothing(
    world: tuple[TestClient, World, FastAPI, Seen], apart: list[str | None],
) -> None:
    client, _, app, seen = world
    for headers in (BAD, {**BAD, "Idempotency-Key": "k-1"}, {"Authorization": "Bearer  "},
                    {"Authorization": "Bearer " + "x" * 200}, {}):
        response = client.post(PATH, json=CHECKIN, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == 'Bearer realm="microdose"'
        assert "POST /api/v1/auth/login" in response.json()["detail"]
        assert seen.actors[-1] is None
    assert _count(app, CheckinRow) == 0
    assert _count(app, IdempotencyRow) == 0
    # on PostgreSQL every bearer token was looked up in the write (only "no header" apart)
    assert len(apart) == (1 if _postgres(app) else 5)


def test_a_revoked_login_is_401(world: tuple[TestClient, World, FastAPI, Seen]) -> None:
    client, made, app, _ = world
    headers = made.headers("p1")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code < 300
    assert client.post(PATH, json=CHECKIN, headers=headers).status_code == 401
    assert _count(app, CheckinRow) == 0


def test_a_retry_with_the_same_key_replays(
    world: tuple[TestClient, World, FastAPI, Seen],
) -> None:
    client, made, app, _ = world
    headers = {**made.headers("p1"), "Idempotency-Key": "same-key"}
    first = client.post(PATH, json=CHECKIN, headers=headers)
    again = client.post(PATH, json=CHECKIN, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post(PATH, json={**CHECKIN, "mood": 1}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.text
    # the key is the account's own: another participant's same key is a new request
    theirs = client.post(PATH, json=CHECKIN, headers={**made.headers("p2"),
                                                      "Idempotency-Key": "same-key"})
    assert theirs.status_code == 201 and "idempotent-replayed" not in theirs.headers
    assert _count(app, CheckinRow, made.person("p1")) == 1
    assert _count(app, CheckinRow) == 2


def test_401_comes_before_422(world: tuple[TestClient, World, FastAPI, Seen]) -> None:
    client, made, app, _ = world
    bad_body = json.dumps({**CHECKIN, "mood": 11}).encode()
    for headers in ({**BAD, **JSON}, {**BAD, **JSON, "Idempotency-Key": "has space"}):
        for content in (bad_body, b"", json.dumps(CHECKIN).encode()):
            answer = client.post(PATH, content=content, headers=headers)
            assert answer.status_code == 401, (headers, content, answer.text)
    good = {**made.headers("p1"), **JSON}
    assert client.post(PATH, content=bad_body, headers=good).status_code == 422
    refused = client.post(PATH, content=json.dumps(CHECKIN).encode(),
                          headers={**good, "Idempotency-Key": "has space"})
    assert refused.status_code == 422
    assert _count(app, CheckinRow) == 0


def test_accounts_without_a_journal_and_journals_gone(
    world: tuple[TestClient, World, FastAPI, Seen],
) -> None:
    client, made, app, seen = world
    refused = client.post(PATH, json=CHECKIN, headers=made.headers("c1"))
    assert refused.status_code == 403, refused.text
    assert seen.actors[-1] == made.actors["c1"]  # known to the refusal's handler too
    with app.state.web.sessions() as session, session.begin():
        session.execute(delete(Person).where(Person.id == made.person("p2")))
    # the account goes with its person (and its login with it)
    assert client.post(PATH, json=CHECKIN, headers=made.headers("p2")).status_code == 401
    assert _count(app, CheckinRow) == 0


def test_a_cookie_login_takes_the_usual_path(
    world: tuple[TestClient, World, FastAPI, Seen], apart: list[str | None],
) -> None:
    client, made, app, _ = world
    client.cookies.set("md_session", made.tokens["p1"])
    foreign = client.post(PATH, json=CHECKIN, headers={"Origin": "https://elsewhere.example"})
    assert foreign.status_code == 403  # a browser's write from another site
    assert client.post(PATH, json=CHECKIN).status_code == 201
    assert apart == [made.tokens["p1"]]  # resolved apart: only bearer tokens wait
    assert _count(app, CheckinRow) == 1


def test_the_lean_route_answers_as_fastapis_own_on_the_service(
    world: tuple[TestClient, World, FastAPI, Seen],
) -> None:
    """p1 through the lean route, p2 through FastAPI's standard handler: same answers."""
    client, made, _, _ = world
    statuses = set()
    for content, headers in [*FIXED_CASES, (json.dumps(CHECKIN).encode(), JSON)]:
        got = _answer(client.post(PATH, content=content,
                                  headers={**headers, **made.headers("p1")}))
        expected = _answer(client.post(REFERENCE, content=content,
                                       headers={**headers, **made.headers("p2")}))
        assert got == expected, (content, headers)
        for auth in (BAD, {}):
            no_login = _answer(client.post(PATH, content=content, headers={**headers, **auth}))
            assert no_login == _answer(client.post(REFERENCE, content=content,
                                                   headers={**headers, **auth}))
        statuses.add(got[0])
    assert {200, 201, 400, 422} <= statuses


def test_the_job_resolves_its_login_in_its_transaction(
    world: tuple[TestClient, World, FastAPI, Seen],
) -> None:
    """Directly, on either database: the login step of a job, before its key's lookup."""
    _, made, app, _ = world
    state: WebState = app.state.web

    def work(session: Any, person_id: uuid.UUID) -> tuple[int, dict[str, Any]]:
        session.add(IdempotencyRow(person_id=person_id, key=f"w-{uuid.uuid4()}", method="X",
                                   path="/", fingerprint="", status_code=1, body={}))
        return 201, {"person": str(person_id)}

    def job(token: str, key: str | None = None) -> idempotency.Job:
        return prepare(key=key, method="POST", path=PATH, payload={}, by_id=work,
                       login=Login(token))

    refused = job("not-a-live-token", key="k")
    with pytest.raises(LoginRequired):
        run_alone(state, refused)
    assert refused.login is not None and refused.login.resolved
    assert refused.login.actor is None
    assert _count(app, IdempotencyRow) == 0  # rolled back: neither key nor work
    done = job(made.tokens["p1"], key="k")
    assert run_alone(state, done).body == {"person": str(made.person("p1"))}
    assert done.login is not None and done.login.actor == made.actors["p1"]
    replayed = run_alone(state, job(made.tokens["p1"], key="k"))
    assert replayed.replayed and replayed.body == {"person": str(made.person("p1"))}
    assert _count(app, IdempotencyRow) == 2  # the key and the work's one row
