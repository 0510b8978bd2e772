"""Web fixtures: the app over the test database, an in-process client, a real server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from tests.web.browser_support import ARGS, CHROMIUM
from tests.web.service_world import World, build_world, open_sessions, service_app

from microdose.settings import Settings
from microdose.web.app import create_app

BASE_URL = "http://127.0.0.1"
#: a check-in body the API accepts
CHECKIN = {
    "date": "2026-03-02",
    "mood": 6,
    "anxiety": 3,
    "energy": 5,
    "focus": 5,
    "sleep": 7,
    "connectedness": 6,
}


@pytest.fixture
def web_app(database_url: str) -> FastAPI:
    """The web app over the test database (SQLite file or PostgreSQL schema)."""
    settings = Settings(database_url=database_url, timezone="Europe/Berlin", region="GB")
    return create_app(settings, secret=b"test-secret-" * 3)


@pytest.fixture
def api(web_app: FastAPI) -> Iterator[TestClient]:
    """An in-process ASGI client addressed to 127.0.0.1."""
    with TestClient(web_app, base_url=BASE_URL) as client:
        yield client
    web_app.state.web.engine.dispose()


def screen_ok(client: TestClient) -> None:
    """Store a safety screen with nothing declared (verdict ok), as plans and doses need."""
    response = client.post("/api/v1/safety/screen", json={})
    assert response.status_code == 201, response.text


CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_token(client: TestClient, path: str = "/") -> str:
    """Visit a page (which sets the CSRF cookie) and read its form token."""
    page = client.get(path)
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


@dataclass
class Served:
    """A ``microdose serve`` subprocess."""

    process: subprocess.Popen[str]
    url: str
    database_url: str

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server (by its own pid) and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(database_url: str, *extra: str, env: dict[str, str] | None = None) -> Served:
    """Start ``microdose serve --port 0`` and wait for the address it prints."""
    environ = {**os.environ, "MICRODOSE_TIMEZONE": "Europe/Berlin", "MICRODOSE_REGION": "GB"}
    environ.update(env or {})
    command = [sys.executable, "-m", "microdose", "--database-url", database_url, "serve",
               "--port", "0", *extra]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return Served(process, found.group(0), database_url)
    process.kill()
    raise AssertionError(f"server did not start: {process.stdout.read()}")


ServerFactory = Callable[..., Served]


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start real servers on free 127.0.0.1 ports; every one is stopped afterwards."""
    started: list[Served] = []

    def start(*extra: str, database_url: str | None = None,
              env: dict[str, str] | None = None) -> Served:
        url = database_url or f"sqlite:///{tmp_path / 'served.sqlite3'}"
        served = start_server(url, *extra, env=env)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


@pytest.fixture
def service(database_url: str) -> Iterator[tuple[TestClient, World]]:
    """The app in service mode with a small world of accounts, each with a login session."""
    app = service_app(database_url)
    world = build_world(app)
    open_sessions(app, world)
    with TestClient(app, base_url=BASE_URL) as client:
        yield client, world
    app.state.web.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium from Debian (never a downloaded browser), once per test module."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()
