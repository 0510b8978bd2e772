"""Service: accounts, logins, clinician links, alert acknowledgements, audit log, studies.

Revision ID: 0005
Revises: 0004

The audit log is append-only: triggers on both SQLite and PostgreSQL refuse every UPDATE
and DELETE of its rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from microdose.store.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "audit_log is append-only"


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid(), primary_key=True)


def _fk(name: str, target: str, *, nullable: bool = False, ondelete: str = "CASCADE"
        ) -> sa.Column[object]:
    return sa.Column(
        name, sa.Uuid(), sa.ForeignKey(target, ondelete=ondelete), nullable=nullable
    )


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


def _accounts() -> None:
    op.create_table(
        "account",
        _id(),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        _fk("person_id", "person.id", nullable=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        _at("created_at"),
        _at("last_login_at", nullable=True),
        sa.UniqueConstraint("email", name="uq_account_email"),
        sa.UniqueConstraint("person_id", name="uq_account_person_id"),
    )
    op.create_table(
        "account_password",
        sa.Column(
            "account_id",
            sa.Uuid(),
            sa.ForeignKey("account.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("password_hash", sa.String(255), nullable=False),
        _at("changed_at"),
    )
    op.create_table(
        "login_attempt",
        _id(),
        _at("at"),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("client_key", sa.String(128), nullable=False),
        _fk("account_id", "account.id", nullable=True),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_login_attempt_email_at", "login_attempt", ["email", "at"])
    op.create_index("ix_login_attempt_client_key_at", "login_attempt", ["client_key", "at"])
    op.create_index("ix_login_attempt_account_id", "login_attempt", ["account_id"])


def _care() -> None:
    op.create_table(
        "clinician_link",
        _id(),
        _fk("clinician_id", "account.id"),
        _fk("person_id", "person.id", nullable=True),
        sa.Column("code_digest", sa.String(64), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("accepted_at", nullable=True),
        _at("revoked_at", nullable=True),
        sa.UniqueConstraint("code_digest", name="uq_clinician_link_code_digest"),
    )
    op.create_index("ix_clinician_link_clinician_id", "clinician_link", ["clinician_id"])
    op.create_index("ix_clinician_link_person_id", "clinician_link", ["person_id"])
    op.create_table(
        "alert_acknowledgement",
        _id(),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        _fk("person_id", "person.id"),
        _fk("account_id", "account.id", nullable=True, ondelete="SET NULL"),
        sa.Column("note", sa.Text(), nullable=False),
        _at("acknowledged_at"),
        sa.UniqueConstraint("alert_id", name="uq_alert_acknowledgement_alert_id"),
    )
    op.create_index(
        "ix_alert_acknowledgement_person_id", "alert_acknowledgement", ["person_id"]
    )


def _audit() -> None:
    op.create_table(
        "audit_log",
        _id(),
        _at("at"),
        sa.Column("actor_account_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("resource", sa.String(32), nullable=False),
        sa.Column("subject_person_id", sa.Uuid(), nullable=True),
        sa.Column("study_id", sa.Uuid(), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_subject_person_id", "audit_log", ["subject_person_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def _studies() -> None:
    op.create_table(
        "study",
        _id(),
        sa.Column("owner_id", sa.Uuid(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("protocol", sa.String(32), nullable=False),
        sa.Column("arms", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("export_dates", sa.Boolean(), nullable=False),
        sa.Column("export_free_text", sa.Boolean(), nullable=False),
        _at("created_at"),
    )
    op.create_index("ix_study_owner_id", "study", ["owner_id"])
    op.create_table(
        "study_invitation",
        _id(),
        _fk("study_id", "study.id"),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("arm", sa.String(32), nullable=True),
        _at("created_at"),
        _at("expires_at", nullable=True),
        _at("used_at", nullable=True),
        sa.UniqueConstraint("code_digest", name="uq_study_invitation_code_digest"),
    )
    op.create_index("ix_study_invitation_study_id", "study_invitation", ["study_id"])
    op.create_table(
        "consent_version",
        _id(),
        _fk("study_id", "study.id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        _at("created_at"),
        sa.UniqueConstraint("study_id", "version", name="uq_consent_version_study_version"),
    )
    op.create_index("ix_consent_version_study_id", "consent_version", ["study_id"])
    _enrolments()


def _enrolments() -> None:
    op.create_table(
        "study_enrolment",
        _id(),
        _fk("study_id", "study.id"),
        _fk("person_id", "person.id"),
        sa.Column("pseudonym", sa.String(16), nullable=False),
        sa.Column("arm", sa.String(32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        _at("enrolled_at"),
        _at("withdrawn_at", nullable=True),
        sa.Column("withdrawn_date", sa.Date(), nullable=True),
        sa.UniqueConstraint("study_id", "person_id", name="uq_study_enrolment_study_person"),
        sa.UniqueConstraint(
            "study_id", "pseudonym", name="uq_study_enrolment_study_pseudonym"
        ),
    )
    op.create_index("ix_study_enrolment_study_id", "study_enrolment", ["study_id"])
    op.create_index("ix_study_enrolment_person_id", "study_enrolment", ["person_id"])
    op.create_table(
        "consent_acceptance",
        _id(),
        _fk("person_id", "person.id"),
        _fk("enrolment_id", "study_enrolment.id"),
        _fk("consent_version_id", "consent_version.id"),
        sa.Column("sha256", sa.String(64), nullable=False),
        _at("accepted_at"),
        sa.UniqueConstraint(
            "person_id", "consent_version_id", name="uq_consent_acceptance_person_version"
        ),
    )
    for column in ("person_id", "enrolment_id", "consent_version_id"):
        op.create_index(f"ix_consent_acceptance_{column}", "consent_acceptance", [column])


def upgrade() -> None:
    _accounts()
    _care()
    _audit()
    _studies()


def downgrade() -> None:
    for table in (
        "consent_acceptance",
        "study_enrolment",
        "consent_version",
        "study_invitation",
        "study",
        "audit_log",
        "alert_acknowledgement",
        "clinician_link",
        "login_attempt",
        "account_password",
        "account",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
