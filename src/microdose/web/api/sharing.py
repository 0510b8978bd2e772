"""JSON API of the service: what a participant shares, and the admin's accounts and log.

Service mode only (404 on a personal journal); every route needs a login. Every POST goes
through :func:`~microdose.web.platform.service_deps.perform_as` (one transaction;
``Idempotency-Key`` honoured per account).

Participant (own = the logged-in participant's links, enrolments and audit entries):

- ``POST /api/v1/links/accept`` — accept a clinician's invitation code (201)
- ``GET /api/v1/links`` — my clinician links (a clinician: their own invitations)
- ``POST /api/v1/links/{link_id}/revoke`` — end a link (the person or the clinician)
- ``POST /api/v1/invitations/preview`` — a study invitation: the study and its consent text
  (the code in the body, not the URL, which access logs and proxies keep)
- ``POST /api/v1/enrolments`` — enrol with a code, accepting the consent shown (201)
- ``GET /api/v1/enrolments`` — my studies, with the consent state
- ``GET /api/v1/enrolments/{study_id}/consent`` — the study's current consent text
- ``POST /api/v1/enrolments/{study_id}/consent`` — accept a new consent version
- ``POST /api/v1/enrolments/{study_id}/withdraw`` — withdraw; ``delete_data`` deletes the
  account and everything recorded, and ends the session
- ``GET /api/v1/audit`` — who looked at my data
- ``GET /api/v1/sharing`` — my notes setting and exactly what clinicians and studies read
- ``POST /api/v1/sharing`` — ``{notes_shared}``: share check-in and dose notes, or not

Admin (other roles get 403 on every ``/api/v1/admin`` route):

- ``GET /api/v1/admin/accounts`` — accounts, optionally of one ``role``
- ``POST /api/v1/admin/accounts`` — create an account (201; the password is never stored
  outside its argon2id hash, not even in the idempotency record)
- ``POST /api/v1/admin/accounts/{account_id}/disable`` — disable (ends its sessions)
- ``POST /api/v1/admin/accounts/{account_id}/enable`` — enable
- ``GET /api/v1/admin/audit`` — every audit entry, newest first
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from microdose.domain.roles import AccessDenied, Action, Relation, Resource, allowed
from microdose.services import accounts, caseload, sharing, studies, visibility
from microdose.services.access import Actor
from microdose.services.audit import MAX_ENTRIES
from microdose.web.platform.deps import (
    ActorDep,
    IdempotencyKey,
    SessionDep,
    StateDep,
    current_actor,
)
from microdose.web.platform.problems import PROBLEM_RESPONSES
from microdose.web.platform.security import SESSION_COOKIE, keyed_hash
from microdose.web.platform.service_deps import SERVICE_API_DEPS, perform_as
from microdose.web.schemas.sharing import (
    AccountCreate,
    AccountPublic,
    AuditEntryPublic,
    ConsentAccept,
    ConsentAccepted,
    EnrolmentConsent,
    EnrolmentCreate,
    EnrolmentPublic,
    InvitationLookup,
    InvitationPreview,
    LinkAccept,
    LinkPublic,
    NotesSharing,
    RoleName,
    SharingPublic,
    WithdrawalPublic,
    WithdrawRequest,
)

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, dependencies=SERVICE_API_DEPS)
Limit = Annotated[int, Query(ge=1, le=MAX_ENTRIES, description=f"1-{MAX_ENTRIES} entries")]


def public(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """A POST's body as its response model writes it (the same JSON as the GET routes)."""
    return model.model_validate(data).model_dump(mode="json")


def _link(session: Session, actor: Actor, link_id: uuid.UUID) -> dict[str, Any]:
    found = [
        x
        for x in sharing.participant_links(session=session, actor=actor)
        if x["id"] == str(link_id)
    ]
    return found[0]


@router.post("/links/accept", status_code=201, response_model=LinkPublic, tags=["sharing"])
def accept_link(
    body: LinkAccept, request: Request, state: StateDep, actor: ActorDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Accept a clinician's invitation code: they may read your records until a revoke."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        link = caseload.accept(session=session, actor=who, code=body.code)
        return 201, public(LinkPublic, _link(session, who, link.id))

    return perform_as(request, state, actor, key=key, payload=body.model_dump(), work=work)


@router.get("/links", response_model=list[LinkPublic], tags=["sharing"])
def list_links(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Your clinician links: the clinician's name, since when, and the state."""
    return sharing.participant_links(session=session, actor=actor)


@router.post("/links/{link_id}/revoke", response_model=LinkPublic, tags=["sharing"])
def revoke_link(
    link_id: uuid.UUID,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """End a link: from now on the clinician reads nothing of yours (404 for another's)."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        caseload.revoke(session=session, actor=who, link_id=link_id)
        return 200, public(LinkPublic, _link(session, who, link_id))

    return perform_as(request, state, actor, key=key, payload={}, work=work)


def sharing_public(shared: bool) -> dict[str, Any]:
    """The notes setting with what each role reads (``visibility``'s lists)."""
    def rows(seen: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
        return [{"record": record, "fields": fields} for record, fields in seen]

    return public(SharingPublic, {"notes_shared": shared,
                                  "clinician_sees": rows(visibility.CLINICIAN_SEES),
                                  "study_sees": rows(visibility.STUDY_SEES)})


@router.get("/sharing", response_model=SharingPublic, tags=["sharing"])
def get_sharing(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Whether my check-in and dose notes are shared, and what each role reads."""
    return sharing_public(visibility.notes_shared(session=session, actor=actor))


@router.post("/sharing", response_model=SharingPublic, tags=["sharing"])
def set_sharing(
    body: NotesSharing, request: Request, state: StateDep, actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Share check-in and dose notes with linked clinicians (true) or keep them private."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        shared = visibility.set_notes_shared(session=session, actor=who,
                                             shared=body.notes_shared)
        return 200, sharing_public(shared)

    return perform_as(request, state, actor, key=key, payload=body.model_dump(), work=work)


@router.post("/invitations/preview", response_model=InvitationPreview, tags=["studies"])
def preview_invitation(
    body: InvitationLookup,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """The study a code invites to, with the current consent text, version and SHA-256.

    A POST that changes nothing: the code travels in the body, because a URL is kept in
    access logs, proxies and browser histories.
    """

    def work(session: Session, _who: Actor) -> tuple[int, dict[str, Any]]:
        return 200, studies.preview_invitation(session=session, code=body.code)

    return perform_as(request, state, actor, key=key, payload=body.model_dump(), work=work)


@router.post("/enrolments", status_code=201, response_model=EnrolmentPublic, tags=["studies"])
def enrol(
    body: EnrolmentCreate,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Enrol with a code; 409 naming the version to read when the consent text changed."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = studies.enrol(
            session=session,
            actor=who,
            code=body.code,
            consent_version=body.consent_version,
            consent_sha256=body.consent_sha256,
        )
        return 201, public(EnrolmentPublic, _enrolment(session, who, row.study_id))

    return perform_as(request, state, actor, key=key, payload=body.model_dump(), work=work)


def _enrolment(session: Session, actor: Actor, study_id: uuid.UUID) -> dict[str, Any]:
    mine = sharing.my_enrolments(session=session, actor=actor)
    return next(e for e in mine if e["study_id"] == str(study_id))


@router.get("/enrolments", response_model=list[EnrolmentPublic], tags=["studies"])
def list_enrolments(session: SessionDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Your studies; ``consent_current`` is false when a new consent version waits."""
    return sharing.my_enrolments(session=session, actor=actor)


@router.get("/enrolments/{study_id}/consent", response_model=EnrolmentConsent, tags=["studies"])
def get_consent(study_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The current consent text of a study you are enrolled in, and whether you accepted it."""
    return sharing.enrolment_consent(session=session, actor=actor, study_id=study_id)


@router.post("/enrolments/{study_id}/consent", response_model=ConsentAccepted, tags=["studies"])
def accept_consent(
    study_id: uuid.UUID,
    body: ConsentAccept,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Accept the study's current consent version (409 naming it when another was sent)."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = studies.accept_consent(
            session=session, actor=who, study_id=study_id, version=body.version, sha256=body.sha256
        )
        return 200, public(
            ConsentAccepted,
            {
                "study_id": str(study_id),
                "version": body.version,
                "sha256": row.sha256,
                "accepted_at": row.accepted_at,
            },
        )

    return perform_as(request, state, actor, key=key, payload=body.model_dump(), work=work)


@router.post("/enrolments/{study_id}/withdraw", response_model=WithdrawalPublic, tags=["studies"])
def withdraw(
    study_id: uuid.UUID,
    body: WithdrawRequest,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Withdraw: collection stops. With ``delete_data`` your account and everything you
    recorded are deleted, and this login ends."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        done = studies.withdraw(
            session=session, actor=who, study_id=study_id, delete_data=body.delete_data
        )
        return 200, public(WithdrawalPublic, done.to_dict())

    response = perform_as(request, state, actor, key=key, payload=body.model_dump(), work=work)
    if body.delete_data:  # the account and its sessions went with the person
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/audit", response_model=list[AuditEntryPublic], tags=["sharing"])
def my_audit(session: SessionDep, actor: ActorDep, limit: Limit = 200) -> list[dict[str, Any]]:
    """Who looked at your data: clinicians, researchers (pseudonymised), admins, refusals."""
    return sharing.audit_about_me(session=session, actor=actor, limit=limit)


async def require_admin(request: Request) -> None:
    """Only a role that may manage other accounts reaches ``/api/v1/admin`` (else 403)."""
    actor = current_actor(request)
    if not allowed(actor.role, Action.WRITE, Resource.ACCOUNT, Relation.OTHER):
        raise AccessDenied(f"admin: a {actor.role} account may not manage accounts")


admin_router = APIRouter(
    prefix="/api/v1/admin",
    responses=PROBLEM_RESPONSES,
    tags=["admin"],
    dependencies=[*SERVICE_API_DEPS, Depends(require_admin)],
)


@admin_router.get("/accounts", response_model=list[AccountPublic])
def list_accounts(
    session: SessionDep, actor: ActorDep, role: RoleName | None = None
) -> list[dict[str, Any]]:
    """Every account by email, optionally of one role."""
    rows = accounts.list_accounts(session=session, actor=actor, role=role)
    return [accounts.account_dict(row) for row in rows]


def _without_password(secret: bytes, body: AccountCreate) -> dict[str, Any]:
    """The request as the idempotency record keeps it: the password only as a keyed hash."""
    data = body.model_dump(exclude={"password"})
    data["password_hmac"] = keyed_hash(secret, body.password)
    return data


@admin_router.post("/accounts", status_code=201, response_model=AccountPublic)
def create_account(
    body: AccountCreate,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Create an account (the password policy applies; a participant gets a journal)."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = accounts.add_account(
            session=session,
            actor=who,
            email=body.email,
            password=body.password,
            role=body.role,
            display_name=body.display_name,
            timezone=body.timezone,
        )
        return 201, public(AccountPublic, accounts.account_dict(row))

    payload = _without_password(state.security.secret, body)
    return perform_as(request, state, actor, key=key, payload=payload, work=work)


def _set_disabled(
    request: Request,
    state: StateDep,
    actor: Actor,
    account_id: uuid.UUID,
    key: str | None,
    disabled: bool,
) -> JSONResponse:
    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = sharing.set_disabled_by_id(
            session=session, actor=who, account_id=account_id, disabled=disabled
        )
        return 200, public(AccountPublic, accounts.account_dict(row))

    return perform_as(request, state, actor, key=key, payload={}, work=work)


@admin_router.post("/accounts/{account_id}/disable", response_model=AccountPublic)
def disable_account(
    account_id: uuid.UUID,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Disable an account: it can no longer log in, and its sessions end now."""
    return _set_disabled(request, state, actor, account_id, key, True)


@admin_router.post("/accounts/{account_id}/enable", response_model=AccountPublic)
def enable_account(
    account_id: uuid.UUID,
    request: Request,
    state: StateDep,
    actor: ActorDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Enable a disabled account."""
    return _set_disabled(request, state, actor, account_id, key, False)


@admin_router.get("/audit", response_model=list[AuditEntryPublic])
def all_audit(session: SessionDep, actor: ActorDep, limit: Limit = 200) -> list[dict[str, Any]]:
    """Every audit entry, newest first: allowed accesses and refusals."""
    return sharing.audit_all(session=session, actor=actor, limit=limit)
