"""The participant's sharing pages: clinicians, studies with consent, who looked at my data.

Service mode only. ``/sharing`` accepts a clinician's code and lists (and revokes) links;
a study code leads to the study's page with its full consent text and version, where the
participant accepts and enrols. My studies show when a new consent version waits, and
offer withdrawal, with an explicit choice to delete all data, on a confirmation page.
Forms work without JavaScript (POST, then 303); an error re-renders the form with the
message beside the field.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microdose.domain.errors import InvalidInput, MicrodoseError
from microdose.domain.instruments import get_instrument
from microdose.services import caseload, sharing, studies, visibility
from microdose.services.access import Actor
from microdose.web.pages.forms import FormBase
from microdose.web.platform.deps import ActorDep, StateDep
from microdose.web.platform.guards import PAGE_GUARDS
from microdose.web.platform.security import SESSION_COOKIE
from microdose.web.platform.service_deps import perform_as, require_service
from microdose.web.platform.state import WebState
from microdose.web.platform.views import render

router = APIRouter(dependencies=[Depends(require_service), *PAGE_GUARDS],
                   include_in_schema=False)
#: audit entries shown on /sharing (all of them on /sharing/audit)
RECENT_AUDIT = 5
AUDIT_PAGE = 500


class LinkForm(FormBase):
    """A clinician's invitation code."""

    clinician_code: str = ""


class StudyCodeForm(FormBase):
    """A study invitation code, to see the study before enrolling."""

    study_code: str = ""


class EnrolForm(FormBase):
    """Enrol: the code, the consent version and hash that were shown, and the tick."""

    code: str = ""
    consent_version: str = ""
    consent_sha256: str = ""
    agree: str = ""


class ConsentForm(FormBase):
    """Accept a new consent version."""

    version: str = ""
    sha256: str = ""
    agree: str = ""


class WithdrawForm(FormBase):
    """Withdraw, optionally deleting all data (then DELETE must be typed)."""

    confirm: str = ""
    delete_data: str = ""
    delete_confirm: str = ""


def field_error(field: str, exc: MicrodoseError) -> dict[str, str]:
    """A domain error shown beside one field."""
    return {"field": field, "message": exc.message}


def _write(request: Request, state: WebState, actor: Actor, form: FormBase,
           work: Any, exclude: set[str] | None = None) -> None:
    payload = form.model_dump(exclude={"csrf_token", "idempotency_key", *(exclude or set())})
    perform_as(request, state, actor, key=form.idempotency_key or None, payload=payload,
               work=work)


def _sharing_page(request: Request, state: WebState, actor: Actor, extra: dict[str, Any],
                  code: int = 200) -> HTMLResponse:
    with state.sessions() as session, session.begin():
        context = {
            "links": sharing.participant_links(session=session, actor=actor),
            "enrolments": sharing.my_enrolments(session=session, actor=actor),
            "audit": sharing.audit_about_me(session=session, actor=actor, limit=RECENT_AUDIT),
            "notes_shared": visibility.notes_shared(session=session, actor=actor),
            "clinician_sees": visibility.CLINICIAN_SEES,
            "study_sees": visibility.STUDY_SEES,
        }
    return render(request, "sharing/sharing.html", {"values": {}, **context, **extra}, code)


@router.get("/sharing", response_class=HTMLResponse)
def sharing_page(request: Request, state: StateDep, actor: ActorDep,
                 saved: str | None = None) -> HTMLResponse:
    """Clinician links, my studies, and the latest entries of who looked at my data."""
    return _sharing_page(request, state, actor, {"saved": saved})


@router.post("/sharing/links")
def accept_link(request: Request, state: StateDep, actor: ActorDep,
                form: Annotated[LinkForm, Form()]) -> Response:
    """Accept a clinician's code."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        link = caseload.accept(session=session, actor=who, code=form.clinician_code)
        return 201, {"id": str(link.id)}

    try:
        if not form.clinician_code.strip():
            raise InvalidInput("clinician_code", "type the code your clinician gave you")
        _write(request, state, actor, form, work)
    except MicrodoseError as exc:
        extra = {"error": field_error("clinician_code", exc), "values": form.model_dump()}
        return _sharing_page(request, state, actor, extra, exc.http_status)
    return RedirectResponse("/sharing?saved=linked", status_code=303)


class NotesForm(FormBase):
    """Share check-in and dose notes with linked clinicians ("1") or keep them private."""

    notes_shared: str = ""


@router.post("/sharing/notes")
def share_notes(request: Request, state: StateDep, actor: ActorDep,
                form: Annotated[NotesForm, Form()]) -> Response:
    """The notes setting: private (the default) or shared with linked clinicians."""
    if form.notes_shared not in ("", "0", "1"):
        exc = InvalidInput("notes_shared", "is neither shared nor private", "1 or 0")
        return _sharing_page(request, state, actor, {"error": field_error("notes_shared", exc)},
                             exc.http_status)
    shared = form.notes_shared == "1"

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        return 200, {"notes_shared": visibility.set_notes_shared(session=session, actor=who,
                                                                 shared=shared)}

    _write(request, state, actor, form, work)
    return RedirectResponse(f"/sharing?saved=notes-{'shared' if shared else 'private'}",
                            status_code=303)


@router.post("/sharing/links/{link_id}/revoke")
def revoke_link(request: Request, state: StateDep, actor: ActorDep, link_id: uuid.UUID,
                form: Annotated[FormBase, Form()]) -> RedirectResponse:
    """End a link: the clinician no longer sees anything of yours."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        caseload.revoke(session=session, actor=who, link_id=link_id)
        return 200, {"id": str(link_id)}

    _write(request, state, actor, form, work)
    return RedirectResponse("/sharing?saved=revoked", status_code=303)


def _study_page(request: Request, state: WebState, code: str, extra: dict[str, Any],
                status: int = 200) -> HTMLResponse:
    with state.sessions() as session, session.begin():
        preview = studies.preview_invitation(session=session, code=code)
    schedule = [(item["day"], ", ".join(get_instrument(k).name for k in item["instruments"]))
                for item in preview["schedule"]]
    context = {"study": preview, "schedule": schedule, "code": code, "values": {}, **extra}
    return render(request, "sharing/study.html", context, status)


@router.post("/sharing/invitation", response_class=HTMLResponse)
def preview_study(request: Request, state: StateDep, actor: ActorDep,
                  form: Annotated[StudyCodeForm, Form()]) -> HTMLResponse:
    """The study a code invites to, with the full consent text and its version."""
    try:
        if not form.study_code.strip():
            raise InvalidInput("study_code", "type the code the study team gave you")
        return _study_page(request, state, form.study_code.strip(), {})
    except MicrodoseError as exc:
        extra = {"error": field_error("study_code", exc), "values": form.model_dump()}
        return _sharing_page(request, state, actor, extra, exc.http_status)


def _version(text: str, field: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(field, "is not a version number", "a whole number") from None


@router.post("/sharing/enrol")
def enrol(request: Request, state: StateDep, actor: ActorDep,
          form: Annotated[EnrolForm, Form()]) -> Response:
    """Accept the consent shown and enrol."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = studies.enrol(session=session, actor=who, code=form.code,
                            consent_version=_version(form.consent_version, "consent_version"),
                            consent_sha256=form.consent_sha256 or None)
        return 201, {"study_id": str(row.study_id)}

    try:
        if form.agree != "yes":
            raise InvalidInput("agree", "tick the box to accept the consent and enrol")
        _write(request, state, actor, form, work)
    except MicrodoseError as exc:
        extra = {"error": field_error("agree", exc)}
        try:
            return _study_page(request, state, form.code, extra, exc.http_status)
        except MicrodoseError as gone:  # the code itself is no longer valid
            extra = {"error": field_error("study_code", gone), "values": {}}
            return _sharing_page(request, state, actor, extra, gone.http_status)
    return RedirectResponse("/sharing?saved=enrolled", status_code=303)


def _consent_page(request: Request, state: WebState, actor: Actor, study_id: uuid.UUID,
                  extra: dict[str, Any], status: int = 200) -> HTMLResponse:
    with state.sessions() as session, session.begin():
        consent = sharing.enrolment_consent(session=session, actor=actor, study_id=study_id)
    return render(request, "sharing/consent.html", {"consent": consent, **extra}, status)


@router.get("/sharing/studies/{study_id}/consent", response_class=HTMLResponse)
def consent_page(request: Request, state: StateDep, actor: ActorDep,
                 study_id: uuid.UUID) -> HTMLResponse:
    """A study's current consent text, to read and accept again after a change."""
    return _consent_page(request, state, actor, study_id, {})


@router.post("/sharing/studies/{study_id}/consent")
def accept_consent(request: Request, state: StateDep, actor: ActorDep, study_id: uuid.UUID,
                   form: Annotated[ConsentForm, Form()]) -> Response:
    """Accept the new consent version."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        studies.accept_consent(session=session, actor=who, study_id=study_id,
                               version=_version(form.version, "version"),
                               sha256=form.sha256 or None)
        return 200, {"study_id": str(study_id)}

    try:
        if form.agree != "yes":
            raise InvalidInput("agree", "tick the box to accept this version")
        _write(request, state, actor, form, work)
    except MicrodoseError as exc:
        extra = {"error": field_error("agree", exc)}
        return _consent_page(request, state, actor, study_id, extra, exc.http_status)
    return RedirectResponse("/sharing?saved=consent", status_code=303)


def _withdraw_page(request: Request, state: WebState, actor: Actor, study_id: uuid.UUID,
                   extra: dict[str, Any], status: int = 200) -> HTMLResponse:
    with state.sessions() as session, session.begin():
        consent = sharing.enrolment_consent(session=session, actor=actor, study_id=study_id)
    context = {"study": consent, "values": {}, **extra}
    return render(request, "sharing/withdraw.html", context, status)


@router.get("/sharing/studies/{study_id}/withdraw", response_class=HTMLResponse)
def withdraw_page(request: Request, state: StateDep, actor: ActorDep,
                  study_id: uuid.UUID) -> HTMLResponse:
    """What withdrawing does, the choice to delete all data, and the confirmation."""
    return _withdraw_page(request, state, actor, study_id, {})


def _check_withdraw(form: WithdrawForm) -> bool:
    if form.confirm != "yes":
        raise InvalidInput("confirm", "tick the box to confirm that you withdraw")
    delete = form.delete_data == "yes"
    if delete and form.delete_confirm.strip() != "DELETE":
        raise InvalidInput("delete_confirm", "type DELETE to delete all your data", "DELETE")
    return delete


@router.post("/sharing/studies/{study_id}/withdraw")
def withdraw(request: Request, state: StateDep, actor: ActorDep, study_id: uuid.UUID,
             form: Annotated[WithdrawForm, Form()]) -> Response:
    """Withdraw; with deletion, the account is gone and this login ends."""
    try:
        delete = _check_withdraw(form)

        def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
            done = studies.withdraw(session=session, actor=who, study_id=study_id,
                                    delete_data=delete)
            return 200, done.to_dict()

        _write(request, state, actor, form, work, exclude={"delete_confirm"})
    except MicrodoseError as exc:
        field = getattr(exc, "field", "confirm")
        extra = {"error": field_error(field, exc), "values": form.model_dump()}
        return _withdraw_page(request, state, actor, study_id, extra, exc.http_status)
    if not delete:
        return RedirectResponse("/sharing?saved=withdrawn", status_code=303)
    request.state.actor = None  # the account is gone: render as logged out
    response = render(request, "sharing/deleted.html")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/sharing/audit", response_class=HTMLResponse)
def audit_page(request: Request, state: StateDep, actor: ActorDep) -> HTMLResponse:
    """Who looked at my data: every entry about me, newest first."""
    with state.sessions() as session, session.begin():
        entries = sharing.audit_about_me(session=session, actor=actor, limit=AUDIT_PAGE)
    return render(request, "sharing/audit.html", {"audit": entries, "limit": AUDIT_PAGE})
