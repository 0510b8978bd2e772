"""A study's records as pseudonymised frames, and enrolment and completion progress.

Every frame identifies people only by their study pseudonym and counts time in study days
(day 0 = enrolment). Records before day 0, after the study's last day, or after the day a
participant withdrew are left out. Calendar dates and free text (check-in notes, dose
notes, adverse-event notes, journal entries) are included only when the study says so
(``export_dates``, ``export_free_text``); names and emails never are.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from microdose.domain import studies as rules
from microdose.domain.checkins import RATINGS
from microdose.domain.roles import Action, Resource
from microdose.services.access import audit_study_access, require_study
from microdose.services.actor import Actor
from microdose.services.people import local_today
from microdose.services.studies import spec_of
from microdose.store.base import utcnow
from microdose.store.models import CheckinRow, DoseRow, JournalRow, Person, ResponseRow
from microdose.store.safety_models import AdverseEventRow
from microdose.store.service_models import (
    ConsentAcceptanceRow,
    ConsentVersionRow,
    EnrolmentRow,
    StudyInvitationRow,
    StudyRow,
)

MAX_ITEMS = 21


@dataclass(frozen=True)
class Window:
    """One participant's part of the study: pseudonym, arm, and study days kept."""

    pseudonym: str
    arm: str
    start: date
    last_day: int
    current_day: int


@dataclass
class StudyRecords:
    """Pseudonymised frames of one study.

    ``person_ids`` are for the audit log only; ``current_days`` (today's study day, or the
    withdrawal day, by pseudonym) for progress only — neither is exported.
    """

    study: StudyRow
    tables: dict[str, pd.DataFrame]
    person_ids: list[uuid.UUID] = field(default_factory=list)
    current_days: dict[str, int] = field(default_factory=dict)


def _windows(session: Session, study: StudyRow, now: datetime) -> dict[uuid.UUID, Window]:
    rows = session.execute(
        select(EnrolmentRow, Person).join(Person, Person.id == EnrolmentRow.person_id)
        .where(EnrolmentRow.study_id == study.id).order_by(EnrolmentRow.pseudonym)
    ).all()
    windows = {}
    for enrolment, person in rows:
        current = rules.study_day(enrolment.start_date, local_today(person, now))
        if enrolment.withdrawn_date is not None:
            current = min(current, rules.study_day(enrolment.start_date,
                                                   enrolment.withdrawn_date))
        windows[enrolment.person_id] = Window(enrolment.pseudonym, enrolment.arm,
                                              enrolment.start_date,
                                              min(current, study.duration_days), current)
    return windows


def _participants(session: Session, study: StudyRow, windows: dict[uuid.UUID, Window]
                  ) -> pd.DataFrame:
    kinds = {a["name"]: a["kind"] for a in study.arms}
    consent = dict(session.execute(
        select(ConsentAcceptanceRow.person_id, ConsentVersionRow.version)
        .join(ConsentVersionRow, ConsentVersionRow.id == ConsentAcceptanceRow.consent_version_id)
        .where(ConsentVersionRow.study_id == study.id).order_by(ConsentVersionRow.version)
    ).all())
    enrolments = {e.person_id: e for e in session.scalars(
        select(EnrolmentRow).where(EnrolmentRow.study_id == study.id))}
    records = []
    for pid, w in windows.items():
        withdrawn = enrolments[pid].withdrawn_date
        records.append({
            "pseudonym": w.pseudonym, "arm": w.arm, "arm_kind": kinds.get(w.arm),
            "withdrawn": withdrawn is not None,
            "withdrawn_day": rules.study_day(w.start, withdrawn) if withdrawn else None,
            "last_day": w.last_day, "consent_version": consent.get(pid),
        })
    columns = ["pseudonym", "arm", "arm_kind", "withdrawn", "withdrawn_day", "last_day",
               "consent_version"]
    return pd.DataFrame.from_records(records, columns=columns)


def _rows(
    session: Session, query: Select[Any], day_of: Callable[[Any], date],
    windows: dict[uuid.UUID, Window], dates: bool, build: Callable[[Any], dict[str, Any]],
) -> list[dict[str, Any]]:
    out = []
    for row in session.scalars(query):
        w = windows[row.person_id]
        day = rules.study_day(w.start, day_of(row))
        if not 0 <= day <= w.last_day:
            continue
        record = {"pseudonym": w.pseudonym, "arm": w.arm, "study_day": day}
        if dates:
            record["date"] = day_of(row).isoformat()
        record.update(build(row))
        out.append(record)
    return out


def _questionnaire(row: ResponseRow) -> dict[str, Any]:
    score = row.score or {}
    subs = score.get("subscales") or {}
    record: dict[str, Any] = {
        "instrument": row.instrument, "total": row.total, "severity": row.severity,
        "percent": score.get("percent"),
        **{f"dass21_{k}": (subs.get(k) or {}).get("score")
           for k in ("depression", "anxiety", "stress")},
        "flags": ";".join(row.flags or []),
    }
    for number in range(1, MAX_ITEMS + 1):
        answers = row.answers or []
        record[f"item_{number:02d}"] = answers[number - 1] if number <= len(answers) else None
    return record


def _checkin(row: CheckinRow, free_text: bool) -> dict[str, Any]:
    record: dict[str, Any] = {name: getattr(row, name) for name in RATINGS}
    record.update(side_effects=";".join(row.side_effects or []), guess=row.guess,
                  guess_confidence=row.guess_confidence)
    if free_text:
        record["notes"] = row.notes
    return record


def _dose(row: DoseRow, free_text: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "material": row.material, "grams": row.grams, "mg_low": row.mg_low,
        "mg_typical": row.mg_typical, "mg_high": row.mg_high,
        "classification": row.classification,
    }
    if free_text:
        record["notes"] = row.notes
    return record


def _adverse(row: AdverseEventRow, start: date, free_text: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "end_study_day": rules.study_day(start, row.end_date) if row.end_date else None,
        "category": row.category, "grade": row.grade, "serious": row.serious,
        "action": row.action,
    }
    if free_text:
        record["notes"] = row.notes
    return record


def collect(session: Session, study: StudyRow, now: datetime | None = None) -> StudyRecords:
    """Every table of the study as pseudonymised frames (no access check: callers do it)."""
    windows = _windows(session, study, now or utcnow())
    ids = list(windows)
    dates, text = study.export_dates, study.export_free_text

    def query(table: Any, order: Any) -> Select[Any]:
        return select(table).where(table.person_id.in_(ids)).order_by(table.person_id, order)

    responses = _rows(session, query(ResponseRow, ResponseRow.local_date)
                      .where(ResponseRow.instrument.in_(spec_of(study).instruments)),
                      lambda r: r.local_date, windows, dates, _questionnaire)
    tables = {
        "participants": _participants(session, study, windows),
        "questionnaires": pd.DataFrame.from_records(responses),
        "checkins": pd.DataFrame.from_records(_rows(
            session, query(CheckinRow, CheckinRow.local_date), lambda r: r.local_date,
            windows, dates, lambda r: _checkin(r, text))),
        "doses": pd.DataFrame.from_records(_rows(
            session, query(DoseRow, DoseRow.local_date), lambda r: r.local_date, windows,
            dates, lambda r: _dose(r, text))),
        "adverse_events": pd.DataFrame.from_records(_rows(
            session, query(AdverseEventRow, AdverseEventRow.start_date),
            lambda r: r.start_date, windows, dates,
            lambda r: _adverse(r, windows[r.person_id].start, text))),
    }
    if text:
        tables["journal"] = pd.DataFrame.from_records(_rows(
            session, query(JournalRow, JournalRow.local_date), lambda r: r.local_date,
            windows, dates, lambda r: {"kind": r.kind, "text": r.text}))
    return StudyRecords(study, tables, ids,
                        {w.pseudonym: w.current_day for w in windows.values()})


@dataclass(frozen=True)
class StudyProgress:
    """Enrolment and completion of the schedule of assessments.

    Attributes
    ----------
    enrolled, active, withdrawn : int
        Participants ever enrolled, still in, and withdrawn.
    by_arm : dict of str to int
        Enrolled per arm.
    invitations_issued, invitations_used : int
        Codes created and codes used.
    assessments : list of dict
        Per scheduled (day, instrument): ``due`` and ``done`` counts.
    participants : list of dict
        Per pseudonym: arm, current study day, due and done.
    """

    study_id: uuid.UUID
    title: str
    status: str
    enrolled: int
    active: int
    withdrawn: int
    by_arm: dict[str, int]
    invitations_issued: int
    invitations_used: int
    assessments: list[dict[str, Any]]
    participants: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**self.__dict__, "study_id": str(self.study_id)}


def _answered(answers: pd.DataFrame, pseudonym: str) -> dict[str, list[int]]:
    """Study days each instrument was answered on by one participant."""
    if answers.empty:
        return {}
    mine = answers[answers["pseudonym"] == pseudonym]
    return {str(key): [int(d) for d in days]
            for key, days in mine.groupby("instrument")["study_day"]}


def progress(
    *, session: Session, actor: Actor, study_id: uuid.UUID, now: datetime | None = None
) -> StudyProgress:
    """The study's enrolment and completion (pseudonyms only); audited per participant."""
    study = require_study(session=session, actor=actor, study_id=study_id,
                          resource=Resource.STUDY_DATA, action=Action.READ)
    records = collect(session, study, now)
    audit_study_access(session=session, actor=actor, study=study,
                       person_ids=records.person_ids, what="study.progress", now=now)
    spec = spec_of(study)
    people = records.tables["participants"]
    answers = records.tables["questionnaires"]
    per_item: dict[tuple[int, str], list[int]] = {
        (a.day, i): [0, 0] for a in spec.schedule for i in a.instruments}
    rows = []
    for p in people.to_dict("records"):
        answered = _answered(answers, str(p["pseudonym"]))
        current = records.current_days[str(p["pseudonym"])]
        due = rules.completion(spec.schedule, answered, current_day=current,
                               window_days=spec.window_days)
        for d in due:
            per_item[(d.day, d.instrument)][0] += 1
            per_item[(d.day, d.instrument)][1] += int(d.done)
        rows.append({"pseudonym": p["pseudonym"], "arm": p["arm"],
                     "study_day": current, "withdrawn": bool(p["withdrawn"]),
                     "due": len(due),
                     "done": sum(d.done for d in due)})
    codes = session.execute(select(StudyInvitationRow.used_at)
                            .where(StudyInvitationRow.study_id == study.id)).all()
    withdrawn = int(people["withdrawn"].sum()) if len(people) else 0
    return StudyProgress(
        study_id=study.id, title=study.title, status=study.status, enrolled=len(people),
        active=len(people) - withdrawn, withdrawn=withdrawn,
        by_arm={a["name"]: int((people["arm"] == a["name"]).sum()) if len(people) else 0
                for a in study.arms},
        invitations_issued=len(codes), invitations_used=sum(1 for (u,) in codes if u),
        assessments=[{"day": d, "instrument": i, "due": v[0], "done": v[1]}
                     for (d, i), v in per_item.items()],
        participants=rows,
    )
