"""Daily use in Chromium on a 390×844 phone: the check-in first, counted in taps and seconds;
"same as yesterday"; dark mode from the system and from settings.

A real ``microdose serve --demo`` (synthetic data up to yesterday); every page photographed is
checked against WCAG 2.2 AA (axe-core) in light and dark.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from tests.web.accessibility import contrast_ratio
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import Served, start_server

from microdose.domain.checkins import RATINGS

pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS
PHONE_HEIGHT = 844


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("daily")
    served = start_server(f"sqlite:///{folder / 'demo.sqlite3'}", "--demo")
    yield served
    served.stop()


@pytest.fixture
def phone(browser: object, tmp_path: object) -> Iterator[Journey]:
    """A phone over a demo journal of its own, not checked in today yet."""
    served = start_server(f"sqlite:///{tmp_path}/demo.sqlite3", "--demo")
    journey = Journey(browser, served.url, "phone390", area="daily")
    yield journey
    journey.context.close()
    served.stop()


def _box(j: Journey, selector: str) -> dict[str, float]:
    box = j.page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _checkins(j: Journey) -> dict[str, dict[str, object]]:
    rows = j.page.request.get(j.base + "/api/v1/checkins").json()
    return {row["date"]: row for row in rows}


def test_a_full_check_in_on_a_phone_is_seven_taps_in_under_ten_seconds(phone: Journey) -> None:
    j = phone
    j.go("/")
    # every rating within the first two screens; Save in sight without scrolling
    ratings = j.page.locator("form.checkin fieldset.rating")
    assert ratings.count() == len(RATINGS)
    assert _box(j, "form.checkin fieldset.rating:first-of-type")["y"] < PHONE_HEIGHT / 2
    last = ratings.nth(len(RATINGS) - 1).bounding_box()
    assert last is not None and last["y"] + last["height"] <= 2 * PHONE_HEIGHT
    save = j.page.get_by_role("button", name="Save check-in")
    box = save.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE_HEIGHT
    # every target at least 44×44 CSS px (WCAG 2.5.5)
    sizes = j.page.locator("form.checkin .scale label").evaluate_all(
        "labels => labels.map(l => [l.getBoundingClientRect().width,"
        " l.getBoundingClientRect().height])")
    assert len(sizes) == 11 * len(RATINGS)
    assert min(w for w, _ in sizes) >= 44 and min(h for _, h in sizes) >= 44
    taps = 0
    started = time.monotonic()
    for name, value in zip(RATINGS, (7, 3, 6, 6, 8, 5), strict=True):
        j.page.get_by_label(f"{name} {value}", exact=True).check()  # scrolls into view itself
        taps += 1
        # Save stays in sight while the ratings scroll past it
        moved = save.bounding_box()
        assert moved is not None and moved["y"] + moved["height"] <= PHONE_HEIGHT
    save.click()
    taps += 1
    j.page.get_by_text("Check-in saved").wait_for()
    elapsed = time.monotonic() - started
    assert taps <= 7 and elapsed < 10, (taps, elapsed)
    today = max(_checkins(j).items())[1]
    assert [today[name] for name in RATINGS] == [7, 3, 6, 6, 8, 5]
    j.no_horizontal_scroll()
    j.shot("checkin")


def test_same_as_yesterday_is_one_tap_and_keeps_what_was_tapped(phone: Journey) -> None:
    j = phone
    j.go("/")
    j.page.get_by_label("mood 2", exact=True).check()
    j.page.get_by_role("button", name="Same as yesterday").click()
    j.page.get_by_text("Check-in saved").wait_for()
    stored = sorted(_checkins(j).items())
    (_, yesterday), (_, today) = stored[-2], stored[-1]
    assert today["mood"] == 2  # tapped, kept
    assert all(today[name] == yesterday[name] for name in RATINGS if name != "mood")
    assert today["guess"] is None and today["side_effects"] == []  # never copied


def _background(j: Journey) -> str:
    return str(j.page.evaluate("getComputedStyle(document.documentElement).backgroundColor"))


def _is_dark(j: Journey) -> bool:
    return contrast_ratio("rgb(0, 0, 0)", _background(j)) < contrast_ratio(
        "rgb(255, 255, 255)", _background(j))


def _choose_theme(j: Journey, label: str) -> None:
    j.go("/settings")
    j.page.locator("#appearance + form").get_by_label(label, exact=True).check()
    j.page.get_by_role("button", name="Save appearance").click()
    j.page.get_by_text("Appearance saved.").wait_for()


def test_dark_mode_follows_the_system_unless_settings_choose(browser: object,
                                                             demo_server: Served) -> None:
    dark = Journey(browser, demo_server.url, "phone390", area="daily-dark",
                   color_scheme="dark")
    light = Journey(browser, demo_server.url, "desktop", area="daily-light")
    try:
        dark.go("/")
        assert _is_dark(dark)
        dark.shot("today")  # WCAG AA contrast in dark too
        dark.go("/insights")
        canvas = dark.page.locator(".chart-canvas").first
        assert canvas.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
        dark.shot("insights")
        _choose_theme(dark, "light")
        dark.go("/")
        assert not _is_dark(dark)  # the setting wins over the system's dark
        _choose_theme(light, "dark")
        light.go("/")
        assert _is_dark(light)
        light.shot("today")
    finally:
        _choose_theme(light, "as the device is set")
        dark.context.close()
        light.context.close()


#: the smallest text of each drawn chart in CSS px: its font size times the SVG's scale
SMALLEST_TEXT_JS = """
() => Array.from(document.querySelectorAll('.chart-canvas svg')).map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
  const sizes = Array.from(svg.querySelectorAll('text'))
    .filter(t => t.textContent.trim())
    .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  return [Math.min(...sizes), svg.getBoundingClientRect().right];
})
"""


def test_on_a_phone_no_chart_text_is_under_eleven_pixels(phone: Journey) -> None:
    j = phone
    j.go("/insights")
    j.page.locator("figure.chart-ready").first.wait_for()
    j.page.wait_for_function(
        "document.querySelectorAll('figure.chart-ready').length =="
        " document.querySelectorAll('figure[data-spec]').length")
    found = j.page.evaluate(SMALLEST_TEXT_JS)
    assert len(found) == 4  # mood, questionnaires, effects, side effects
    for smallest, right in found:
        assert smallest >= 11, found
        assert right <= 390, found  # fits the screen: nothing cut off or scrolled
    j.no_horizontal_scroll()
    j.shot("insights")
