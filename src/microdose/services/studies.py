"""Studies: define, invite with codes, enrol with consent, collect, follow, withdraw.

- A researcher defines a study (:class:`~microdose.domain.studies.StudySpec`) with its
  first consent text; later texts are new versions, each stored with its SHA-256.
- Invitation codes are single-use and shown once (only their digests are stored).
- A participant enrols with a code after accepting the current consent version; they get
  a pseudonym of their own in that study and an arm (the invitation's, else the arm with
  the fewest participants, ties broken at random).
- Collection of study assessments requires an active enrolment and the current consent.
  Withdrawal stops it: nothing after the withdrawal day is exported or analysed, and
  study assessments are refused. On request, withdrawal deletes the person and everything
  they recorded (their account included).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microdose.domain import studies as rules
from microdose.domain.errors import Conflict, InvalidInput, NotFound
from microdose.domain.instruments import get_instrument
from microdose.domain.roles import AccessDenied, Action, Relation, Resource
from microdose.services import audit
from microdose.services.access import authorize, require_study
from microdose.services.actor import Actor
from microdose.services.people import local_today
from microdose.services.safety import ResponseOutcome, submit_response
from microdose.services.serialize import plain
from microdose.store.base import utcnow
from microdose.store.models import Person
from microdose.store.service_models import (
    ConsentAcceptanceRow,
    ConsentVersionRow,
    EnrolmentRow,
    StudyInvitationRow,
    StudyRow,
)

MAX_CODES = 1000
MAX_CONSENT = 50_000
PSEUDONYM_LENGTH = 8
_GONE = "invitation: no such code, or it was used or has expired"


def parse_study_id(text: str) -> uuid.UUID:
    """A study id from its text form."""
    try:
        return uuid.UUID(str(text).strip())
    except ValueError:
        raise InvalidInput("study", f"{text!r} is not a study id", "a UUID") from None


def spec_of(study: StudyRow) -> rules.StudySpec:
    """The stored study as a :class:`StudySpec`."""
    return rules.StudySpec(
        title=study.title,
        arms=tuple(rules.Arm(a["name"], a["kind"]) for a in study.arms),
        schedule=tuple(rules.Assessment(int(s["day"]), tuple(s["instruments"]))
                       for s in study.schedule),
        protocol=study.protocol, duration_days=study.duration_days,
        window_days=study.window_days, description=study.description,
        export_dates=study.export_dates, export_free_text=study.export_free_text,
    )


def _check_consent(text: str) -> str:
    body = str(text).strip()
    if not 1 <= len(body) <= MAX_CONSENT:
        raise InvalidInput("consent", "is empty or too long", f"1-{MAX_CONSENT} characters")
    return body


def create_study(
    *, session: Session, actor: Actor, spec: rules.StudySpec, consent_text: str,
    status: str = "recruiting",
) -> StudyRow:
    """A researcher defines a study and its first consent version."""
    authorize(session=session, actor=actor, action=Action.WRITE, resource=Resource.STUDY,
              relation=Relation.OWN, what="study.create")
    if actor.account_id is None:
        raise AccessDenied("study.create: a study needs a researcher's account as owner")
    checked = rules.validate_spec(spec)
    if status not in rules.STATUSES:
        raise InvalidInput("status", f"unknown {status!r}", ", ".join(rules.STATUSES))
    study = StudyRow(
        owner_id=actor.account_id, title=checked.title, description=checked.description,
        protocol=checked.protocol, arms=[{"name": a.name, "kind": a.kind} for a in checked.arms],
        schedule=[{"day": a.day, "instruments": list(a.instruments)} for a in checked.schedule],
        duration_days=checked.duration_days, window_days=checked.window_days, status=status,
        export_dates=checked.export_dates, export_free_text=checked.export_free_text,
    )
    session.add(study)
    session.flush()
    _add_version(session, study, _check_consent(consent_text))
    return study


def _add_version(session: Session, study: StudyRow, text: str) -> ConsentVersionRow:
    latest = session.scalar(select(func.max(ConsentVersionRow.version))
                            .where(ConsentVersionRow.study_id == study.id)) or 0
    row = ConsentVersionRow(study_id=study.id, version=latest + 1, text=text,
                            sha256=rules.consent_digest(text))
    session.add(row)
    session.flush()
    return row


def add_consent_version(
    *, session: Session, actor: Actor, study_id: uuid.UUID, text: str
) -> ConsentVersionRow:
    """A new consent version; enrolled participants must accept it before more collection."""
    study = require_study(session=session, actor=actor, study_id=study_id,
                          action=Action.WRITE, for_update=True)
    return _add_version(session, study, _check_consent(text))


def current_consent(session: Session, study_id: uuid.UUID) -> ConsentVersionRow:
    """The study's latest consent version."""
    row = session.scalars(select(ConsentVersionRow).where(ConsentVersionRow.study_id == study_id)
                          .order_by(ConsentVersionRow.version.desc()).limit(1)).first()
    if row is None:
        raise NotFound("consent: the study has no consent text")
    return row


def set_status(*, session: Session, actor: Actor, study_id: uuid.UUID, status: str) -> StudyRow:
    """Open (``recruiting``), pause (``draft``) or close (``closed``) recruitment."""
    if status not in rules.STATUSES:
        raise InvalidInput("status", f"unknown {status!r}", ", ".join(rules.STATUSES))
    study = require_study(session=session, actor=actor, study_id=study_id, action=Action.WRITE)
    study.status = status
    session.flush()
    return study


def list_studies(*, session: Session, actor: Actor) -> list[StudyRow]:
    """The researcher's own studies, or the studies the participant is enrolled in."""
    if actor.person_id is not None:
        query = select(StudyRow).join(EnrolmentRow, EnrolmentRow.study_id == StudyRow.id).where(
            EnrolmentRow.person_id == actor.person_id)
    else:
        authorize(session=session, actor=actor, action=Action.READ, resource=Resource.STUDY,
                  relation=Relation.OWN, what="study.list")
        query = select(StudyRow).where(StudyRow.owner_id == actor.account_id)
    return list(session.scalars(query.order_by(StudyRow.created_at)))


def create_invitations(
    *, session: Session, actor: Actor, study_id: uuid.UUID, count: int = 1,
    arm: str | None = None, expires_days: int | None = None, now: datetime | None = None,
) -> list[str]:
    """``count`` single-use codes (shown once: only digests are stored)."""
    study = require_study(session=session, actor=actor, study_id=study_id, action=Action.WRITE)
    if not 1 <= count <= MAX_CODES:
        raise InvalidInput("count", "is out of range", f"1-{MAX_CODES}")
    arms = [a["name"] for a in study.arms]
    if arm is not None and arm not in arms:
        raise InvalidInput("arm", f"{arm!r} is not an arm of this study", ", ".join(arms))
    if expires_days is not None and not 1 <= expires_days <= 365:
        raise InvalidInput("expires_days", "is out of range", "1-365")
    moment = now or utcnow()
    expires = moment + timedelta(days=expires_days) if expires_days else None
    codes = [rules.make_code() for _ in range(count)]
    session.add_all(StudyInvitationRow(study_id=study.id, code_digest=rules.code_digest(c),
                                       arm=arm, created_at=moment, expires_at=expires)
                    for c in codes)
    session.flush()
    return codes


def _open_invitation(session: Session, code: str, moment: datetime) -> StudyInvitationRow:
    row = session.scalars(select(StudyInvitationRow).where(
        StudyInvitationRow.code_digest == rules.code_digest(code))).first()
    if row is None or row.used_at is not None or (row.expires_at and row.expires_at <= moment):
        raise NotFound(_GONE)
    return row


def preview_invitation(
    *, session: Session, code: str, now: datetime | None = None
) -> dict[str, Any]:
    """What a person sees before enrolling: the study and its current consent text.

    The code itself is the permission (no account is needed to read this).
    """
    invitation = _open_invitation(session, code, now or utcnow())
    study = session.get(StudyRow, invitation.study_id)
    assert study is not None
    consent = current_consent(session, study.id)
    return {
        "study_id": str(study.id), "title": study.title, "description": study.description,
        "status": study.status, "schedule": study.schedule,
        "duration_days": study.duration_days,
        "consent": {"version": consent.version, "text": consent.text, "sha256": consent.sha256},
    }


def _allocate(session: Session, study: StudyRow, wanted: str | None) -> str:
    if wanted is not None:
        return wanted
    counts = dict.fromkeys((a["name"] for a in study.arms), 0)
    query = select(EnrolmentRow.arm, func.count()).where(
        EnrolmentRow.study_id == study.id).group_by(EnrolmentRow.arm)
    for name, n in session.execute(query):
        counts[name] = int(n)
    fewest = min(counts.values())
    return secrets.choice([name for name, n in counts.items() if n == fewest])


def _pseudonym() -> str:
    alphabet = rules.CODE_ALPHABET
    return "P" + "".join(secrets.choice(alphabet) for _ in range(PSEUDONYM_LENGTH - 1))


def enrol(
    *, session: Session, actor: Actor, code: str, consent_version: int,
    consent_sha256: str | None = None, now: datetime | None = None,
) -> EnrolmentRow:
    """A participant enrols with a code, accepting the consent version they were shown.

    Raises
    ------
    NotFound
        The code is unknown, used or expired.
    Conflict
        Recruitment is not open, the consent text changed, or they are already enrolled.
    """
    person = _enrolling_person(session, actor)
    moment = now or utcnow()
    invitation = _open_invitation(session, code, moment)
    study = _recruiting_study(session, invitation.study_id)
    consent = current_consent(session, study.id)
    _check_accepted(consent, consent_version, consent_sha256)
    _refuse_if_enrolled(session, study, person)
    _claim_invitation(session, invitation, moment)
    enrolment = _insert_enrolment(session, study, person, invitation.arm, moment)
    session.add(ConsentAcceptanceRow(person_id=person.id, enrolment_id=enrolment.id,
                                     consent_version_id=consent.id, sha256=consent.sha256,
                                     accepted_at=moment))
    session.flush()
    return enrolment


def _enrolling_person(session: Session, actor: Actor) -> Person:
    """The participant's person; only a participant's account may enrol."""
    authorize(session=session, actor=actor, action=Action.WRITE, resource=Resource.ENROLMENT,
              relation=Relation.OWN, what="study.enrol")
    person = session.get(Person, actor.person_id) if actor.person_id else None
    if person is None:
        raise AccessDenied("study.enrol: only a participant's account can enrol")
    return person


def _recruiting_study(session: Session, study_id: uuid.UUID) -> StudyRow:
    """The invitation's study, locked for the enrolment; ``Conflict`` unless recruiting."""
    study = session.get(StudyRow, study_id, with_for_update=True)
    assert study is not None
    if study.status != "recruiting":
        raise Conflict(f"study: not recruiting (status {study.status})")
    return study


def _refuse_if_enrolled(session: Session, study: StudyRow, person: Person) -> None:
    """``Conflict`` when the person is already enrolled in the study."""
    if session.scalars(select(EnrolmentRow.id).where(
            EnrolmentRow.study_id == study.id, EnrolmentRow.person_id == person.id)).first():
        raise Conflict("study: you are already enrolled")


def _claim_invitation(session: Session, invitation: StudyInvitationRow, moment: datetime) -> None:
    """Mark the invitation used, unless a concurrent enrolment used it first (``NotFound``)."""
    claimed = session.execute(
        update(StudyInvitationRow)
        .where(StudyInvitationRow.id == invitation.id, StudyInvitationRow.used_at.is_(None))
        .values(used_at=moment).execution_options(synchronize_session=False))
    if getattr(claimed, "rowcount", 0) != 1:
        raise NotFound(_GONE)


def _check_accepted(consent: ConsentVersionRow, version: int, sha256: str | None) -> None:
    if version != consent.version or (sha256 is not None and sha256 != consent.sha256):
        raise Conflict(
            f"consent: the text changed; read and accept version {consent.version} "
            f"(sha256 {consent.sha256[:12]}…)"
        )


def _insert_enrolment(
    session: Session, study: StudyRow, person: Person, arm: str | None, moment: datetime
) -> EnrolmentRow:
    for _attempt in range(5):
        row = EnrolmentRow(study_id=study.id, person_id=person.id, pseudonym=_pseudonym(),
                           arm=_allocate(session, study, arm), enrolled_at=moment,
                           start_date=local_today(person, moment))
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row
        except IntegrityError:
            if session.scalars(select(EnrolmentRow.id).where(
                    EnrolmentRow.study_id == study.id,
                    EnrolmentRow.person_id == person.id)).first():
                raise Conflict("study: you are already enrolled") from None
    raise Conflict("study: could not draw a free pseudonym; try again")


def my_enrolment(*, session: Session, actor: Actor, study_id: uuid.UUID) -> EnrolmentRow:
    """The actor's own enrolment in the study (``NotFound`` when not enrolled)."""
    authorize(session=session, actor=actor, action=Action.READ, resource=Resource.ENROLMENT,
              relation=Relation.OWN, what="study.enrolment")
    row = session.scalars(select(EnrolmentRow).where(
        EnrolmentRow.study_id == study_id, EnrolmentRow.person_id == actor.person_id)).first()
    if row is None:
        raise NotFound("enrolment: you are not enrolled in this study")
    return row


def accept_consent(
    *, session: Session, actor: Actor, study_id: uuid.UUID, version: int,
    sha256: str | None = None, now: datetime | None = None,
) -> ConsentAcceptanceRow:
    """Accept the study's current consent version (after the researcher published one)."""
    enrolment = my_enrolment(session=session, actor=actor, study_id=study_id)
    consent = current_consent(session, study_id)
    _check_accepted(consent, version, sha256)
    row = session.scalars(select(ConsentAcceptanceRow).where(
        ConsentAcceptanceRow.person_id == enrolment.person_id,
        ConsentAcceptanceRow.consent_version_id == consent.id)).first()
    if row is None:
        row = ConsentAcceptanceRow(person_id=enrolment.person_id, enrolment_id=enrolment.id,
                                   consent_version_id=consent.id, sha256=consent.sha256,
                                   accepted_at=now or utcnow())
        session.add(row)
        session.flush()
    return row


def consent_is_current(session: Session, enrolment: EnrolmentRow) -> bool:
    """Whether the participant accepted the study's latest consent version."""
    consent = current_consent(session, enrolment.study_id)
    return session.scalars(select(ConsentAcceptanceRow.id).where(
        ConsentAcceptanceRow.person_id == enrolment.person_id,
        ConsentAcceptanceRow.consent_version_id == consent.id)).first() is not None


def submit_assessment(
    *, session: Session, actor: Actor, study_id: uuid.UUID, instrument: str,
    answers: Sequence[int | None], day: date | None = None, now: datetime | None = None,
) -> ResponseOutcome:
    """Store a study questionnaire (crisis flow included); refused after withdrawal."""
    enrolment = my_enrolment(session=session, actor=actor, study_id=study_id)
    if enrolment.withdrawn_at is not None:
        raise Conflict("study: you withdrew; nothing more is collected")
    if not consent_is_current(session, enrolment):
        raise Conflict("consent: a new consent version must be accepted first")
    study = session.get(StudyRow, study_id)
    person = session.get(Person, enrolment.person_id)
    assert study is not None and person is not None
    spec = spec_of(study)
    key = get_instrument(instrument).key
    if key not in spec.instruments:
        raise InvalidInput("instrument", f"{key} is not in this study's schedule",
                           ", ".join(spec.instruments))
    when = day or local_today(person, now)
    if not 0 <= rules.study_day(enrolment.start_date, when) <= study.duration_days:
        raise InvalidInput("date", "is outside the study", f"study days 0-{study.duration_days}")
    return submit_response(session=session, person=person, instrument=key, answers=answers,
                           day=when)


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal did."""

    study_id: uuid.UUID
    pseudonym: str
    withdrawn_at: datetime
    data_deleted: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {key: plain(value) for key, value in self.__dict__.items()}


def withdraw(
    *, session: Session, actor: Actor, study_id: uuid.UUID, delete_data: bool = False,
    now: datetime | None = None,
) -> Withdrawal:
    """Withdraw from a study: collection stops; ``delete_data`` deletes the person entirely."""
    enrolment = my_enrolment(session=session, actor=actor, study_id=study_id)
    moment = now or utcnow()
    person = session.get(Person, enrolment.person_id)
    assert person is not None
    if enrolment.withdrawn_at is None:
        enrolment.withdrawn_at = moment
        enrolment.withdrawn_date = local_today(person, moment)
    result = Withdrawal(study_id, enrolment.pseudonym, enrolment.withdrawn_at, delete_data)
    audit.record(session=session, actor=actor, action="study.withdraw", study_id=study_id,
                 resource=Resource.ENROLMENT, subject_person_id=person.id, now=moment,
                 detail="data deleted on request" if delete_data else None)
    if delete_data:
        session.flush()
        session.execute(delete(Person).where(Person.id == person.id))
        session.expunge_all()
    else:
        session.flush()
    return result


def enrolment_dict(row: EnrolmentRow, study: StudyRow) -> dict[str, Any]:
    """JSON-ready enrolment; the arm is hidden from the participant in blinded arms."""
    kinds = {a["name"]: a["kind"] for a in study.arms}
    blinded = kinds.get(row.arm) in ("self-blinded", "placebo-controlled")
    return {
        "study_id": str(row.study_id), "title": study.title, "pseudonym": row.pseudonym,
        "arm": None if blinded else row.arm, "start_date": row.start_date.isoformat(),
        "withdrawn_at": plain(row.withdrawn_at),
    }


def study_dict(study: StudyRow, consent: ConsentVersionRow | None = None) -> dict[str, Any]:
    """JSON-ready study definition."""
    data: dict[str, Any] = {
        "id": str(study.id), "title": study.title, "description": study.description,
        "status": study.status, "protocol": study.protocol, "arms": study.arms,
        "schedule": study.schedule, "duration_days": study.duration_days,
        "window_days": study.window_days, "export_dates": study.export_dates,
        "export_free_text": study.export_free_text, "created_at": plain(study.created_at),
    }
    if consent is not None:
        data["consent"] = {"version": consent.version, "sha256": consent.sha256}
    return data
