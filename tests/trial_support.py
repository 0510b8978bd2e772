"""A self-blinded trial lived through the services: the capsule works, the guess follows.

The person's mood is higher on active days by ``effect`` points (with AR(1)-like noise),
and each guess is made from how the day felt (``active`` when the mood was high) — the
situation in which crediting the guess would be wrong: the guess does nothing here.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session
from tests.conftest import journal_today

from microdose.domain.blinding import Condition
from microdose.domain.checkins import make_checkin
from microdose.services import trials
from microdose.services.checkins import submit_checkin
from microdose.services.doses import DoseCreate, record_dose
from microdose.services.safety import record_screen
from microdose.store.models import Person


def new_person(session: Session, name: str) -> Person:
    """A screened person of a multi-person database."""
    person = Person(display_name=name, timezone="Europe/Berlin")
    session.add(person)
    session.flush()
    record_screen(session=session, person=person)
    return person


def felt_trial(
    session: Session,
    person: Person,
    *,
    seed: int,
    effect: float = 2.5,
    doses: int = 12,
    expectancy: Sequence[int] | None = None,
) -> dict[str, Condition]:
    """Design (with ``expectancy``, the SETS answers, if given), take every envelope,
    check in every day, unblind; return the key."""
    start = journal_today() - timedelta(days=3 * doses + 6)
    create = trials.TrialCreate(
        past_confirmed=True, doses=doses, protocol="fadiman", start=start, seed=seed,
        expectancy=expectancy,
    )
    trials.design_trial(session=session, person=person, create=create)
    labels = trials.kit_labels(session=session, person=person)
    key = {code: cond for (_b, cond), codes in labels.codes.items() for code in codes}
    rng = random.Random(seed)
    taken = {}
    for block in labels.blocks:
        bag = [c for (b, _c), codes in labels.codes.items() if b == block.index for c in codes]
        rng.shuffle(bag)
        taken.update(dict(zip(block.days, bag, strict=True)))
    noise = 0.0
    for offset in range(3 * doses + 2):
        day = start + timedelta(days=offset)
        code = taken.get(day)
        if code is not None:
            dose = DoseCreate(envelope_code=code, day=day)
            record_dose(session=session, person=person, dose=dose)
        noise = 0.5 * noise + rng.gauss(0, 0.9)
        lift = effect if code is not None and key[code] is Condition.ACTIVE else 0.0
        mood = max(0, min(10, round(5 + lift + noise)))
        ratings = dict(
            mood=mood, anxiety=max(0, min(10, round(4 + rng.gauss(0, 1)))), energy=5,
            focus=5, sleep=6, connectedness=5,
        )  # fmt: skip
        felt = mood + rng.gauss(0, 1.0)  # the guess follows how the day felt
        guess = None if code is None else ("active" if felt >= 6.5 else "placebo")
        if guess is not None and rng.random() < 0.15:
            guess = "unsure"
        checkin = make_checkin(day, ratings, guess=guess, guess_confidence=70 if guess else None)
        submit_checkin(session=session, person_id=person.id, checkin=checkin)
    trials.unblind(session=session, person=person)
    return key
