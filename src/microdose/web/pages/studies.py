"""Researcher pages: studies, with invitation codes, consent versions, export and analyses.

Service mode only (``SERVICE_PAGE_GUARDS``: login and CSRF on every form). The pages are
for accounts that may define studies (researchers, per :mod:`microdose.domain.roles`);
anyone else gets 403, and another researcher's study is 404 (the services decide).

- ``GET /studies`` — the researcher's studies and the form to define one;
  ``POST /studies`` creates it.
- ``GET /studies/{study_id}`` — status, enrolment and completion by study day and
  instrument; forms to change the status (``POST …/status``), publish a new consent
  version (``POST …/consent``) and create invitation codes (``POST …/invitations``, the
  codes are shown once on the page that answers it); export links
  (``GET …/export?format=csv|parquet``, a zip); the analyses
  (``GET …/analysis?outcome=…``) with their 95% intervals, methods and caveats.

Forms work without JavaScript; a refused form comes back with the error beside its field.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microdose.domain import studies as rules
from microdose.domain.checkins import RATINGS
from microdose.domain.errors import InvalidInput, MicrodoseError
from microdose.domain.roles import AccessDenied, Action, Relation, Resource, decide
from microdose.services.access import Actor
from microdose.services.studies import (
    add_consent_version,
    create_invitations,
    create_study,
    current_consent,
    list_studies,
    set_status,
)
from microdose.services.study_export import FORMATS
from microdose.web.api.studies import (
    audited_read,
    export_zip,
    run_analysis,
    study_detail,
    study_public,
)
from microdose.web.pages.forms import FormBase, whole_number
from microdose.web.platform.deps import ActorDep, StateDep
from microdose.web.platform.service_deps import SERVICE_PAGE_GUARDS, ActorWork, perform_as
from microdose.web.platform.state import WebState
from microdose.web.platform.views import attachment, form_error, render
from microdose.web.schemas.studies import AnalysisPublic, TermPublic

router = APIRouter(dependencies=SERVICE_PAGE_GUARDS, include_in_schema=False)
#: help shown beside the create form's fields
EXAMPLE_ARMS = "microdose=open-label,comparison=comparator"
EXAMPLE_SCHEDULE = "0:phq9,dass21;14:phq9;28:phq9,dass21"


class StudyForm(FormBase):
    """The form that defines a study (as typed; the domain validates)."""

    title: str = ""
    arms: str = ""
    protocol: str = rules.OBSERVATIONAL
    schedule: str = ""
    duration_days: str = "28"
    window_days: str = "2"
    description: str = ""
    consent: str = ""
    export_dates: str = ""
    export_free_text: str = ""
    draft: str = ""


class StatusForm(FormBase):
    """A new recruitment status."""

    status: str = ""


class ConsentForm(FormBase):
    """A new consent version's text."""

    consent: str = ""


class InvitationForm(FormBase):
    """How many invitation codes, for which arm, valid how long."""

    count: str = "1"
    arm: str = ""
    expires_days: str = ""


def researcher_only(actor: Actor) -> None:
    """403 for roles that may not define studies (the policy's answer)."""
    decision = decide(actor.role, Action.WRITE, Resource.STUDY, Relation.OWN)
    if not decision.allowed:
        raise AccessDenied(f"studies: {decision.reason}")


def _submit(request: Request, state: WebState, actor: Actor, form: FormBase,
            work: ActorWork, secret: tuple[str, ...] = ()) -> dict[str, Any]:
    """Do a form's write once per form (its hidden idempotency key); the JSON body (the
    ``secret`` fields are not stored with the key: a resubmission is ``ShownOnce``)."""
    payload = form.model_dump(exclude={"csrf_token", "idempotency_key"})
    response = perform_as(request, state, actor, key=form.idempotency_key or None,
                          payload=payload, work=work, secret=secret)
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body


def _as_field(name: str, exc: InvalidInput) -> InvalidInput:
    """An error of a part of a field (e.g. an instrument in the schedule) as the field's."""
    return exc if exc.field == name else InvalidInput(name, exc.message)


def study_spec(form: StudyForm) -> rules.StudySpec:
    """The form's study, parsed (errors name the form's field)."""
    try:
        arms = rules.parse_arms(form.arms)
    except InvalidInput as exc:
        raise _as_field("arms", exc) from exc
    try:
        schedule = rules.parse_schedule(form.schedule)
    except InvalidInput as exc:
        raise _as_field("schedule", exc) from exc
    return rules.StudySpec(
        title=form.title, arms=arms, schedule=schedule,
        protocol=form.protocol.strip().lower(),
        duration_days=whole_number(form.duration_days, "duration_days", f"1-{rules.MAX_DAY}"),
        window_days=whole_number(form.window_days, "window_days", f"0-{rules.MAX_WINDOW}"),
        description=form.description.strip() or None,
        export_dates=bool(form.export_dates), export_free_text=bool(form.export_free_text),
    )


def _list_page(request: Request, state: WebState, actor: Actor, extra: dict[str, Any],
               code: int = 200) -> HTMLResponse:
    researcher_only(actor)
    with state.sessions() as session, session.begin():
        rows = [study_public(session, s) for s in list_studies(session=session, actor=actor)]
    context = {
        "studies": rows, "protocols": rules.PROTOCOLS, "arm_kinds": rules.ARM_KINDS,
        "example_arms": EXAMPLE_ARMS, "example_schedule": EXAMPLE_SCHEDULE,
        "max_day": rules.MAX_DAY, "max_window": rules.MAX_WINDOW,
        "values": {}, **extra,
    }
    return render(request, "studies/studies.html", context, code)


@router.get("/studies", response_class=HTMLResponse)
def studies_page(request: Request, state: StateDep, actor: ActorDep) -> HTMLResponse:
    """The researcher's studies and the form to define a new one."""
    return _list_page(request, state, actor, {})


@router.post("/studies")
def create_study_form(request: Request, state: StateDep, actor: ActorDep,
                      form: Annotated[StudyForm, Form()]) -> Response:
    """Define a study; on success go to its page."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        study = create_study(session=session, actor=who, spec=study_spec(form),
                             consent_text=form.consent,
                             status="draft" if form.draft else "recruiting")
        return 201, {"id": str(study.id)}

    try:
        researcher_only(actor)
        created = _submit(request, state, actor, form, work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump()}
        return _list_page(request, state, actor, extra, exc.http_status)
    return RedirectResponse(f"/studies/{created['id']}?saved=created", status_code=303)


def _study_context(session: Session, actor: Actor, study_id: uuid.UUID) -> dict[str, Any]:
    detail = study_detail(session, actor, study_id)
    consent = current_consent(session, study_id)
    return {"study": detail, "progress": detail["progress"], "consent_text": consent.text}


def _study_page(request: Request, state: WebState, actor: Actor, study_id: uuid.UUID,
                extra: dict[str, Any], code: int = 200) -> HTMLResponse:
    researcher_only(actor)
    context = audited_read(state, lambda session: _study_context(session, actor, study_id))
    context.update({"statuses": rules.STATUSES, "outcomes": rules.OUTCOMES, "ratings": RATINGS,
                    "formats": FORMATS, "values": {}, "query": {}})
    context.update(extra)
    return render(request, "studies/study.html", context, code)


@router.get("/studies/{study_id}", response_class=HTMLResponse)
def study_page(request: Request, state: StateDep, actor: ActorDep, study_id: uuid.UUID,
               saved: str | None = None) -> HTMLResponse:
    """A study: status, enrolment and completion, codes, consent, export, analyses."""
    return _study_page(request, state, actor, study_id, {"saved": saved})


def _study_form(request: Request, state: WebState, actor: Actor, study_id: uuid.UUID,
                form: FormBase, work: ActorWork, saved: str) -> Response:
    """Submit one of the study page's forms: 303 back to it, or the page with the error."""
    try:
        researcher_only(actor)
        _submit(request, state, actor, form, work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump()}
        return _study_page(request, state, actor, study_id, extra, exc.http_status)
    return RedirectResponse(f"/studies/{study_id}?saved={saved}", status_code=303)


@router.post("/studies/{study_id}/status")
def status_form(request: Request, state: StateDep, actor: ActorDep, study_id: uuid.UUID,
                form: Annotated[StatusForm, Form()]) -> Response:
    """Open, pause or close recruitment."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = set_status(session=session, actor=who, study_id=study_id,
                         status=form.status.strip().lower())
        return 200, {"status": row.status}

    return _study_form(request, state, actor, study_id, form, work, "status")


@router.post("/studies/{study_id}/consent")
def consent_form(request: Request, state: StateDep, actor: ActorDep, study_id: uuid.UUID,
                 form: Annotated[ConsentForm, Form()]) -> Response:
    """Publish a new consent version."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = add_consent_version(session=session, actor=who, study_id=study_id,
                                  text=form.consent)
        return 201, {"version": row.version}

    return _study_form(request, state, actor, study_id, form, work, "consent")


@router.post("/studies/{study_id}/invitations", response_class=HTMLResponse)
def invitations_form(request: Request, state: StateDep, actor: ActorDep,
                     study_id: uuid.UUID, form: Annotated[InvitationForm, Form()]
                     ) -> HTMLResponse:
    """Create invitation codes and show them, once, on the page that answers."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        expires = form.expires_days.strip()
        codes = create_invitations(
            session=session, actor=who, study_id=study_id,
            count=whole_number(form.count, "count", "1-1000"), arm=form.arm.strip() or None,
            expires_days=whole_number(expires, "expires_days", "1-365") if expires else None)
        return 201, {"codes": codes}

    try:
        researcher_only(actor)
        made = _submit(request, state, actor, form, work, secret=("codes",))
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump()}
        return _study_page(request, state, actor, study_id, extra, exc.http_status)
    shown = {"codes": made["codes"], "codes_arm": form.arm.strip() or None,
             "codes_expire": form.expires_days.strip() or None}
    return _study_page(request, state, actor, study_id, shown, 201)


@router.get("/studies/{study_id}/export")
def export_download(state: StateDep, actor: ActorDep, study_id: uuid.UUID,
                    fmt: Annotated[str, Query(alias="format")] = "csv") -> Response:
    """The pseudonymised export as a zip (CSV or Parquet files and the data dictionary)."""
    researcher_only(actor)
    name, body = export_zip(state, actor, study_id, fmt)
    return attachment(body, name, "application/zip")


@router.get("/studies/{study_id}/analysis", response_class=HTMLResponse)
def analysis_page(request: Request, state: StateDep, actor: ActorDep, study_id: uuid.UUID,
                  outcome: str = "phq9", rating: str = "mood", followup_day: str = "",
                  reference: str = "") -> HTMLResponse:
    """The study page with its cohort analyses for the chosen outcome."""
    query = {"outcome": outcome, "rating": rating, "followup_day": followup_day,
             "reference": reference}
    try:
        researcher_only(actor)
        if outcome not in rules.OUTCOMES:
            raise InvalidInput("outcome", f"unknown outcome {outcome!r}",
                               ", ".join(rules.OUTCOMES))
        if rating not in RATINGS:
            raise InvalidInput("rating", f"unknown rating {rating!r}", ", ".join(RATINGS))
        day = (whole_number(followup_day, "followup_day", f"0-{rules.MAX_DAY}")
               if followup_day.strip() else None)
        result = run_analysis(state, actor, study_id, outcome=outcome, rating=rating,
                              followup_day=day, reference=reference.strip() or None)
    except InvalidInput as exc:
        extra = {"error": form_error(exc), "query": query}
        return _study_page(request, state, actor, study_id, extra, 422)
    extra = {"analysis": analysis_view(result), "query": query}
    return _study_page(request, state, actor, study_id, extra)


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _p_value(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _row(label: str, term: TermPublic) -> dict[str, str]:
    low, high = [*term.ci95, None, None][:2]
    return {"label": label, "estimate": _number(term.estimate), "se": _number(term.se),
            "ci": f"{_number(low)} to {_number(high)}", "p": _p_value(term.p)}


def mixed_label(name: str, formula: str) -> str:
    """A mixed-model term in words: ``weeks:arm[x]`` → ``x − ref: change per week``."""
    found = re.search(r"Treatment\('([^']+)'\)", formula)
    ref = f" ({found.group(1)})" if found else ""
    if name == "Intercept":
        return f"level at day 0{ref}"
    if name == "weeks":
        return f"change per week{ref}"
    arm = name.split("[", 1)[-1].rstrip("]")
    versus = f"{arm} − {found.group(1)}" if found else arm
    return f"{versus}: change per week" if name.startswith("weeks:") else (
        f"{versus}: level at day 0")


def analysis_view(result: AnalysisPublic) -> dict[str, Any]:
    """The analyses as display rows (numbers rounded here, nowhere else)."""
    sections = []
    if (mixed := result.mixed_model) is not None:
        sections.append({
            "title": "Change over study time (mixed model)",
            "about": f"{mixed.n} scores from {mixed.participants} participants",
            "rows": [_row(mixed_label(t.name, mixed.formula), t) for t in mixed.terms],
            "method": f"{mixed.method}; {mixed.formula}", "caveat": mixed.caveat})
    if (ancova := result.ancova) is not None:
        groups = ", ".join(f"{k} {v}" for k, v in ancova.n_by_group.items())
        sections.append({
            "title": f"Arms compared: {ancova.outcome}, adjusted for baseline (ANCOVA)",
            "about": f"{ancova.n} participants ({groups}); reference {ancova.reference}",
            "rows": [*(_row(f"{t.name} − {ancova.reference}", t) for t in ancova.effects),
                     _row("baseline slope", ancova.baseline_slope)],
            "method": ancova.method, "caveat": ancova.caveat})
    if (pooled := result.n_of_1) is not None:
        p = pooled.pooled
        term = TermPublic(name="pooled", estimate=p.estimate, se=p.se, ci95=p.ci95, p=p.p)
        i2 = "—" if p.i2 is None else f"{p.i2:.0%}"
        sections.append({
            "title": f"Pooled N-of-1 effects: {pooled.outcome}",
            "about": f"{p.k} participants pooled, {pooled.left_out} without an estimable "
                     f"effect; τ² {_number(p.tau2)}, I² {i2}",
            "rows": [_row("pooled dose-day effect", term)],
            "method": pooled.method, "caveat": pooled.caveat})
    return {"outcome": result.outcome, "sections": sections, "notes": result.notes}
