"""Screens, refusals and dose guards on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from microdose.domain.errors import SafetyBlock
from microdose.domain.protocols import PlanSpec, Protocol
from microdose.services.demo import build_demo
from microdose.services.doses import DoseCreate, record_dose
from microdose.services.people import ensure_person, local_today
from microdose.services.plans import active_plan, create_plan
from microdose.services.safety import (
    latest_screen,
    record_medication_change,
    record_screen,
    rescreen_reason,
)
from microdose.services.trials import TrialCreate, design_trial, trial_envelopes
from microdose.store.base import utcnow
from microdose.store.models import DoseRow, Person, PlanRow

SRC = Path(__file__).resolve().parents[2] / "src" / "microdose"


@pytest.fixture
def journal(engine: Engine) -> Iterator[tuple[Session, Person]]:
    """A session inside one transaction and the journal's person (Berlin)."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session, ensure_person(session=session, timezone="Europe/Berlin")


def plan_spec(start: date, weeks: int = 4) -> PlanSpec:
    return PlanSpec(Protocol.FADIMAN, start, weeks=weeks)


def count(session: Session, model: type[DoseRow] | type[PlanRow]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def envelope_codes(session: Session, person: Person) -> list[str]:
    """Design a blinded trial starting today (needs a current screen) and list its codes."""
    create = TrialCreate(doses=4, protocol="fadiman", start=local_today(person), seed=1)
    trial = design_trial(session=session, person=person, create=create)
    return [e.code for e in trial_envelopes(session=session, trial=trial)]


def test_plan_and_dose_refuse_before_a_screen(journal: tuple[Session, Person]) -> None:
    session, person = journal
    with pytest.raises(SafetyBlock, match="no safety screen yet") as raised:
        create_plan(
            session=session,
            person_id=person.id,
            past_confirmed=True,
            spec=plan_spec(date(2026, 1, 1)),
        )
    assert raised.value.exit_code == 3
    with pytest.raises(SafetyBlock, match="dose refused: no safety screen"):
        record_dose(
            session=session, person=person, dose=DoseCreate(material="dried-cubensis", grams=0.2)
        )
    assert (count(session, PlanRow), count(session, DoseRow)) == (0, 0)


def test_a_screen_is_stored_with_its_reasons(journal: tuple[Session, Person]) -> None:
    session, person = journal
    outcome = record_screen(
        session=session, person=person, conditions=["Epilepsy"], medications=["Zoloft"]
    )
    assert outcome.changes is None  # the first screen
    stored = latest_screen(session=session, person_id=person.id)
    assert stored is not None and stored.id == outcome.row.id
    assert (stored.verdict, stored.conditions, stored.medications, stored.generics) == (
        "warn",
        ["seizures"],
        ["Zoloft"],
        ["sertraline"],
    )
    assert {r["item"] for r in stored.reasons} == {"seizures", "Zoloft"}
    again = record_screen(session=session, person=person, medications=["Zoloft", "Lithobid"])
    assert again.changes == {"added": ["lithium"], "removed": []}
    assert latest_screen(session=session, person_id=person.id).verdict == "block"  # type: ignore[union-attr]


# one of each kind of block (every block rule itself is tested in tests/domain)
BLOCKS = [
    {"conditions": ["family-psychosis"]},
    {"medications": ["Lithobid"]},
    {"pregnant": True},
]


@pytest.mark.parametrize("declared", BLOCKS)
def test_a_block_refuses_plan_and_every_kind_of_dose(
    journal: tuple[Session, Person], declared: dict[str, object]
) -> None:
    session, person = journal
    record_screen(session=session, person=person)
    codes = envelope_codes(session, person)  # a blinded trial designed before the block
    plans = count(session, PlanRow)
    record_screen(session=session, person=person, **declared)  # type: ignore[arg-type]
    with pytest.raises(SafetyBlock, match="plan refused: your safety screen") as raised:
        create_plan(
            session=session,
            person_id=person.id,
            past_confirmed=True,
            spec=plan_spec(date(2026, 1, 1)),
        )
    assert raised.value.reasons
    zone = ZoneInfo("Europe/Berlin")
    yesterday = local_today(person) - timedelta(days=1)
    for dose in (
        DoseCreate(material="dried-cubensis", grams=0.2),
        DoseCreate(material="dried-cubensis", grams="0.1", day=yesterday),
        DoseCreate(material="psilocybin", mg=2, at=datetime(2026, 1, 5, 8, tzinfo=zone)),
        DoseCreate(material="truffles", grams=0.5, at=datetime(2026, 1, 5, 8)),
        DoseCreate(envelope_code=codes[0]),
        DoseCreate(envelope_code=codes[1].lower(), notes="blinded"),
    ):
        with pytest.raises(SafetyBlock, match="dose refused: your safety screen"):
            record_dose(session=session, person=person, dose=dose)
    assert (count(session, PlanRow), count(session, DoseRow)) == (plans, 0)


def test_ok_and_warn_allow_plan_and_dose(journal: tuple[Session, Person]) -> None:
    session, person = journal
    today = local_today(person)
    for back, medications in enumerate(([], ["Prozac"], ["Wellbutrin"])):  # ok, warn, note
        record_screen(session=session, person=person, medications=medications)
        create_plan(
            session=session,
            person_id=person.id,
            past_confirmed=True,
            spec=plan_spec(today - timedelta(days=3 * back)),
        )
        row = record_dose(
            session=session,
            person=person,
            dose=DoseCreate(
                material="dried-cubensis", grams=0.2, day=today - timedelta(days=3 * back)
            ),
        )
        assert row.warnings == []


def test_a_rescreen_is_due_after_four_weeks(journal: tuple[Session, Person]) -> None:
    session, person = journal
    record_screen(session=session, person=person, now=utcnow() - timedelta(days=28, hours=1))
    reason = rescreen_reason(session=session, person_id=person.id)
    assert reason is not None and "4 weeks" in reason
    with pytest.raises(SafetyBlock, match="a new safety screen is due"):
        create_plan(
            session=session,
            person_id=person.id,
            past_confirmed=True,
            spec=plan_spec(date(2026, 1, 1)),
        )
    with pytest.raises(SafetyBlock, match="a new safety screen is due"):
        record_dose(session=session, person=person, dose=DoseCreate(material="psilocybin", mg=1))
    record_screen(session=session, person=person)
    assert rescreen_reason(session=session, person_id=person.id) is None
    record_dose(session=session, person=person, dose=DoseCreate(material="psilocybin", mg=1))


def test_a_rescreen_is_due_when_medications_change(journal: tuple[Session, Person]) -> None:
    session, person = journal
    record_screen(session=session, person=person, now=utcnow() - timedelta(days=2))
    assert rescreen_reason(session=session, person_id=person.id) is None
    record_medication_change(session=session, person_id=person.id, note="started lithium")
    with pytest.raises(SafetyBlock, match="medications changed"):
        record_dose(
            session=session, person=person, dose=DoseCreate(material="dried-cubensis", grams=0.2)
        )
    record_screen(session=session, person=person, medications=["lithium"])
    with pytest.raises(SafetyBlock, match="lithium"):
        record_dose(
            session=session, person=person, dose=DoseCreate(material="dried-cubensis", grams=0.2)
        )


def test_dose_guards_are_stored_with_the_dose(journal: tuple[Session, Person]) -> None:
    session, person = journal
    record_screen(session=session, person=person)
    today = local_today(person)
    start = today - timedelta(days=90)
    create_plan(
        session=session, person_id=person.id, past_confirmed=True, spec=plan_spec(start, weeks=14)
    )
    plan = active_plan(session=session, person_id=person.id)
    assert plan is not None
    past = [d for d in plan.dose_days if d < today - timedelta(days=1)]
    rows = [
        record_dose(
            session=session,
            person=person,
            dose=DoseCreate(material="dried-cubensis", grams=0.2, day=d),
        )
        for d in past
    ]
    long_run = [r for r in rows if any("12 weeks or more" in w for w in r.warnings)]
    # Fadiman doses every third day: the run covers 84 days from the 29th dose on (day 84)
    assert [r.local_date for r in long_run] == [d for d in past if (d - start).days >= 83]
    assert long_run and all("5-HT2B" in w for r in long_run for w in r.warnings if "12 weeks" in w)
    extra = record_dose(
        session=session,
        person=person,
        dose=DoseCreate(material="dried-cubensis", grams=0.2, day=past[-1] + timedelta(days=1)),
    )
    joined = " ".join(extra.warnings)
    assert "more doses in a week than the protocol plans" not in joined  # 3 in 7 days
    assert "consecutive dose days" in joined
    fourth = record_dose(
        session=session,
        person=person,
        dose=DoseCreate(material="dried-cubensis", grams=0.2, day=past[-1] - timedelta(days=1)),
    )
    assert any("more doses in a week than the protocol plans" in w for w in fourth.warnings)


def test_only_the_guarded_services_write_doses_and_plans() -> None:
    # every dose and plan goes through record_dose / create_plan, which hold the guards
    writer = re.compile(r"(?<!class )(DoseRow|PlanRow)\(|insert\((DoseRow|PlanRow)")
    writers = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if writer.search(path.read_text(encoding="utf-8"))
    }
    assert writers <= {"services/doses.py", "services/plans.py"}


def test_the_demo_screens_first(journal: tuple[Session, Person]) -> None:
    session, person = journal
    summary = build_demo(session=session, person=person, today=local_today(person), weeks=3)
    assert summary.doses > 0
    assert latest_screen(session=session, person_id=person.id).verdict == "ok"  # type: ignore[union-attr]
