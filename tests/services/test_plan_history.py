"""A plan change never rewrites the past: each day is judged by the plan in effect on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from microdose.domain.plan_history import periods_of, planned_days
from microdose.domain.protocols import PlanSpec, Protocol, build_plan
from microdose.reports.text import insight_text
from microdose.services.doses import DoseCreate, record_dose
from microdose.services.insight import analyze_data, gather
from microdose.services.people import ensure_person, local_today
from microdose.services.plans import create_plan, plan_history_of
from microdose.services.safety import record_screen
from microdose.store.base import utcnow
from microdose.store.models import Person, PlanRow


@pytest.fixture
def journal(engine: Engine) -> Iterator[tuple[Session, Person]]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session, ensure_person(session=session, timezone="Europe/Berlin")


def test_periods_split_at_the_day_a_plan_was_made() -> None:
    old = build_plan(PlanSpec(Protocol.FADIMAN, date(2026, 1, 1), weeks=4))
    new = build_plan(PlanSpec(Protocol.STAMETS, date(2026, 1, 12), weeks=2))
    same_day = build_plan(PlanSpec(Protocol.FADIMAN, date(2026, 1, 12), weeks=1))
    periods = periods_of([(old, date(2025, 12, 30)), (same_day, date(2026, 1, 10)),
                          (new, date(2026, 1, 10))])
    assert [p.plan for p in periods] == [old, new]  # replaced the day it was made: no days
    days = planned_days(periods)
    assert date(2026, 1, 10) in old.dose_days  # …but made the day the new plan took over
    assert date(2026, 1, 7) in days and date(2026, 1, 10) not in days
    assert set(new.dose_days) <= set(days)


def test_doses_taken_under_the_old_plan_stay_planned_after_a_change(
    journal: tuple[Session, Person],
) -> None:
    session, person = journal
    record_screen(session=session, person=person)
    today = local_today(person)
    start = today - timedelta(days=21)
    old = create_plan(session=session, person_id=person.id, past_confirmed=True,
                      spec=PlanSpec(Protocol.FADIMAN, start, weeks=6))
    session.execute(update(PlanRow).values(created_at=utcnow() - timedelta(days=22)))
    taken = [d for d in old.dose_days if d < today - timedelta(days=1)]
    for day in taken:
        record_dose(session=session, person=person,
                    dose=DoseCreate(material="psilocybin", mg=1.5, day=day))
    create_plan(session=session, person_id=person.id,  # the plan changes today
                spec=PlanSpec(Protocol.STAMETS, today + timedelta(days=1), weeks=2))
    history = plan_history_of(session=session, person_id=person.id)
    assert [p.plan.spec.protocol for p in history] == [Protocol.FADIMAN, Protocol.STAMETS]
    assert history[0].last == today - timedelta(days=1) and history[1].first == today

    insight = analyze_data(gather(session=session, person=person, start=start, end=today))
    followed = insight.adherence
    assert followed.unplanned_doses == 0  # the earlier doses were planned when taken
    assert followed.taken_as_planned == len(taken)
    assert followed.planned_doses == len([d for d in old.dose_days if start <= d < today])
    document = insight.to_dict()
    assert [p["protocol"] for p in document["plans"]] == ["fadiman", "stamets"]
    assert document["plans"][0]["in_effect_to"] == (today - timedelta(days=1)).isoformat()
    assert "Plans, each judging its own days: fadiman" in insight_text(insight)
