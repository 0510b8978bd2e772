"""The SETS statements of the trial design form in Chromium on a 360px phone: every answer a
target of at least 44×44 px, no horizontal scroll, WCAG 2.2 AA (axe-core); tapped answers
are stored with the design and shown beside the result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import Served, start_server

from microdose.domain.expectancy import SETS

pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS


@pytest.fixture
def served(tmp_path: object) -> Iterator[Served]:
    server = start_server(f"sqlite:///{tmp_path}/journal.sqlite3")
    yield server
    server.stop()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_each_answer_is_a_44px_target_and_the_answers_are_kept(
    browser: object, served: Served, width: str
) -> None:
    j = Journey(browser, served.url, width, area="expectancy")
    assert j.page.request.post(served.url + "/api/v1/safety/screen", data={}).status == 201
    j.go("/trial")
    scales = j.page.locator("fieldset.agreement")
    assert scales.count() == SETS.n_items
    for number in range(1, SETS.n_items + 1):
        for value in range(1, 8):
            box = j.page.locator(f'input[name="sets_{number}"][value="{value}"] + span')
            size = box.bounding_box()
            assert size is not None
            assert size["width"] >= 44 and size["height"] >= 44, (number, value, size)
    j.no_horizontal_scroll()
    j.shot("design-form")
    for number, value in enumerate((6, 2, 5, 1, 6, 2), 1):
        j.page.locator(f'label:has(input[name="sets_{number}"][value="{value}"])').click()
    j.page.get_by_role("button", name="Design and seal").click()
    j.page.wait_for_url(served.url + "/trial?saved=designed")
    summary = j.page.locator("#trial-expectancy").inner_text()
    assert "positive 5.7 of 7, negative 1.7 of 7" in summary
    assert j.errors == [], j.errors
    j.context.close()
