"""JSON schemas of the sharing and admin API: ``XCreate`` in (strict), ``XPublic`` out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt

from microdose.web.schemas.inputs import StrictModel

#: an invitation code as typed (Crockford base32, any case, with or without the hyphen)
Code = Annotated[str, Field(min_length=4, max_length=32, description="e.g. 3T244-PBGK8")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="hex SHA-256")]
RoleName = Literal["participant", "clinician", "researcher", "admin"]


class LinkAccept(StrictModel):
    """A clinician's invitation code."""

    code: Code


class LinkPublic(BaseModel):
    """A clinician link as the participant sees it."""

    id: str
    clinician: str = Field(description="The clinician's display name")
    state: Literal["pending", "active", "revoked", "expired"]
    since: dt.datetime | None = Field(description="When it was accepted")
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


class ConsentText(BaseModel):
    """One consent version: its text and the SHA-256 to send back when accepting it."""

    version: int
    text: str
    sha256: str


class NotesSharing(StrictModel):
    """Whether linked clinicians read the notes of check-ins and doses."""

    notes_shared: StrictBool = Field(description="true: shared; false: private (default)")


class SeenField(BaseModel):
    """One kind of record and exactly what a role reads of it."""

    record: str
    fields: str


class SharingPublic(BaseModel):
    """The notes setting, and what each role reads of the participant's records."""

    notes_shared: bool
    clinician_sees: list[SeenField]
    study_sees: list[SeenField]


class InvitationLookup(StrictModel):
    """A study invitation code, sent in the body: a URL would leave it in access logs."""

    code: Code


class InvitationPreview(BaseModel):
    """What a study invitation code leads to, before enrolling."""

    study_id: str
    title: str
    description: str | None
    status: str
    duration_days: int
    schedule: list[dict[str, object]]
    consent: ConsentText


class EnrolmentCreate(StrictModel):
    """Enrol with a code, accepting the consent version (and text hash) that was shown."""

    code: Code
    consent_version: StrictInt = Field(ge=1)
    consent_sha256: Sha256


class EnrolmentPublic(BaseModel):
    """A study the participant is enrolled in (the arm is hidden in blinded arms)."""

    study_id: str
    title: str
    pseudonym: str
    arm: str | None
    start_date: dt.date
    withdrawn_at: dt.datetime | None
    status: str | None = None
    consent_version: int | None = None
    consent_sha256: str | None = None
    consent_current: bool | None = Field(
        default=None, description="False when a newer consent version waits to be accepted"
    )
    export_dates: bool | None = Field(
        default=None, description="Whether the study's export carries calendar dates")
    export_free_text: bool | None = Field(
        default=None, description="Whether the study's export carries notes and journal text")


class EnrolmentConsent(BaseModel):
    """The study's current consent text and whether the participant accepted it."""

    study_id: str
    title: str
    version: int
    text: str
    sha256: str
    accepted: bool
    withdrawn: bool


class ConsentAccept(StrictModel):
    """Accept a consent version (the one read, by number and SHA-256)."""

    version: StrictInt = Field(ge=1)
    sha256: Sha256


class ConsentAccepted(BaseModel):
    """An accepted consent version."""

    study_id: str
    version: int
    sha256: str
    accepted_at: dt.datetime


class WithdrawRequest(StrictModel):
    """Withdraw from a study; ``delete_data`` deletes the account and everything recorded."""

    delete_data: StrictBool = False


class WithdrawalPublic(BaseModel):
    """What a withdrawal did."""

    study_id: str
    pseudonym: str
    withdrawn_at: dt.datetime
    data_deleted: bool


class AuditEntryPublic(BaseModel):
    """One audit entry: who (role and display name) did what, when, allowed or refused."""

    id: str
    at: dt.datetime
    actor: str = Field(description="'you', role and display name, or 'another participant'")
    actor_role: str
    action: str
    description: str
    resource: str
    allowed: bool
    study: str | None
    study_id: str | None
    subject_person_id: str | None
    detail: str | None


class AccountCreate(StrictModel):
    """A new account (admins); the password policy applies."""

    email: Annotated[str, Field(min_length=3, max_length=320)]
    role: RoleName
    display_name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    password: Annotated[str, Field(min_length=1, max_length=256)]
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"


class AccountPublic(BaseModel):
    """An account (never its password hash)."""

    id: str
    email: str
    role: RoleName
    display_name: str
    person_id: str | None
    disabled: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None
