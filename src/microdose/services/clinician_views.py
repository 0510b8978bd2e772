"""The clinician's side of the service: invitations, links, alerts and a person's analysis.

Thin wrappers over :mod:`microdose.services.caseload` that first check the actor holds a
caseload (clinicians, and admins acting as one): a participant manages their own links in
the sharing area and never acknowledges an alert meant for their clinician.
:func:`person_insight` authorises the read of a linked person's journal (audited) and
analyses it for the charts and the PDF report, which the web layer renders
(:mod:`microdose.reports.charts`, :mod:`microdose.reports.pdf`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from microdose.domain.errors import NotFound
from microdose.domain.roles import AccessDenied, Action, Relation, Resource, decide
from microdose.services import caseload
from microdose.services.access import require_person
from microdose.services.actor import Actor
from microdose.services.insight import Insight, analyze_data, gather
from microdose.store.service_models import AlertAcknowledgementRow, ClinicianLinkRow

#: audit actions of the clinician's reads of a person's analysis
REPORT_READ = "journal.report"
CHARTS_READ = "journal.charts"
NOTHING_RECORDED = (
    "nothing recorded yet: the charts and the report need check-ins, doses or questionnaires"
)


def require_caseload_role(*, actor: Actor, what: str) -> None:
    """Refuse (403) an actor whose role holds no caseload: only clinicians and admins.

    Raises
    ------
    AccessDenied
        The role may never read a caseload (participants, researchers).
    """
    if not decide(actor.role, Action.READ, Resource.CASELOAD, Relation.OWN).allowed:
        raise AccessDenied(
            f"{what}: only clinicians (and admins) have a caseload; a {actor.role} account has none"
        )


def create_invitation(
    *, session: Session, actor: Actor, now: datetime | None = None
) -> caseload.Invitation:
    """A new single-use invitation code of the acting clinician (shown once)."""
    require_caseload_role(actor=actor, what="link.invite")
    return caseload.invite(session=session, actor=actor, now=now)


def clinician_links(*, session: Session, actor: Actor) -> list[ClinicianLinkRow]:
    """The acting clinician's invitations and links, oldest first."""
    require_caseload_role(actor=actor, what="link.list")
    return caseload.links(session=session, actor=actor)


def revoke_link(
    *, session: Session, actor: Actor, link_id: uuid.UUID, now: datetime | None = None
) -> ClinicianLinkRow:
    """End one of the acting clinician's links, or withdraw an unused invitation.

    Raises
    ------
    NotFound
        No such link, or another clinician's.
    """
    require_caseload_role(actor=actor, what="link.revoke")
    return caseload.revoke(session=session, actor=actor, link_id=link_id, now=now)


def acknowledge(
    *, session: Session, actor: Actor, alert_id: uuid.UUID, note: str,
    now: datetime | None = None,
) -> AlertAcknowledgementRow:
    """A linked clinician acknowledges an alert with a note (once per alert).

    Raises
    ------
    AccessDenied
        The role holds no caseload (a participant cannot clear their own alert).
    NotFound
        No such alert, or one of a person not linked to the actor.
    InvalidInput
        ``note`` is empty or too long.
    Conflict
        The alert was already acknowledged.
    """
    require_caseload_role(actor=actor, what="alert.acknowledge")
    return caseload.acknowledge_alert(session=session, actor=actor, alert_id=alert_id,
                                      note=note, now=now)


@dataclass(frozen=True)
class PersonInsight:
    """A person's analysis as their clinician sees it (``insight`` None before any data).

    Attributes
    ----------
    person_id : UUID
        The person.
    display_name : str
        Their name, as printed on the report.
    insight : Insight or None
        The analysis of the period; None when nothing was recorded in it.
    note : str or None
        Why there is no analysis.
    """

    person_id: uuid.UUID
    display_name: str
    insight: Insight | None
    note: str | None = None


def person_insight(
    *, session: Session, actor: Actor, person_id: uuid.UUID, what: str = CHARTS_READ,
    start: date | None = None, end: date | None = None,
) -> PersonInsight:
    """Authorise the read of a person's journal (audited as ``what``), then analyse it.

    Journal text stays private: the entries are left out before the analysis.

    Raises
    ------
    NotFound
        The person does not exist or is not linked to the actor.
    AccessDenied
        The role may never read a journal (researchers).
    InvalidInput
        ``end`` before ``start`` (field ``to``).
    """
    person = require_person(session=session, actor=actor, person_id=person_id, what=what)
    try:
        data = gather(session=session, person=person, start=start, end=end)
    except NotFound:
        return PersonInsight(person.id, person.display_name, None, NOTHING_RECORDED)
    insight = analyze_data(replace(data, entries=()))
    return PersonInsight(person.id, person.display_name, insight)
