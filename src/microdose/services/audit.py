"""The audit log: every access to another person's data, appended in the same transaction.

Rows are only ever inserted (the migration adds triggers that refuse UPDATE and DELETE on
SQLite and PostgreSQL). An access is recorded in the transaction that performs it, so a
rolled-back access leaves no entry and a committed one always has its entry. A refusal
raises before anything is read; the web layer may record it with ``allowed=False`` in a
transaction of its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain.errors import InvalidInput
from microdose.domain.roles import AccessDenied, Action, Relation, Resource, decide
from microdose.services.actor import Actor
from microdose.services.serialize import row_dict
from microdose.store.base import utcnow
from microdose.store.service_models import AuditRow

MAX_DETAIL = 500
MAX_ENTRIES = 10_000


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    resource: Resource | str,
    subject_person_id: uuid.UUID | None = None,
    study_id: uuid.UUID | None = None,
    allowed: bool = True,
    detail: str | None = None,
    now: datetime | None = None,
) -> AuditRow:
    """Append one entry: who (account and role) did what, to whose data, when."""
    row = AuditRow(
        at=now or utcnow(),
        actor_account_id=actor.account_id,
        actor_role=actor.audit_role,
        action=action[:64],
        resource=str(resource)[:32],
        subject_person_id=subject_person_id,
        study_id=study_id,
        allowed=allowed,
        detail=detail[:MAX_DETAIL] if detail else None,
    )
    session.add(row)
    session.flush()
    return row


def entries(
    *,
    session: Session,
    actor: Actor,
    subject_person_id: uuid.UUID | None = None,
    limit: int = 200,
) -> list[AuditRow]:
    """Audit entries, newest first: about one person, or (admins only) about everyone.

    A participant reads the entries about themselves ("who looked at my data"); an admin
    reads any. Reading the audit log is not itself audited.
    """
    if not 1 <= limit <= MAX_ENTRIES:
        raise InvalidInput("limit", "is out of range", f"1-{MAX_ENTRIES}")
    own = subject_person_id is not None and subject_person_id == actor.person_id
    decision = decide(
        actor.role, Action.READ, Resource.AUDIT, Relation.OWN if own else Relation.OTHER
    )
    if not decision.allowed:
        raise AccessDenied(f"audit log: {decision.reason}")
    query = select(AuditRow)
    if subject_person_id is not None:
        query = query.where(AuditRow.subject_person_id == subject_person_id)
    query = query.order_by(AuditRow.at.desc(), AuditRow.id).limit(limit)
    return list(session.scalars(query))


def entry_dict(row: AuditRow) -> dict[str, Any]:
    """JSON-ready entry."""
    return row_dict(row, exclude=())
