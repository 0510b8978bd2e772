"""Chromium (Debian's, headless) through the main journeys of a real ``microdose serve``.

Desktop (1280 px) and phone (360 px) widths; screenshots go to artifacts/screenshots/, and
every page photographed is checked against WCAG 2.2 AA (tests/web/accessibility.py).
Every request the browser makes is recorded: none may leave 127.0.0.1.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from tests.web.accessibility import contrast_ratio, measure, problems, run_axe
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import Served, start_server

pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One ``microdose serve --demo`` on a free port for the module, over a fresh journal."""
    folder = tmp_path_factory.mktemp("browser")
    served = start_server(f"sqlite:///{folder / 'demo.sqlite3'}", "--demo")
    yield served
    served.stop()


def checkin_journey(j: Journey) -> None:
    j.go("/")
    for name, value in (("mood", 7), ("anxiety", 3), ("energy", 6), ("focus", 6), ("sleep", 8),
                        ("connectedness", 5)):
        j.page.get_by_label(f"{name} {value}", exact=True).check()
    j.page.get_by_role("button", name="Save check-in").click()
    j.page.get_by_text("Check-in saved").wait_for()
    j.no_horizontal_scroll()
    j.shot("today")


def dose_journey(j: Journey) -> None:
    j.go("/doses")
    j.page.get_by_label("Weight in grams").fill("0.15")
    j.page.locator("#estimate").get_by_text("mg psilocybin").wait_for()  # HTMX fragment
    j.page.get_by_role("button", name="Record dose").click()
    j.page.get_by_text("Dose recorded.").wait_for()
    j.no_horizontal_scroll()
    j.shot("doses")


def questionnaire_journey(j: Journey, item9: str) -> None:
    j.go("/questionnaires/phq9")
    answers = ["Several days"] * 8 + [item9]
    for number, label in enumerate(answers, start=1):
        j.page.get_by_text(f"Question {number} of 9").wait_for()
        if number == 1:
            j.no_horizontal_scroll()
            j.shot("questionnaire-item")
        if number == 9:
            assert j.page.locator("#crisis-now").is_hidden()  # nothing shown before an answer
        j.page.get_by_label(label, exact=True).check()
        if number == 9 and label != "Not at all":
            # help at once, before the questionnaire is finished
            j.page.locator("#crisis-now").wait_for(state="visible")
            j.shot("crisis-at-once")
            j.page.get_by_label("Not at all", exact=True).check()
            assert j.page.locator("#crisis-now").is_hidden()
            j.page.get_by_label(label, exact=True).check()
            j.page.locator("#crisis-now").wait_for(state="visible")
        elif number == 9:
            assert j.page.locator("#crisis-now").is_hidden()
        j.page.get_by_role("button", name="Finish and save" if number == 9 else "Next").click()
    if item9 != "Not at all":
        # the crisis resources come before anything else, with the acknowledgement
        j.page.get_by_role("heading", name="Please reach out now").wait_for()
        assert "Samaritans" in j.page.content()
        j.shot("crisis")
        j.go("/")
        assert urlsplit(j.page.url).path == "/crisis"
        j.page.get_by_role("button", name="I have seen these resources").click()
        j.page.wait_for_url(j.base + "/")  # acknowledged: back where the person was going
        j.go("/questionnaires/phq9/latest")
    j.page.get_by_role("heading", name="PHQ-9: your result").wait_for()
    j.shot("questionnaire-result")


def insights_journey(j: Journey) -> None:
    j.go("/insights")
    j.page.wait_for_function("document.querySelectorAll('figure.chart-ready').length >= 3")
    assert j.page.locator("figure.chart-ready svg").count() >= 3
    assert "comparisons above are 12 intervals" in j.page.content()  # what many intervals mean
    j.no_horizontal_scroll()
    j.shot("insights")


def other_pages(j: Journey) -> None:
    for path in ("/plan", "/trial", "/safety", "/evidence", "/settings", "/questionnaires",
                 "/questionnaires/dass21", "/journal", "/checkins"):
        j.go(path)
        assert j.page.locator("h1").count() == 1
        j.no_horizontal_scroll()
        j.shot(path.strip("/").replace("/", "-"))


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_main_journeys(browser: object, demo_server: Served, width: str) -> None:
    j = Journey(browser, demo_server.url, width)
    checkin_journey(j)
    dose_journey(j)
    questionnaire_journey(j, "More than half the days" if width == "phone" else "Not at all")
    insights_journey(j)
    other_pages(j)
    hosts = {urlsplit(url).hostname for url in j.requests if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {hosts}"
    assert j.errors == [], j.errors  # no CSP violation, no script error
    j.context.close()


def test_keyboard_only_checkin_with_visible_focus(browser: object, demo_server: Served) -> None:
    j = Journey(browser, demo_server.url, "desktop")
    j.go("/")
    j.page.keyboard.press("Tab")
    assert j.page.evaluate("document.activeElement.textContent") == "Skip to content"
    j.page.keyboard.press("Enter")
    j.page.locator("input[name=mood]").first.focus()
    for _ in range(6):  # each rating: arrow to a value, Tab to the next group
        j.page.keyboard.press("ArrowRight")
        outline = j.page.evaluate(
            "getComputedStyle(document.activeElement.nextElementSibling).outlineWidth"
        )
        assert float(outline.removesuffix("px")) >= 2, "the focused rating has no visible ring"
        j.page.keyboard.press("Tab")
    j.shot("keyboard-focus")
    j.page.get_by_role("button", name="Save check-in").focus()
    j.page.keyboard.press("Enter")
    j.page.get_by_text("Check-in saved").wait_for()
    assert j.errors == []
    j.context.close()


def _rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)))


def test_our_contrast_measure_agrees_with_axe(browser: object, demo_server: Served) -> None:
    """Where axe-core decides text contrast itself, our measurement gives the same ratio.

    Reference: axe-core's own colour-contrast check (its fgColor, bgColor, contrastRatio)
    on the same elements; black on white is 21:1 by WCAG's definition.
    """
    assert contrast_ratio("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    j = Journey(browser, demo_server.url, "phone")
    j.go("/doses")
    passed = [node for check in run_axe(j.page, passes=True)["passes"]
              if check["id"] == "color-contrast" for node in check["nodes"]
              if "contrastRatio" in node["any"][0]["data"]]
    assert len(passed) > 50
    ours = {item["selector"]: item for item in measure(j.page, [n["target"][0] for n in passed])}
    for node in passed:
        axe = node["any"][0]["data"]
        item = ours[node["target"][0]]
        assert (item["foreground"], item["background"]) == (_rgb(axe["fgColor"]),
                                                           _rgb(axe["bgColor"]))
        ratio = contrast_ratio(item["foreground"], item["background"])
        assert math.floor(ratio * 100) / 100 == axe["contrastRatio"]  # axe truncates to 0.01
    j.context.close()


def test_the_accessibility_check_finds_low_contrast(browser: object, demo_server: Served) -> None:
    """The check can fail: pale text in the page (axe) and in a chart's SVG (our measure)."""
    j = Journey(browser, demo_server.url, "desktop")
    j.go("/insights")
    j.page.wait_for_function("document.querySelectorAll('figure.chart-ready').length >= 3")
    assert problems(j.page) == []
    j.page.evaluate("document.querySelector('main h1').style.color = '#c8c8c8'")
    assert any("color-contrast" in line for line in problems(j.page))
    j.go("/insights")
    j.page.wait_for_function("document.querySelectorAll('figure.chart-ready').length >= 3")
    j.page.evaluate("document.querySelectorAll('figure svg text').forEach("
                    "(t) => t.setAttribute('fill', '#aaaaaa'))")
    found = problems(j.page)
    assert any("contrast 2.32:1" in line and "rgb(170, 170, 170)" in line for line in found)
    j.context.close()


def test_on_a_phone_every_page_is_two_taps_away(browser: object, demo_server: Served) -> None:
    """The tab bar (Today, Doses, Journal, Insights) and "More" with the rest."""
    from microdose.web.platform.views import NAV

    j = Journey(browser, demo_server.url, "phone")
    j.go("/")
    bar = j.page.locator("nav.tab-bar")
    assert bar.is_visible() and not j.page.locator("nav.site-nav").is_visible()
    box = bar.bounding_box()
    assert box is not None and box["y"] + box["height"] >= 780 - 1  # at the bottom
    for href, label in NAV:
        j.go("/")
        link = bar.get_by_role("link", name=label, exact=True)
        if not link.is_visible():
            bar.get_by_text("More", exact=True).click()  # first tap
            if href == "/settings":
                j.shot("more-open")
        height = link.bounding_box()["height"]  # type: ignore[index]
        assert height >= 44, f"{label} is {height}px tall"
        link.click()  # second tap at most
        j.page.wait_for_url(j.base + href)
    assert j.errors == [], j.errors
    j.context.close()
