"""Service mode: account login, sessions, rate limiting, and each participant's own journal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.service_support import PASSWORD
from tests.web.conftest import BASE_URL, CHECKIN, csrf_token
from tests.web.service_world import World, email, service_app

from microdose.services import accounts, login_throttle
from microdose.services.actor import Actor
from microdose.settings import Settings
from microdose.web.app import create_app


def test_api_without_login_is_401_problem(service: tuple[TestClient, World]) -> None:
    client, _world = service
    response = client.get("/api/v1/checkins")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_password_is_401_and_names_no_account(service: tuple[TestClient, World]) -> None:
    client, _world = service
    wrong = client.post("/api/v1/auth/login", json={"email": email("p1"), "password": "x" * 12})
    unknown = client.post("/api/v1/auth/login",
                          json={"email": "nobody@example.org", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_each_participant_sees_only_their_own_checkins(service: tuple[TestClient, World]) -> None:
    client, world = service
    created = client.post("/api/v1/checkins", json=CHECKIN, headers=world.headers("p1"))
    assert created.status_code == 201, created.text
    mine = client.get("/api/v1/checkins", headers=world.headers("p1")).json()
    theirs = client.get("/api/v1/checkins", headers=world.headers("p2")).json()
    assert [c["date"] for c in mine] == [CHECKIN["date"]]
    assert theirs == []


def test_accounts_without_a_journal_get_403(service: tuple[TestClient, World]) -> None:
    client, world = service
    for name in ("c1", "r1", "admin"):
        response = client.get("/api/v1/checkins", headers=world.headers(name))
        assert response.status_code == 403, (name, response.text)
        assert "no journal of its own" in response.json()["detail"]


def test_me_and_logout_revokes_the_token(service: tuple[TestClient, World]) -> None:
    client, world = service
    me = client.get("/api/v1/auth/me", headers=world.headers("c1"))
    assert me.status_code == 200
    assert me.json()["role"] == "clinician" and me.json()["home"] == "/clinician"
    assert client.post("/api/v1/auth/logout", headers=world.headers("c1")).status_code == 204
    assert client.get("/api/v1/auth/me", headers=world.headers("c1")).status_code == 401


def test_disabling_an_account_ends_its_sessions(service: tuple[TestClient, World]) -> None:
    client, world = service
    with client.app.state.web.sessions() as session, session.begin():  # type: ignore[attr-defined]
        accounts.set_disabled(session=session, actor=Actor.operator(), email=email("p2"),
                              disabled=True)
    assert client.get("/api/v1/checkins", headers=world.headers("p2")).status_code == 401


def test_login_rate_limit_answers_429_with_retry_after(
    service: tuple[TestClient, World], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a minute's first wait, so that the sixth try cannot outlast it on a busy machine
    monkeypatch.setattr(login_throttle, "DEFAULT_POLICY", login_throttle.ThrottlePolicy(
        account=login_throttle.Backoff(free=5, base=timedelta(minutes=1))))
    client, _world = service
    body = {"email": email("p2"), "password": "not the password"}
    statuses = [client.post("/api/v1/auth/login", json=body).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    refused = client.post("/api/v1/auth/login", json={**body, "password": PASSWORD})
    assert refused.status_code == 429  # even the right password waits for the window
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"] == "application/problem+json"


def test_page_login_sets_a_strict_httponly_cookie_and_lands_on_the_role_home(
    database_url: str,
) -> None:
    app = service_app(database_url)
    from tests.web.service_world import build_world

    build_world(app)
    with TestClient(app, base_url=BASE_URL) as client:
        assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
        token = csrf_token(client, "/login")
        response = client.post(
            "/login",
            data={"email": email("p1"), "password": PASSWORD, "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303 and response.headers["location"] == "/"
        cookie = response.headers["set-cookie"]
        assert "md_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert client.get("/").status_code == 200
        bad = client.post(
            "/login",
            data={"email": email("p1"), "password": "wrong password!", "csrf_token": token},
        )
        assert bad.status_code == 401 and "do not match an account" in bad.text
    app.state.web.engine.dispose()


def test_stored_first_responses_of_accounts_are_pruned_after_a_day(
    service: tuple[TestClient, World],
) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select

    from microdose.store.base import utcnow
    from microdose.store.service_models import AccountIdempotencyRow
    from microdose.web.platform import service_deps

    client, world = service
    state = client.app.state.web  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        for key, age in (("old", timedelta(days=1, minutes=1)), ("new", timedelta(hours=23))):
            session.add(AccountIdempotencyRow(
                account_id=world.actors["r1"].account_id, key=key, method="POST", path="/x",
                fingerprint="0" * 64, status_code=201, body={"codes": ["X"]},
                created_at=utcnow() - age))
    assert service_deps.prune(state) == 1
    with state.sessions() as session:
        keys = session.scalars(select(AccountIdempotencyRow.key)).all()
        assert keys == ["new"]
        assert session.scalar(select(func.count()).select_from(AccountIdempotencyRow)) == 1


def test_the_service_answers_its_public_name_a_personal_journal_does_not(
    service: tuple[TestClient, World], tmp_path: Path,
) -> None:
    client, world = service
    public = {"Host": "journal.example.org"}
    assert client.get("/api/v1/checkins", headers=public).status_code == 401  # login, not 400
    assert client.get("/api/v1/checkins", headers={**public, **world.headers("p1")}
                      ).status_code == 200
    journal = Settings(database_url=f"sqlite:///{tmp_path / 'own.sqlite3'}", timezone="UTC")
    with TestClient(create_app(journal, secret=b"k" * 32), base_url=BASE_URL) as personal:
        refused = personal.get("/api/v1/checkins", headers=public)
        assert refused.status_code == 400 and "127.0.0.1 or localhost" in refused.text
