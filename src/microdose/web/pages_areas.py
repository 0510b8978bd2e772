"""HTML pages: safety screen and adverse events, crisis, evidence, settings, login.

Insights and the blinded trial live in :mod:`microdose.web.pages_insight`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from microdose.domain import adverse, evidence
from microdose.domain import safety as safety_rules
from microdose.domain.errors import InvalidInput, MicrodoseError
from microdose.reports.exports import EXPORTERS
from microdose.services import crisis, portability, safety
from microdose.services.adverse import adverse_events, record_adverse
from microdose.services.people import local_today
from microdose.store.models import Person
from microdose.web import crisis_gate
from microdose.web.deps import StateDep
from microdose.web.guards import PAGE_GUARDS, safe_next
from microdose.web.pages import FormBase, submit
from microdose.web.security import SESSION_COOKIE
from microdose.web.state import WebState
from microdose.web.views import attachment, form_error, render

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


class AdverseForm(FormBase):
    """The adverse-event form."""

    category: str = ""
    grade: str = ""
    start: str = ""
    end: str = ""
    action: str = ""
    notes: str = ""


class RegionForm(FormBase):
    """The crisis-resource region."""

    region: str = "auto"


class NextForm(FormBase):
    """A form that says where to go next."""

    next: str = "/"


class DeleteForm(FormBase):
    """Deleting the journal needs the word DELETE typed."""

    confirm: str = ""


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
    return render(request, "safety.html", context, code)


@router.get("/safety", response_class=HTMLResponse)
def safety_page(request: Request, state: StateDep, saved: str | None = None) -> HTMLResponse:
    """The safety screen (verdict with reasons and sources) and adverse events."""
    return _safety_page(request, state, {"saved": saved})


@router.post("/safety/screen")
def save_screen(
    request: Request, state: StateDep, form: Annotated[ScreenForm, Form()]
) -> Response:
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
    return render(request, "crisis.html", context)


@router.post("/crisis/acknowledge")
def acknowledge_crisis(
    state: StateDep, form: Annotated[NextForm, Form()]
) -> RedirectResponse:
    """Record that the resources were seen; the pages and doses are available again."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        return 200, {"acknowledged": crisis_gate.acknowledge(session, person)}

    submit(state, form, "/crisis/acknowledge", work)
    return RedirectResponse(safe_next(form.next), status_code=303)


@router.get("/evidence", response_class=HTMLResponse)
def evidence_page(request: Request) -> HTMLResponse:
    """What the evidence says, each claim with its citation."""
    return render(request, "evidence.html", {"evidence": evidence.evidence_dict()})


def _settings_page(
    request: Request, state: WebState, extra: dict[str, Any], code: int = 200
) -> HTMLResponse:
    with state.sessions() as session:
        person = state.person(session)
        context = {
            "timezone": person.timezone,
            "region": person.region,
            "region_used": safety.person_region(person, state.settings.region),
            "regions": crisis.known_regions(),
            "formats": ["json", "csv", *EXPORTERS],
            "database": _safe_url(state.settings.database_url),
            **extra,
        }
        session.commit()
    return render(request, "settings.html", context, code)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, state: StateDep, saved: str | None = None) -> HTMLResponse:
    """Export, crisis-resource region, and deleting the journal."""
    return _settings_page(request, state, {"saved": saved})


@router.post("/settings/region")
def save_region(
    request: Request, state: StateDep, form: Annotated[RegionForm, Form()]
) -> Response:
    """Set the region whose crisis resources are shown."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        return 200, {"region": safety.set_region(session=session, person=person,
                                                 region=form.region)}

    try:
        submit(state, form, "/settings/region", work)
    except MicrodoseError as exc:
        return _settings_page(request, state, {"error": form_error(exc)}, exc.http_status)
    return RedirectResponse("/settings?saved=region", status_code=303)


@router.post("/settings/delete")
def delete_journal(
    request: Request, state: StateDep, form: Annotated[DeleteForm, Form()]
) -> Response:
    """Delete every record of the journal, after the word DELETE is typed."""
    if form.confirm.strip() != "DELETE":
        error = form_error(InvalidInput("confirm", "type DELETE to confirm", "DELETE"))
        return _settings_page(request, state, {"error": error}, 422)
    with state.sessions() as session, session.begin():
        if state.service:  # only this participant's journal (and account)
            portability.delete_person(session=session, person_id=state.person(session).id)
        else:
            portability.delete_all(session=session)
    if state.service:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    state.forget_person()
    state.ensure_person()
    return RedirectResponse("/settings?saved=deleted", status_code=303)


@router.get("/settings/export/{fmt}")
def export_journal(state: StateDep, fmt: str) -> Response:
    """Download the whole journal: JSON, CSV (zipped), or a format of the insight layer."""
    import tempfile
    from pathlib import Path

    from microdose.domain.errors import NotFound

    formats = ["json", "csv", *EXPORTERS]
    if fmt not in formats:
        raise NotFound(f"{fmt!r} is not an export format (allowed: {', '.join(formats)})")
    with state.sessions() as session, tempfile.TemporaryDirectory() as folder:
        person = state.person(session)
        target = Path(folder) / f"microdose-export.{fmt}"
        if fmt in ("json", "csv"):
            document = portability.export_document(session=session, person=person)
            if fmt == "json":
                portability.write_json(document, target)
            else:
                portability.write_csv(document, target)
        else:
            target = EXPORTERS[fmt](session=session, person=person, output=target)
        session.commit()
        name, body = _download(target)
    return attachment(body, name, "application/octet-stream")


def _download(path: Any) -> tuple[str, bytes]:
    """A file's name and bytes, or a folder zipped."""
    import io
    import zipfile

    if path.is_file():
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(path.rglob("*")):
            if item.is_file():
                archive.write(item, item.relative_to(path).as_posix())
    return path.name + ".zip", buffer.getvalue()
