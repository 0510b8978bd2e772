"""Studies on both databases: consent, enrolment, collection, withdrawal, deletion, export."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.service_support import CONSENT, NOW, account, study

from microdose.domain.checkins import make_checkin
from microdose.domain.errors import Conflict, InvalidInput, NotFound
from microdose.domain.roles import AccessDenied
from microdose.services import studies
from microdose.services.actor import Actor
from microdose.services.audit import entries
from microdose.services.checkins import submit_checkin
from microdose.services.entries import add_entry
from microdose.services.portability import person_tables
from microdose.services.study_export import DICTIONARY, export_study
from microdose.services.study_records import progress
from microdose.store.models import DoseRow, Person
from microdose.store.service_models import (
    AccountRow,
    ConsentAcceptanceRow,
    EnrolmentRow,
    StudyRow,
)

TODAY = date(2026, 3, 2)
RATINGS = dict(mood=5, anxiety=4, energy=6, focus=5, sleep=7, connectedness=5)
PHQ9 = [1, 1, 1, 1, 1, 1, 0, 0, 0]
SECRET = "private note about my sister"


def _enrolled(session: Session, study_row: StudyRow, email: str, name: str,
              arm: str | None = None) -> Actor:
    researcher = Actor.of(_owner(session, study_row))
    person = account(session, email, "participant", name=name)
    code = studies.create_invitations(session=session, actor=researcher,
                                      study_id=study_row.id, arm=arm)[0]
    studies.enrol(session=session, actor=person, code=code, consent_version=1, now=NOW)
    return person


def _owner(session: Session, study_row: StudyRow) -> AccountRow:
    owner = session.get(AccountRow, study_row.owner_id)
    assert owner is not None
    return owner


def _record_days(session: Session, actor: Actor, study_id: uuid.UUID, days: range) -> None:
    assert actor.person_id is not None
    for n in days:
        day = TODAY + timedelta(days=n)
        submit_checkin(session=session, person_id=actor.person_id,
                       checkin=make_checkin(day, RATINGS, notes=SECRET))
        session.add(DoseRow(person_id=actor.person_id, local_date=day, timezone="Europe/Berlin",
                            taken_at=datetime.combine(day, datetime.min.time(), NOW.tzinfo),
                            material="dried", grams=0.2, notes=SECRET, warnings=[]))
        if n in (0, 14, 28):
            studies.submit_assessment(session=session, actor=actor, study_id=study_id,
                                      instrument="phq9", answers=PHQ9, day=day)
    add_entry(session=session, person_id=actor.person_id, kind="note", text=SECRET, day=TODAY)
    session.flush()


def test_enrolment_needs_the_current_consent(session: Session) -> None:
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher)
    code = studies.create_invitations(session=session, actor=researcher, study_id=row.id)[0]
    shown = studies.preview_invitation(session=session, code=code)
    assert shown["consent"]["version"] == 1 and shown["consent"]["text"] == CONSENT
    ana = account(session, "ana@example.org", "participant", name="Ana Example")
    with pytest.raises(Conflict, match="version 1"):
        studies.enrol(session=session, actor=ana, code=code, consent_version=2)
    with pytest.raises(Conflict, match="consent"):
        studies.enrol(session=session, actor=ana, code=code, consent_version=1,
                      consent_sha256="0" * 64)
    enrolment = studies.enrol(session=session, actor=ana, code=code, consent_version=1,
                              consent_sha256=shown["consent"]["sha256"], now=NOW)
    assert re.fullmatch(r"P[0-9A-Z]{7}", enrolment.pseudonym)
    assert enrolment.start_date == TODAY and enrolment.arm in ("microdose", "comparison")
    accepted = session.scalars(select(ConsentAcceptanceRow)).one()
    assert accepted.sha256 == shown["consent"]["sha256"]
    with pytest.raises(NotFound):  # single use
        studies.enrol(session=session, actor=account(session, "b@example.org", "participant"),
                      code=code, consent_version=1)
    again = studies.create_invitations(session=session, actor=researcher, study_id=row.id)[0]
    with pytest.raises(Conflict, match="already enrolled"):
        studies.enrol(session=session, actor=ana, code=again, consent_version=1)
    studies.set_status(session=session, actor=researcher, study_id=row.id, status="closed")
    with pytest.raises(Conflict, match="not recruiting"):
        studies.enrol(session=session, actor=account(session, "c@example.org", "participant"),
                      code=again, consent_version=1)


def test_only_researchers_define_studies(session: Session) -> None:
    for role in ("admin", "clinician", "participant"):
        with pytest.raises(AccessDenied):
            study(session, account(session, f"{role}@example.org", role))
    researcher = account(session, "res@example.org", "researcher")
    with pytest.raises(InvalidInput, match="schedule"):
        study(session, researcher, schedule="0:phq9;60:phq9")


def test_allocation_is_balanced_or_follows_the_code(session: Session) -> None:
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher, arms="md=self-blinded,pl=placebo-controlled")
    people = [_enrolled(session, row, f"p{n}@example.org", f"P{n}") for n in range(6)]
    arms = session.scalars(select(EnrolmentRow.arm)).all()
    assert sorted(arms) == ["md"] * 3 + ["pl"] * 3
    chosen = _enrolled(session, row, "x@example.org", "X", arm="pl")
    mine = studies.my_enrolment(session=session, actor=chosen, study_id=row.id)
    assert mine.arm == "pl"
    assert studies.enrolment_dict(mine, row)["arm"] is None  # blinded: not shown to them
    assert len(people) == 6


def test_new_consent_version_pauses_collection_until_accepted(session: Session) -> None:
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher)
    ana = _enrolled(session, row, "ana@example.org", "Ana")
    new = studies.add_consent_version(session=session, actor=researcher, study_id=row.id,
                                      text=CONSENT + " Version 2 adds DASS-21.")
    assert new.version == 2
    with pytest.raises(Conflict, match="new consent version"):
        studies.submit_assessment(session=session, actor=ana, study_id=row.id,
                                  instrument="phq9", answers=PHQ9, day=TODAY)
    studies.accept_consent(session=session, actor=ana, study_id=row.id, version=2)
    done = studies.submit_assessment(session=session, actor=ana, study_id=row.id,
                                     instrument="phq9", answers=PHQ9, day=TODAY)
    assert done.row.total == 6
    with pytest.raises(InvalidInput, match="not in this study"):
        studies.submit_assessment(session=session, actor=ana, study_id=row.id,
                                  instrument="who5", answers=[3] * 5, day=TODAY)


def test_withdrawal_stops_collection(session: Session, tmp_path: Path) -> None:
    tmp_path = tmp_path / "export"
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher)
    ana = _enrolled(session, row, "ana@example.org", "Ana")
    _record_days(session, ana, row.id, range(0, 15))
    studies.withdraw(session=session, actor=ana, study_id=row.id,
                     now=NOW + timedelta(days=10))
    with pytest.raises(Conflict, match="withdrew"):
        studies.submit_assessment(session=session, actor=ana, study_id=row.id,
                                  instrument="phq9", answers=PHQ9, day=TODAY)
    result = export_study(session=session, actor=researcher, study_id=row.id,
                          folder=tmp_path)
    checkins = pd.read_csv(tmp_path / "checkins.csv")
    assert checkins["study_day"].max() == 10 and len(checkins) == 11  # days 0-10 only
    assert result.rows["questionnaires"] == 1  # day 14's PHQ-9 came after withdrawal
    people = pd.read_csv(tmp_path / "participants.csv")
    assert people["withdrawn"].tolist() == [True] and people["withdrawn_day"].tolist() == [10]


def test_withdrawal_with_deletion_removes_everything(session: Session) -> None:
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher)
    ana = _enrolled(session, row, "ana@example.org", "Ana")
    ben = _enrolled(session, row, "ben@example.org", "Ben")
    for person in (ana, ben):
        _record_days(session, person, row.id, range(0, 3))
    done = studies.withdraw(session=session, actor=ana, study_id=row.id, delete_data=True)
    assert done.data_deleted
    assert session.get(Person, ana.person_id) is None
    for table in person_tables():
        left = session.scalar(select(func.count()).select_from(table)
                              .where(table.c.person_id == ana.person_id))
        assert left == 0, table.name
        if table.name in ("checkin", "dose", "study_enrolment", "account"):
            kept = session.scalar(select(func.count()).select_from(table)
                                  .where(table.c.person_id == ben.person_id))
            assert kept, table.name
    log = entries(session=session, actor=Actor.operator(), subject_person_id=ana.person_id)
    assert [(e.action, e.detail) for e in log] == [("study.withdraw", "data deleted on request")]


def _cells(folder: Path) -> str:
    texts = []
    for path in folder.iterdir():
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        texts.append(" ".join(map(str, frame.columns)))
        texts.append(frame.astype(str).to_csv(index=False))
    return "\n".join(texts)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_is_pseudonymised(session: Session, tmp_path: Path, fmt: str) -> None:
    tmp_path = tmp_path / "export"
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher)
    people = [_enrolled(session, row, f"person{n}@example.org", f"Name{n} Surname")
              for n in range(3)]
    for person in people:
        _record_days(session, person, row.id, range(0, 29))
    result = export_study(session=session, actor=researcher, study_id=row.id, folder=tmp_path,
                          fmt=fmt)
    assert result.participants == 3 and result.rows["questionnaires"] == 9
    text = _cells(tmp_path)
    for person in people:
        assert str(person.person_id) not in text and person.label not in text
    for needle in ("@", "Surname", SECRET, "sister", "Europe/Berlin"):
        assert needle not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "no calendar dates"
    assert {p.name for p in tmp_path.iterdir()} == {
        f"{n}.{fmt}" for n in ("participants", "questionnaires", "checkins", "doses",
                               "adverse_events", "data_dictionary")}
    reader = pd.read_parquet if fmt == "parquet" else pd.read_csv
    dictionary = reader(tmp_path / f"data_dictionary.{fmt}")
    for name in ("participants", "questionnaires", "checkins", "doses", "adverse_events"):
        columns = list(reader(tmp_path / f"{name}.{fmt}").columns)
        assert columns == dictionary.loc[dictionary["table"] == name, "column"].tolist()
    log = entries(session=session, actor=Actor.operator())
    exported = [e for e in log if e.action == "study.export"]
    assert {e.subject_person_id for e in exported} == {p.person_id for p in people}


def test_export_carries_dates_and_notes_only_when_configured(
    session: Session, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "export"
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher, export_dates=True, export_free_text=True)
    ana = _enrolled(session, row, "ana@example.org", "Ana")
    _record_days(session, ana, row.id, range(0, 2))
    export_study(session=session, actor=researcher, study_id=row.id, folder=tmp_path)
    checkins = pd.read_csv(tmp_path / "checkins.csv")
    assert checkins["date"].tolist() == ["2026-03-02", "2026-03-03"]
    assert set(checkins["notes"]) == {SECRET}
    assert pd.read_csv(tmp_path / "journal.csv")["text"].tolist() == [SECRET]
    assert "Ana" not in _cells(tmp_path) and "@" not in _cells(tmp_path)
    assert "journal" in DICTIONARY


def test_only_the_owner_reads_study_data(session: Session, tmp_path: Path) -> None:
    tmp_path = tmp_path / "export"
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher)
    ana = _enrolled(session, row, "ana@example.org", "Ana")
    other = account(session, "other@example.org", "researcher")
    with pytest.raises(NotFound):
        export_study(session=session, actor=other, study_id=row.id, folder=tmp_path)
    with pytest.raises(NotFound):
        studies.create_invitations(session=session, actor=other, study_id=row.id)
    for actor in (ana, account(session, "doc@example.org", "clinician"), Actor.operator()):
        with pytest.raises(AccessDenied):
            progress(session=session, actor=actor, study_id=row.id)
    with pytest.raises(NotFound):
        progress(session=session, actor=researcher, study_id=uuid.uuid4())
    assert not tmp_path.exists()


def test_progress_follows_enrolment_and_completion(session: Session) -> None:
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher)
    done = _enrolled(session, row, "a@example.org", "A")
    _enrolled(session, row, "b@example.org", "B")
    _record_days(session, done, row.id, range(0, 29))
    report = progress(session=session, actor=researcher, study_id=row.id)
    assert (report.enrolled, report.active, report.withdrawn) == (2, 2, 0)
    assert sum(report.by_arm.values()) == 2 and report.invitations_used == 2
    phq9 = {(a["day"], a["instrument"]): (a["done"], a["due"]) for a in report.assessments}
    assert phq9[(0, "phq9")] == (1, 2) and phq9[(28, "phq9")] == (1, 2)
    assert phq9[(0, "dass21")] == (0, 2)
    assert sorted(p["done"] for p in report.participants) == [0, 3]
