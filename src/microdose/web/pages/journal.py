"""HTML pages: today (with the check-in), check-ins, doses and the journal.

Forms work without JavaScript (POST, then 303 to a page); HTMX only makes navigation and
the dose estimate faster. A form error re-renders the form with the field named.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from microdose.domain import dosing
from microdose.domain.checkins import RATINGS, SIDE_EFFECTS, make_checkin
from microdose.domain.errors import InvalidInput, MicrodoseError
from microdose.domain.factors import day_factors
from microdose.domain.journal import KINDS, MAX_LENGTH, hashtags, matches
from microdose.domain.protocols import parse_date
from microdose.services import doses as dose_service
from microdose.services.checkins import checkins, submit_checkin
from microdose.services.entries import add_entry, entries
from microdose.services.overview import status
from microdose.services.people import local_today
from microdose.services.plans import active_plan
from microdose.services.preferences import preferences_of
from microdose.services.trials import running_trial
from microdose.store.models import Person
from microdose.web.pages.forms import (
    CHANGE_CELLS,
    CheckinFields,
    FormBase,
    form_date,
    submit,
    whole_number,
)
from microdose.web.pages.paging import by_month, parse_month
from microdose.web.pages.reminder_context import due_context
from microdose.web.pages.safety import safety_summary
from microdose.web.platform.deps import StateDep
from microdose.web.platform.guards import PAGE_GUARDS
from microdose.web.platform.state import WebState
from microdose.web.platform.views import form_error, render

router = APIRouter(dependencies=PAGE_GUARDS, include_in_schema=False)
ONE_DAY = dt.timedelta(days=1)


#: what 0 and 10 mean for each daily rating
RATING_ANCHORS: dict[str, tuple[str, str]] = {
    "mood": ("very low", "very good"),
    "anxiety": ("none", "extreme"),
    "energy": ("exhausted", "full of energy"),
    "focus": ("scattered", "sharp"),
    "sleep": ("very poor", "excellent"),
    "connectedness": ("isolated", "very connected"),
}


class CheckinForm(CheckinFields):
    """The check-in form, as typed (validated by the domain)."""

    date: str = ""
    guess: str = ""
    guess_confidence: str = ""
    #: "yesterday" when the person pressed "Same as yesterday"
    same: str = ""
    #: the daily factors ticked (yes); the person's others are no that day
    factors: list[str] = Field(default_factory=list)


class DoseForm(FormBase):
    """The dose form."""

    material: str = ""
    grams: str = ""
    at: str = ""
    notes: str = ""


class EntryForm(FormBase):
    """The journal form."""

    kind: str = "note"
    text: str = ""
    date: str = ""


def today_context(state: WebState, session: Session, person: Person) -> dict[str, Any]:
    """Everything the today page shows."""
    today = local_today(person)
    result = status(session=session, person=person, today=today)
    recent = checkins(session=session, person_id=person.id, start=today - ONE_DAY, end=today)
    by_day = {row.local_date: row for row in recent}

    return {
        "status": result,
        "trial_running": running_trial(session=session, person_id=person.id) is not None,
        "today_checkin": by_day.get(today),
        "yesterday": by_day.get(today - ONE_DAY),
        "ratings": RATINGS,
        "tracked": preferences_of(person).tracked,
        "factors": preferences_of(person).factors,
        "anchors": RATING_ANCHORS,
        "side_effects": SIDE_EFFECTS,
        "change_cells": CHANGE_CELLS,
        **due_context(session, person),
    }


def _today_page(
    request: Request, state: WebState, extra: dict[str, Any], code: int = 200
) -> HTMLResponse:
    with state.sessions() as session:
        person = state.person(session)
        context = today_context(state, session, person)
        session.commit()
    return render(request, "journal/today.html", {**context, **extra}, code)


@router.get("/", response_class=HTMLResponse)
def today_page(request: Request, state: StateDep, saved: str | None = None) -> HTMLResponse:
    """Today: what is planned, the check-in, questionnaires due, latest scores."""
    return _today_page(request, state, {"saved": saved, "values": {}})


@router.post("/checkin")
def save_checkin(
    request: Request, state: StateDep, form: Annotated[CheckinForm, Form()]
) -> Response:
    """Save the day's check-in (a second one the same day updates it)."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        day = form_date(form.date, person)
        chosen = preferences_of(person)
        tracked = chosen.tracked
        ratings = _form_ratings(form, tracked)
        if form.same == "yesterday":
            ratings = _same_as_yesterday(session, person, day, ratings, tracked)
        confidence = form.guess_confidence.strip()
        entry = make_checkin(
            day,
            ratings,
            form.side_effects,
            form.notes or None,
            form.guess or None,
            whole_number(confidence, "guess-confidence", "0-100") if confidence else None,
            tracked=tracked,
        )
        entry = replace(entry, factors=day_factors(chosen.factors, form.factors))
        row, created = submit_checkin(session=session, person_id=person.id, checkin=entry)
        return (201 if created else 200), {"date": row.local_date.isoformat()}

    try:
        submit(state, form, "/checkin", work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump(), "saved": None}
        return _today_page(request, state, extra, exc.http_status)
    return RedirectResponse("/?saved=checkin", status_code=303)


def _form_ratings(form: CheckinForm, tracked: tuple[str, ...]) -> dict[str, int | None]:
    """The ratings tapped in the form (None where left empty); without "same as yesterday"
    every asked rating must be tapped."""
    ratings = form.typed_ratings()
    missing = [n for n in tracked if ratings[n] is None]
    if missing and form.same != "yesterday":
        raise InvalidInput(missing[0], "choose a value", allowed="0-10")
    return ratings


def _same_as_yesterday(
    session: Session, person: Person, day: dt.date, ratings: dict[str, int | None],
    tracked: tuple[str, ...],
) -> dict[str, int | None]:
    """Fill each asked rating not tapped with the day before's (tapped ones are kept)."""
    before = checkins(session=session, person_id=person.id, start=day - ONE_DAY,
                      end=day - ONE_DAY)
    if not before:
        raise InvalidInput("same", f"there is no check-in for {day - ONE_DAY} to copy",
                           "tap each rating instead")
    row = before[0]
    return {
        name: getattr(row, name) if value is None and name in tracked else value
        for name, value in ratings.items()
    }


@router.get("/checkins", response_class=HTMLResponse)
def checkins_page(request: Request, state: StateDep, month: str | None = None,
                  saved: str | None = None) -> HTMLResponse:
    """The check-ins, newest first, by month (three months a page)."""
    start = parse_month(month)
    with state.sessions() as session:
        person = state.person(session)
        rows = list(reversed(checkins(session=session, person_id=person.id)))
        session.commit()
    page = by_month(rows, lambda row: row.local_date, start)
    return render(request, "journal/checkins.html",
                  {"page": page, "ratings": RATINGS, "saved": saved})


def _doses_page(
    request: Request, state: WebState, extra: dict[str, Any], code: int = 200
) -> HTMLResponse:
    with state.sessions() as session:
        person = state.person(session)
        rows = list(reversed(dose_service.doses(session=session, person_id=person.id)))
        plan = active_plan(session=session, person_id=person.id)
        today = local_today(person)
        trial_running = running_trial(session=session, person_id=person.id) is not None
        session.commit()
    context = {
        "trial_running": trial_running,
        "page": by_month(rows, lambda row: row.local_date, extra.pop("month", None)),
        "materials": [m.value for m in dosing.Material if m is not dosing.Material.PSILOCYBIN],
        "dose_today": bool(plan and plan.is_dose_day(today)),
        "has_plan": plan is not None,
        "values": {},
        **extra,
    }
    context["safety"] = safety_summary(state)
    return render(request, "journal/doses.html", context, code)


@router.get("/doses", response_class=HTMLResponse)
def doses_page(request: Request, state: StateDep, saved: str | None = None,
               month: str | None = None) -> HTMLResponse:
    """Doses taken (estimates as ranges, warnings) by month, and the form to record one."""
    return _doses_page(request, state, {"saved": saved, "month": parse_month(month)})


@router.get("/doses/estimate", response_class=HTMLResponse)
def dose_estimate(request: Request, material: str = "", grams: str = "") -> HTMLResponse:
    """A fragment: the psilocybin range for what was weighed (for HTMX)."""
    try:
        result = dosing.estimate(material, grams or None).to_dict() if grams else None
        error = None
    except MicrodoseError as exc:
        result, error = None, exc.message
    return render(request, "journal/_estimate.html", {"estimate": result, "estimate_error": error})


@router.post("/doses")
def save_dose(request: Request, state: StateDep, form: Annotated[DoseForm, Form()]) -> Response:
    """Record a dose."""
    try:
        moment = dt.datetime.fromisoformat(form.at) if form.at.strip() else None
    except ValueError:
        moment = None
    create = dose_service.DoseCreate(
        material=form.material or None, grams=form.grams or None, at=moment, notes=form.notes
    )

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        row = dose_service.record_dose(session=session, person=person, dose=create)
        return 201, {"id": str(row.id)}

    try:
        if form.at.strip() and moment is None:
            raise InvalidInput("at", f"{form.at!r} is not a date and time", "YYYY-MM-DDTHH:MM")
        submit(state, form, "/doses", work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump()}
        return _doses_page(request, state, extra, exc.http_status)
    return RedirectResponse("/doses?saved=1", status_code=303)


def _journal_page(
    request: Request, state: WebState, extra: dict[str, Any], code: int = 200
) -> HTMLResponse:
    search = extra.pop("search", None) or JournalSearch()
    with state.sessions() as session:
        person = state.person(session)
        rows = list(reversed(entries(session=session, person_id=person.id)))
        session.commit()
    counts = Counter(tag for row in rows for tag in hashtags(row.text))
    found = [row for row in rows if search.keeps(row.local_date, row.text)]
    page = by_month(found, lambda row: row.local_date, extra.pop("month", None))
    context = {"page": page, "kinds": KINDS, "max_length": MAX_LENGTH, "values": {},
               "search": search, "tags": sorted(counts.items()), "query": search.query(),
               **extra}
    return render(request, "journal/journal.html", context, code)


@dataclass(frozen=True)
class JournalSearch:
    """The journal's filters: words, a tag, and a date window (any of them empty)."""

    q: str = ""
    tag: str = ""
    start: str = ""
    end: str = ""

    @property
    def active(self) -> bool:
        return any((self.q, self.tag, self.start, self.end))

    def keeps(self, day: dt.date, text: str) -> bool:
        first = parse_date(self.start, "from") if self.start else None
        last = parse_date(self.end, "to") if self.end else None
        within = (first is None or day >= first) and (last is None or day <= last)
        return within and matches(text, self.q, self.tag)

    def query(self) -> str:
        """The filters as query parameters for the month links (``&q=…``)."""
        pairs = {"q": self.q, "tag": self.tag, "from": self.start, "to": self.end}
        return "".join(f"&{k}={quote(v)}" for k, v in pairs.items() if v)


@router.get("/journal", response_class=HTMLResponse)
def journal_page(
    request: Request, state: StateDep, saved: str | None = None, month: str | None = None,
    q: str = "", tag: str = "", start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
) -> HTMLResponse:
    """Journal entries, newest first by month, searchable, and the form to write one."""
    search = JournalSearch(q.strip()[:200], tag.strip().lstrip("#")[:40], start, end)
    search.keeps(dt.date(2000, 1, 1), "")  # a bad date is refused here, naming the field
    return _journal_page(request, state, {"saved": saved, "month": parse_month(month),
                                          "search": search})


@router.post("/journal")
def save_entry(request: Request, state: StateDep, form: Annotated[EntryForm, Form()]) -> Response:
    """Write a journal entry."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        row = add_entry(
            session=session,
            person_id=person.id,
            kind=form.kind,
            text=form.text,
            day=form_date(form.date, person),
        )
        return 201, {"id": str(row.id)}

    try:
        submit(state, form, "/journal", work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump()}
        return _journal_page(request, state, extra, exc.http_status)
    return RedirectResponse("/journal?saved=1", status_code=303)
