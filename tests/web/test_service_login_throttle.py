"""Throttling without lockout through the real app, on SQLite and PostgreSQL.

An attacker spraying wrong passwords is slowed (429 with a growing ``Retry-After``); the
owner, whose browser or client holds the device cookie of an earlier successful login,
logs in at once — by page and by API. The back-off lives in the database, so a second app
over the same database (another server process) sees it. Refused requests' audit entries
are capped per source and window.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from tests.service_support import PASSWORD
from tests.web.conftest import BASE_URL, csrf_token
from tests.web.service_world import World, email, service_app

from microdose.services import login_throttle
from microdose.services.login_throttle import Backoff, ThrottlePolicy
from microdose.store.service_models import AuditRow
from microdose.web.platform import audit_refusals
from microdose.web.platform.auth import DEVICE_COOKIE

WRONG = "not the password at all"


@pytest.fixture(autouse=True)
def slow_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default free failures, but a minute's base wait: nothing here races the clock."""
    minute = timedelta(minutes=1)
    monkeypatch.setattr(login_throttle, "DEFAULT_POLICY", ThrottlePolicy(
        account=Backoff(free=5, base=minute), client=Backoff(free=20, base=minute),
        device=Backoff(free=5, base=minute)))


def _client(service: tuple[TestClient, World], address: str) -> Iterator[TestClient]:
    with TestClient(service[0].app, base_url=BASE_URL, client=(address, 40000)) as client:
        yield client


@pytest.fixture
def owner(service: tuple[TestClient, World]) -> Iterator[TestClient]:
    """The owner's phone app, from the clinic's shared address."""
    yield from _client(service, "198.51.100.7")


@pytest.fixture
def attacker(service: tuple[TestClient, World]) -> Iterator[TestClient]:
    """An attacker behind the same address (a shared NAT): only the cookie tells apart."""
    yield from _client(service, "198.51.100.7")


def _api_login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", json={"email": email(name), "password": password})


def test_a_spraying_attacker_is_slowed_and_the_owner_still_gets_in(
    service: tuple[TestClient, World], owner: TestClient, attacker: TestClient,
) -> None:
    first = _api_login(owner, "p2")
    assert first.status_code == 200, first.text
    cookie = first.headers["set-cookie"]
    assert f"{DEVICE_COOKIE}=" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    statuses = [_api_login(attacker, "p2", WRONG).status_code for _ in range(8)]
    assert statuses == [401] * 5 + [429] * 3  # slowed after five, not verified while waiting
    waiting = _api_login(attacker, "p2")  # even the right password waits, without the cookie
    assert waiting.status_code == 429 and int(waiting.headers["retry-after"]) > 0
    assert waiting.headers["content-type"] == "application/problem+json"
    again = _api_login(owner, "p2")  # the owner's client sends its device cookie back
    assert again.status_code == 200, again.text
    assert client_token_works(owner, again.json()["token"])


def client_token_works(client: TestClient, token: str) -> bool:
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    return me.status_code == 200


def test_the_page_login_sets_and_honours_the_device_cookie(
    service: tuple[TestClient, World], owner: TestClient, attacker: TestClient,
) -> None:
    token = csrf_token(owner, "/login")
    form = {"email": email("p1"), "password": PASSWORD, "csrf_token": token, "next": "/"}
    page = owner.post("/login", data=form, follow_redirects=False)
    assert page.status_code == 303 and DEVICE_COOKIE in page.headers.get("set-cookie", "")
    owner.post("/logout", data={"csrf_token": token})
    for _ in range(6):
        _api_login(attacker, "p1", WRONG)
    assert _api_login(attacker, "p1").status_code == 429
    token = csrf_token(owner, "/login")
    back = owner.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert back.status_code == 303, back.text


def test_a_forged_or_foreign_device_cookie_is_not_trusted(
    service: tuple[TestClient, World], owner: TestClient, attacker: TestClient,
) -> None:
    assert _api_login(owner, "p1").status_code == 200  # a real cookie, but of p1
    p1_cookie = owner.cookies[DEVICE_COOKIE]
    for _ in range(6):
        _api_login(attacker, "p2", WRONG)
    account_id, nonce, signature = p1_cookie.split(".")
    forged = f"{account_id}.{nonce}.{'0' * len(signature)}"
    for value in (p1_cookie, forged, "garbage"):
        attacker.cookies.set(DEVICE_COOKIE, value)
        assert _api_login(attacker, "p2").status_code == 429, value


def test_one_source_spraying_many_accounts_is_slowed_others_are_not(
    service: tuple[TestClient, World], attacker: TestClient,
) -> None:
    names = ["p1", "p2", "c1", "c2", "r1", "r2", "admin"]
    statuses = [_api_login(attacker, names[n % 7], WRONG).status_code for n in range(21)]
    assert statuses[:20] == [401] * 20 and statuses[20] == 429
    assert _api_login(attacker, "r1").status_code == 429  # this source waits
    for elsewhere in _client(service, "203.0.113.50"):
        assert _api_login(elsewhere, "r2").status_code == 200  # r2's count is 3: free


def test_the_back_off_is_shared_by_every_server_process(
    service: tuple[TestClient, World], database_url: str, attacker: TestClient,
) -> None:
    for _ in range(5):
        assert _api_login(attacker, "c2", WRONG).status_code == 401
    second = service_app(database_url)  # another process's app over the same database
    with TestClient(second, base_url=BASE_URL, client=("192.0.2.9", 1)) as other:
        refused = _api_login(other, "c2")
    second.state.web.engine.dispose()
    assert refused.status_code == 429


def test_refused_requests_are_audited_at_most_so_many_per_source_and_window(
    service: tuple[TestClient, World], monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, world = service
    monkeypatch.setattr(audit_refusals, "REFUSALS_PER_WINDOW", 3)
    path = f"/api/v1/people/{world.person('p2')}/timeline"  # c1 is not linked to p2
    statuses = {client.get(path, headers=world.headers("c1")).status_code for _ in range(10)}
    assert statuses == {404}  # the answer never changes
    app: Any = client.app
    with app.state.web.sessions() as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.action == "access.refused")
                               .order_by(AuditRow.at)).all()
    assert len(rows) == 3
    assert rows[-1].detail is not None and "not recorded until" in rows[-1].detail
