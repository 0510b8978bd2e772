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
    plan = create_plan(
        session=session,
        person_id=person.id,
        past_confirmed=True,
        spec=protocols.PlanSpec(protocol=protocols.Protocol.FADIMAN, start=start, weeks=weeks + 2),
    )
    noise = dict.fromkeys(RATINGS, 0.0)
    counts = {"doses": 0, "checkins": 0, "responses": 0}
    zone = ZoneInfo(person.timezone)
    for offset in range(weeks * 7):
        day = start + timedelta(days=offset)
        t = offset / (weeks * 7)
        dosed = plan.is_dose_day(day) and rng.random() > 0.08
        if dosed:
            at = datetime.combine(day, datetime.min.time(), zone).replace(hour=8, minute=30)
            record_dose(
                session=session,
                person=person,
                dose=DoseCreate(
                    material="dried-cubensis", grams=round(rng.uniform(0.15, 0.25), 2), at=at
                ),
            )
            counts["doses"] += 1
        if rng.random() < 0.9:
            effects = ["headache"] if dosed and rng.random() < 0.12 else []
            effects += ["insomnia"] if rng.random() < 0.04 else []
            entry = make_checkin(day, _ratings(rng, noise, dosed, t), effects)
            submit_checkin(session=session, person_id=person.id, checkin=entry)
            counts["checkins"] += 1
        if offset % 7 == 0 or offset == weeks * 7 - 1:  # weekly questionnaires (issue 4)
            _questionnaires(session, person, day, rng, t)
            counts["responses"] += 3
        if dosed and offset % 9 == 0:
            add_entry(
                session=session,
                person_id=person.id,
                kind="intention",
                day=day,
                text="Notice how I respond to small frustrations today.",
            )
    return DemoSummary(start, weeks * 7, counts["doses"], counts["checkins"], counts["responses"])


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
