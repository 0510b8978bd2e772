"""Per-object authorisation: who is acting, how they relate to the object, the policy's answer.

Every service that touches someone's data calls :func:`authorize` (or one of the helpers
built on it) before reading or writing. It works out the :class:`Relation` from the
database, asks the pure policy (:mod:`microdose.domain.roles`), raises ``NotFound`` for
someone else's object and ``AccessDenied`` for what the role may never do, and appends an
audit entry for every allowed access to another person's data.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain.errors import NotFound
from microdose.domain.roles import (
    AccessDenied,
    Action,
    Decision,
    Relation,
    Resource,
    decide,
    is_access_to_another,
    person_relation,
)
from microdose.services import audit
from microdose.services.actor import OPERATOR, Actor
from microdose.store.base import utcnow
from microdose.store.models import Person
from microdose.store.service_models import ClinicianLinkRow, EnrolmentRow, StudyRow

# Actor and OPERATOR live in microdose.services.actor; re-exported for the web layer.
__all__ = [
    "OPERATOR",
    "Actor",
    "audit_study_access",
    "authorize",
    "is_in_own_study",
    "is_linked",
    "relation_to_person",
    "relation_to_study",
    "require_person",
    "require_study",
]


def authorize(
    *,
    session: Session,
    actor: Actor,
    action: Action,
    resource: Resource,
    relation: Relation,
    what: str,
    subject_person_id: uuid.UUID | None = None,
    study_id: uuid.UUID | None = None,
    now: datetime | None = None,
    hide: bool = True,
) -> None:
    """Apply the policy; audit an allowed access to another person's data.

    Parameters
    ----------
    what : str
        The action's name in the audit log, e.g. ``"journal.read"``.
    hide : bool
        Answer a refusal about someone else's object with ``NotFound`` (default); False
        for requests that name no object (listings), which get ``AccessDenied``.

    Raises
    ------
    NotFound
        The role may do this to some objects, not this one (answered as if it did not exist).
    AccessDenied
        The role may never do this.
    """
    _enforce(decide(actor.role, action, resource, relation), resource, what, hide=hide)
    if subject_person_id is None or not is_access_to_another(relation, resource):
        return
    audit.record(
        session=session, actor=actor, action=what, resource=resource,
        subject_person_id=subject_person_id, study_id=study_id, now=now,
    )  # fmt: skip


def _enforce(decision: Decision, resource: Resource, what: str, *, hide: bool) -> None:
    """Raise unless allowed: ``NotFound`` for a hidden object, else ``AccessDenied``."""
    if decision.status == "not_found" and hide:
        raise NotFound(f"{resource}: not found")
    if not decision.allowed:
        raise AccessDenied(f"{what}: {decision.reason}")


def is_linked(
    *, session: Session, clinician_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """Whether the person accepted this clinician's invitation and nobody revoked it."""
    query = select(ClinicianLinkRow.id).where(
        ClinicianLinkRow.clinician_id == clinician_id,
        ClinicianLinkRow.person_id == person_id,
        ClinicianLinkRow.accepted_at.is_not(None),
        ClinicianLinkRow.revoked_at.is_(None),
    )
    return session.execute(query.limit(1)).first() is not None


def is_in_own_study(*, session: Session, owner_id: uuid.UUID, person_id: uuid.UUID) -> bool:
    """Whether the person is enrolled, and not withdrawn, in a study this account owns."""
    query = (
        select(EnrolmentRow.id)
        .join(StudyRow, StudyRow.id == EnrolmentRow.study_id)
        .where(StudyRow.owner_id == owner_id, EnrolmentRow.person_id == person_id,
               EnrolmentRow.withdrawn_at.is_(None))
    )  # fmt: skip
    return session.execute(query.limit(1)).first() is not None


def relation_to_person(*, session: Session, actor: Actor, person_id: uuid.UUID) -> Relation:
    """The actor's own person, a person linked to the actor, a person in a study the actor
    owns, or another (the first that holds; the policy says what each one allows)."""
    if actor.person_id is not None and actor.person_id == person_id:
        return Relation.OWN
    account = actor.account_id
    linked = account is not None and is_linked(
        session=session, clinician_id=account, person_id=person_id
    )
    in_study = not linked and account is not None and is_in_own_study(
        session=session, owner_id=account, person_id=person_id
    )
    return person_relation(actor.person_id, person_id, linked=linked, in_own_study=in_study)


def require_person(
    *,
    session: Session,
    actor: Actor,
    person_id: uuid.UUID,
    resource: Resource = Resource.JOURNAL,
    action: Action = Action.READ,
    what: str | None = None,
) -> Person:
    """The person whose data the actor may ``action``; audited when not the actor's own."""
    person = session.get(Person, person_id)
    relation = relation_to_person(session=session, actor=actor, person_id=person_id)
    if person is None:
        decision = decide(actor.role, action, resource, relation)
        if decision.status == "forbidden":
            raise AccessDenied(decision.reason)
        raise NotFound(f"{resource}: not found")
    authorize(
        session=session,
        actor=actor,
        action=action,
        resource=resource,
        relation=relation,
        what=what or f"{resource}.{action}",
        subject_person_id=person_id,
    )
    return person


def relation_to_study(*, session: Session, actor: Actor, study: StudyRow) -> Relation:
    """The actor's own study, one their person is enrolled in, or another's."""
    if actor.account_id is not None and study.owner_id == actor.account_id:
        return Relation.OWN
    if actor.person_id is not None:
        query = select(EnrolmentRow.id).where(
            EnrolmentRow.study_id == study.id, EnrolmentRow.person_id == actor.person_id
        )
        if session.execute(query.limit(1)).first() is not None:
            return Relation.ENROLLED
    return Relation.OTHER


def require_study(
    *,
    session: Session,
    actor: Actor,
    study_id: uuid.UUID,
    resource: Resource = Resource.STUDY,
    action: Action = Action.READ,
    for_update: bool = False,
) -> StudyRow:
    """The study the actor may ``action`` (``NotFound`` when it may not, or is absent)."""
    query = select(StudyRow).where(StudyRow.id == study_id)
    study = session.scalars(query.with_for_update() if for_update else query).first()
    if study is None:
        if decide(actor.role, action, resource, Relation.OWN).status == "forbidden":
            raise AccessDenied(f"{actor.role} may never {action} {resource}")
        raise NotFound("study: not found")
    relation = relation_to_study(session=session, actor=actor, study=study)
    authorize(
        session=session,
        actor=actor,
        action=action,
        resource=resource,
        relation=relation,
        what=f"{resource}.{action}",
    )
    return study


def audit_study_access(
    *,
    session: Session,
    actor: Actor,
    study: StudyRow,
    person_ids: list[uuid.UUID],
    what: str,
    now: datetime | None = None,
) -> None:
    """One audit entry per participant whose pseudonymised data the actor reads."""
    moment = now or utcnow()
    for person_id in person_ids:
        audit.record(
            session=session,
            actor=actor,
            action=what,
            resource=Resource.STUDY_DATA,
            subject_person_id=person_id,
            study_id=study.id,
            now=moment,
        )
