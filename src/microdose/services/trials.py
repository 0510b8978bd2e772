"""Self-blinded trials: design and seal, take envelopes, status, kit, unblind, report, pool.

Before unblinding nothing here returns an envelope's content: ``status`` and ``design``
return counts, blocks and the public commitment; only :func:`kit_labels` lists codes by
content, and only while no envelope has been taken (the person needs it to label them).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain import blinding, protocols
from microdose.domain.blinding import BlockDesign, Condition
from microdose.domain.errors import Conflict, InvalidInput, NotFound
from microdose.domain.expectancy import score_sets
from microdose.services.plans import create_plan
from microdose.store.base import utcnow
from microdose.store.models import DoseRow, Person
from microdose.store.trial_models import TrialEnvelopeRow, TrialRow, TrialSealRow

RUNNING, UNBLINDED = "running", "unblinded"


@dataclass(frozen=True)
class TrialCreate:
    """What ``trial design`` asks for."""

    doses: int
    protocol: str
    start: date
    block: str = "pairs"
    weekdays: str | None = None
    seed: int | None = None
    #: the person confirmed a start whose first dose days are already behind
    past_confirmed: bool = False
    #: the six SETS answers (1-7) asked at design; None: not answered (it is optional)
    expectancy: Sequence[int | None] | None = None


def running_trial(*, session: Session, person_id: uuid.UUID) -> TrialRow | None:
    """The person's trial that is still blind, if any."""
    query = select(TrialRow).where(TrialRow.person_id == person_id, TrialRow.status == RUNNING)
    return session.scalars(query.order_by(TrialRow.created_at.desc())).first()


def current_trial(*, session: Session, person_id: uuid.UUID) -> TrialRow:
    """The running trial, else the most recent one; ``NotFound`` when there is none."""
    query = select(TrialRow).where(TrialRow.person_id == person_id)
    row = session.scalars(query.order_by(TrialRow.created_at.desc())).first()
    found = running_trial(session=session, person_id=person_id) or row
    if found is None:
        raise NotFound("no trial yet: design one first", next_step="trial-design")
    return found


def trial_envelopes(*, session: Session, trial: TrialRow) -> list[TrialEnvelopeRow]:
    """A trial's envelopes, by block then code (an order that says nothing of content)."""
    query = select(TrialEnvelopeRow).where(TrialEnvelopeRow.trial_id == trial.id)
    return list(session.scalars(query.order_by(TrialEnvelopeRow.block, TrialEnvelopeRow.code)))


def _plan_spec(create: TrialCreate, weeks: int) -> protocols.PlanSpec:
    return protocols.PlanSpec(
        protocol=protocols.parse_protocol(create.protocol),
        start=create.start,
        weeks=weeks,
        weekdays=protocols.parse_weekdays(create.weekdays) if create.weekdays else (),
    )


def _allocation(create: TrialCreate) -> tuple[blinding.Allocation, protocols.PlanSpec]:
    design = blinding.parse_block_design(create.block)
    if isinstance(create.doses, bool) or not isinstance(create.doses, int):
        raise InvalidInput("doses", f"{create.doses!r} is not a whole number", "an even number")
    if not blinding.MIN_DOSES <= create.doses <= blinding.MAX_DOSES:
        allowed = f"{blinding.MIN_DOSES} to {blinding.MAX_DOSES}"
        raise InvalidInput("doses", f"{create.doses} is out of range", allowed)
    weeks = min(protocols.MAX_WEEKS, create.doses + 2)  # enough even at one dose a week
    spec = _plan_spec(create, weeks)
    plan_days = protocols.build_plan(spec).dose_days
    days = blinding.trial_dose_days(plan_days, create.start, create.doses, design)
    rng: random.Random = (
        random.Random(create.seed) if create.seed is not None else random.SystemRandom()
    )
    allocation = blinding.allocate(days, create.start, design, rng)
    trial_weeks = blinding.week_index(create.start, days[-1]) + 1
    return allocation, _plan_spec(create, trial_weeks)


def design_trial(*, session: Session, person: Person, create: TrialCreate) -> TrialRow:
    """Draw, seal and store a trial; its schedule becomes the person's active plan.

    Raises
    ------
    Conflict
        When a trial is still running (unblind it first).
    """
    if running_trial(session=session, person_id=person.id) is not None:
        raise Conflict("a trial is still running: unblind it first", next_step="trial-unblind")
    expectancy = None if create.expectancy is None else score_sets(create.expectancy)
    allocation, spec = _allocation(create)
    create_plan(
        session=session, person_id=person.id, spec=spec, past_confirmed=create.past_confirmed
    )
    trial = _store_sealed(session, person, create, allocation, spec)
    if expectancy is not None:
        trial.expectancy_answers = list(expectancy.answers)
        trial.expectancy_at = utcnow()
    session.flush()
    return trial


def trial_expectancy(trial: TrialRow) -> dict[str, Any] | None:
    """The SETS asked at design, scored (``positive``, ``negative``, ``answered_at``…),
    or None when it was not answered."""
    if trial.expectancy_answers is None:
        return None
    scored = score_sets(trial.expectancy_answers).to_dict()
    at = trial.expectancy_at
    return {**scored, "answered_at": at.isoformat() if at is not None else None}


def _store_sealed(
    session: Session,
    person: Person,
    create: TrialCreate,
    allocation: blinding.Allocation,
    spec: protocols.PlanSpec,
) -> TrialRow:
    """The trial row with its sealed key, the key's data key apart, and one row per envelope."""
    sealed = blinding.seal(allocation.key())
    trial = TrialRow(
        person_id=person.id,
        status=RUNNING,
        block_design=allocation.design.value,
        protocol=spec.protocol.value,
        weekdays=",".join(str(d) for d in spec.weekdays),
        start_date=create.start,
        end_date=allocation.dose_days[-1],
        doses=len(allocation.dose_days),
        dose_days=[d.isoformat() for d in allocation.dose_days],
        seeded=create.seed is not None,
        sealed_key=sealed.ciphertext,
        commitment=sealed.commitment,
        unblinded_early=False,
    )
    session.add(trial)
    session.flush()
    session.add(TrialSealRow(trial_id=trial.id, data_key=sealed.data_key))
    for envelope in sorted(allocation.envelopes, key=lambda e: e.code):
        session.add(
            TrialEnvelopeRow(
                person_id=person.id, trial_id=trial.id, code=envelope.code, block=envelope.block
            )
        )
    return trial


def blocks_of(trial: TrialRow) -> tuple[blinding.Block, ...]:
    """The trial's blocks, rebuilt from its stored dose days (they are public)."""
    days = tuple(date.fromisoformat(d) for d in trial.dose_days)
    design = BlockDesign(trial.block_design)
    return blinding.make_blocks(days, trial.start_date, design)


def _taken(session: Session, trial: TrialRow) -> dict[str, DoseRow]:
    codes = select(TrialEnvelopeRow.code).where(TrialEnvelopeRow.trial_id == trial.id)
    query = select(DoseRow).where(
        DoseRow.person_id == trial.person_id,
        DoseRow.envelope_code.in_(codes),
        DoseRow.local_date >= trial.start_date,
    )
    return {
        row.envelope_code or "": row for row in session.scalars(query.order_by(DoseRow.taken_at))
    }


def check_envelope(*, session: Session, person_id: uuid.UUID, code: str) -> str:
    """The normalised code of an envelope of the person's running trial, not yet taken.

    Raises
    ------
    InvalidInput
        When there is no running trial or the code is not one of its envelopes.
    Conflict
        When the envelope was already taken.
    """
    normal = blinding.normalise_code(code)
    trial = running_trial(session=session, person_id=person_id)
    if trial is None:
        raise InvalidInput("envelope", "there is no running trial", "codes of a running trial")
    known = {e.code for e in trial_envelopes(session=session, trial=trial)}
    if normal not in known:
        raise InvalidInput("envelope", f"{normal} is not an envelope of your running trial")
    used = _taken(session, trial).get(normal)
    if used is not None:
        raise Conflict(f"envelope {normal} was already taken on {used.local_date.isoformat()}")
    return normal


@dataclass(frozen=True)
class TrialStatus:
    """Where a trial stands, without anything that reveals an envelope's content."""

    trial: TrialRow
    blocks: tuple[blinding.Block, ...]
    envelopes: int
    taken: int
    taken_by_block: dict[int, int]
    today_block: str | None
    next_dose_day: date | None
    guesses: int
    today: date


def trial_status(*, session: Session, person: Person, today: date) -> TrialStatus:
    """Progress of the current trial: envelopes taken, today's bag, guesses recorded."""
    trial = current_trial(session=session, person_id=person.id)
    envelopes = trial_envelopes(session=session, trial=trial)
    by_code = {e.code: e.block for e in envelopes}
    taken = _taken(session, trial)
    blocks = blocks_of(trial)
    per_block: dict[int, int] = {}
    for code in taken:
        per_block[by_code[code]] = per_block.get(by_code[code], 0) + 1
    today_block = next((b.label for b in blocks if today in b.days), None)
    upcoming = [d for b in blocks for d in b.days if d > today]
    from microdose.store.models import CheckinRow

    days = [row.local_date for row in taken.values()]
    guesses = session.scalars(
        select(CheckinRow).where(
            CheckinRow.person_id == person.id,
            CheckinRow.local_date.in_(days),
            CheckinRow.guess.is_not(None),
        )
    ).all()
    return TrialStatus(
        trial,
        blocks,
        len(envelopes),
        len(taken),
        per_block,
        today_block,
        min(upcoming) if upcoming else None,
        len(guesses),
        today,
    )


@dataclass(frozen=True)
class KitLabels:
    """What the preparation kit prints: per block, the codes for each pile."""

    trial: TrialRow
    blocks: tuple[blinding.Block, ...]
    codes: dict[tuple[int, Condition], list[str]] = field(default_factory=dict)


def _open_key(session: Session, trial: TrialRow) -> dict[str, Condition]:
    seal_row = session.get(TrialSealRow, trial.id)
    if seal_row is None:
        raise Conflict("this trial's key is missing: it cannot be unblinded")
    return blinding.unseal(blinding.Sealed(trial.sealed_key, seal_row.data_key, trial.commitment))


def kit_labels(*, session: Session, person: Person) -> KitLabels:
    """Codes per block and pile for the label sheet; refused once an envelope is taken.

    Raises
    ------
    Conflict
        When the trial is unblinded or an envelope has been taken: a kit printed then
        would let anyone compare its labels with the envelopes already taken.
    """
    trial = running_trial(session=session, person_id=person.id)
    if trial is None:
        raise NotFound("no running trial: design one first", next_step="trial-design")
    if _taken(session, trial):
        raise Conflict(
            "the kit can only be printed before the first envelope is taken: the label "
            "sheet shows which codes are active"
        )
    key = _open_key(session, trial)
    codes: dict[tuple[int, Condition], list[str]] = {}
    for envelope in trial_envelopes(session=session, trial=trial):
        codes.setdefault((envelope.block, key[envelope.code]), []).append(envelope.code)
    return KitLabels(trial, blocks_of(trial), codes)


@dataclass(frozen=True)
class Unblinding:
    """The result of ``trial unblind``."""

    trial: TrialRow
    early: bool
    taken: int
    key: dict[str, Condition]


def unblind(
    *,
    session: Session,
    person: Person,
    reason: str | None = None,
    now: datetime | None = None,
    today: date | None = None,
) -> Unblinding:
    """Open the sealed key, check its commitment, write each envelope's content.

    Unblinding before the last planned dose day, or with envelopes not yet taken, is
    allowed: it is recorded as early, with the reason, and marked in every report.
    """
    trial = running_trial(session=session, person_id=person.id)
    if trial is None:
        raise Conflict("there is no blind trial to unblind")
    key = _open_key(session, trial)
    taken = _taken(session, trial)
    day = today or (now or utcnow()).date()
    trial.status = UNBLINDED
    trial.unblinded_at = now or utcnow()
    trial.unblinded_early = day < trial.end_date or len(taken) < trial.doses
    trial.unblind_reason = (reason or "").strip() or None
    for envelope in trial_envelopes(session=session, trial=trial):
        envelope.condition = key[envelope.code].value
    session.flush()
    return Unblinding(trial, trial.unblinded_early, len(taken), key)


def past_trials(*, session: Session, person_id: uuid.UUID | None = None) -> list[TrialRow]:
    """Unblinded trials (of one person, or of everyone on a study service)."""
    query = select(TrialRow).where(TrialRow.status == UNBLINDED)
    if person_id is not None:
        query = query.where(TrialRow.person_id == person_id)
    return list(session.scalars(query.order_by(TrialRow.created_at)))


def require_unblinded(*, session: Session, person_id: uuid.UUID) -> TrialRow:
    """The most recent trial, which must be unblinded (``Conflict`` while it is blind)."""
    trial = current_trial(session=session, person_id=person_id)
    if trial.status != UNBLINDED:
        raise Conflict("the trial is still blind: unblind it first", next_step="trial-unblind")
    return trial


def week_window(trial: TrialRow) -> tuple[date, date]:
    """First and last day of the trial's weeks."""
    weeks = blinding.week_index(trial.start_date, trial.end_date) + 1
    return trial.start_date, trial.start_date + timedelta(days=7 * weeks - 1)


def _bags(design: str, per_condition: int) -> dict[str, int]:
    if design == BlockDesign.WEEKS.value:
        return {"bags": 2, "envelopes_per_bag": per_condition}
    return {"bags": 1, "envelopes_per_bag": 2 * per_condition}


def design_summary(trial: TrialRow, blocks: Sequence[blinding.Block]) -> dict[str, Any]:
    """Public facts of a design (no codes, no contents)."""
    return {
        "trial": str(trial.id),
        "status": trial.status,
        "block_design": trial.block_design,
        "protocol": trial.protocol,
        "start": trial.start_date.isoformat(),
        "end": trial.end_date.isoformat(),
        "doses": trial.doses,
        "envelopes": sum(2 * b.per_condition for b in blocks),
        "blocks": [
            {
                "label": b.label,
                "days": [d.isoformat() for d in b.days],
                **_bags(trial.block_design, b.per_condition),
            }
            for b in blocks
        ],
        "commitment": trial.commitment,
        "seeded": trial.seeded,
        "expectancy": trial_expectancy(trial),
        "smallest_possible_p": min(1.0, 2 / 2 ** len(blocks)),
    }


def status_dict(result: TrialStatus) -> dict[str, Any]:
    """``trial status --json`` and ``GET /api/v1/trial``: the design's public facts and the
    progress (never which envelope holds what)."""
    trial = result.trial
    return {
        **design_summary(trial, result.blocks),
        "taken": result.taken,
        "taken_by_block": {b.label: result.taken_by_block.get(b.index, 0) for b in result.blocks},
        "guesses": result.guesses,
        "today": result.today.isoformat(),
        "today_block": result.today_block,
        "next_dose_day": result.next_dose_day.isoformat() if result.next_dose_day else None,
        "unblinded_at": trial.unblinded_at.isoformat() if trial.unblinded_at else None,
        "early": trial.unblinded_early,
    }
