"""The settings page itself, which several modules' forms re-render with their error:
``settings`` (time zone, region, export, delete) and ``preferences`` (ratings, appearance)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from fastapi import Request
from fastapi.responses import HTMLResponse

from microdose.domain.checkins import ALWAYS_ASKED, RATINGS
from microdose.domain.preferences import DATE_STYLE_NAMES, THEMES
from microdose.reports.exports import EXPORTERS
from microdose.services import crisis, safety
from microdose.services.preferences import preferences_of
from microdose.store.models import Person
from microdose.web.pages.reminder_context import reminder_context
from microdose.web.platform.state import WebState
from microdose.web.platform.views import render


def preference_context(person: Person) -> dict[str, Any]:
    """What the ratings and appearance forms show."""
    chosen = preferences_of(person)
    return {
        "all_ratings": RATINGS,
        "always_asked": ALWAYS_ASKED,
        "tracked": chosen.tracked,
        "themes": THEMES,
        "theme_chosen": chosen.theme or "system",
        "date_styles": DATE_STYLE_NAMES,
        "date_style_chosen": chosen.date_style,
        "factors": chosen.factors,
    }


def settings_page(
    request: Request, state: WebState, extra: dict[str, Any], code: int = 200
) -> HTMLResponse:
    """The settings page, with ``extra`` (a saved notice, an error, values typed)."""
    with state.sessions() as session:
        person = state.person(session)
        context = {
            "timezone": person.timezone,
            "region": person.region,
            "region_used": safety.person_region(person, state.settings.region),
            "regions": crisis.known_regions(),
            "timezones": sorted(available_timezones()),
            "formats": ["json", "csv", *EXPORTERS],
            "database": _safe_url(state.settings.database_url),
            **preference_context(person),
            **reminder_context(session, person),
            "values": {},
            **extra,
        }
        session.commit()
    return render(request, "settings/settings.html", context, code)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
