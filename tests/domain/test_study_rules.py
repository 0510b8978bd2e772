"""Study definitions: arms, schedules, codes, consent digests and schedule completion."""

from __future__ import annotations

import hashlib

import pytest

from microdose.domain import studies as rules
from microdose.domain.errors import InvalidInput


def test_arms_and_schedule_parse() -> None:
    arms = rules.parse_arms("microdose=open-label, comparison=comparator")
    assert [(a.name, a.kind) for a in arms] == [("microdose", "open-label"),
                                                ("comparison", "comparator")]
    schedule = rules.parse_schedule("0:PHQ-9,dass21; 14:phq9; 28:phq9,DASS-21")
    assert schedule[0] == rules.Assessment(0, ("phq9", "dass21"))
    spec = rules.StudySpec("  A  study ", arms, schedule)
    assert rules.validate_spec(spec).title == "A study"
    assert spec.instruments == ("phq9", "dass21")


@pytest.mark.parametrize(("arms", "needle"), [
    ("", "at least one"), ("md=homeopathic", "unknown arm kind"),
    ("a=open-label,a=comparator", "unique"), ("Bad Name=open-label", "bad arm name"),
])
def test_bad_arms_name_the_field(arms: str, needle: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.parse_arms(arms)
    assert caught.value.field == "arms" and needle in caught.value.message


@pytest.mark.parametrize(("schedule", "field"), [
    ("", "schedule"), ("zero:phq9", "schedule"), ("14:phq9;0:phq9", "schedule"),
    ("0:phq9,phq9", "schedule"), ("0:bdi", "instrument"),
])
def test_bad_schedules_name_the_field(schedule: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.parse_schedule(schedule)
    assert caught.value.field == field


def test_spec_limits() -> None:
    arms, schedule = rules.parse_arms("open-label"), rules.parse_schedule("0:phq9;56:phq9")
    with pytest.raises(InvalidInput, match="after the study's last day"):
        rules.validate_spec(rules.StudySpec("t", arms, schedule, duration_days=28))
    with pytest.raises(InvalidInput, match="protocol"):
        rules.validate_spec(rules.StudySpec("t", arms, schedule, protocol="x",
                                            duration_days=60))


def test_codes_are_typed_forgivingly_and_stored_as_digests() -> None:
    code = rules.make_code()
    assert len(code) == 11 and code[5] == "-"
    assert rules.normalise_code(code.lower().replace("-", " ")) == code
    assert rules.normalise_code("oooooiiiii") == "00000-11111"
    assert rules.code_digest(code) == hashlib.sha256(code.encode()).hexdigest()
    with pytest.raises(InvalidInput):
        rules.normalise_code("ABC")
    assert len({rules.make_code() for _ in range(500)}) == 500


def test_consent_digest_is_sha256_of_the_text() -> None:
    # reference: hashlib, FIPS 180-4
    assert rules.consent_digest("I agree") == hashlib.sha256(b"I agree").hexdigest()


def test_completion_counts_only_closed_or_answered_windows() -> None:
    schedule = rules.parse_schedule("0:phq9,dass21;14:phq9;28:phq9")
    due = rules.completion(schedule, {"phq9": [1, 17], "dass21": []}, current_day=20,
                           window_days=2)
    assert [(d.day, d.instrument, d.done) for d in due] == [
        (0, "phq9", True), (0, "dass21", False), (14, "phq9", False)]
    assert rules.completion(schedule, {}, current_day=0, window_days=2) == []
