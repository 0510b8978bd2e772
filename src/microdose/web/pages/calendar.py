"""HTML page: the year at a glance ("year in pixels") with weekly and monthly summaries."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from microdose.domain.errors import InvalidInput
from microdose.services.calendar import year_view
from microdose.services.people import local_today
from microdose.web.platform.deps import StateDep
from microdose.web.platform.guards import PAGE_GUARDS
from microdose.web.platform.views import render

router = APIRouter(dependencies=PAGE_GUARDS, include_in_schema=False)

#: mood bands of the calendar's colours: (lowest mood, name); colour is never alone, each
#: cell also shows the number
MOOD_BANDS: tuple[tuple[int, str], ...] = ((0, "0–2"), (3, "3–4"), (5, "5–6"), (7, "7–8"),
                                           (9, "9–10"))


MONTHS = tuple(date(2000, m, 1).strftime("%b") for m in range(1, 13))


def mood_band(mood: int) -> int:
    """The index of the band a 0–10 mood falls in."""
    return max(i for i, (lowest, _) in enumerate(MOOD_BANDS) if mood >= lowest)


def _year(text: str | None, this_year: int) -> int | None:
    if not text:
        return None
    if not text.strip().isdigit() or not 1900 <= int(text) <= this_year:
        raise InvalidInput("year", f"{text!r} is not a year with records",
                           f"1900-{this_year}")
    return int(text)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, state: StateDep, year: str | None = None) -> HTMLResponse:
    """One cell per day coloured by mood (and numbered), dose and trial capsule days marked."""
    with state.sessions() as session:
        person = state.person(session)
        view = year_view(session=session, person=person,
                         year=_year(year, local_today(person).year))
        session.commit()
    context = {"view": view, "bands": MOOD_BANDS, "band": mood_band, "month_names": MONTHS}
    return render(request, "journal/calendar.html", context)
