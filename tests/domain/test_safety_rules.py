"""Crisis triggers, dose guards, adverse-event rules and the evidence summary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from microdose.domain import adverse, evidence, instruments
from microdose.domain.errors import InvalidInput
from microdose.domain.protocols import PlanSpec, Protocol, build_plan
from microdose.domain.safety import crisis_message, crisis_triggers
from microdose.domain.tolerance import (
    LONG_RUN_DAYS,
    MIN_BREAK_DAYS,
    doses_in_week,
    plan_warnings,
    planned_weekly_maximum,
    run_start,
    tolerance_warnings,
)


def triggers(key: str, answers: list[int], baseline: int | None = None) -> tuple[str, ...]:
    scored = instruments.score(key, answers)
    return crisis_triggers(key, scored.flags, scored.total, baseline)


@pytest.mark.parametrize(("item9", "flagged"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item9_of_one_or_more_is_a_crisis_whatever_the_total(
    item9: int, flagged: bool
) -> None:
    found = triggers("phq9", [0, 0, 0, 0, 0, 0, 0, 0, item9])
    assert ("phq9_item9" in found) is flagged


@pytest.mark.parametrize(("item21", "flagged"), [(0, False), (1, False), (2, True), (3, True)])
def test_dass21_item21_answered_2_or_3_is_a_crisis(item21: int, flagged: bool) -> None:
    found = triggers("dass21", [0] * 20 + [item21])
    assert ("dass21_item21" in found) is flagged


@pytest.mark.parametrize(("rise", "flagged"), [(5, False), (6, True), (9, True), (-6, False)])
def test_phq9_reliable_deterioration_is_a_rise_of_6_from_baseline(
    rise: int, flagged: bool
) -> None:
    baseline = 10
    total = baseline + rise
    answers = [3] * (total // 3) + [total % 3] + [0] * 9
    items = [*answers[:8], 0]
    found = triggers("phq9", items, baseline)
    assert instruments.score("phq9", items).total == total
    assert ("phq9_deterioration" in found) is flagged
    assert "phq9_deterioration" not in triggers("phq9", items, None)


def test_other_instruments_never_trigger_and_messages_fit_the_trigger() -> None:
    assert triggers("gad7", [3] * 7) == ()
    assert triggers("who5", [0] * 5) == ()
    assert "better off dead" in crisis_message(["phq9_item9"])
    assert "meaningless" in crisis_message(["dass21_item21"])
    assert "risen" in crisis_message(["phq9_deterioration"])


def max_in_any_week(days: tuple[date, ...]) -> int:
    """Exact enumeration: the most dose days inside any 7-day window of a plan."""
    return max(sum(1 for d in days if start <= d < start + timedelta(days=7)) for start in days)


@pytest.mark.parametrize(
    "spec",
    [
        PlanSpec(Protocol.FADIMAN, date(2026, 1, 1), weeks=8),
        PlanSpec(Protocol.STAMETS, date(2026, 1, 1), weeks=8),
        PlanSpec(Protocol.EVERY_OTHER_DAY, date(2026, 1, 1), weeks=8),
        PlanSpec(Protocol.WEEKDAYS, date(2026, 1, 1), weeks=8, weekdays=(0, 3)),
        PlanSpec(Protocol.WEEKDAYS, date(2026, 1, 1), weeks=8, weekdays=(0, 1, 2, 4, 6)),
    ],
)
def test_planned_weekly_maximum_matches_exact_enumeration(spec: PlanSpec) -> None:
    # reference: count the plan's own dose days in every 7-day window
    assert planned_weekly_maximum(spec) == max_in_any_week(build_plan(spec).dose_days)


def test_more_doses_in_a_week_than_the_protocol_plans() -> None:
    day = date(2026, 2, 10)
    previous = [day - timedelta(days=k) for k in (2, 4, 6)]
    assert doses_in_week(day, previous) == 4
    assert doses_in_week(day, [*previous, day - timedelta(days=7)]) == 4  # outside the week
    # a dose recorded late for a past day counts against the doses after it too
    assert doses_in_week(day - timedelta(days=6), previous) == 4
    (warning,) = tolerance_warnings(day, previous, weekly_maximum=3)
    assert "more doses in a week than the protocol plans" in warning
    assert tolerance_warnings(day, previous[:2], weekly_maximum=3) == []
    assert tolerance_warnings(day, previous, weekly_maximum=4) == []
    assert tolerance_warnings(day, previous, weekly_maximum=None) == []  # no plan, no count
    # two doses on one day are two doses
    assert doses_in_week(day, [day, day]) == 3


def every_third_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range(0, (last - first).days + 1, 3)]


def test_12_weeks_without_a_break_brings_the_5ht2b_caution() -> None:
    first = date(2026, 1, 1)
    day = first + timedelta(days=LONG_RUN_DAYS - 1)  # the 84th day of dosing
    previous = every_third_day(first, day - timedelta(days=1))
    assert run_start(day, previous) == first
    (warning,) = tolerance_warnings(day, previous, weekly_maximum=None)
    assert "12 weeks or more without a break" in warning and "5-HT2B" in warning
    assert tolerance_warnings(day - timedelta(days=1), previous[:-1], None) == []


def test_a_break_of_two_weeks_resets_the_run_and_a_shorter_gap_does_not() -> None:
    first = date(2026, 1, 1)
    day = first + timedelta(days=LONG_RUN_DAYS + 30)
    gap_start = first + timedelta(days=39)  # a dose day (every third day from the first)
    for gap, long_run in ((MIN_BREAK_DAYS, False), (MIN_BREAK_DAYS - 1, True)):
        resume = gap_start + timedelta(days=gap + 1)  # `gap` days without a dose
        previous = every_third_day(first, gap_start) + every_third_day(resume, day)[:-1]
        warnings = tolerance_warnings(day, previous, None)
        assert any("without a break" in w for w in warnings) is long_run, gap


def test_a_plan_of_12_weeks_or_more_on_is_cautioned() -> None:
    assert plan_warnings(PlanSpec(Protocol.FADIMAN, date(2026, 1, 1), weeks=11)) == []
    (warning,) = plan_warnings(PlanSpec(Protocol.FADIMAN, date(2026, 1, 1), weeks=12))
    assert "Tagen et al. 2023" in warning and "Rouaud et al. 2023" in warning
    cycles = PlanSpec(Protocol.FADIMAN, date(2026, 1, 1), weeks=8, off_weeks=2, cycles=3)
    assert plan_warnings(cycles) == []


TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("category", "grade", "serious"),
    [
        ("headache", 1, False),
        ("nausea", 2, False),
        ("anxiety", 3, True),
        ("insomnia", 4, True),
        ("perceptual effects", 1, True),
        ("Perceptual-Effects", 2, True),
        ("low_mood", 2, False),
    ],
)
def test_grade_3_or_more_and_perceptual_effects_bring_advice(
    category: str, grade: int, serious: bool
) -> None:
    event = adverse.make_adverse(category, grade, today=TODAY)
    assert adverse.is_serious(event) is serious
    advice = adverse.advice(event)
    assert (advice is not None) is serious
    if advice:
        assert "Stop microdosing and contact a clinician" in advice
        assert ("emergency" in advice) is (grade == 4)
        assert ("sub-perceptual" in advice) is (event.category == "perceptual effects")


def test_adverse_vocabularies_and_bad_input() -> None:
    assert adverse.CATEGORIES[-2:] == ("perceptual effects", "other")
    assert len(adverse.CATEGORIES) == 12
    assert adverse.GRADES == {1: "mild", 2: "moderate", 3: "severe", 4: "life-threatening"}
    event = adverse.make_adverse("other", 2, today=TODAY, start="2026-03-01", end="2026-03-02",
                                 action="Clinician Contacted", notes="  saw my GP ")
    assert (event.start, event.end, event.action, event.notes) == (
        date(2026, 3, 1), date(2026, 3, 2), "clinician-contacted", "saw my GP")
    bad = [
        (("tiredness", 2), {}, "category"),
        (("headache", 0), {}, "grade"),
        (("headache", 5), {}, "grade"),
        (("headache", True), {}, "grade"),
        (("headache", 2), {"start": "2026-03-11"}, "start"),
        (("headache", 2), {"start": "2026-03-05", "end": "2026-03-04"}, "end"),
        (("headache", 2), {"start": "yesterday"}, "start"),
        (("headache", 2), {"action": "ignored it"}, "action"),
    ]
    for args, options, field in bad:
        with pytest.raises(InvalidInput) as raised:
            adverse.make_adverse(*args, today=TODAY, **options)  # type: ignore[arg-type]
        assert raised.value.field == field


def test_evidence_every_claim_cites_its_source_and_nothing_overclaims() -> None:
    data = evidence.evidence_dict()
    claims = [c for section in data["sections"] for c in section["claims"]]
    assert all(c["text"] and c["citation"] for c in claims)
    citations = " ".join(c["citation"] for c in claims)
    for expected in ("Rootman et al. 2021", "Rootman et al. 2022", "eLife 10:e62878",
                     "Translational Psychiatry 12:307", "Journal of Psychopharmacology 36:97",
                     "Biological Psychiatry", "NCT05259943", "MacLean et al. 2011",
                     "Sewell et al. 2006"):
        assert expected in citations
    text = evidence.evidence_text()
    assert "no significant difference" in text and "191 completers" in text
    assert "Expectation explains much" in data["conclusion"]
    for word in ("proven", "cures", "clinically proven"):
        assert word not in text.lower()
