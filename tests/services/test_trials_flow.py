"""Trial services on SQLite and PostgreSQL: design, envelopes, unblinding, report, pooling."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from tests.conftest import journal_today

from microdose.domain.blinding import Condition
from microdose.domain.checkins import make_checkin
from microdose.domain.errors import Conflict, InvalidInput, NotFound
from microdose.services import trials
from microdose.services.checkins import submit_checkin
from microdose.services.doses import DoseCreate, record_dose
from microdose.services.people import ensure_person
from microdose.services.safety import record_screen
from microdose.services.trial_report import pool_trials, trial_report
from microdose.store.models import Person


def screened(session: Session, name: str = "me") -> Person:
    person = ensure_person(session=session, timezone="Europe/Berlin")
    if name != "me":
        person = Person(display_name=name, timezone="Europe/Berlin")
        session.add(person)
        session.flush()
    record_screen(session=session, person=person)
    return person


def run_trial(
    session: Session,
    person: Person,
    *,
    seed: int,
    guess_drives: bool,
    doses: int = 12,
) -> dict[str, Condition]:
    """Design, take every envelope in its block, check in with a guess; return the key."""
    start = journal_today() - timedelta(days=3 * doses + 5)
    create = trials.TrialCreate(
        past_confirmed=True, doses=doses, protocol="fadiman", start=start, seed=seed
    )
    trial = trials.design_trial(session=session, person=person, create=create)
    labels = trials.kit_labels(session=session, person=person)
    key = {code: cond for (_b, cond), codes in labels.codes.items() for code in codes}
    rng = random.Random(seed)
    for block in labels.blocks:
        bag = [c for (b, _c), codes in labels.codes.items() if b == block.index for c in codes]
        rng.shuffle(bag)
        for day, code in zip(block.days, bag, strict=True):
            record_dose(
                session=session, person=person, dose=DoseCreate(envelope_code=code.lower(), day=day)
            )
            guess = rng.choice(["active", "placebo"])
            high = guess == "active" if guess_drives else key[code] is Condition.ACTIVE
            mood = 7 if high else 4
            ratings = dict(
                mood=mood + rng.choice([-1, 0, 0, 1]),
                anxiety=4,
                energy=5,
                focus=5,
                sleep=6,
                connectedness=5,
            )
            submit_checkin(
                session=session,
                person_id=person.id,
                checkin=make_checkin(day, ratings, guess=guess, guess_confidence=70),
            )
    assert trial.status == "running"
    return key


def test_design_takes_envelopes_and_reports(session: Session) -> None:
    person = screened(session)
    key = run_trial(session, person, seed=4, guess_drives=True)
    status = trials.trial_status(session=session, person=person, today=journal_today())
    assert status.taken == 12 and status.guesses == 12 and status.envelopes == 12
    with pytest.raises(Conflict):  # the kit is refused once an envelope is taken
        trials.kit_labels(session=session, person=person)
    with pytest.raises(Conflict):  # the report waits for unblinding
        trial_report(session=session, person_id=person.id)
    done = trials.unblind(session=session, person=person)
    assert not done.early and done.key == key
    report = trial_report(session=session, person_id=person.id)
    assert {u.code: u.active for u in report.units} == {
        c: k is Condition.ACTIVE for c, k in key.items()
    }
    mood = next(o for o in report.outcomes if o.name == "mood")
    assert mood.randomisation is not None and mood.randomisation.allocations == 64
    assert mood.with_guess is not None
    # mood followed the guess, not the capsule
    assert mood.with_guess["guess"].ci95[0] > 0
    assert abs(mood.with_guess["condition"].estimate) < mood.with_guess["guess"].estimate / 2
    session.commit()


def test_envelope_rules(session: Session) -> None:
    person = screened(session)
    with pytest.raises(InvalidInput):  # no running trial
        record_dose(session=session, person=person, dose=DoseCreate(envelope_code="K7QX-3FRA"))
    start = journal_today() - timedelta(days=20)
    trials.design_trial(
        session=session,
        person=person,
        create=trials.TrialCreate(past_confirmed=True, doses=4, protocol="fadiman", start=start),
    )
    with pytest.raises(Conflict):  # one running trial at a time
        trials.design_trial(
            session=session,
            person=person,
            create=trials.TrialCreate(
                past_confirmed=True, doses=4, protocol="fadiman", start=start
            ),
        )
    code = next(iter(trials.kit_labels(session=session, person=person).codes.values()))[0]
    with pytest.raises(InvalidInput):  # an envelope has no material
        record_dose(
            session=session,
            person=person,
            dose=DoseCreate(envelope_code=code, material="dried-cubensis", grams=0.2),
        )
    with pytest.raises(InvalidInput):
        record_dose(session=session, person=person, dose=DoseCreate(envelope_code="K7QX-3FRA"))
    row = record_dose(
        session=session,
        person=person,
        dose=DoseCreate(envelope_code=code.replace("-", ""), day=start),
    )
    assert row.envelope_code == code and row.material is None and row.mg_low is None
    with pytest.raises(Conflict):
        record_dose(session=session, person=person, dose=DoseCreate(envelope_code=code))


def test_early_unblinding_is_recorded(session: Session) -> None:
    person = screened(session)
    start = journal_today() - timedelta(days=1)
    trials.design_trial(
        session=session,
        person=person,
        create=trials.TrialCreate(past_confirmed=True, doses=8, protocol="fadiman", start=start),
    )
    done = trials.unblind(session=session, person=person, reason="felt unwell")
    assert done.early and done.trial.unblinded_early
    assert done.trial.unblind_reason == "felt unwell" and done.trial.unblinded_at is not None
    with pytest.raises(Conflict):
        trials.unblind(session=session, person=person)
    report = trial_report(session=session, person_id=person.id)
    assert report.trial.unblinded_early
    assert all(o.effect is None and o.note for o in report.outcomes)  # nothing taken


def test_no_trial_and_bad_designs(session: Session) -> None:
    person = screened(session)
    with pytest.raises(NotFound):
        trials.trial_status(session=session, person=person, today=journal_today())
    for create in (
        trials.TrialCreate(doses=5, protocol="fadiman", start=journal_today()),
        trials.TrialCreate(doses=200, protocol="fadiman", start=journal_today()),
        trials.TrialCreate(doses=4, protocol="fadiman", start=journal_today(), block="days"),
        trials.TrialCreate(doses=4, protocol="monthly", start=journal_today()),
        trials.TrialCreate(doses=7, protocol="fadiman", start=journal_today(), block="weeks"),
    ):
        with pytest.raises(InvalidInput):
            trials.design_trial(session=session, person=person, create=create)


def test_pooling_people(session: Session) -> None:
    for index in range(3):
        person = screened(session, "me" if index == 0 else f"p{index}")
        run_trial(session, person, seed=10 + index, guess_drives=False)
        trials.unblind(session=session, person=person)
    pooled = pool_trials(session=session, outcome="mood", method="REML")
    assert pooled.k == 3
    assert pooled.ci95[0] > 0  # mood was set higher on active days
