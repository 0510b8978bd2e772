"""A realistic synthetic journal (Fadiman, AR(1) daily noise, questionnaires, side effects)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from microdose.domain import protocols
from microdose.domain.checkins import RATINGS, make_checkin
from microdose.services.checkins import submit_checkin
from microdose.services.doses import DoseCreate, record_dose
from microdose.services.entries import add_entry
from microdose.services.plans import create_plan
from microdose.services.questionnaires import record_response
from microdose.services.safety import record_screen
from microdose.store.models import Person

#: AR(1) coefficient of the daily noise (day-to-day mood carries over)
DEMO_RHO = 0.5
#: true dose-day effect on mood in the synthetic data (rating points)
DEMO_DOSE_EFFECT = 0.6
BASELINES = {
    "mood": 4.5,
    "anxiety": 6.0,
    "energy": 4.5,
    "focus": 5.0,
    "sleep": 5.5,
    "connectedness": 4.5,
}


@dataclass(frozen=True)
class DemoSummary:
    """What the demo built."""

    start: date
    days: int
    doses: int
    checkins: int
    responses: int


def _clip(value: float) -> int:
    return max(0, min(10, round(value)))


def _ratings(rng: random.Random, noise: dict[str, float], dosed: bool, t: float) -> dict[str, int]:
    values = {}
    for name in RATINGS:
        noise[name] = DEMO_RHO * noise[name] + rng.gauss(0, 1.0)
        sign = -1 if name == "anxiety" else 1
        drift = sign * 1.2 * t + (sign * DEMO_DOSE_EFFECT if dosed else 0.0)
        values[name] = _clip(BASELINES[name] + drift + noise[name])
    return values


def _phq9(rng: random.Random, t: float) -> list[int]:
    level = 1.5 - 0.7 * t
    answers = [max(0, min(3, round(level + rng.gauss(0, 0.6)))) for _ in range(8)]
    return [*answers, 0]


def build_demo(
    *, session: Session, person: Person, today: date, weeks: int = 10, seed: int = 7
) -> DemoSummary:
    """Fill the journal with ``weeks`` of a Fadiman protocol ending yesterday."""
    rng = random.Random(seed)
    start = today - timedelta(days=weeks * 7)
    record_screen(session=session, person=person)  # no conditions, no medications: ok
    plan = _demo_plan(session, person, start, weeks)
    journal = _DemoJournal(
        session, person, plan, rng, ZoneInfo(person.timezone), dict.fromkeys(RATINGS, 0.0)
    )
    days = weeks * 7
    for offset in range(days):
        _demo_day(journal, start + timedelta(days=offset), offset, days)
    return DemoSummary(start, days, journal.doses, journal.checkins, journal.responses)


@dataclass
class _DemoJournal:
    """What every demo day writes with: the person, their plan, the dice, and the tallies."""

    session: Session
    person: Person
    plan: protocols.Plan
    rng: random.Random
    zone: ZoneInfo
    noise: dict[str, float]
    doses: int = 0
    checkins: int = 0
    responses: int = 0


def _demo_plan(session: Session, person: Person, start: date, weeks: int) -> protocols.Plan:
    """A Fadiman plan from ``start``, two weeks longer than the demo, confirmed as past."""
    return create_plan(
        session=session,
        person_id=person.id,
        past_confirmed=True,
        spec=protocols.PlanSpec(protocol=protocols.Protocol.FADIMAN, start=start, weeks=weeks + 2),
    )


def _demo_day(journal: _DemoJournal, day: date, offset: int, days: int) -> None:
    """One day: maybe a dose, usually a check-in, weekly questionnaires, now and then a note."""
    t = offset / days
    dosed = journal.plan.is_dose_day(day) and journal.rng.random() > 0.08
    if dosed:
        _demo_dose(journal, day)
    if journal.rng.random() < 0.9:
        _demo_checkin(journal, day, dosed, t)
    if offset % 7 == 0 or offset == days - 1:  # weekly questionnaires (issue 4)
        _questionnaires(journal.session, journal.person, day, journal.rng, t)
        journal.responses += 3
    if dosed and offset % 9 == 0:
        add_entry(
            session=journal.session,
            person_id=journal.person.id,
            kind="intention",
            day=day,
            text="Notice how I respond to small frustrations today.",
        )


def _demo_dose(journal: _DemoJournal, day: date) -> None:
    """A dose of dried cubensis at 08:30 local time."""
    at = datetime.combine(day, datetime.min.time(), journal.zone).replace(hour=8, minute=30)
    grams = round(journal.rng.uniform(0.15, 0.25), 2)
    record_dose(
        session=journal.session,
        person=journal.person,
        dose=DoseCreate(material="dried-cubensis", grams=grams, at=at),
    )
    journal.doses += 1


def _demo_checkin(journal: _DemoJournal, day: date, dosed: bool, t: float) -> None:
    """The day's ratings, with an occasional headache (dose days) or insomnia."""
    rng = journal.rng
    effects = ["headache"] if dosed and rng.random() < 0.12 else []
    effects += ["insomnia"] if rng.random() < 0.04 else []
    entry = make_checkin(day, _ratings(rng, journal.noise, dosed, t), effects)
    submit_checkin(session=journal.session, person_id=journal.person.id, checkin=entry)
    journal.checkins += 1


def _questionnaires(
    session: Session, person: Person, day: date, rng: random.Random, t: float
) -> None:
    level = 1.4 - 0.6 * t
    gad = [max(0, min(3, round(level + rng.gauss(0, 0.6)))) for _ in range(7)]
    who = [max(0, min(5, round(2 + 1.5 * t + rng.gauss(0, 0.7)))) for _ in range(5)]
    for key, answers in (("phq9", _phq9(rng, t)), ("gad7", gad), ("who5", who)):
        record_response(
            session=session, person_id=person.id, instrument=key, answers=answers, day=day
        )
