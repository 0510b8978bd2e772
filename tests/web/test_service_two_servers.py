"""Two ``microdose serve`` processes (two ports, as two machines would be) on one PostgreSQL.

Nothing a request relies on lives in a process: a login made on one server is valid on
the other and ends on the other's logout; an ``Idempotency-Key`` used on one is replayed
by the other (and a retried invitation is shown-once there too); failed logins counted by
one slow down the other, and a device cookie set by one is honoured by the other (both
share the secret key, as a deployment's servers do). Concurrent keyed writes, each sent
to one server and retried on the other, are stored once.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.service_support import PASSWORD, account, study
from tests.web.conftest import CHECKIN
from tests.web.service_server import Client, serving

from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema
from microdose.store.models import CheckinRow
from microdose.store.service_models import StudyInvitationRow


def _world(database_url: str) -> str:
    """A participant and a researcher with a study; returns the study's id."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    with Session(engine) as session, session.begin():
        account(session, "pat@example.org", "participant", timezone="UTC")
        lena = account(session, "lena@example.org", "researcher")
        study_id = str(study(session, lena).id)
    engine.dispose()
    return study_id


def _fail_on(url: str, email: str, failures: int) -> None:
    """Wrong passwords until ``failures`` were counted (waiting out each back-off; a new
    connection each time, as a wait may outlast the server's keep-alive)."""
    wrong, counted = {"email": email, "password": "not the password at all"}, 0
    while counted < failures:
        client = Client(url)
        answer = client.call("POST", "/api/v1/auth/login", wrong)
        client.close()
        assert answer.status in (401, 429), answer.body
        if answer.status == 401:
            counted += 1
        else:
            time.sleep(int(answer.headers["retry-after"]))


def _count(database_url: str, model: type) -> int:
    engine = make_engine(database_url)
    with Session(engine) as session:
        found = int(session.scalar(select(func.count()).select_from(model)) or 0)
    engine.dispose()
    return found


def test_two_servers_on_one_database_share_sessions_keys_and_throttles(
    postgres_url: str,
) -> None:
    study_id = _world(postgres_url)
    env = {"MICRODOSE_SECRET_KEY": secrets.token_urlsafe(48)}
    with serving(postgres_url, env=env) as one, serving(postgres_url, env=env) as two:
        assert one.url != two.url
        a, b = Client(one.url), Client(two.url)
        b.token = a.log_in("pat@example.org")  # a session made on one …
        assert b.call("GET", "/api/v1/auth/me").body["email"] == "pat@example.org"  # … works

        keyed = {"Idempotency-Key": "two-servers-checkin"}
        first = a.call("POST", "/api/v1/checkins", CHECKIN, keyed)
        again = b.call("POST", "/api/v1/checkins", CHECKIN, keyed)
        assert first.status == 201 and again.status == 201
        assert again.headers["idempotent-replayed"] == "true" and again.body == first.body
        assert _count(postgres_url, CheckinRow) == 1

        lena_one, lena_two = Client(one.url), Client(two.url)
        lena_two.token = lena_one.log_in("lena@example.org")
        path, codes = f"/api/v1/studies/{study_id}/invitations", {"count": 2}
        made = lena_one.call("POST", path, codes, {"Idempotency-Key": "codes"})
        before = _count(postgres_url, StudyInvitationRow)
        retried = lena_two.call("POST", path, codes, {"Idempotency-Key": "codes"})
        assert made.status == 201 and retried.status == 409
        assert retried.body["type"] == "urn:microdose:problem:shown-once"
        assert _count(postgres_url, StudyInvitationRow) == before

        device = a.call("POST", "/api/v1/auth/login",
                        {"email": "pat@example.org", "password": PASSWORD})
        cookie = device.headers["set-cookie"].split(";", 1)[0]  # md_device=…, set by one
        _fail_on(one.url, "pat@example.org", failures=8)  # the 8th failure makes the wait 8 s
        right = {"email": "pat@example.org", "password": PASSWORD}
        held = Client(two.url).call("POST", "/api/v1/auth/login", right)
        assert held.status == 429 and int(held.headers["retry-after"]) > 1
        owner = Client(two.url).call("POST", "/api/v1/auth/login", right, {"Cookie": cookie})
        assert owner.status == 200, owner.body  # the other server honours the cookie

        for client in (a, b, lena_one, lena_two):  # idle past the keep-alive timeout
            client.close()
        token = b.token
        assert Client(two.url, token).call("POST", "/api/v1/auth/logout").status == 204
        assert Client(one.url, token).call("GET", "/api/v1/auth/me").status == 401  # ended


def _post_twice(urls: tuple[str, str], token: str, day: int) -> tuple[int, int, str]:
    """A keyed check-in sent to one server, then the same request to the other."""
    first, second = Client(urls[day % 2], token), Client(urls[(day + 1) % 2], token)
    body = {**CHECKIN, "date": f"2026-04-{day:02d}", "mood": day % 11}
    key = {"Idempotency-Key": f"concurrent-{day}"}
    made = first.call("POST", "/api/v1/checkins", body, key)
    again = second.call("POST", "/api/v1/checkins", body, key)
    first.close()
    second.close()
    return made.status, again.status, again.headers.get("idempotent-replayed", "")


def test_concurrent_keyed_writes_to_two_servers_are_stored_once(postgres_url: str) -> None:
    _world(postgres_url)
    env = {"MICRODOSE_SECRET_KEY": secrets.token_urlsafe(48)}
    with serving(postgres_url, env=env) as one, serving(postgres_url, env=env) as two:
        login = Client(one.url)
        token = login.log_in("pat@example.org")
        login.close()
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda d: _post_twice((one.url, two.url), token, d),
                                    range(1, 25)))
    assert answers == [(201, 201, "true")] * 24  # each retry replayed by the other server
    assert _count(postgres_url, CheckinRow) == 24  # and nothing stored twice
