"""How a person likes their pages: light or dark, and how dates are written.

The settings are stored on the person (``person.theme``, ``person.date_style``); None means
the default (follow the system's light or dark setting; the ``long`` date style).
"""

from __future__ import annotations

from datetime import date

from microdose.domain.errors import InvalidInput

#: "system" follows the device's setting (CSS ``prefers-color-scheme``)
THEMES: tuple[str, ...] = ("system", "light", "dark")

#: date style → (with weekday, without), as strftime patterns; each names the month or is
#: ordered largest first, so no style can be misread as another
DATE_STYLES: dict[str, tuple[str, str]] = {
    "long": ("%a %-d %b %Y", "%-d %b %Y"),
    "us": ("%a, %b %-d, %Y", "%b %-d, %Y"),
    "iso": ("%a %Y-%m-%d", "%Y-%m-%d"),
}
DATE_STYLE_NAMES: dict[str, str] = {
    "long": "7 Dec 2026",
    "us": "Dec 7, 2026",
    "iso": "2026-12-07",
}
DEFAULT_DATE_STYLE = "long"


def check_theme(value: str) -> str | None:
    """A theme as stored: None for ``system``; refuses anything else with the choices."""
    choice = value.strip().lower()
    if choice not in THEMES:
        raise InvalidInput("theme", f"{value!r} is not a theme", ", ".join(THEMES))
    return None if choice == "system" else choice


def check_date_style(value: str) -> str | None:
    """A date style as stored: None for the default ``long``."""
    choice = value.strip().lower()
    if choice not in DATE_STYLES:
        raise InvalidInput("date_style", f"{value!r} is not a date style",
                           ", ".join(DATE_STYLES))
    return None if choice == DEFAULT_DATE_STYLE else choice


def format_day(day: date, style: str | None = None, *, weekday: bool = False) -> str:
    """``day`` in the person's style (``long`` when unknown), with the weekday if asked."""
    with_day, plain = DATE_STYLES.get(style or DEFAULT_DATE_STYLE, DATE_STYLES["long"])
    return day.strftime(with_day if weekday else plain)
