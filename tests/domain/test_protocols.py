"""Protocols: exact dose days, checked by hand against a calendar, plus properties."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microdose.domain.errors import InvalidInput
from microdose.domain.protocols import (
    MAX_WEEKS,
    Plan,
    PlanSpec,
    Protocol,
    build_plan,
    max_consecutive_dose_days,
    parse_date,
    parse_protocol,
    parse_weekdays,
    planned_doses_per_week,
    validate_spec,
)

FADIMAN = Protocol.FADIMAN
STAMETS = Protocol.STAMETS
EOD = Protocol.EVERY_OTHER_DAY
WEEKDAYS = Protocol.WEEKDAYS


def days(*isos: str) -> list[date]:
    return [date.fromisoformat(iso) for iso in isos]


def dose_days(spec: PlanSpec) -> list[date]:
    return list(build_plan(spec).dose_days)


# --- exact dose days (hand-checked; 2024-01-01 is a Monday) --------------------------


def test_fadiman_every_third_day() -> None:
    spec = PlanSpec(FADIMAN, date(2024, 1, 1), weeks=2)
    assert dose_days(spec) == days(
        "2024-01-01", "2024-01-04", "2024-01-07", "2024-01-10", "2024-01-13"
    )
    assert build_plan(spec).end == date(2024, 1, 14)


def test_stamets_four_on_three_off() -> None:
    spec = PlanSpec(STAMETS, date(2024, 1, 1), weeks=2)
    assert dose_days(spec) == days(
        "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04",
        "2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11",
    )  # fmt: skip


def test_stamets_starts_on_start_day_not_monday() -> None:
    # 2024-01-03 is a Wednesday: 4 on (Wed-Sat), 3 off (Sun-Tue)
    spec = PlanSpec(STAMETS, date(2024, 1, 3), weeks=1)
    assert dose_days(spec) == days("2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06")


def test_every_other_day() -> None:
    spec = PlanSpec(EOD, date(2024, 1, 1), weeks=1)
    assert dose_days(spec) == days("2024-01-01", "2024-01-03", "2024-01-05", "2024-01-07")


def test_weekdays_start_mid_week() -> None:
    # start Wednesday 2024-01-03; Thursday 4th is the first chosen day on or after start
    spec = PlanSpec(WEEKDAYS, date(2024, 1, 3), weeks=2, weekdays=(0, 3))
    plan = build_plan(spec)
    assert list(plan.dose_days) == days("2024-01-04", "2024-01-08", "2024-01-11", "2024-01-15")
    assert plan.end == date(2024, 1, 16)


def test_weekdays_start_on_chosen_day_includes_start() -> None:
    spec = PlanSpec(WEEKDAYS, date(2024, 1, 4), weeks=1, weekdays=(3,))
    assert dose_days(spec) == days("2024-01-04")


# --- calendar edges -----------------------------------------------------------------


def test_across_month_end() -> None:
    spec = PlanSpec(FADIMAN, date(2024, 1, 30), weeks=1)
    plan = build_plan(spec)
    assert list(plan.dose_days) == days("2024-01-30", "2024-02-02", "2024-02-05")
    assert plan.end == date(2024, 2, 5)


def test_across_year_end() -> None:
    spec = PlanSpec(EOD, date(2024, 12, 29), weeks=1)
    assert dose_days(spec) == days("2024-12-29", "2024-12-31", "2025-01-02", "2025-01-04")


@pytest.mark.parametrize(
    ("protocol", "start", "expected"),
    [
        (FADIMAN, "2024-02-27", ["2024-02-27", "2024-03-01", "2024-03-04"]),
        (FADIMAN, "2024-02-26", ["2024-02-26", "2024-02-29", "2024-03-03"]),
        (FADIMAN, "2023-02-27", ["2023-02-27", "2023-03-02", "2023-03-05"]),
        (EOD, "2024-02-27", ["2024-02-27", "2024-02-29", "2024-03-02", "2024-03-04"]),
        (EOD, "2024-02-28", ["2024-02-28", "2024-03-01", "2024-03-03", "2024-03-05"]),
        (EOD, "2023-02-28", ["2023-02-28", "2023-03-02", "2023-03-04", "2023-03-06"]),
    ],
)
def test_leap_and_non_leap_february(protocol: Protocol, start: str, expected: list[str]) -> None:
    spec = PlanSpec(protocol, date.fromisoformat(start), weeks=1)
    assert dose_days(spec) == days(*expected)


def test_leap_day_plan_covers_exactly_seven_days() -> None:
    plan = build_plan(PlanSpec(FADIMAN, date(2024, 2, 28), weeks=1))
    assert plan.end == date(2024, 3, 5)  # 28, 29, 1, 2, 3, 4, 5
    plan_2023 = build_plan(PlanSpec(FADIMAN, date(2023, 2, 28), weeks=1))
    assert plan_2023.end == date(2023, 3, 6)


def test_dst_change_does_not_move_dose_days() -> None:
    # Europe/Berlin switches to summer time on 2026-03-29 (a Sunday)
    spec = PlanSpec(FADIMAN, date(2026, 3, 26), weeks=1)
    plan = build_plan(spec)
    assert list(plan.dose_days) == days("2026-03-26", "2026-03-29", "2026-04-01")
    assert plan.end == date(2026, 4, 1)
    berlin = ZoneInfo("Europe/Berlin")
    local = [datetime.combine(day, time(9), tzinfo=berlin) for day in plan.dose_days]
    assert [moment.date() for moment in local] == list(plan.dose_days)
    assert [moment.utcoffset() for moment in local] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
    ]


# --- cycles -------------------------------------------------------------------------


def test_stamets_cycles_with_break() -> None:
    spec = PlanSpec(STAMETS, date(2024, 1, 1), weeks=1, off_weeks=1, cycles=2)
    plan = build_plan(spec)
    assert list(plan.dose_days) == days(
        "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04",
        "2024-01-15", "2024-01-16", "2024-01-17", "2024-01-18",
    )  # fmt: skip
    assert plan.end == date(2024, 1, 28)


def test_fadiman_pattern_restarts_after_break() -> None:
    spec = PlanSpec(FADIMAN, date(2024, 1, 1), weeks=1, off_weeks=1, cycles=2)
    plan = build_plan(spec)
    # without a restart the every-third-day rhythm would give the 16th, not the 15th
    assert list(plan.dose_days) == days(
        "2024-01-01", "2024-01-04", "2024-01-07", "2024-01-15", "2024-01-18", "2024-01-21"
    )


def test_no_doses_in_break_and_phase_on() -> None:
    spec = PlanSpec(EOD, date(2024, 1, 1), weeks=1, off_weeks=1, cycles=2)
    plan = build_plan(spec)
    for offset in range(7, 14):
        day = date(2024, 1, 1) + timedelta(days=offset)
        assert not plan.is_dose_day(day)
        assert not plan.phase_on(day)
    assert plan.phase_on(date(2024, 1, 7))
    assert plan.phase_on(date(2024, 1, 15))
    assert not plan.phase_on(date(2023, 12, 31))
    assert not plan.phase_on(date(2024, 1, 29))
    assert plan.is_dose_day(date(2024, 1, 15))
    assert not plan.is_dose_day(date(2024, 1, 2))


def test_trailing_break_with_one_cycle() -> None:
    plan = build_plan(PlanSpec(FADIMAN, date(2024, 1, 1), weeks=1, off_weeks=2))
    assert plan.end == date(2024, 1, 21)
    assert plan.dose_days[-1] == date(2024, 1, 7)
    assert len(plan.days()) == 21


def test_to_dict() -> None:
    spec = PlanSpec(WEEKDAYS, date(2024, 1, 3), weeks=1, weekdays=(3, 0))
    assert build_plan(spec).to_dict() == {
        "protocol": "weekdays",
        "start": "2024-01-03",
        "end": "2024-01-09",
        "weeks": 1,
        "off_weeks": 0,
        "cycles": 1,
        "weekdays": ["mon", "thu"],
        "dose_days": ["2024-01-04", "2024-01-08"],
    }
    fadiman = build_plan(PlanSpec(FADIMAN, date(2024, 1, 1), weeks=1)).to_dict()
    assert fadiman["weekdays"] == []
    assert fadiman["protocol"] == "fadiman"


# --- summaries ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "per_week"),
    [
        (PlanSpec(FADIMAN, date(2024, 1, 1), weeks=4), 7 / 3),
        (PlanSpec(STAMETS, date(2024, 1, 1), weeks=4), 4.0),
        (PlanSpec(EOD, date(2024, 1, 1), weeks=4), 3.5),
        (PlanSpec(WEEKDAYS, date(2024, 1, 1), weeks=4, weekdays=(0, 2, 4)), 3.0),
    ],
)
def test_planned_doses_per_week(spec: PlanSpec, per_week: float) -> None:
    assert planned_doses_per_week(spec) == pytest.approx(per_week)


@pytest.mark.parametrize(
    ("protocol", "weekdays", "expected"),
    [
        (FADIMAN, (), 1),
        (EOD, (), 1),
        (STAMETS, (), 4),
        (WEEKDAYS, (0, 2, 4), 1),
        (WEEKDAYS, (0, 1, 3), 2),
        (WEEKDAYS, (0, 5, 6), 3),  # Sat, Sun, Mon wraps around the week
        (WEEKDAYS, (0, 1, 5, 6), 4),
        (WEEKDAYS, (0, 1, 2, 3, 4, 5), 6),
        (WEEKDAYS, (0, 1, 2, 3, 4, 5, 6), 14),  # every day: the whole 2-week on-phase
    ],
)
def test_max_consecutive_dose_days(
    protocol: Protocol, weekdays: tuple[int, ...], expected: int
) -> None:
    spec = PlanSpec(protocol, date(2024, 1, 1), weeks=2, weekdays=weekdays)
    assert max_consecutive_dose_days(spec) == expected


# --- parsing ------------------------------------------------------------------------


def test_parse_protocol() -> None:
    assert parse_protocol("fadiman") is FADIMAN
    assert parse_protocol("  STAMETS ") is STAMETS
    assert parse_protocol("every_other_day") is EOD
    assert parse_protocol("Every other day") is EOD
    assert parse_protocol("weekdays") is WEEKDAYS


@pytest.mark.parametrize("text", ["lsd", "", "fadiman2"])
def test_parse_protocol_unknown(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_protocol(text)
    assert caught.value.field == "protocol"
    assert caught.value.allowed == "fadiman, stamets, every-other-day, weekdays"


def test_parse_weekdays() -> None:
    assert parse_weekdays("mon,thu") == (0, 3)
    assert parse_weekdays("thu,mon") == (0, 3)
    assert parse_weekdays("Monday, THURSDAY, mon") == (0, 3)
    assert parse_weekdays("sun") == (6,)
    assert parse_weekdays("mon,tue,wed,thu,fri,sat,sun") == (0, 1, 2, 3, 4, 5, 6)


@pytest.mark.parametrize("text", ["", " , ", "mon,funday", "mo", "8", "mon;thu"])
def test_parse_weekdays_bad(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_weekdays(text)
    assert caught.value.field == "weekdays"
    assert caught.value.allowed == "mon, tue, wed, thu, fri, sat, sun"


def test_parse_date() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert parse_date(" 2026-03-29 ") == date(2026, 3, 29)


@pytest.mark.parametrize(
    "text",
    ["2024-13-01", "2023-02-29", "2024-02-30", "20240101", "2024-1-1", "2024-W01-1", "", "x"],
)
def test_parse_date_bad(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, field="start")
    assert caught.value.field == "start"
    assert caught.value.allowed == "YYYY-MM-DD"
    assert f"{text!r} is not a date" in str(caught.value)


def test_parse_date_default_field() -> None:
    with pytest.raises(InvalidInput, match=r"^date: '2024-13-01' is not a date"):
        parse_date("2024-13-01")


# --- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weeks": 0}, "weeks"),
        ({"weeks": -1}, "weeks"),
        ({"weeks": MAX_WEEKS + 1}, "weeks"),
        ({"weeks": 1.5}, "weeks"),
        ({"weeks": True}, "weeks"),
        ({"off_weeks": -1}, "off_weeks"),
        ({"cycles": 0}, "cycles"),
        ({"cycles": 2}, "off_weeks"),  # two cycles need a break between them
        ({"weekdays": (0,)}, "weekdays"),  # weekdays given for fadiman
        ({"protocol": WEEKDAYS}, "weekdays"),  # weekdays protocol without weekdays
        ({"protocol": WEEKDAYS, "weekdays": (7,)}, "weekdays"),
        ({"protocol": WEEKDAYS, "weekdays": (-1,)}, "weekdays"),
        ({"protocol": WEEKDAYS, "weekdays": (1, 1)}, "weekdays"),
        ({"protocol": "fadiman"}, "protocol"),
        ({"start": datetime(2024, 1, 1, 9)}, "start"),
        ({"start": date(9999, 12, 30)}, "start"),
    ],
)
def test_invalid_spec(changes: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"protocol": FADIMAN, "start": date(2024, 1, 1), "weeks": 4}
    values.update(changes)
    spec = PlanSpec(**values)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as caught:
        build_plan(spec)
    assert caught.value.field == field
    assert caught.value.allowed
    with pytest.raises(InvalidInput):
        validate_spec(spec)


def test_weeks_message_names_the_rule() -> None:
    with pytest.raises(InvalidInput, match=r"^weeks: must be >= 1"):
        build_plan(PlanSpec(FADIMAN, date(2024, 1, 1), weeks=0))


def test_max_weeks_is_accepted() -> None:
    plan = build_plan(PlanSpec(STAMETS, date(2024, 1, 1), weeks=MAX_WEEKS))
    assert len(plan.dose_days) == 4 * MAX_WEEKS


# --- properties ---------------------------------------------------------------------


@st.composite
def specs(draw: st.DrawFn) -> PlanSpec:
    protocol = draw(st.sampled_from(list(Protocol)))
    weekdays: tuple[int, ...] = ()
    if protocol is WEEKDAYS:
        weekdays = tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1))))
    cycles = draw(st.integers(1, 4))
    off_weeks = draw(st.integers(1 if cycles > 1 else 0, 3))
    return PlanSpec(
        protocol=protocol,
        start=draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))),
        weeks=draw(st.integers(1, 12)),
        weekdays=weekdays,
        off_weeks=off_weeks,
        cycles=cycles,
    )


def expected_count(spec: PlanSpec) -> int:
    on_days = spec.weeks * 7
    per_phase = {
        FADIMAN: math.ceil(on_days / 3),
        STAMETS: 4 * spec.weeks,
        EOD: math.ceil(on_days / 2),
        WEEKDAYS: len(spec.weekdays) * spec.weeks,
    }[spec.protocol]
    return per_phase * spec.cycles


def phase_number(plan: Plan, day: date) -> int:
    return (day - plan.start).days // ((plan.spec.weeks + plan.spec.off_weeks) * 7)


def longest_run(dose_days: tuple[date, ...]) -> int:
    longest = run = 0
    previous: date | None = None
    for day in dose_days:
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    return longest


@given(specs())
def test_plan_covers_exactly_the_cycles(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    assert (plan.end - plan.start).days + 1 == spec.cycles * (spec.weeks + spec.off_weeks) * 7
    assert len(plan.days()) == spec.cycles * (spec.weeks + spec.off_weeks) * 7


@given(specs())
def test_dose_days_inside_sorted_unique(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    assert all(plan.start <= day <= plan.end for day in plan.dose_days)
    assert all(a < b for a, b in zip(plan.dose_days, plan.dose_days[1:], strict=False))
    assert all(plan.phase_on(day) for day in plan.dose_days)


@given(specs())
def test_count_matches_formula(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    assert len(plan.dose_days) == expected_count(spec)
    nominal = planned_doses_per_week(spec) * spec.weeks
    # each phase starts with a dose, so a phase has its nominal count rounded up
    assert len(plan.dose_days) == spec.cycles * math.ceil(round(nominal, 9))


@given(specs())
def test_is_dose_day_matches_list(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    chosen = set(plan.dose_days)
    for day in plan.days():
        assert plan.is_dose_day(day) == (day in chosen)
    assert not plan.is_dose_day(plan.start - timedelta(days=1))
    assert not plan.is_dose_day(plan.end + timedelta(days=1))


@given(specs())
def test_runs_never_exceed_max_consecutive(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    assert longest_run(plan.dose_days) <= max_consecutive_dose_days(spec)


@given(specs().filter(lambda spec: spec.protocol is FADIMAN))
def test_fadiman_gaps_are_three_inside_a_phase(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    assert plan.dose_days[0] == plan.start
    for a, b in zip(plan.dose_days, plan.dose_days[1:], strict=False):
        if phase_number(plan, a) == phase_number(plan, b):
            assert (b - a).days == 3
        else:
            assert (
                plan.phase_on(b)
                and (b - plan.start).days % ((spec.weeks + spec.off_weeks) * 7) == 0
            )  # each phase starts with a dose


@given(specs().filter(lambda spec: spec.protocol is WEEKDAYS))
def test_weekdays_only_on_chosen_days(spec: PlanSpec) -> None:
    plan = build_plan(spec)
    assert {day.weekday() for day in plan.dose_days} == set(spec.weekdays)
