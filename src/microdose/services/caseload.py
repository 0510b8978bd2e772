"""Clinicians: invitations a person accepts (or revokes), the caseload sorted by need, alerts.

A clinician (or an admin acting as one) creates an invitation code and gives it to a person;
once the person accepts it, the clinician can read their records and alerts until either
side revokes the link. The caseload puts first whoever needs attention most:

1. open crisis alerts (PHQ-9 item 9, DASS-21 item 21, deterioration, screen) not yet
   acknowledged by a clinician;
2. a reliable deterioration on PHQ-9: latest total at least
   :data:`~microdose.domain.safety.PHQ9_RELIABLE_DETERIORATION` (6) points above the first;
3. adverse events of grade ≥ 3 that are ongoing or ended within :data:`RECENT_DAYS`;
4. missed check-ins over the last :data:`MISSED_WINDOW_DAYS` complete days.

Alerts and adverse events come from the safety tables (``store/safety_models.py``).
Every read of a linked person's data appends an audit entry.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microdose.domain.adverse import SERIOUS_GRADE
from microdose.domain.errors import Conflict, InvalidInput, NotFound
from microdose.domain.roles import AccessDenied, Action, Relation, Resource
from microdose.domain.safety import PHQ9_RELIABLE_DETERIORATION
from microdose.domain.studies import code_digest, make_code
from microdose.services.access import authorize, require_person
from microdose.services.actor import Actor
from microdose.services.safety import ALERT_CRISIS
from microdose.services.serialize import plain, row_dict
from microdose.services.visibility import without_private_notes
from microdose.store.base import utcnow
from microdose.store.models import CheckinRow, DoseRow, Person, ResponseRow
from microdose.store.safety_models import AdverseEventRow, AlertRow
from microdose.store.service_models import AlertAcknowledgementRow, ClinicianLinkRow

INVITATION_DAYS = 14
MISSED_WINDOW_DAYS = 7
RECENT_DAYS = 28
MAX_NOTE = 2000
_GONE = "invitation: no such code, or it was used, revoked or has expired"


@dataclass(frozen=True)
class Invitation:
    """A new clinician invitation: the code (shown once) and its stored link."""

    code: str
    link: ClinicianLinkRow


def invite(
    *, session: Session, actor: Actor, now: datetime | None = None, days: int = INVITATION_DAYS
) -> Invitation:
    """Create a single-use invitation code that links a person to the acting clinician."""
    authorize(session=session, actor=actor, action=Action.WRITE,
              resource=Resource.CLINICIAN_LINK, relation=Relation.OWN, what="link.invite")
    if actor.account_id is None:
        raise InvalidInput("account", "the operator cannot invite", "a clinician's account")
    if not 1 <= days <= 90:
        raise InvalidInput("days", "is out of range", "1-90")
    moment = now or utcnow()
    code = make_code()
    link = ClinicianLinkRow(clinician_id=actor.account_id, code_digest=code_digest(code),
                            created_at=moment, expires_at=moment + timedelta(days=days))
    session.add(link)
    session.flush()
    return Invitation(code, link)


def accept(
    *, session: Session, actor: Actor, code: str, now: datetime | None = None
) -> ClinicianLinkRow:
    """A participant accepts a clinician's invitation: the clinician may now read their data."""
    authorize(session=session, actor=actor, action=Action.WRITE,
              resource=Resource.CLINICIAN_LINK, relation=Relation.OWN, what="link.accept")
    if actor.person_id is None:
        raise AccessDenied("link.accept: only a participant's account can accept")
    moment = now or utcnow()
    link = session.scalars(
        select(ClinicianLinkRow).where(ClinicianLinkRow.code_digest == code_digest(code))
    ).first()
    if link is None or link.accepted_at or link.revoked_at or link.expires_at <= moment:
        raise NotFound(_GONE)
    if _active_link(session, link.clinician_id, actor.person_id) is not None:
        raise Conflict("invitation: you are already linked to this clinician")
    claimed = session.execute(
        update(ClinicianLinkRow)
        .where(ClinicianLinkRow.id == link.id, ClinicianLinkRow.accepted_at.is_(None),
               ClinicianLinkRow.revoked_at.is_(None))
        .values(person_id=actor.person_id, accepted_at=moment)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise NotFound(_GONE)
    session.refresh(link)
    return link


def _active_link(
    session: Session, clinician_id: uuid.UUID, person_id: uuid.UUID
) -> ClinicianLinkRow | None:
    return session.scalars(
        select(ClinicianLinkRow).where(
            ClinicianLinkRow.clinician_id == clinician_id,
            ClinicianLinkRow.person_id == person_id,
            ClinicianLinkRow.accepted_at.is_not(None),
            ClinicianLinkRow.revoked_at.is_(None),
        )
    ).first()


def revoke(
    *, session: Session, actor: Actor, link_id: uuid.UUID, now: datetime | None = None
) -> ClinicianLinkRow:
    """End a link (or withdraw an unused invitation): the clinician or the person may."""
    link = session.get(ClinicianLinkRow, link_id)
    mine = link is not None and (
        link.clinician_id == actor.account_id
        or (actor.person_id is not None and link.person_id == actor.person_id)
    )
    authorize(session=session, actor=actor, action=Action.WRITE,
              resource=Resource.CLINICIAN_LINK,
              relation=Relation.OWN if mine else Relation.OTHER, what="link.revoke")
    assert link is not None
    if link.revoked_at is None:
        link.revoked_at = now or utcnow()
        session.flush()
    return link


def links(*, session: Session, actor: Actor) -> list[ClinicianLinkRow]:
    """The actor's links and invitations: as clinician, or as the linked person."""
    authorize(session=session, actor=actor, action=Action.READ,
              resource=Resource.CLINICIAN_LINK, relation=Relation.OWN, what="link.list")
    query = select(ClinicianLinkRow)
    if actor.person_id is not None:
        query = query.where(ClinicianLinkRow.person_id == actor.person_id)
    else:
        query = query.where(ClinicianLinkRow.clinician_id == actor.account_id)
    return list(session.scalars(query.order_by(ClinicianLinkRow.created_at)))


def link_dict(link: ClinicianLinkRow, now: datetime | None = None) -> dict[str, Any]:
    """JSON-ready link with its state (``pending``, ``active``, ``revoked``, ``expired``)."""
    data = row_dict(link, exclude=("code_digest",))
    if link.revoked_at:
        data["state"] = "revoked"
    elif link.accepted_at:
        data["state"] = "active"
    else:
        data["state"] = "expired" if link.expires_at <= (now or utcnow()) else "pending"
    return data


@dataclass(frozen=True)
class CaseloadEntry:
    """One linked person and why they may need attention.

    Attributes
    ----------
    open_crisis_alerts : int
        Crisis alerts no clinician has acknowledged.
    open_alerts : int
        All unacknowledged alerts (crisis and serious adverse events).
    phq9_first, phq9_latest : int or None
        First and latest PHQ-9 totals.
    deteriorated : bool
        Latest PHQ-9 at least 6 points above the first (NHS Talking Therapies reliable
        change; CLINICAL.md).
    severe_adverse_events : int
        Grade ≥ 3 events ongoing or ended within the last 28 days.
    missed_checkins : int
        Days without a check-in among the last 7 complete days since the link began.
    """

    person_id: uuid.UUID
    display_name: str
    linked_since: datetime
    open_crisis_alerts: int
    open_alerts: int
    phq9_first: int | None
    phq9_latest: int | None
    deteriorated: bool
    severe_adverse_events: int
    missed_checkins: int
    last_checkin: date | None

    def need(self) -> tuple[int, int, int, int]:
        """Sort key, most urgent first when sorted ascending."""
        return (-self.open_crisis_alerts, -int(self.deteriorated),
                -self.severe_adverse_events, -self.missed_checkins)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready entry."""
        return {key: plain(value) for key, value in self.__dict__.items()}


def caseload(
    *, session: Session, actor: Actor, now: datetime | None = None
) -> list[CaseloadEntry]:
    """The actor's linked people, most in need first; each view is audited per person."""
    authorize(session=session, actor=actor, action=Action.READ,
              resource=Resource.CASELOAD, relation=Relation.OWN, what="caseload.read")
    moment = now or utcnow()
    active = session.execute(
        select(ClinicianLinkRow.person_id, ClinicianLinkRow.accepted_at).where(
            ClinicianLinkRow.clinician_id == actor.account_id,
            ClinicianLinkRow.accepted_at.is_not(None),
            ClinicianLinkRow.revoked_at.is_(None),
        )
    ).all()
    since = {pid: at for pid, at in active if pid is not None and at is not None}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(since)))}
    for person_id in people:
        authorize(session=session, actor=actor, action=Action.READ, resource=Resource.JOURNAL,
                  relation=Relation.LINKED, what="caseload.read", subject_person_id=person_id,
                  now=moment)
    entries = _entries(session, people, since, moment)
    return sorted(entries, key=lambda e: (*e.need(), e.display_name.lower(), str(e.person_id)))


def _entries(
    session: Session, people: dict[uuid.UUID, Person], since: dict[uuid.UUID, datetime],
    moment: datetime,
) -> list[CaseloadEntry]:
    ids = list(people)
    crisis, alerts = _open_alert_counts(session, ids)
    phq9 = _phq9_totals(session, ids)
    severe = _severe_adverse(session, ids, moment)
    out = []
    for pid, person in people.items():
        first, latest = (phq9[pid][0], phq9[pid][-1]) if phq9.get(pid) else (None, None)
        days = _checkin_days(session, pid)
        out.append(CaseloadEntry(
            person_id=pid, display_name=person.display_name, linked_since=since[pid],
            open_crisis_alerts=crisis.get(pid, 0), open_alerts=alerts.get(pid, 0),
            phq9_first=first, phq9_latest=latest,
            deteriorated=first is not None and latest is not None
            and latest - first >= PHQ9_RELIABLE_DETERIORATION,
            severe_adverse_events=severe.get(pid, 0),
            missed_checkins=_missed(person, days, since[pid], moment),
            last_checkin=max(days) if days else None,
        ))
    return out


def _open_alert_counts(
    session: Session, ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    crisis: dict[uuid.UUID, int] = defaultdict(int)
    every: dict[uuid.UUID, int] = defaultdict(int)
    for alert in _open_alerts(session, ids):
        every[alert.person_id] += 1
        if alert.kind == ALERT_CRISIS:
            crisis[alert.person_id] += 1
    return crisis, every


def _open_alerts(session: Session, ids: list[uuid.UUID]) -> list[AlertRow]:
    acknowledged = select(AlertAcknowledgementRow.alert_id)
    query = select(AlertRow).where(AlertRow.person_id.in_(ids), AlertRow.id.not_in(acknowledged))
    return list(session.scalars(query.order_by(AlertRow.created_at)))


def _phq9_totals(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[int]]:
    query = (
        select(ResponseRow.person_id, ResponseRow.total)
        .where(ResponseRow.person_id.in_(ids), ResponseRow.instrument == "phq9",
               ResponseRow.total.is_not(None))
        .order_by(ResponseRow.local_date, ResponseRow.answered_at)
    )
    totals: dict[uuid.UUID, list[int]] = defaultdict(list)
    for person_id, total in session.execute(query):
        if total is not None:
            totals[person_id].append(int(total))
    return totals


def _severe_adverse(
    session: Session, ids: list[uuid.UUID], moment: datetime
) -> dict[uuid.UUID, int]:
    recent = moment.date() - timedelta(days=RECENT_DAYS)
    query = select(AdverseEventRow.person_id).where(
        AdverseEventRow.person_id.in_(ids), AdverseEventRow.grade >= SERIOUS_GRADE,
        (AdverseEventRow.end_date.is_(None)) | (AdverseEventRow.end_date >= recent),
    )
    counts: dict[uuid.UUID, int] = defaultdict(int)
    for (person_id,) in session.execute(query):
        counts[person_id] += 1
    return counts


def _checkin_days(session: Session, person_id: uuid.UUID) -> set[date]:
    query = select(CheckinRow.local_date).where(CheckinRow.person_id == person_id)
    return set(session.scalars(query))


def _missed(person: Person, days: set[date], since: datetime, moment: datetime) -> int:
    zone = ZoneInfo(person.timezone)
    today = moment.astimezone(zone).date()
    first = max(since.astimezone(zone).date(), today - timedelta(days=MISSED_WINDOW_DAYS))
    return sum(1 for n in range((today - first).days) if first + timedelta(days=n) not in days)


def person_alerts(
    *, session: Session, actor: Actor, person_id: uuid.UUID, open_only: bool = False
) -> list[dict[str, Any]]:
    """A person's alerts, newest first, with any acknowledgement (audited for others)."""
    require_person(session=session, actor=actor, person_id=person_id,
                   resource=Resource.ALERTS, what="alerts.read")
    acks = {a.alert_id: a for a in session.scalars(
        select(AlertAcknowledgementRow).where(AlertAcknowledgementRow.person_id == person_id))}
    query = select(AlertRow).where(AlertRow.person_id == person_id)
    out = []
    for alert in session.scalars(query.order_by(AlertRow.created_at.desc())):
        ack = acks.get(alert.id)
        if open_only and ack is not None:
            continue
        data = row_dict(alert)
        data["acknowledgement"] = row_dict(ack, exclude=("person_id", "alert_id")) if ack else None
        out.append(data)
    return out


def acknowledge_alert(
    *, session: Session, actor: Actor, alert_id: uuid.UUID, note: str,
    now: datetime | None = None,
) -> AlertAcknowledgementRow:
    """A linked clinician acknowledges an alert with a note (once per alert).

    A participant never acknowledges their own alert here: that would take it off their
    clinician's caseload (they acknowledge the crisis resources in the crisis flow).
    """
    if actor.person_id is not None:
        raise AccessDenied("alert.acknowledge: only the person's clinician can acknowledge it")
    alert = session.get(AlertRow, alert_id)
    if alert is None:
        raise NotFound("alert: not found")
    require_person(session=session, actor=actor, person_id=alert.person_id,
                   resource=Resource.ALERTS, action=Action.WRITE, what="alert.acknowledge")
    text = " ".join(str(note).split())
    if not 1 <= len(text) <= MAX_NOTE:
        raise InvalidInput("note", "say what was done (required)", f"1-{MAX_NOTE} characters")
    moment = now or utcnow()
    row = AlertAcknowledgementRow(alert_id=alert.id, person_id=alert.person_id,
                                  account_id=actor.account_id, note=text, acknowledged_at=moment)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("alert: already acknowledged") from exc
    if alert.seen_at is None:
        alert.seen_at = moment
    session.flush()
    return row


def timeline(
    *, session: Session, actor: Actor, person_id: uuid.UUID,
    start: date | None = None, end: date | None = None,
) -> dict[str, Any]:
    """A person's records for the clinician view (journal text stays private, and so do
    check-in and dose notes unless the person shares them); audited."""
    person = require_person(session=session, actor=actor, person_id=person_id,
                            what="journal.timeline")

    def rows(table: Any, day_column: Any) -> list[dict[str, Any]]:
        query = select(table).where(table.person_id == person_id)
        if start:
            query = query.where(day_column >= start)
        if end:
            query = query.where(day_column <= end)
        return [row_dict(r) for r in session.scalars(query.order_by(day_column))]

    return without_private_notes({
        "person": {"id": str(person.id), "display_name": person.display_name,
                   "timezone": person.timezone},
        "checkins": rows(CheckinRow, CheckinRow.local_date),
        "questionnaires": rows(ResponseRow, ResponseRow.local_date),
        "doses": rows(DoseRow, DoseRow.local_date),
        "adverse_events": rows(AdverseEventRow, AdverseEventRow.start_date),
        "alerts": person_alerts(session=session, actor=actor, person_id=person_id),
    }, person)
