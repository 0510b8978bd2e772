"""HTML pages: the safety screen and adverse events, the crisis flow, the evidence summary.

Settings live in :mod:`microdose.web.pages.settings`, insights and the blinded trial in
:mod:`microdose.web.pages.insight`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from microdose.domain import adverse, evidence, screen_merge
from microdose.domain import safety as safety_rules
from microdose.domain.errors import MicrodoseError
from microdose.services import crisis, safety
from microdose.services.adverse import adverse_events, record_adverse
from microdose.services.people import local_today
from microdose.store.models import Person
from microdose.web.pages.forms import FormBase, submit
from microdose.web.platform import crisis_gate
from microdose.web.platform.deps import StateDep
from microdose.web.platform.guards import PAGE_GUARDS, safe_next
from microdose.web.platform.state import WebState
from microdose.web.platform.views import form_error, render

router = APIRouter(dependencies=PAGE_GUARDS, include_in_schema=False)


#: conditions offered as checkboxes (pregnancy and breastfeeding have their own)
SCREEN_CONDITIONS = tuple(
    c for c in safety_rules.CONDITION_RULES if c not in ("pregnancy", "breastfeeding")
)


class ScreenForm(FormBase):
    """The safety screen form."""

    conditions: list[str] = Field(default_factory=list)
    other_conditions: str = ""
    medications: str = ""
    pregnant: str = ""
    breastfeeding: str = ""
    remove_conditions: list[str] = Field(default_factory=list)
    remove_medications: list[str] = Field(default_factory=list)


class AdverseForm(FormBase):
    """The adverse-event form."""

    category: str = ""
    grade: str = ""
    start: str = ""
    end: str = ""
    action: str = ""
    notes: str = ""


class NextForm(FormBase):
    """A form that says where to go next."""

    next: str = "/"


def safety_summary(state: WebState) -> dict[str, Any]:
    """The latest screen's verdict and whether a new one is due (for pages that dose)."""
    with state.sessions() as session:
        person = state.person(session)
        row = safety.latest_screen(session=session, person_id=person.id)
        due = safety.rescreen_reason(session=session, person_id=person.id)
        session.commit()
    if row is None:
        return {"verdict": None, "due": due, "reasons": []}
    return {
        "verdict": row.verdict,
        "screened_at": row.screened_at,
        "next_due": safety_rules.rescreen_due(row.screened_at).date(),
        "due": due,
        "reasons": row.reasons,
        "blocks": screen_merge.blocks_of(row.conditions, row.medications),
        "changes": row.changes,
    }


def _safety_page(
    request: Request, state: WebState, extra: dict[str, Any], code: int = 200
) -> HTMLResponse:
    with state.sessions() as session:
        person = state.person(session)
        events = list(reversed(adverse_events(session=session, person_id=person.id)))
        today = local_today(person)
        session.commit()
    context = {
        "screen": safety_summary(state),
        "conditions": SCREEN_CONDITIONS,
        "events": events,
        "categories": adverse.CATEGORIES,
        "grades": adverse.GRADES,
        "actions": adverse.ACTIONS,
        "today": today,
        "values": {},
        **extra,
    }
    return render(request, "safety/safety.html", context, code)


@router.get("/safety", response_class=HTMLResponse)
def safety_page(request: Request, state: StateDep, saved: str | None = None) -> HTMLResponse:
    """The safety screen (verdict with reasons and sources) and adverse events."""
    return _safety_page(request, state, {"saved": saved})


@router.post("/safety/screen")
def save_screen(request: Request, state: StateDep, form: Annotated[ScreenForm, Form()]) -> Response:
    """Screen conditions, medications and pregnancy, and store the result."""
    conditions = [*form.conditions, *_lines(form.other_conditions)]

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        outcome = safety.record_screen(
            session=session,
            person=person,
            conditions=conditions,
            medications=_lines(form.medications),
            pregnant=bool(form.pregnant),
            breastfeeding=bool(form.breastfeeding),
            removals=(form.remove_conditions, form.remove_medications),
            removal_fields=("remove_conditions", "remove_medications"),
        )
        return 201, {"verdict": outcome.result.verdict}

    try:
        submit(state, form, "/safety/screen", work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump()}
        return _safety_page(request, state, extra, exc.http_status)
    return RedirectResponse("/safety?saved=screen", status_code=303)


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


@router.post("/safety/adverse")
def save_adverse(
    request: Request, state: StateDep, form: Annotated[AdverseForm, Form()]
) -> Response:
    """Record an adverse event (serious ones bring advice and an alert)."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        grade = int(form.grade) if form.grade.strip().isdigit() else form.grade
        event = adverse.make_adverse(
            form.category,
            grade,
            today=local_today(person),
            start=form.start or None,
            end=form.end or None,
            action=form.action or None,
            notes=form.notes or None,
        )
        outcome = record_adverse(
            session=session, person=person, event=event, env_region=state.settings.region
        )
        return 201, outcome.to_dict()

    try:
        submit(state, form, "/safety/adverse", work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump()}
        return _safety_page(request, state, extra, exc.http_status)
    return RedirectResponse("/safety?saved=adverse#adverse", status_code=303)


@router.get("/crisis", response_class=HTMLResponse)
def crisis_page(request: Request, state: StateDep, next: str = "/") -> HTMLResponse:
    """Help now: the region's crisis resources, and the acknowledgement."""
    with state.sessions() as session:
        person = state.person(session)
        found = crisis_gate.open_crisis(state, session, person)
        region = safety.person_region(person, state.settings.region)
        session.commit()
    payload = found.payload if found else crisis.crisis_payload(region)
    context = {"open": found is not None, "payload": payload, "next": safe_next(next)}
    return render(request, "safety/crisis.html", context)


@router.post("/crisis/acknowledge")
def acknowledge_crisis(state: StateDep, form: Annotated[NextForm, Form()]) -> RedirectResponse:
    """Record that the resources were seen; the pages and doses are available again."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        return 200, {"acknowledged": crisis_gate.acknowledge(session, person)}

    submit(state, form, "/crisis/acknowledge", work)
    return RedirectResponse(safe_next(form.next), status_code=303)


@router.get("/evidence", response_class=HTMLResponse)
def evidence_page(request: Request) -> HTMLResponse:
    """What the evidence says, each claim with its citation."""
    return render(request, "safety/evidence.html", {"evidence": evidence.evidence_dict()})
