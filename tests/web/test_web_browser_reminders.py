"""Reminders in Chromium on a 390×844 phone (and at 1280×800): set in Settings, then the
"Due today" card.

A real ``microdose serve --demo`` (synthetic data up to yesterday). The settings form and
the today page with its card are photographed in light and dark and checked against
WCAG 2.2 AA (axe-core); the form's targets are finger-sized.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import start_server

pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS


@pytest.fixture
def phone(browser: object, tmp_path: object) -> Iterator[Journey]:
    served = start_server(f"sqlite:///{tmp_path}/demo.sqlite3", "--demo")
    journey = Journey(browser, served.url, "phone390", area="reminders")
    yield journey
    journey.context.close()
    served.stop()


def test_reminders_set_on_a_phone_show_as_the_due_card(phone: Journey, browser: object
                                                        ) -> None:
    j = phone
    j.go("/settings#reminders")
    j.page.fill("#checkin_time", "21:30")
    j.page.fill("#interval_phq9", "1")  # the demo's last PHQ-9 was before today
    # finger-sized (WCAG 2.5.5): the time and number fields, and the pause's whole label
    targets = j.page.locator("form[action='/settings/reminders'] input[type=time], "
                             "form[action='/settings/reminders'] input[type=number], "
                             "form[action='/settings/reminders'] label.check")
    sizes = targets.evaluate_all("all => all.map(e => e.getBoundingClientRect().height)")
    assert len(sizes) == 3 + 4 + 1 and min(sizes) >= 44
    j.page.get_by_role("button", name="Save reminders").click()
    j.page.wait_for_url("**/settings?saved=reminders*")
    assert "Reminders saved" in j.page.locator("main").inner_text()
    assert j.page.input_value("#checkin_time") == "21:30"
    j.no_horizontal_scroll()
    j.shot("settings")
    j.go("/")
    card = j.page.locator("section", has=j.page.locator("#due-today-h"))
    assert card.is_visible()
    text = card.inner_text()
    assert "PHQ-9" in text and "check-in" in text.lower()
    # and the questionnaires card agrees with it (not "None due")
    due = j.page.locator("section", has=j.page.locator("#due-h")).inner_text()
    assert "PHQ-9" in due and "None due" not in due and "reminder schedule" in due
    # the latest scores fit a phone as labelled blocks: no column cut off or scrolled away
    wrap = j.page.locator(".table-wrap", has=j.page.locator("table.stack"))
    widths = wrap.evaluate("w => [w.scrollWidth, w.clientWidth]")
    assert widths[0] <= widths[1], widths
    assert "Change worth reading" in wrap.inner_text()
    j.shot("today")
    card.locator("a[href='/questionnaires/phq9']").click()
    j.page.wait_for_url("**/questionnaires/phq9")
    assert not j.errors, j.errors
    dark = Journey(browser, j.base, "phone390", area="reminders-dark", color_scheme="dark")
    desktop = Journey(browser, j.base, "desktop", area="reminders")
    try:
        dark.go("/")
        dark.shot("today")  # the card's contrast in dark mode too
        dark.go("/settings#reminders")
        dark.shot("settings")
        desktop.go("/")  # and at 1280×800: the card and the form, AA, no sideways scroll
        assert desktop.page.locator("#due-today-h").is_visible()
        desktop.no_horizontal_scroll()
        desktop.shot("today")
        desktop.go("/settings#reminders")
        assert desktop.page.input_value("#checkin_time") == "21:30"
        desktop.shot("settings")
        assert not desktop.errors and not dark.errors
    finally:
        dark.context.close()
        desktop.context.close()
