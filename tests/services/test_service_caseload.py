"""Clinician links, the caseload sorted by need, alert acknowledgement, and the audit log."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from tests.service_support import NOW, account

from microdose.domain.adverse import make_adverse
from microdose.domain.checkins import make_checkin
from microdose.domain.errors import Conflict, InvalidInput, NotFound
from microdose.domain.roles import AccessDenied
from microdose.services import caseload as care
from microdose.services.actor import Actor
from microdose.services.adverse import record_adverse
from microdose.services.audit import entries
from microdose.services.checkins import submit_checkin
from microdose.services.questionnaires import record_response
from microdose.services.safety import submit_response
from microdose.store.models import Person
from microdose.store.service_models import AuditRow

RATINGS = dict(mood=5, anxiety=4, energy=6, focus=5, sleep=7, connectedness=5)
TODAY = date(2026, 3, 2)  # NOW in Europe/Berlin
PHQ9_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


def _linked(session: Session, clinician: Actor, email: str, name: str) -> Actor:
    person = account(session, email, "participant", name=name)
    code = care.invite(session=session, actor=clinician, now=NOW - timedelta(days=11)).code
    care.accept(session=session, actor=person, code=code, now=NOW - timedelta(days=10))
    return person


def _person(session: Session, actor: Actor) -> Person:
    found = session.get(Person, actor.person_id)
    assert found is not None
    return found


def test_invitation_accept_and_revoke(session: Session) -> None:
    clinician = account(session, "doc@example.org", "clinician")
    ana = account(session, "ana@example.org", "participant")
    made = care.invite(session=session, actor=clinician, now=NOW)
    assert care.link_dict(made.link, NOW)["state"] == "pending"
    assert "code_digest" not in care.link_dict(made.link, NOW)
    with pytest.raises(AccessDenied):
        care.accept(session=session, actor=clinician, code=made.code, now=NOW)
    link = care.accept(session=session, actor=ana, code=made.code.lower(), now=NOW)
    assert link.person_id == ana.person_id and care.link_dict(link)["state"] == "active"
    with pytest.raises(NotFound, match="used, revoked or has expired"):
        care.accept(session=session, actor=account(session, "bo@example.org", "participant"),
                    code=made.code, now=NOW)
    second = care.invite(session=session, actor=clinician, now=NOW).code
    with pytest.raises(Conflict, match="already linked"):
        care.accept(session=session, actor=ana, code=second, now=NOW)
    assert care.timeline(session=session, actor=clinician, person_id=ana.person_id)
    care.revoke(session=session, actor=ana, link_id=link.id, now=NOW)
    with pytest.raises(NotFound):  # not after the link is revoked
        care.timeline(session=session, actor=clinician, person_id=ana.person_id)
    assert care.caseload(session=session, actor=clinician, now=NOW) == []


def test_expired_and_foreign_links(session: Session) -> None:
    clinician = account(session, "doc@example.org", "clinician")
    other = account(session, "doc2@example.org", "clinician")
    ana = account(session, "ana@example.org", "participant")
    old = care.invite(session=session, actor=clinician, now=NOW - timedelta(days=15))
    with pytest.raises(NotFound):
        care.accept(session=session, actor=ana, code=old.code, now=NOW)
    with pytest.raises(NotFound):  # another clinician cannot revoke it
        care.revoke(session=session, actor=other, link_id=old.link.id)
    with pytest.raises(AccessDenied):
        care.invite(session=session, actor=account(session, "r@example.org", "researcher"))
    with pytest.raises(NotFound):  # unlinked clinicians see no one
        care.timeline(session=session, actor=other, person_id=ana.person_id)


def test_caseload_is_sorted_by_need(session: Session) -> None:
    clinician = account(session, "doc@example.org", "clinician")
    ana = _linked(session, clinician, "a@example.org", "Ana")  # crisis alert
    ben = _linked(session, clinician, "b@example.org", "Ben")  # reliable deterioration
    dora = _linked(session, clinician, "d@example.org", "Dora")  # grade-3 adverse event
    eli = _linked(session, clinician, "e@example.org", "Eli")  # 3 missed check-ins
    fay = _linked(session, clinician, "f@example.org", "Fay")  # all well
    submit_response(session=session, person=_person(session, ana), instrument="phq9",
                    answers=PHQ9_ITEM9, day=TODAY)
    for day, answers in ((TODAY - timedelta(days=28), [1, 1, 1, 1, 1, 0, 0, 0, 0]),
                         (TODAY, [2, 2, 1, 1, 2, 2, 1, 1, 0])):  # 5 → 12: +7 ≥ 6
        record_response(session=session, person_id=ben.person_id, instrument="phq9",
                        answers=answers, day=day)
    record_adverse(session=session, person=_person(session, dora),
                   event=make_adverse("headache", 3, today=TODAY))
    for person, days in ((eli, (1, 3, 5, 7)), (fay, range(1, 8))):
        for back in days:
            submit_checkin(session=session, person_id=person.person_id,
                           checkin=make_checkin(TODAY - timedelta(days=back), RATINGS))
    view = care.caseload(session=session, actor=clinician, now=NOW)
    assert [e.display_name for e in view] == ["Ana", "Ben", "Dora", "Eli", "Fay"]
    by_name = {e.display_name: e for e in view}
    assert by_name["Ana"].open_crisis_alerts == 1
    assert (by_name["Ben"].phq9_first, by_name["Ben"].phq9_latest) == (5, 12)
    assert by_name["Ben"].deteriorated and by_name["Dora"].severe_adverse_events == 1
    assert [by_name[n].missed_checkins for n in ("Eli", "Fay")] == [3, 0]
    assert by_name["Dora"].open_alerts == 1 and by_name["Dora"].open_crisis_alerts == 0

    alert = care.person_alerts(session=session, actor=clinician, person_id=ana.person_id,
                               open_only=True)[0]
    alert_id = uuid.UUID(alert["id"])
    with pytest.raises(InvalidInput, match="note"):
        care.acknowledge_alert(session=session, actor=clinician, alert_id=alert_id, note=" ")
    ack = care.acknowledge_alert(session=session, actor=clinician, alert_id=alert_id,
                                 note="Called Ana; safety plan agreed; GP informed.", now=NOW)
    assert ack.account_id == clinician.account_id
    with pytest.raises(Conflict):
        care.acknowledge_alert(session=session, actor=clinician, alert_id=alert_id,
                               note="again")
    after = care.caseload(session=session, actor=clinician, now=NOW)
    assert [e.display_name for e in after] == ["Ben", "Dora", "Ana", "Eli", "Fay"]
    shown = care.person_alerts(session=session, actor=clinician, person_id=ana.person_id)
    assert shown[0]["acknowledgement"]["note"].startswith("Called Ana")


def test_participants_cannot_acknowledge_or_read_others(session: Session) -> None:
    clinician = account(session, "doc@example.org", "clinician")
    ana = _linked(session, clinician, "a@example.org", "Ana")
    bob = account(session, "b@example.org", "participant")
    submit_response(session=session, person=_person(session, ana), instrument="phq9",
                    answers=PHQ9_ITEM9, day=TODAY)
    alert_id = uuid.UUID(
        care.person_alerts(session=session, actor=ana, person_id=ana.person_id)[0]["id"])
    for participant in (bob, ana):  # not even their own: it would leave the caseload
        with pytest.raises(AccessDenied):
            care.acknowledge_alert(session=session, actor=participant, alert_id=alert_id,
                                   note="x")
    with pytest.raises(NotFound):
        care.person_alerts(session=session, actor=bob, person_id=ana.person_id)
    admin = account(session, "adm@example.org", "admin")
    with pytest.raises(NotFound):  # an admin reads no journal without a link
        care.timeline(session=session, actor=admin, person_id=ana.person_id)


def test_every_access_to_another_persons_data_is_audited(session: Session) -> None:
    clinician = account(session, "doc@example.org", "clinician")
    ana = _linked(session, clinician, "a@example.org", "Ana")
    care.caseload(session=session, actor=clinician, now=NOW)
    care.timeline(session=session, actor=clinician, person_id=ana.person_id)
    care.person_alerts(session=session, actor=ana, person_id=ana.person_id)  # own: not audited
    care.timeline(session=session, actor=ana, person_id=ana.person_id)
    log = entries(session=session, actor=ana, subject_person_id=ana.person_id)
    assert sorted(e.action for e in log) == ["alerts.read", "caseload.read", "journal.timeline"]
    assert {e.actor_account_id for e in log} == {clinician.account_id}
    assert {e.actor_role for e in log} == {"clinician"}
    with pytest.raises(AccessDenied):  # a participant reads only entries about themselves
        entries(session=session, actor=ana)
    everything = entries(session=session, actor=account(session, "adm@example.org", "admin"))
    assert len(everything) == 3


def test_the_audit_log_is_append_only(session: Session) -> None:
    clinician = account(session, "doc@example.org", "clinician")
    _linked(session, clinician, "a@example.org", "Ana")
    care.caseload(session=session, actor=clinician, now=NOW)
    session.commit()
    for statement in (update(AuditRow).values(action="nothing"), AuditRow.__table__.delete()):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(statement)
        session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditRow)) == 1
