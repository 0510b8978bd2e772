"""Chromium on the safety page: a block is removed only by ticking its own box."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import Served, start_server

pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder: Path = tmp_path_factory.mktemp("safety-browser")
    served = start_server(f"sqlite:///{folder / 'journal.sqlite3'}")
    yield served
    served.stop()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_block_stays_until_its_removal_is_confirmed(
    browser: object, fresh_server: Served, width: str
) -> None:
    j = Journey(browser, fresh_server.url, width, area="safety")
    j.go("/safety")
    j.page.get_by_label("Medications and supplements").fill("Lithobid\nProzac")
    j.page.get_by_role("button", name="Screen", exact=True).click()
    j.page.get_by_text("Safety screen saved.").wait_for()
    removal = j.page.get_by_label("Remove Lithobid: it no longer applies")
    assert removal.is_visible() and not removal.is_checked()
    j.page.get_by_role("button", name="Screen", exact=True).click()  # nothing declared
    j.page.get_by_text("a block stays until you remove it below").wait_for()
    assert "Lithobid is lithium" in j.page.content()  # still blocks
    j.no_horizontal_scroll()
    j.shot("block-kept")
    j.page.get_by_label("Remove Lithobid: it no longer applies").check()
    j.page.get_by_role("button", name="Screen", exact=True).click()
    j.page.get_by_text("removed Lithobid (you confirmed it)").wait_for()
    assert j.page.get_by_label("Remove Lithobid: it no longer applies").count() == 0
    assert j.errors == [], j.errors
    j.context.close()
