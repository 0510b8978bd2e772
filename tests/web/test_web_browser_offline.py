"""Installable and offline, in Chromium: the manifest and service worker; today's page and
the journal open with the server gone; a check-in and a journal entry saved then are kept
in the browser and sent once it is back, each exactly once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import Served, start_server

pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'journal.sqlite3'}"


@pytest.fixture
def served(database: str) -> Iterator[list[Served]]:
    """The server, in a list: the test stops it and starts it again on the same port."""
    servers = [start_server(database)]
    yield servers
    servers[-1].stop()


def _count(database: str, table: str) -> int:
    engine = create_engine(database)
    with engine.connect() as connection:
        found = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return int(found)


def _wait_for(condition: object, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_the_manifest_and_worker_are_served(browser: object, served: list[Served]) -> None:
    j = Journey(browser, served[0].url, "desktop", area="offline")
    try:
        j.go("/")
        link = j.page.locator('link[rel="manifest"]').get_attribute("href")
        assert link == "/manifest.webmanifest"
        answer = j.page.request.get(served[0].url + "/manifest.webmanifest")
        manifest = json.loads(answer.body())
        assert answer.headers["content-type"].startswith("application/manifest+json")
        assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
        sizes = {icon["sizes"] for icon in manifest["icons"]}
        assert {"192x192", "512x512"} <= sizes
        for icon in manifest["icons"]:
            assert j.page.request.get(served[0].url + icon["src"]).ok, icon
        j.page.wait_for_function("navigator.serviceWorker.controller !== null")
    finally:
        j.context.close()


def test_a_check_in_and_an_entry_made_offline_arrive_once(
    browser: object, served: list[Served], database: str
) -> None:
    first = served[0]
    port = first.url.rsplit(":", 1)[1]
    j = Journey(browser, first.url, "phone390", area="offline")
    try:
        j.go("/")
        j.page.wait_for_function("navigator.serviceWorker.controller !== null")
        j.go("/journal")  # visited once online: kept for offline use
        j.go("/")
        first.stop()  # the server is gone (and the browser says offline)
        j.context.set_offline(True)
        j.page.goto(first.url + "/")
        j.page.get_by_role("heading", name="How are you today?").wait_for()
        for name, value in (("mood", 6), ("anxiety", 3), ("energy", 5), ("focus", 5),
                            ("sleep", 7), ("connectedness", 4)):
            j.page.get_by_label(f"{name} {value}", exact=True).check()
        j.page.get_by_role("button", name="Save check-in").click()
        j.page.get_by_role("heading", name="Saved on this device").wait_for()
        j.page.goto(first.url + "/journal")
        j.page.locator("#text").fill("written on the train, no signal")
        j.page.get_by_role("button", name="Save entry").click()
        j.page.get_by_role("heading", name="Saved on this device").wait_for()
        assert _count(database, "checkin") == 0 and _count(database, "journal_entry") == 0
        served.append(start_server(database, "--port", port))  # back, same address
        j.context.set_offline(False)
        j.page.goto(first.url + "/")
        for _ in range(3):  # asked to send again and again: each arrives once
            j.page.evaluate("window.dispatchEvent(new Event('online'))")
        arrived = lambda: (_count(database, "checkin"), _count(database, "journal_entry"))  # noqa: E731
        _wait_for(lambda: arrived() == (1, 1))
        time.sleep(1)
        assert arrived() == (1, 1)
        j.page.goto(first.url + "/journal")
        j.page.get_by_text("written on the train, no signal").wait_for()
        assert j.page.locator("#outbox").is_hidden()
    finally:
        j.context.close()
