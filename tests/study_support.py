"""A small service study, built the same way every time: for the study-analysis tests and
the example output of ``microdose study analyze`` in docs/service.md.

``python -m tests.study_support FILE.sqlite3`` makes a new SQLite database with the study
(owner ``res@example.org``) and prints its id, e.g. for::

    MICRODOSE_DATABASE_URL=sqlite:///FILE.sqlite3 microdose study analyze ID --as res@example.org
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session
from tests.service_support import NOW, account, study

from microdose.domain.checkins import make_checkin
from microdose.services import studies
from microdose.services.checkins import submit_checkin
from microdose.store.models import DoseRow

TODAY = date(2026, 3, 2)
DAYS = (0, 14, 28, 42)
ARMS = ("microdose",) * 4 + ("comparison",) * 4


def _answers(total: int) -> list[int]:
    """PHQ-9 answers with this total and item 9 = 0."""
    answers = [0] * 9
    for item in range(total):
        answers[item % 8] += 1
    return answers


def build_study(session: Session) -> tuple[object, pd.DataFrame, dict[str, tuple[np.ndarray, ...]]]:
    """The study: 8 participants (4 microdose, 4 comparison), PHQ-9 on days 0, 14, 28 and
    42, daily mood check-ins for 42 days, a dose every third day in the microdose arm.
    Returns the study id, the PHQ-9 scores in long form, and each pseudonym's (mood, dosed)."""
    rng = np.random.default_rng(11)
    researcher = account(session, "res@example.org", "researcher")
    row = study(session, researcher, schedule="0:phq9;14:phq9;28:phq9;42:phq9",
                duration_days=42)
    long_rows, series = [], {}
    for n, arm in enumerate(ARMS):
        person = account(session, f"p{n}@example.org", "participant")
        code = studies.create_invitations(session=session, actor=researcher, study_id=row.id,
                                          arm=arm)[0]
        enrolment = studies.enrol(session=session, actor=person, code=code, consent_version=1,
                                  now=NOW)
        base = int(rng.integers(10, 17))
        for day in DAYS:
            drop = (4 if arm == "microdose" else 2) * day / 42
            total = int(np.clip(round(base - drop + rng.normal(0, 1.5)), 0, 24))
            studies.submit_assessment(session=session, actor=person, study_id=row.id,
                                      instrument="phq9", answers=_answers(total),
                                      day=TODAY + timedelta(days=day))
            long_rows.append({"participant": enrolment.pseudonym, "arm": arm,
                              "study_day": day, "value": float(total)})
        dosed = (np.arange(42) % 3 == 0) & (arm == "microdose")
        mood = np.clip(np.round(5 + 1.2 * dosed + rng.normal(0, 1, 42)), 0, 10)
        assert person.person_id is not None
        for day in range(42):
            when = TODAY + timedelta(days=day)
            submit_checkin(session=session, person_id=person.person_id, checkin=make_checkin(
                when, {**dict.fromkeys(("anxiety", "energy", "focus", "sleep",
                                        "connectedness"), 5), "mood": int(mood[day])}))
            if dosed[day]:
                session.add(DoseRow(person_id=person.person_id, local_date=when,
                                    timezone="Europe/Berlin", material="dried", grams=0.2,
                                    taken_at=datetime.combine(when, datetime.min.time(),
                                                              NOW.tzinfo), warnings=[]))
        series[enrolment.pseudonym] = (mood, dosed)
    session.flush()
    return row.id, pd.DataFrame(long_rows), series


def main(path: str) -> None:
    """Write the study into a new SQLite database at ``path`` and print its id."""
    from microdose.store.engine import make_engine
    from microdose.store.migrate import ensure_schema

    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        study_id, _frame, _series = build_study(session)
    print(study_id)


if __name__ == "__main__":
    main(sys.argv[1])
