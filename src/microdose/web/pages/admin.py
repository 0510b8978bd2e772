"""The admin's pages: accounts (list, create, disable, enable) and the whole audit log.

Service mode, logged in, CSRF on forms (:data:`SERVICE_PAGE_GUARDS`), and only for a role
that may manage other accounts (403 otherwise). Creating an account keeps the password
only as its argon2id hash: the form's idempotency record holds a keyed hash of it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microdose.domain.errors import MicrodoseError
from microdose.domain.roles import Role
from microdose.services import accounts, sharing
from microdose.services.access import Actor
from microdose.web.api.sharing import require_admin
from microdose.web.pages.forms import FormBase
from microdose.web.platform.deps import ActorDep, StateDep
from microdose.web.platform.security import keyed_hash
from microdose.web.platform.service_deps import SERVICE_PAGE_GUARDS, perform_as
from microdose.web.platform.state import WebState
from microdose.web.platform.views import form_error, render

router = APIRouter(dependencies=[*SERVICE_PAGE_GUARDS, Depends(require_admin)],
                   include_in_schema=False)
ROLES = tuple(role.value for role in Role)
AUDIT_LIMITS = (50, 200, 1000)
#: fields of the account form that can carry an error
ACCOUNT_FIELDS = ("email", "role", "display_name", "password", "timezone")


class AccountForm(FormBase):
    """A new account."""

    email: str = ""
    role: str = ""
    display_name: str = ""
    password: str = ""
    timezone: str = "UTC"


def _accounts_page(request: Request, state: WebState, actor: Actor, extra: dict[str, Any],
                   status: int = 200, role: str | None = None) -> HTMLResponse:
    shown = role if role in ROLES else None
    with state.sessions() as session, session.begin():
        rows = accounts.list_accounts(session=session, actor=actor, role=shown)
        listed = [accounts.account_dict(row) for row in rows]
    context = {"accounts": listed, "roles": ROLES, "role": shown, "me": str(actor.account_id),
               "values": {"timezone": "UTC"}, **extra}
    return render(request, "admin/accounts.html", context, status)


@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, state: StateDep, actor: ActorDep,
                  role: str | None = None, saved: str | None = None) -> HTMLResponse:
    """Every account (optionally of one role) and the form to create one."""
    return _accounts_page(request, state, actor, {"saved": saved}, role=role)


@router.post("/admin/accounts")
def create_account(request: Request, state: StateDep, actor: ActorDep,
                   form: Annotated[AccountForm, Form()]) -> Response:
    """Create an account; a refusal names the field beside it."""

    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = accounts.add_account(session=session, actor=who, email=form.email,
                                   password=form.password, role=form.role,
                                   display_name=form.display_name or None,
                                   timezone=form.timezone.strip() or "UTC")
        return 201, accounts.account_dict(row)

    payload = form.model_dump(exclude={"csrf_token", "idempotency_key", "password"})
    payload["password_hmac"] = keyed_hash(state.security.secret, form.password)
    try:
        perform_as(request, state, actor, key=form.idempotency_key or None, payload=payload,
                   work=work)
    except MicrodoseError as exc:
        values = form.model_dump(exclude={"password"})
        extra = {"error": form_error(exc), "values": values, "fields": ACCOUNT_FIELDS}
        return _accounts_page(request, state, actor, extra, exc.http_status)
    return RedirectResponse("/admin/accounts?saved=created", status_code=303)


def _set_disabled(request: Request, state: WebState, actor: Actor, form: FormBase,
                  account_id: uuid.UUID, disabled: bool) -> Response:
    def work(session: Session, who: Actor) -> tuple[int, dict[str, Any]]:
        row = sharing.set_disabled_by_id(session=session, actor=who, account_id=account_id,
                                         disabled=disabled)
        return 200, accounts.account_dict(row)

    try:
        perform_as(request, state, actor, key=form.idempotency_key or None,
                   payload={"disabled": disabled}, work=work)
    except MicrodoseError as exc:
        return _accounts_page(request, state, actor, {"error": form_error(exc)},
                              exc.http_status)
    saved = "disabled" if disabled else "enabled"
    return RedirectResponse(f"/admin/accounts?saved={saved}", status_code=303)


@router.post("/admin/accounts/{account_id}/disable")
def disable_account(request: Request, state: StateDep, actor: ActorDep, account_id: uuid.UUID,
                    form: Annotated[FormBase, Form()]) -> Response:
    """Disable an account (its sessions end now)."""
    return _set_disabled(request, state, actor, form, account_id, True)


@router.post("/admin/accounts/{account_id}/enable")
def enable_account(request: Request, state: StateDep, actor: ActorDep, account_id: uuid.UUID,
                   form: Annotated[FormBase, Form()]) -> Response:
    """Enable an account."""
    return _set_disabled(request, state, actor, form, account_id, False)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, state: StateDep, actor: ActorDep,
               limit: int = AUDIT_LIMITS[1]) -> HTMLResponse:
    """The whole audit log, newest first: allowed accesses and refusals."""
    shown = limit if limit in AUDIT_LIMITS else AUDIT_LIMITS[1]
    with state.sessions() as session, session.begin():
        entries = sharing.audit_all(session=session, actor=actor, limit=shown)
    context = {"audit": entries, "limit": shown, "limits": AUDIT_LIMITS}
    return render(request, "admin/audit.html", context)
