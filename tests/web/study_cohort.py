"""A study with a cohort of participants, seeded through the services, for the web tests.

Eight participants (four microdose, four comparison) enrolled 40 days ago answer PHQ-9 on
study days 0, 14 and 28, check in every day, and the microdosers record a dose every
third day. Every participant also writes notes that hold their email (free text that a
study without ``export_free_text`` must never export). ``Cohort.phq9`` is the long frame
of the scores as given, for checking the analyses against statsmodels.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session
from tests.service_support import account, study

from microdose.domain import adverse
from microdose.domain.checkins import make_checkin
from microdose.services import studies
from microdose.services.actor import Actor
from microdose.services.adverse import record_adverse
from microdose.services.checkins import submit_checkin
from microdose.services.doses import DoseCreate, record_dose
from microdose.services.safety import record_screen
from microdose.store.models import Person

ZONE = ZoneInfo("Europe/Berlin")
DAYS = (0, 14, 28)
ARMS = ("microdose",) * 4 + ("comparison",) * 4


@dataclass
class Cohort:
    """The seeded study and what identifies its participants (which no export may hold)."""

    study_id: uuid.UUID
    phq9: pd.DataFrame
    emails: list[str] = field(default_factory=list)
    person_ids: list[uuid.UUID] = field(default_factory=list)
    account_ids: list[uuid.UUID] = field(default_factory=list)


def phq9_answers(total: int) -> list[int]:
    """PHQ-9 answers with this total and item 9 = 0 (no crisis flow)."""
    answers = [0] * 9
    for item in range(total):
        answers[item % 8] += 1
    return answers


def _daily(session: Session, person: Person, start: date, arm: str,
           rng: np.random.Generator, email: str) -> None:
    record_screen(session=session, person=person)
    for day in range(29):
        when = start + timedelta(days=day)
        dosed = arm == "microdose" and day % 3 == 0
        mood = int(np.clip(round(5 + 1.2 * dosed + rng.normal(0, 1)), 0, 10))
        ratings = {**dict.fromkeys(("anxiety", "energy", "focus", "sleep", "connectedness"),
                                   5), "mood": mood}
        submit_checkin(session=session, person_id=person.id, checkin=make_checkin(
            when, ratings, notes=f"write to me at {email}"))
        if dosed:
            record_dose(session=session, person=person, dose=DoseCreate(
                material="dried-cubensis", grams=0.15, day=when, notes=f"from {email}"))
    event = adverse.make_adverse("headache", 1, today=start + timedelta(days=3),
                                 notes=f"call {email}")
    record_adverse(session=session, person=person, event=event)


def seed_cohort(session: Session, owner: Actor, *, prefix: str = "cohort",
                seed: int = 7) -> Cohort:
    """The study owned by ``owner`` with eight participants' data (see the module)."""
    rng = np.random.default_rng(seed)
    row = study(session, owner, schedule="0:phq9;14:phq9;28:phq9", duration_days=28)
    start = datetime.now(ZONE).date() - timedelta(days=40)
    enrolled_at = datetime.combine(start, datetime.min.time(), ZONE).replace(hour=10)
    cohort = Cohort(row.id, pd.DataFrame())
    long_rows = []
    for n, arm in enumerate(ARMS):
        email = f"{prefix}{n}@example.org"
        person_actor = account(session, email, "participant")
        code = studies.create_invitations(session=session, actor=owner, study_id=row.id,
                                          arm=arm)[0]
        enrolment = studies.enrol(session=session, actor=person_actor, code=code,
                                  consent_version=1, now=enrolled_at.astimezone(UTC))
        person = session.get(Person, person_actor.person_id)
        assert person is not None and person_actor.account_id is not None
        base = int(rng.integers(10, 17))
        for day in DAYS:
            drop = (4 if arm == "microdose" else 2) * day / 28
            total = int(np.clip(round(base - drop + rng.normal(0, 1.5)), 0, 24))
            studies.submit_assessment(session=session, actor=person_actor, study_id=row.id,
                                      instrument="phq9", answers=phq9_answers(total),
                                      day=start + timedelta(days=day))
            long_rows.append({"participant": enrolment.pseudonym, "arm": arm,
                              "study_day": day, "value": float(total)})
        _daily(session, person, start, arm, rng, email)
        cohort.emails.append(email)
        cohort.person_ids.append(person.id)
        cohort.account_ids.append(person_actor.account_id)
    cohort.phq9 = pd.DataFrame(long_rows)
    return cohort
