"""HTML pages: questionnaires (one item per screen) and the plan (calendar, ICS link)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from microdose.domain import instruments, protocols
from microdose.domain.errors import InvalidInput, MicrodoseError, NotFound
from microdose.services.crisis import crisis_payload
from microdose.services.overview import due_instruments
from microdose.services.people import local_today
from microdose.services.plans import active_plan, create_plan
from microdose.services.questionnaires import responses
from microdose.services.safety import person_region, reminders_paused, submit_response
from microdose.store.models import Person, ResponseRow
from microdose.web.pages.forms import CHANGE_CELLS, CHANGE_WORDS, FormBase, submit
from microdose.web.pages.paging import by_month, parse_month
from microdose.web.platform.deps import StateDep
from microdose.web.platform.guards import PAGE_GUARDS
from microdose.web.platform.state import WebState
from microdose.web.platform.views import form_error, render
from microdose.web.schemas.convert import has_crisis_flag

router = APIRouter(dependencies=PAGE_GUARDS, include_in_schema=False)


class StepForm(FormBase):
    """One questionnaire step: the answers so far, this item's answer, and the direction."""

    answers: str = ""
    answer: str = ""
    step: int = 0
    back: str = ""


class PlanForm(FormBase):
    """The plan form."""

    protocol: str = "fadiman"
    start: str = ""
    weeks: str = "4"
    weekdays: list[str] = Field(default_factory=list)
    off_weeks: str = "0"
    cycles: str = "1"
    confirm_past: str = ""


def _instrument(key: str) -> instruments.Instrument:
    try:
        return instruments.get_instrument(key)
    except InvalidInput as exc:
        raise NotFound(exc.message) from exc


@router.get("/questionnaires", response_class=HTMLResponse)
def questionnaires_page(
    request: Request, state: StateDep, month: str | None = None, saved: str | None = None
) -> HTMLResponse:
    """The questionnaires, which are due, and the stored scores by month, each with its change
    worth reading."""
    start = parse_month(month)
    with state.sessions() as session:
        person = state.person(session)
        rows = list(reversed(responses(session=session, person_id=person.id)))
        last: dict[str, dt.date] = {}
        for row in reversed(rows):
            last[row.instrument] = row.local_date
        due = due_instruments(last, local_today(person))
        session.commit()
    return render(
        request,
        "measures/questionnaires.html",
        {"instruments": instruments.INSTRUMENTS, "due": due, "change_cells": CHANGE_CELLS,
         "saved": saved, "page": by_month(rows, lambda row: row.local_date, start)},
    )


def _crisis_help(
    state: WebState, inst: instruments.Instrument, answers: list[str]
) -> dict[str, Any]:
    """The help panel of a step: on the crisis item itself (shown at once by a script when
    the answer reaches the threshold), and shown outright once an earlier answer did."""
    item = instruments.CRISIS_ITEMS.get(inst.key)
    if item is None:
        return {"crisis_min": None, "crisis_shown": False}
    number, lowest = item
    given = answers[number - 1] if len(answers) >= number else ""
    shown = given.lstrip("-").isdigit() and int(given) >= lowest
    if len(answers) + 1 != number and not shown:
        return {"crisis_min": None, "crisis_shown": False}
    with state.sessions() as session:
        region = person_region(state.person(session), state.settings.region)
        session.commit()
    return {"crisis_min": lowest, "crisis_shown": shown, "payload": crisis_payload(region)}


def _require_journal(state: WebState) -> None:
    """``AccessDenied`` (403) for an account without a journal of its own."""
    with state.sessions() as session:
        state.person(session)
        session.commit()


def _step_page(
    request: Request, state: WebState, inst: instruments.Instrument, answers: list[str],
    **extra: Any,
) -> HTMLResponse:
    step = len(answers)
    context = {
        "inst": inst,
        "step": step,
        "answers": ",".join(answers),
        "labels": list(enumerate(inst.answer_labels, inst.min_answer)),
        **_crisis_help(state, inst, answers),
        **extra,
    }
    return render(request, "measures/questionnaire_step.html", context, extra.get("code", 200))


@router.get("/questionnaires/{key}", response_class=HTMLResponse)
def questionnaire_start(request: Request, state: StateDep, key: str) -> HTMLResponse:
    """The first item of a questionnaire."""
    return _step_page(request, state, _instrument(key), [])


@router.post("/questionnaires/{key}")
def questionnaire_step(
    request: Request, state: StateDep, key: str, form: Annotated[StepForm, Form()]
) -> Response:
    """Take one item's answer; after the last item, score and store the response."""
    inst = _instrument(key)
    _require_journal(state)  # a role without a journal is refused at the first step
    answers = [a for a in form.answers.split(",") if a != ""][: inst.n_items]
    if form.back:
        return _step_page(request, state, inst, answers[:-1])
    try:
        instruments.parse_item(inst, len(answers) + 1, form.answer)
    except InvalidInput:
        error = {"field": "answer", "message": "choose one answer to go on"}
        return _step_page(request, state, inst, answers, error=error, code=422)
    answers.append(form.answer.strip())
    if len(answers) < inst.n_items:
        return _step_page(request, state, inst, answers)
    values = instruments.parse_answers(inst, ",".join(answers))

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        outcome = submit_response(
            session=session,
            person=person,
            instrument=inst.key,
            answers=values,
            day=local_today(person),
        )
        return 201, {"id": str(outcome.row.id)}

    try:
        submit(state, form, f"/questionnaires/{inst.key}", work)
    except MicrodoseError as exc:
        return _step_page(request, state, inst, answers[:-1], error=form_error(exc), code=422)
    return RedirectResponse(f"/questionnaires/{inst.key}/latest", status_code=303)


@router.get("/questionnaires/{key}/latest", response_class=HTMLResponse)
def questionnaire_result(request: Request, state: StateDep, key: str) -> HTMLResponse:
    """The latest score of a questionnaire, its band, its uncertainty and the change."""
    inst = _instrument(key)
    with state.sessions() as session:
        person = state.person(session)
        rows: list[ResponseRow] = responses(
            session=session, person_id=person.id, instrument=inst.key
        )
        session.commit()
    if not rows:
        raise NotFound(f"no {inst.name} answered yet")
    context = {
        "inst": inst,
        "row": rows[-1],
        "previous": rows[-2] if len(rows) > 1 else None,
        "guide": CHANGE_WORDS.get(inst.key),
        "crisis": has_crisis_flag(list(rows[-1].flags)),
    }
    return render(request, "measures/questionnaire_result.html", context)


def month_grid(year: int, month: int, plan: protocols.Plan | None) -> list[list[dict[str, Any]]]:
    """Weeks (Monday first) of one month, each day marked as a dose day or not."""
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                {
                    "day": d,
                    "in_month": d.month == month,
                    "dose": bool(plan and plan.is_dose_day(d)),
                    "in_plan": bool(plan and plan.start <= d <= plan.end),
                }
                for d in week
            ]
        )
    return weeks


def _plan_page(request: Request, state: StateDep, extra: dict[str, Any], code: int = 200) -> Any:
    with state.sessions() as session:
        person = state.person(session)
        plan = active_plan(session=session, person_id=person.id)
        today = local_today(person)
        session.commit()
    following = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    months = [
        {"title": f"{m:%B %Y}", "weeks": month_grid(m.year, m.month, plan)}
        for m in (today.replace(day=1), following)
    ]
    host = request.headers.get("host", "127.0.0.1:8000")
    context = {
        "plan": plan,
        "today": today,
        "months": months,
        "protocols": [p.value for p in protocols.Protocol],
        "weekday_names": protocols.WEEKDAY_NAMES,
        "webcal": f"webcal://{host}/plan.ics",
        "values": {"start": today.isoformat()},
        **extra,
    }
    return render(request, "measures/plan.html", context, code)


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, state: StateDep, saved: str | None = None) -> HTMLResponse:
    """The active plan as a calendar, the ICS subscribe link, and the form for a new plan."""
    result: HTMLResponse = _plan_page(request, state, {"saved": saved})
    return result


@router.post("/plan")
def save_plan(request: Request, state: StateDep, form: Annotated[PlanForm, Form()]) -> Response:
    """Make a new plan (it replaces the active one)."""
    try:
        spec = protocols.PlanSpec(
            protocol=protocols.parse_protocol(form.protocol),
            start=protocols.parse_date(form.start, "start"),
            weeks=_count(form.weeks, "weeks"),
            weekdays=protocols.parse_weekdays(",".join(form.weekdays)) if form.weekdays else (),
            off_weeks=_count(form.off_weeks, "off_weeks"),
            cycles=_count(form.cycles, "cycles"),
        )
        protocols.validate_spec(spec)

        def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
            create_plan(
                session=session, person_id=person.id, spec=spec,
                past_confirmed=bool(form.confirm_past),
            )
            return 201, {}

        submit(state, form, "/plan", work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump()}
        response: Response = _plan_page(request, state, extra, exc.http_status)
        return response
    return RedirectResponse("/plan?saved=1", status_code=303)


def _count(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(field, f"{text!r} is not a whole number", "a whole number") from None


@router.get("/plan.ics")
def plan_ics(state: StateDep, reminders: bool = True) -> Response:
    """The plan as an iCalendar file (dose days and daily check-in reminders)."""
    from microdose.reports.ics import plan_calendar
    from microdose.services.reminders import calendar_inputs

    with state.sessions() as session:
        person = state.person(session)
        plan = active_plan(session=session, person_id=person.id)
        paused = reminders_paused(session=session, person_id=person.id)
        zone = person.timezone
        schedule, last = calendar_inputs(session=session, person_id=person.id)
        session.commit()
    if plan is None:
        raise NotFound("no plan yet: make one on the plan page")
    if paused:  # no dose reminders while a crisis waits for its acknowledgement
        plan = replace(plan, dose_days=())
    body = plan_calendar(plan, tz=zone, reminders=reminders, schedule=schedule, last_answered=last)
    headers = {"Content-Disposition": 'inline; filename="microdose-plan.ics"'}
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
