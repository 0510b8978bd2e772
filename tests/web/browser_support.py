"""What the browser tests share: Debian's Chromium, its flags, and a recorded journey.

The ``browser`` fixture (tests/web/conftest.py) launches it once per test module.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.web.accessibility import problems

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
#: "phone" is a small phone; "phone390" the common 390×844 one
VIEWPORTS = {"desktop": (1280, 800), "phone": (360, 780), "phone390": (390, 844)}
#: marks of every browser test module
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is missing"),
]


class Journey:
    """One browser context at one width, recording requests and console errors.

    Screenshots are named ``[AREA-]WIDTH-LABEL.png`` under artifacts/screenshots/.
    """

    def __init__(self, browser: object, base: str, name: str, *, area: str = "",
                 timeout: int = 15_000, color_scheme: str = "light") -> None:
        width, height = VIEWPORTS[name]
        self.context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, accept_downloads=True,
            color_scheme=color_scheme)
        self.context.set_default_timeout(timeout)
        self.page = self.context.new_page()
        self.base, self.name, self.area = base, name, area
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message: object) -> None:
        if message.type == "error":  # type: ignore[attr-defined]
            where = message.location  # type: ignore[attr-defined]
            self.errors.append(f"{message.text} at {where} on {self.page.url}")  # type: ignore[attr-defined]

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")

    def nav(self, label: str) -> None:
        """Follow a main-navigation link: the header's, or on a phone the tab bar's (under
        "More" when it is not one of the tabs)."""
        header = self.page.locator("nav.site-nav").get_by_role("link", name=label, exact=True)
        if header.is_visible():
            header.click()
            return
        bar = self.page.locator("nav.tab-bar")
        link = bar.get_by_role("link", name=label, exact=True)
        if not link.is_visible():
            bar.get_by_text("More", exact=True).click()
        link.click()

    def shot(self, label: str) -> None:
        """Save a screenshot of the page, and check it meets WCAG 2.2 AA (axe-core)."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        prefix = f"{self.area}-" if self.area else ""
        self.page.screenshot(path=str(SHOTS / f"{prefix}{self.name}-{label}.png"),
                             full_page=True)
        found = problems(self.page)
        assert not found, "\n".join(found)

    def no_horizontal_scroll(self) -> None:
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[self.name][0], f"{self.page.url} is {width}px wide"
