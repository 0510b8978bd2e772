"""The crisis flow, alerts, adverse events and crisis resources by region."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import resources

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from microdose.domain.adverse import make_adverse
from microdose.domain.errors import InvalidInput, SafetyBlock
from microdose.domain.protocols import PlanSpec, Protocol
from microdose.services import crisis
from microdose.services.adverse import adverse_events, record_adverse
from microdose.services.doses import DoseCreate, doses, record_dose
from microdose.services.people import ensure_person, local_today
from microdose.services.plans import create_plan
from microdose.services.safety import (
    acknowledge_crises,
    alerts,
    crisis_payload_for,
    open_crises,
    person_region,
    plan_safety,
    record_screen,
    reminders_paused,
    set_region,
    submit_response,
)
from microdose.services.trials import TrialCreate, design_trial, trial_envelopes
from microdose.store.models import Person

DAY = date(2026, 2, 1)


@pytest.fixture
def journal(engine: Engine) -> Iterator[tuple[Session, Person]]:
    """A screened journal (verdict ok) inside one transaction."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        person = ensure_person(session=session, timezone="Europe/Berlin")
        record_screen(session=session, person=person)
        yield session, person


def answer(session: Session, person: Person, key: str, answers: list[int],
           day: date = DAY) -> bool:
    """Submit a response; True when it opened a crisis."""
    outcome = submit_response(session=session, person=person, instrument=key, answers=answers,
                              day=day)
    return outcome.crisis_event is not None


DOSES = [
    DoseCreate(material="dried-cubensis", grams=0.2),
    DoseCreate(material="dried-cubensis", grams=0.2, day=date(2026, 1, 20)),
    DoseCreate(material="psilocybin", mg="1.5", day=date(2026, 1, 21)),
]


def blinded_dose(session: Session, person: Person) -> DoseCreate:
    """A real envelope of a blinded trial designed now (needs a current screen)."""
    create = TrialCreate(doses=4, protocol="fadiman", start=local_today(person), seed=2)
    trial = design_trial(session=session, person=person, create=create)
    return DoseCreate(envelope_code=trial_envelopes(session=session, trial=trial)[0].code)


def test_phq9_item9_opens_a_crisis_that_refuses_every_dose_until_acknowledged(
    journal: tuple[Session, Person],
) -> None:
    session, person = journal
    attempts = [*DOSES, blinded_dose(session, person)]
    assert answer(session, person, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    (event,) = open_crises(session=session, person_id=person.id)
    assert (event.triggers, event.source) == (["phq9_item9"], "phq9")
    assert reminders_paused(session=session, person_id=person.id)
    (alert,) = alerts(session=session, person_id=person.id)
    assert alert.kind == "crisis" and alert.source_id == event.id
    for dose in attempts:
        with pytest.raises(SafetyBlock, match=r"crisis flag .* not acknowledged") as raised:
            record_dose(session=session, person=person, dose=dose)
        assert "112" in raised.value.message  # the resources are in the refusal
    assert doses(session=session, person_id=person.id) == []
    assert [e.id for e in acknowledge_crises(session=session, person_id=person.id)] == [event.id]
    assert not reminders_paused(session=session, person_id=person.id)
    assert len(alerts(session=session, person_id=person.id)) == 1  # the alert stays
    for dose in attempts:
        record_dose(session=session, person=person, dose=dose)
    assert len(doses(session=session, person_id=person.id)) == len(attempts)


def test_dass21_item21_answered_2_or_3(journal: tuple[Session, Person]) -> None:
    session, person = journal
    assert answer(session, person, "dass21", [3] * 20 + [1]) is False
    assert reminders_paused(session=session, person_id=person.id) is False
    for item21 in (2, 3):
        assert answer(session, person, "dass21", [0] * 20 + [item21]) is True
        assert acknowledge_crises(session=session, person_id=person.id)


def test_a_reliable_phq9_deterioration_from_the_first_phq9(
    journal: tuple[Session, Person],
) -> None:
    session, person = journal
    assert not answer(session, person, "phq9", [1, 1, 1, 1, 0, 0, 0, 0, 0])  # baseline 4
    assert not answer(session, person, "phq9", [1, 1, 1, 1, 1, 1, 1, 2, 0],
                      DAY + timedelta(days=14))  # 9: a rise of 5
    assert answer(session, person, "phq9", [2, 1, 1, 1, 1, 1, 1, 2, 0],
                  DAY + timedelta(days=28))  # 10: a rise of 6
    (event,) = open_crises(session=session, person_id=person.id)
    assert event.triggers == ["phq9_deterioration"]
    payload = crisis_payload_for(person, [event])
    assert payload["triggers"] == ["phq9_deterioration"] and "risen" in payload["message"]
    # an earlier-dated first answer becomes the baseline; never compared with itself
    assert not answer(session, person, "phq9", [3] * 8 + [0], DAY - timedelta(days=30))


def test_crisis_ack_resumes_dose_events_in_the_calendar(journal: tuple[Session, Person]) -> None:
    session, person = journal
    spec = PlanSpec(Protocol.FADIMAN, local_today(person), weeks=2)
    plan = create_plan(session=session, person_id=person.id, past_confirmed=True, spec=spec)
    assert plan_safety(session=session, person=person, spec=spec).for_calendar(plan) == plan
    answer(session, person, "phq9", [0] * 8 + [2])
    checks = plan_safety(session=session, person=person, spec=spec)
    assert checks.reminders_paused and checks.crisis is not None
    assert checks.for_calendar(plan).dose_days == ()
    assert checks.to_dict()["crisis"]["acknowledge_required"] is True


def test_a_screen_with_suicidal_thoughts_opens_the_crisis_flow(
    journal: tuple[Session, Person],
) -> None:
    session, person = journal
    outcome = record_screen(session=session, person=person, conditions=["suicidal thoughts"])
    assert outcome.crisis_event is not None
    assert outcome.crisis_event.triggers == ["screen_suicidal_thoughts"]
    with pytest.raises(SafetyBlock):
        record_dose(session=session, person=person, dose=DOSES[0])


ADVERSE = [("headache", 2, False), ("nausea", 3, True), ("perceptual effects", 1, True),
           ("anxiety", 4, True)]


def test_serious_adverse_events_give_advice_and_an_alert(
    journal: tuple[Session, Person],
) -> None:
    session, person = journal
    for category, grade, alerted in ADVERSE:
        before = len(alerts(session=session, person_id=person.id))
        event = make_adverse(category, grade, today=local_today(person))
        data = record_adverse(session=session, person=person, event=event).to_dict()
        assert (data["serious"], data["alert"]) == (alerted, alerted)
        assert (data["advice"] is not None) is alerted
        now = alerts(session=session, person_id=person.id)
        assert len(now) == before + alerted
        if alerted:
            assert now[0].kind == "adverse_event" and now[0].source_id == outcome_id(data)
        assert ("resources" in data) is (grade == 4)
    stored = adverse_events(session=session, person_id=person.id)
    assert [e.category for e in stored] == [c for c, _, _ in ADVERSE]


def outcome_id(data: dict[str, object]) -> object:
    import uuid

    return uuid.UUID(str(data["id"]))


# --- crisis resources by region (a reviewed data file) --------------------------------------

EXPECTED = {
    "US": ["988", "741741"],
    "GB": ["116 123"],
    "CA": ["988"],
    "AU": ["13 11 14"],
    "DE": ["0800 111 0 111"],
    "NL": ["113"],
    "INTL": ["112"],
}


@pytest.mark.parametrize(("region", "numbers"), EXPECTED.items())
def test_resources_per_region_end_with_the_international_fallback(
    region: str, numbers: list[str]
) -> None:
    found = crisis.resources_for(region)
    contacts = " ".join(r.contact for r in found if r.region == region)
    for number in numbers:
        assert number in contacts
    if region == "INTL":  # no region: the whole international set
        assert [r.name for r in found] == [
            "Emergency services", "Find A Helpline", "Befrienders Worldwide",
            "International Association for Suicide Prevention"]
        assert "112" in found[0].contact and "emergency department" in found[0].contact
    else:  # a region's own, then one line for away from home
        assert found[-1].region == "INTL" and found[-1].name == "Away from home"
        assert "112" in found[-1].contact and "findahelpline.com" in found[-1].contact
        assert all(r.region == region for r in found[:-1])
    assert all(r.reviewed for r in found)
    assert set(found[0].to_dict()) == {"name", "contact", "region"}


def test_us_988_is_call_or_text() -> None:
    assert crisis.resources_for("US")[0].contact == "call or text 988"


@pytest.fixture
def no_region_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("MICRODOSE_REGION", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_region_order_journal_then_env_then_locale_then_fallback(
    journal: tuple[Session, Person], no_region_env: pytest.MonkeyPatch
) -> None:
    session, person = journal
    no_region_env.setenv("LANG", "fr_FR.UTF-8")  # a country without its own resources
    assert person_region(person) == "INTL"
    no_region_env.setenv("LANG", "en_AU.UTF-8")
    assert person_region(person) == "AU"
    no_region_env.setenv("MICRODOSE_REGION", "de")
    assert person_region(person) == "DE"
    assert person_region(person, env_region="NL") == "NL"  # --region / settings
    assert set_region(session=session, person=person, region=" uk ") == "GB"
    assert person_region(person) == "GB"
    assert set_region(session=session, person=person, region="auto") is None
    assert person_region(person) == "DE"
    with pytest.raises(InvalidInput, match="region") as raised:
        set_region(session=session, person=person, region="FR")
    assert "INTL" in (raised.value.allowed or "")


def test_the_crisis_event_keeps_the_region_its_resources_came_from(
    journal: tuple[Session, Person], no_region_env: pytest.MonkeyPatch
) -> None:
    session, person = journal
    set_region(session=session, person=person, region="US")
    answer(session, person, "phq9", [0] * 8 + [3])
    (event,) = open_crises(session=session, person_id=person.id)
    assert event.region == "US"
    names = [r["name"] for r in crisis_payload_for(person, [event])["resources"]]
    assert names[:2] == ["988 Suicide & Crisis Lifeline", "Crisis Text Line"]


def test_the_review_falls_due_after_the_files_interval_and_is_then_said() -> None:
    raw = json.loads(resources.files("microdose.data").joinpath("crisis_resources.json")
                     .read_text("utf-8"))
    due = date.fromisoformat(raw["reviewed"]) + timedelta(days=raw["review_every_days"])
    assert crisis.review_due() == due
    assert crisis.review_warning(on=due) is None  # the due day itself is still in time
    late = crisis.review_warning(on=due + timedelta(days=1))
    assert late is not None and raw["reviewed"] in late and due.isoformat() in late
    assert "local emergency number" in late


def test_every_crisis_payload_carries_an_overdue_review(monkeypatch: pytest.MonkeyPatch) -> None:
    assert crisis.crisis_payload("GB")["review_due"] == crisis.review_due().isoformat()
    monkeypatch.setattr(crisis, "today", lambda: crisis.review_due() + timedelta(days=30))
    payload = crisis.crisis_payload("GB")
    assert payload["review_warning"] == crisis.review_warning()
    from microdose.cli.output import crisis_text

    assert payload["review_warning"] in crisis_text(payload)  # the CLI prints it too


def test_a_crisis_flag_carries_the_date_of_its_answers(
    journal: tuple[Session, Person],
) -> None:
    session, person = journal
    answered = local_today(person) - timedelta(days=5)
    assert answer(session, person, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 2], day=answered)
    (event,) = open_crises(session=session, person_id=person.id)
    assert event.answers_date == answered and event.triggered_at.date() != answered
    (alert,) = alerts(session=session, person_id=person.id)
    assert f"answers of {answered.isoformat()}" in alert.message
    with pytest.raises(SafetyBlock, match=f"a crisis flag from {answered.isoformat()}"):
        record_dose(session=session, person=person, dose=DOSES[0])
    payload = crisis_payload_for(person, [event])
    assert payload["answers_date"] == answered.isoformat()
