"""What a participant shares, as they see it; and the admin's views of accounts and the log.

Built on :mod:`~microdose.services.caseload`, :mod:`~microdose.services.studies`,
:mod:`~microdose.services.audit` and :mod:`~microdose.services.accounts`, which apply the
policy; this module only adds the names a person needs to read the answers:

- a participant's clinician links with the clinician's display name;
- their enrolments with the consent state (current version accepted or not);
- "who looked at my data": the audit entries about them, each actor shown by role and
  display name — never another participant's identity (the log also records refused
  attempts, which may come from another participant's account).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain.errors import Conflict, NotFound
from microdose.domain.roles import AccessDenied, Action, Relation, Resource, Role
from microdose.services import accounts, audit, caseload, studies
from microdose.services.access import authorize, require_study
from microdose.services.actor import OPERATOR, Actor
from microdose.services.serialize import plain
from microdose.store.service_models import AccountRow, AuditRow, EnrolmentRow, StudyRow

#: what an audit action means, in the words of the person the data belongs to (an admin
#: sees the action's name)
ACTION_WORDS: dict[str, str] = {
    "caseload.read": "saw you in their caseload",
    "journal.timeline": "opened your timeline",
    "journal.read": "read your records",
    "alerts.read": "read your alerts",
    "alert.acknowledge": "acknowledged one of your alerts",
    "study.progress": "followed the study's progress (pseudonymised)",
    "study.export": "exported the study's data (pseudonymised)",
    "study.analyze": "analysed the study's data (pseudonymised)",
    "study.withdraw": "withdrew from the study",
    "account.disable": "disabled your account",
    "account.enable": "enabled your account",
    "access.refused": "asked for your data and was refused",
}


def _names(session: Session, account_ids: set[uuid.UUID]) -> dict[uuid.UUID, AccountRow]:
    if not account_ids:
        return {}
    query = select(AccountRow).where(AccountRow.id.in_(account_ids))
    return {row.id: row for row in session.scalars(query)}


def participant_links(
    *, session: Session, actor: Actor, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The actor's clinician links (a clinician: their invitations), with the clinician's name.

    Each entry: ``id``, ``clinician`` (display name), ``state`` (``pending``, ``active``,
    ``revoked``, ``expired``), ``since`` (when accepted), ``created_at``, ``revoked_at``.
    """
    rows = caseload.links(session=session, actor=actor)
    names = _names(session, {row.clinician_id for row in rows})
    out = []
    for row in rows:
        data = caseload.link_dict(row, now)
        clinician = names.get(row.clinician_id)
        out.append({
            "id": data["id"], "state": data["state"],
            "clinician": clinician.display_name if clinician else "(account removed)",
            "since": data["accepted_at"], "created_at": data["created_at"],
            "expires_at": data["expires_at"], "revoked_at": data["revoked_at"],
        })
    return out


def _require_participant(session: Session, actor: Actor, what: str) -> uuid.UUID:
    authorize(session=session, actor=actor, action=Action.READ, resource=Resource.ENROLMENT,
              relation=Relation.OWN, what=what)
    if actor.person_id is None:
        raise AccessDenied(f"{what}: only a participant's account has enrolments")
    return actor.person_id


def my_enrolments(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The participant's studies: enrolment, and whether a newer consent waits for them."""
    _require_participant(session, actor, "study.enrolments")
    out = []
    for study in studies.list_studies(session=session, actor=actor):
        enrolment = studies.my_enrolment(session=session, actor=actor, study_id=study.id)
        consent = studies.current_consent(session, study.id)
        out.append({
            **studies.enrolment_dict(enrolment, study),
            "status": study.status,
            "consent_version": consent.version,
            "consent_sha256": consent.sha256,
            "consent_current": studies.consent_is_current(session, enrolment),
            "export_dates": study.export_dates, "export_free_text": study.export_free_text,
        })
    return out


def enrolment_consent(*, session: Session, actor: Actor, study_id: uuid.UUID) -> dict[str, Any]:
    """The current consent text of a study the participant is enrolled in, and whether they
    accepted it."""
    _require_participant(session, actor, "study.consent")
    study = require_study(session=session, actor=actor, study_id=study_id)
    enrolment = studies.my_enrolment(session=session, actor=actor, study_id=study_id)
    consent = studies.current_consent(session, study.id)
    return {
        "study_id": str(study.id), "title": study.title, "version": consent.version,
        "text": consent.text, "sha256": consent.sha256,
        "accepted": studies.consent_is_current(session, enrolment),
        "withdrawn": enrolment.withdrawn_at is not None,
    }


def actor_label(row: AuditRow, viewer: Actor, names: dict[uuid.UUID, AccountRow]) -> str:
    """Who acted, as the viewer may see it: ``you``, role and display name, or only the role
    of another participant."""
    if row.actor_account_id is not None and row.actor_account_id == viewer.account_id:
        return "you"
    if row.actor_role == OPERATOR:
        return "the service operator (command line)"
    if row.actor_role == Role.PARTICIPANT and viewer.role is not Role.ADMIN:
        return "another participant"
    account = names.get(row.actor_account_id) if row.actor_account_id else None
    if account is None:
        return f"{row.actor_role} (account removed)"
    if viewer.role is Role.ADMIN:
        return f"{row.actor_role} {account.display_name} <{account.email}>"
    return f"{row.actor_role} {account.display_name}"


def _study_titles(session: Session, person_id: uuid.UUID | None, rows: list[AuditRow]
                  ) -> dict[uuid.UUID, str]:
    ids = {row.study_id for row in rows if row.study_id is not None}
    if not ids:
        return {}
    query = select(StudyRow.id, StudyRow.title).where(StudyRow.id.in_(ids))
    if person_id is not None:  # a participant sees the titles of their own studies only
        query = query.join(EnrolmentRow, EnrolmentRow.study_id == StudyRow.id).where(
            EnrolmentRow.person_id == person_id)
    return {study_id: title for study_id, title in session.execute(query)}


def _entries(session: Session, viewer: Actor, rows: list[AuditRow], person_id: uuid.UUID | None
             ) -> list[dict[str, Any]]:
    names = _names(session, {r.actor_account_id for r in rows if r.actor_account_id})
    titles = _study_titles(session, person_id, rows)
    return [{
        "id": str(row.id), "at": plain(row.at), "actor": actor_label(row, viewer, names),
        "actor_role": row.actor_role, "action": row.action,
        "description": row.action if viewer.role is Role.ADMIN
        else ACTION_WORDS.get(row.action, row.action), "resource": row.resource,
        "allowed": row.allowed, "study": titles.get(row.study_id) if row.study_id else None,
        "study_id": plain(row.study_id), "subject_person_id": plain(row.subject_person_id),
        "detail": row.detail,
    } for row in rows]


def audit_about_me(*, session: Session, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    """"Who looked at my data": the audit entries about the participant, newest first."""
    if actor.person_id is None:
        raise AccessDenied("audit log: only a participant's account has data of its own")
    rows = audit.entries(session=session, actor=actor, subject_person_id=actor.person_id,
                         limit=limit)
    return _entries(session, actor, rows, actor.person_id)


def audit_all(*, session: Session, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    """Every audit entry, newest first (admins only)."""
    rows = audit.entries(session=session, actor=actor, limit=limit)
    return _entries(session, actor, rows, None)


def set_disabled_by_id(
    *, session: Session, actor: Actor, account_id: uuid.UUID, disabled: bool
) -> AccountRow:
    """Disable (ending its sessions) or enable an account named by id; policy as
    :func:`~microdose.services.accounts.set_disabled`."""
    authorize(session=session, actor=actor, action=Action.WRITE, resource=Resource.ACCOUNT,
              relation=Relation.OTHER, what="account.disable" if disabled else "account.enable",
              hide=False)
    account = session.get(AccountRow, account_id)
    if account is None:
        raise NotFound("account: not found")
    if disabled and account.id == actor.account_id:
        raise Conflict("account: you cannot disable your own account; ask another admin")
    return accounts.set_disabled(session=session, actor=actor, email=account.email,
                                 disabled=disabled)
