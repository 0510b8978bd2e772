"""Block designs, envelope codes and the sealed key of self-blinded trials."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest

from microdose.domain import blinding
from microdose.domain.blinding import BlockDesign, Condition
from microdose.domain.errors import Conflict, InvalidInput
from microdose.domain.protocols import PlanSpec, Protocol, build_plan

START = date(2024, 1, 1)  # a Monday


def fadiman_days(weeks: int = 12) -> tuple[date, ...]:
    return build_plan(PlanSpec(Protocol.FADIMAN, START, weeks=weeks)).dose_days


def test_pairs_are_balanced_and_codes_are_unique() -> None:
    days = blinding.trial_dose_days(fadiman_days(), START, 12, BlockDesign.PAIRS)
    made = blinding.allocate(days, START, BlockDesign.PAIRS, random.Random(3))
    assert len(made.blocks) == 6 and len(made.envelopes) == 12
    for block in made.blocks:
        assert len(block.days) == 2
        contents = Counter(e.condition for e in made.envelopes if e.block == block.index)
        assert contents == {Condition.ACTIVE: 1, Condition.PLACEBO: 1}
    codes = [e.code for e in made.envelopes]
    assert len(set(codes)) == len(codes)
    assert all(blinding.normalise_code(code) == code for code in codes)
    # listed by block then code: the order says nothing about the content
    assert codes == [e.code for e in sorted(made.envelopes, key=lambda e: (e.block, e.code))]


def test_weeks_design_gives_whole_weeks_one_condition() -> None:
    plan_days = fadiman_days()
    allowed = blinding.allowed_dose_counts(plan_days, START, BlockDesign.WEEKS)
    # Fadiman from a Monday doses 3, 2, 2, 3, 2, 2 … times a week
    assert allowed[:3] == [5, 10, 14]
    days = blinding.trial_dose_days(plan_days, START, 10, BlockDesign.WEEKS)
    made = blinding.allocate(days, START, BlockDesign.WEEKS, random.Random(1))
    assert [b.label for b in made.blocks] == ["weeks 1–2", "weeks 3–4"]
    assert [b.per_condition for b in made.blocks] == [3, 3]
    for block in made.blocks:
        contents = Counter(e.condition for e in made.envelopes if e.block == block.index)
        assert contents == {
            Condition.ACTIVE: block.per_condition,
            Condition.PLACEBO: block.per_condition,
        }


def test_allocation_is_random_across_seeds() -> None:
    days = blinding.trial_dose_days(fadiman_days(), START, 4, BlockDesign.PAIRS)
    firsts = Counter()
    for seed in range(400):
        made = blinding.allocate(days, START, BlockDesign.PAIRS, random.Random(seed))
        pair = [e for e in made.envelopes if e.block == 0]
        firsts[pair[0].condition] += 1  # the code sorted first in pair 1
    # binomial(400, 1/2): 95% of draws fall within 200 ± 20
    assert 170 < firsts[Condition.ACTIVE] < 230


@pytest.mark.parametrize(
    ("doses", "design"), [(5, BlockDesign.PAIRS), (2, BlockDesign.PAIRS), (7, BlockDesign.WEEKS)]
)
def test_dose_counts_that_do_not_fit(doses: int, design: BlockDesign) -> None:
    with pytest.raises(InvalidInput) as caught:
        blinding.trial_dose_days(fadiman_days(), START, doses, design)
    assert caught.value.field == "doses"
    assert caught.value.allowed


def test_codes_normalise_and_reject() -> None:
    assert blinding.normalise_code("k7qx 3fra") == "K7QX-3FRA"
    for bad in ("K7QX-3FR", "K7QX-3FRU", "", "K7QX-3FRA-1"):
        with pytest.raises(InvalidInput):
            blinding.normalise_code(bad)
    assert blinding.parse_block_design("PAIRS") is BlockDesign.PAIRS
    with pytest.raises(InvalidInput):
        blinding.parse_block_design("days")


def test_seal_round_trip_and_tampering() -> None:
    days = tuple(START + timedelta(days=3 * i) for i in range(8))
    key = blinding.allocate(days, START, BlockDesign.PAIRS, random.Random(5)).key()
    sealed = blinding.seal(key)
    assert blinding.unseal(sealed) == key
    # nothing of the key shows in what is stored in the clear
    for code, condition in key.items():
        assert code not in sealed.ciphertext and condition.value not in sealed.ciphertext
    # two seals of the same key differ (random salt and nonce)
    assert blinding.seal(key).commitment != sealed.commitment
    other = blinding.seal({code: Condition.ACTIVE for code in key})
    for tampered in (
        replace(sealed, commitment=other.commitment),
        replace(sealed, data_key=other.data_key),
        replace(sealed, ciphertext=other.ciphertext),
    ):
        with pytest.raises(Conflict):
            blinding.unseal(tampered)
