"""``Server-Timing`` (switched on by ``MICRODOSE_SERVER_TIMING=1``) says where a request's
time went: the parts add up to no more than the total, and a check-in's statements and
commit are in it."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient
from tests.web.conftest import BASE_URL, CHECKIN
from tests.web.service_world import build_world, open_sessions, service_app

from microdose.web.platform.timing import ENV, header

PART = re.compile(r"(\w+);dur=([\d.]+)")


def test_a_check_in_reports_its_parts(postgres_url: str, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    """On PostgreSQL (the service's database; SQLite's grouped writes run in a writer
    thread of their own, outside the request's context, and report only ``app``)."""
    monkeypatch.setenv(ENV, "1")
    app = service_app(postgres_url)
    world = build_world(app)
    open_sessions(app, world)
    with TestClient(app, base_url=BASE_URL) as client:
        response = client.post("/api/v1/checkins", json=CHECKIN, headers=world.headers("p1"))
    app.state.web.engine.dispose()
    assert response.status_code == 201, response.text
    parts = {name: float(ms) for name, ms in PART.findall(response.headers["server-timing"])}
    assert set(parts) == {"wait", "pool", "db", "commit", "app", "total"}
    assert parts["db"] > 0 and parts["commit"] > 0 and parts["total"] > 0
    measured = sum(parts[name] for name in ("wait", "pool", "db", "commit", "app"))
    assert measured == pytest.approx(parts["total"], abs=0.05)  # the rest is ``app``


def test_off_unless_asked(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    app = service_app(database_url)
    with TestClient(app, base_url=BASE_URL) as client:
        response = client.get("/login")
    app.state.web.engine.dispose()
    assert response.status_code == 200 and "server-timing" not in response.headers


def test_the_rest_is_app_and_never_negative() -> None:
    value = header({"db": 0.004, "commit": 0.002, "wait": 0.001}, 0.010).decode()
    assert "db;dur=4.00" in value and "app;dur=3.00" in value and "total;dur=10.00" in value
    assert "app;dur=0.00" in header({"db": 0.02}, 0.01).decode()
