"""Tables of the multi-user service: accounts, logins, clinician links, audit log, studies.

Person data cascades on person delete: an account, its links, enrolments and consent
acceptances go with the person. Two deliberate exceptions keep no foreign key:

- ``audit_log`` names the actor account and the subject person by id only, so that the
  record of who accessed whose data outlives both (it holds no health data);
- ``login_attempt`` keeps the email as typed (it may name no account).

``alert_acknowledgement.alert_id`` names a ``safety_alert`` row without a foreign key (the
two migration branches stay independent); both rows cascade from the person.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Uuid as SAUuid
from sqlalchemy.orm import Mapped, mapped_column

from microdose.store.base import (
    Base,
    UTCDateTime,
    id_column,
    parent_fk,
    person_fk,
    utcnow,
)

#: the tables this module adds, in creation order (the migration uses the same order)
TABLES = (
    "account",
    "account_password",
    "login_attempt",
    "clinician_link",
    "alert_acknowledgement",
    "audit_log",
    "study",
    "study_invitation",
    "consent_version",
    "study_enrolment",
    "consent_acceptance",
)
#: the tables of the web sessions migration (0006)
SESSION_TABLES = ("login_session", "account_idempotency")




class AccountRow(Base):
    """A login: email (stored lower-case, unique), role, and the person of a participant."""

    __tablename__ = "account"
    id: Mapped[uuid.UUID] = id_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        SAUuid, ForeignKey("person.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    display_name: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccountPasswordRow(Base):
    """The account's argon2id hash, apart from the account so that exports never carry it."""

    __tablename__ = "account_password"
    account_id: Mapped[uuid.UUID] = mapped_column(
        SAUuid, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThrottleRow(Base):
    """Back-off state shared by every server process, one row per (scope, key).

    Scopes: ``account`` (an email's failed logins from browsers it does not trust),
    ``client`` (a source address's failed logins), ``device`` (failed logins with one
    device cookie), ``refusal`` (audit entries of refused requests from one source, per
    window). ``count`` failures (or entries) since ``started_at``; the last at ``last_at``;
    no attempt is verified before ``blocked_until``.
    """

    __tablename__ = "login_throttle"
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginAttemptRow(Base):
    """One login attempt, for rate limiting by account (email) and by client key."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_at", "email", "at"),
        Index("ix_login_attempt_client_key_at", "client_key", "at"),
    )
    id: Mapped[uuid.UUID] = id_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email: Mapped[str] = mapped_column(String(320))
    client_key: Mapped[str] = mapped_column(String(128))
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        SAUuid, ForeignKey("account.id", ondelete="CASCADE"), nullable=True, index=True
    )
    succeeded: Mapped[bool] = mapped_column(Boolean)


class ClinicianLinkRow(Base):
    """A clinician's invitation (code digest) and, once accepted, the link to a person."""

    __tablename__ = "clinician_link"
    id: Mapped[uuid.UUID] = id_column()
    clinician_id: Mapped[uuid.UUID] = parent_fk("account.id")
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        SAUuid, ForeignKey("person.id", ondelete="CASCADE"), nullable=True, index=True
    )
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AlertAcknowledgementRow(Base):
    """A clinician's acknowledgement of a safety alert, with their note (one per alert)."""

    __tablename__ = "alert_acknowledgement"
    id: Mapped[uuid.UUID] = id_column()
    #: ``safety_alert.id``; no foreign key, so that this migration branch does not depend on
    #: the safety branch (both rows go with the person)
    alert_id: Mapped[uuid.UUID] = mapped_column(SAUuid, unique=True)
    person_id: Mapped[uuid.UUID] = person_fk()
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        SAUuid, ForeignKey("account.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str] = mapped_column(Text)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditRow(Base):
    """Who did what to whose data, when; append-only (database triggers refuse changes)."""

    __tablename__ = "audit_log"
    id: Mapped[uuid.UUID] = id_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(SAUuid, nullable=True)
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(32))
    subject_person_id: Mapped[uuid.UUID | None] = mapped_column(
        SAUuid, nullable=True, index=True
    )
    study_id: Mapped[uuid.UUID | None] = mapped_column(SAUuid, nullable=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)


class StudyRow(Base):
    """A study: arms, protocol, schedule of assessments by study day, status, export rules."""

    __tablename__ = "study"
    id: Mapped[uuid.UUID] = id_column()
    owner_id: Mapped[uuid.UUID] = mapped_column(SAUuid, ForeignKey("account.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    protocol: Mapped[str] = mapped_column(String(32))
    arms: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    schedule: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    duration_days: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    export_dates: Mapped[bool] = mapped_column(Boolean, default=False)
    export_free_text: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StudyInvitationRow(Base):
    """A single-use invitation code (digest only), optionally for one arm."""

    __tablename__ = "study_invitation"
    id: Mapped[uuid.UUID] = id_column()
    study_id: Mapped[uuid.UUID] = parent_fk("study.id")
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    arm: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ConsentVersionRow(Base):
    """One version of a study's consent text and its SHA-256."""

    __tablename__ = "consent_version"
    __table_args__ = (
        UniqueConstraint("study_id", "version", name="uq_consent_version_study_version"),
    )
    id: Mapped[uuid.UUID] = id_column()
    study_id: Mapped[uuid.UUID] = parent_fk("study.id")
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EnrolmentRow(Base):
    """A person in a study: their pseudonym there, arm, day 0, and any withdrawal."""

    __tablename__ = "study_enrolment"
    __table_args__ = (
        UniqueConstraint("study_id", "person_id", name="uq_study_enrolment_study_person"),
        UniqueConstraint("study_id", "pseudonym", name="uq_study_enrolment_study_pseudonym"),
    )
    id: Mapped[uuid.UUID] = id_column()
    study_id: Mapped[uuid.UUID] = parent_fk("study.id")
    person_id: Mapped[uuid.UUID] = person_fk()
    pseudonym: Mapped[str] = mapped_column(String(16))
    arm: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class ConsentAcceptanceRow(Base):
    """A person's acceptance of one consent version (and the hash of the text they saw)."""

    __tablename__ = "consent_acceptance"
    __table_args__ = (
        UniqueConstraint(
            "person_id", "consent_version_id", name="uq_consent_acceptance_person_version"
        ),
    )
    id: Mapped[uuid.UUID] = id_column()
    person_id: Mapped[uuid.UUID] = person_fk()
    enrolment_id: Mapped[uuid.UUID] = parent_fk("study_enrolment.id")
    consent_version_id: Mapped[uuid.UUID] = parent_fk("consent_version.id")
    sha256: Mapped[str] = mapped_column(String(64))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginSessionRow(Base):
    """A web login: only the SHA-256 of its random token is stored; revoked on logout."""

    __tablename__ = "login_session"
    id: Mapped[uuid.UUID] = id_column()
    account_id: Mapped[uuid.UUID] = parent_fk("account.id")
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccountIdempotencyRow(Base):
    """The first response of an ``Idempotency-Key`` POST by an account without a journal."""

    __tablename__ = "account_idempotency"
    __table_args__ = (
        UniqueConstraint("account_id", "key", name="uq_account_idempotency_account_key"),
    )
    id: Mapped[uuid.UUID] = id_column()
    account_id: Mapped[uuid.UUID] = parent_fk("account.id")
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
