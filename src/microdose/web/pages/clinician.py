"""The clinician's pages (service mode): the caseload, a person's view, alerts acknowledged.

- ``GET  /clinician``: the caseload sorted by need, each number explained; invitations
  (a new code is shown once) and links with revoke.
- ``POST /clinician/invitations`` (form): a new invitation code, shown on the page it returns.
- ``GET  /clinician/invitations``: back to ``/clinician`` (a reload never shows a code again).
- ``POST /clinician/links/{link_id}/revoke`` (form) → ``/clinician?revoked=1``.
- ``GET  /clinician/people/{person_id}``: timeline, charts (drawn by ``static/charts.js``),
  questionnaire changes with the change worth reading on each, the PDF report link, open alerts.
- ``POST /clinician/alerts/{alert_id}/acknowledge`` (form, note required) → back to the
  person with a confirmation.

Routes parse, call :mod:`microdose.services.caseload` and
:mod:`microdose.services.clinician_views` (which authorise and audit), and present.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microdose.domain import instruments
from microdose.domain.checkins import RATINGS
from microdose.domain.errors import MicrodoseError
from microdose.domain.safety import PHQ9_RELIABLE_DETERIORATION
from microdose.reports import text as report_text
from microdose.reports.pdf import FLAG_TEXT
from microdose.services import caseload, clinician_views
from microdose.services.access import Actor
from microdose.web.api.clinician import audited_read, chart_list
from microdose.web.pages.forms import CHANGE_CELLS, FormBase
from microdose.web.platform.deps import ActorDep, StateDep
from microdose.web.platform.service_deps import SERVICE_PAGE_GUARDS, perform_as
from microdose.web.platform.state import WebState
from microdose.web.platform.views import form_error, render

router = APIRouter(dependencies=SERVICE_PAGE_GUARDS, include_in_schema=False)

#: the timeline's default window (the alerts are always listed in full)
TIMELINE_DAYS = 90


def local_day(moment: str, zone: ZoneInfo) -> date:
    """The person's calendar day of a stored ISO timestamp."""
    return datetime.fromisoformat(moment).astimezone(zone).date()


def _checkin_text(row: dict[str, Any]) -> str:
    text = " · ".join(f"{name} {row[name]}" for name in RATINGS if row.get(name) is not None)
    if row.get("side_effects"):
        text += "; side effects: " + ", ".join(row["side_effects"])
    return text + (f"; note: {row['notes']}" if row.get("notes") else "")


def questionnaire_text(row: dict[str, Any]) -> str:
    """A response's score in words, with the change worth reading on it where one is known."""
    name = instruments.get_instrument(row["instrument"]).name
    score = row.get("score") or {}
    if "subscales" in score:
        parts = [f"{key} {sub['score']} ({sub['severity']})"
                 for key, sub in score["subscales"].items()]
        text = f"{name}: " + ", ".join(parts)
    elif "percent" in score:
        text = f"{name}: {score['percent']}% ({score.get('severity')}; {CHANGE_CELLS['who5']})"
    else:
        guide = CHANGE_CELLS.get(row["instrument"])
        band = f"; {guide}" if guide else ""
        text = f"{name}: {row['total']} ({row['severity']}{band})"
    flags = [FLAG_TEXT.get(flag, flag) for flag in row.get("flags") or ()]
    return text + ("; " + "; ".join(flags) if flags else "")


def _dose_text(row: dict[str, Any]) -> str:
    if row.get("envelope_code"):
        return f"trial envelope {row['envelope_code']} (blinded)"
    amount = f"{row['grams']:g} g {row.get('material') or ''}".strip() if row.get("grams") else ""
    if row.get("mg_low") is not None and row.get("mg_high") is not None:
        amount += f" ≈ {row['mg_low']:.1f}–{row['mg_high']:.1f} mg psilocybin (estimate range)"
    warnings = "; ".join(row.get("warnings") or ())
    return (amount or "dose recorded") + (f"; warnings: {warnings}" if warnings else "")


def _adverse_text(row: dict[str, Any]) -> str:
    text = f"{row['category']}, grade {row['grade']}"
    text += " (serious)" if row.get("serious") else ""
    text += f", until {row['end_date']}" if row.get("end_date") else ", ongoing"
    return text + (f"; action: {row['action']}" if row.get("action") else "")


def _alert_text(row: dict[str, Any]) -> str:
    ack = row.get("acknowledgement")
    return str(row["message"]) + (f" — acknowledged: {ack['note']}" if ack else " — open")


def timeline_events(found: dict[str, Any], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Every record of the timeline as one list, newest day first."""
    events = [
        *({"day": date.fromisoformat(r["local_date"]), "kind": "Check-in",
           "text": _checkin_text(r), "flag": False} for r in found["checkins"]),
        *({"day": date.fromisoformat(r["local_date"]), "kind": "Questionnaire",
           "text": questionnaire_text(r), "flag": bool(r.get("flags"))}
          for r in found["questionnaires"]),
        *({"day": date.fromisoformat(r["local_date"]), "kind": "Dose", "text": _dose_text(r),
           "flag": bool(r.get("warnings"))} for r in found["doses"]),
        *({"day": date.fromisoformat(r["start_date"]), "kind": "Adverse event",
           "text": _adverse_text(r), "flag": r["grade"] >= 3} for r in found["adverse_events"]),
        *({"day": local_day(r["created_at"], zone), "kind": "Alert", "text": _alert_text(r),
           "flag": r.get("acknowledgement") is None} for r in found["alerts"]),
    ]
    return sorted(events, key=lambda e: e["day"], reverse=True)


class AcknowledgeForm(FormBase):
    """Acknowledging an alert: the note, and the person whose page to return to."""

    note: str = ""
    person: str = ""


def _body(response: Response) -> dict[str, Any]:
    """The JSON body of a :func:`perform_as` answer."""
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body


def phq9_view(entry: caseload.CaseloadEntry) -> dict[str, Any]:
    """PHQ-9 first → latest with the change and whether it is beyond measurement error."""
    first, latest = entry.phq9_first, entry.phq9_latest
    if first is None or latest is None:
        return {"text": "—", "change": None, "verdict": "no PHQ-9 yet"}
    change = latest - first
    if entry.deteriorated:
        verdict = "reliably worse"
    elif change <= -PHQ9_RELIABLE_DETERIORATION:
        verdict = "reliably better"
    else:
        verdict = "within noise"
    return {"text": f"{first} → {latest}", "change": report_text.signed(change, 0),
            "verdict": verdict}


def _caseload_context(session: Session, actor: Actor) -> dict[str, Any]:
    entries = caseload.caseload(session=session, actor=actor)
    names = {e.person_id: e.display_name for e in entries}
    links = []
    for row in clinician_views.clinician_links(session=session, actor=actor):
        link = caseload.link_dict(row)
        link["name"] = names.get(row.person_id) if row.person_id else None
        links.append(link)
    return {
        "entries": [{"entry": e, "phq9": phq9_view(e)} for e in entries],
        "links": list(reversed(links)),
        "reliable": PHQ9_RELIABLE_DETERIORATION,
        "window": caseload.MISSED_WINDOW_DAYS,
        "recent": caseload.RECENT_DAYS,
    }


def _caseload_page(
    request: Request, state: WebState, actor: Actor, extra: dict[str, Any], code: int = 200
) -> HTMLResponse:
    context = audited_read(state, lambda session: _caseload_context(session, actor))
    return render(request, "clinician/caseload.html", {**context, **extra}, code)


@router.get("/clinician", response_class=HTMLResponse)
def caseload_page(
    request: Request, state: StateDep, actor: ActorDep, revoked: str | None = None
) -> HTMLResponse:
    """The caseload, most in need first, with invitations and links."""
    return _caseload_page(request, state, actor, {"revoked": revoked})


@router.post("/clinician/invitations", response_class=HTMLResponse)
def create_invitation(
    request: Request, state: StateDep, actor: ActorDep, form: Annotated[FormBase, Form()]
) -> HTMLResponse:
    """Make a code and show it once (never stored: a resubmitted form makes none and
    answers 409, ``ShownOnce``)."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        made = clinician_views.create_invitation(session=session, actor=who)
        return 201, {"code": made.code, "expires_at": made.link.expires_at.isoformat()}

    made = _body(perform_as(request, state, actor, key=form.idempotency_key or None,
                            payload={}, work=work, secret=("code",)))
    expires = datetime.fromisoformat(made["expires_at"])
    # the security middleware sends Cache-Control: no-store, so the code is not cached
    return _caseload_page(request, state, actor,
                          {"invitation": {"code": made["code"], "expires": expires.date()}})


@router.get("/clinician/invitations")
def invitations_page() -> RedirectResponse:
    """A reload of the invitation page goes back to the caseload (the code is not shown)."""
    return RedirectResponse("/clinician", status_code=303)


@router.post("/clinician/links/{link_id}/revoke")
def revoke_link(
    link_id: uuid.UUID, request: Request, state: StateDep, actor: ActorDep,
    form: Annotated[FormBase, Form()],
) -> RedirectResponse:
    """End a link or withdraw an invitation."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        clinician_views.revoke_link(session=session, actor=who, link_id=link_id)
        return 200, {"link": str(link_id)}

    perform_as(request, state, actor, key=form.idempotency_key or None,
               payload={"link": str(link_id)}, work=work)
    return RedirectResponse("/clinician?revoked=1", status_code=303)


def _charts(found: clinician_views.PersonInsight) -> list[dict[str, str]]:
    return [
        {"name": c.name, "title": c.title, "caption": c.caption,
         "spec": json.dumps(c.spec, separators=(",", ":"))}
        for c in chart_list(found)
    ]


def person_context(
    session: Session, actor: Actor, person_id: uuid.UUID, everything: bool
) -> dict[str, Any]:
    """The timeline (audited), the analysis (audited) and the open alerts of a person."""
    start = None if everything else datetime.now(UTC).date() - timedelta(days=TIMELINE_DAYS - 1)
    found = caseload.timeline(session=session, actor=actor, person_id=person_id, start=start)
    analysed = clinician_views.person_insight(session=session, actor=actor, person_id=person_id)
    zone = ZoneInfo(found["person"]["timezone"])
    return {
        "person": found["person"],
        "notes_shared": found["notes_shared"],
        "events": timeline_events(found, zone),
        "open_alerts": [a for a in found["alerts"] if a["acknowledgement"] is None],
        "insight": analysed.insight,
        "empty": analysed.note,
        "charts": _charts(analysed),
        "fmt": report_text,
        "since": start,
        "everything": everything,
        "days": TIMELINE_DAYS,
        "reliable": PHQ9_RELIABLE_DETERIORATION,
    }


def _person_page(
    request: Request, state: WebState, actor: Actor, person_id: uuid.UUID,
    extra: dict[str, Any], code: int = 200, everything: bool = False,
) -> HTMLResponse:
    context = audited_read(
        state, lambda session: person_context(session, actor, person_id, everything))
    return render(request, "clinician/person.html", {**context, **extra}, code)


@router.get("/clinician/people/{person_id}", response_class=HTMLResponse)
def person_page(
    person_id: uuid.UUID, request: Request, state: StateDep, actor: ActorDep,
    acknowledged: str | None = None, all: bool = False,
) -> HTMLResponse:
    """One linked person: timeline, charts, changes with the change worth reading, open alerts."""
    return _person_page(request, state, actor, person_id, {"acknowledged": acknowledged},
                        everything=all)


def _person_of_form(form: AcknowledgeForm) -> uuid.UUID | None:
    try:
        return uuid.UUID(form.person)
    except ValueError:
        return None


@router.post("/clinician/alerts/{alert_id}/acknowledge")
def acknowledge_alert(
    alert_id: uuid.UUID, request: Request, state: StateDep, actor: ActorDep,
    form: Annotated[AcknowledgeForm, Form()],
) -> Response:
    """Acknowledge an alert with a note; back to the person's page with a confirmation."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = clinician_views.acknowledge(session=session, actor=who, alert_id=alert_id,
                                          note=form.note)
        return 201, {"person": str(row.person_id)}

    payload = {"alert": str(alert_id), "note": form.note}
    try:
        done = perform_as(request, state, actor, key=form.idempotency_key or None,
                          payload=payload, work=work)
    except MicrodoseError as exc:
        person_id = _person_of_form(form)
        if person_id is None or exc.http_status not in (409, 422):
            raise
        error = {**form_error(exc), "alert": str(alert_id)}
        return _person_page(request, state, actor, person_id,
                            {"error": error, "note": form.note}, exc.http_status)
    person = _body(done)["person"]
    return RedirectResponse(f"/clinician/people/{person}?acknowledged=1#alerts",
                            status_code=303)

