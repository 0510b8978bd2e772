"""The safety screen: every rule of CLINICAL.md's table, brand names, case and spacing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microdose.domain import medications
from microdose.domain.errors import InvalidInput
from microdose.domain.safety import (
    CONDITION_RULES,
    MEDICATION_RULES,
    RESCREEN_DAYS,
    UNKNOWN_WHY,
    medication_changes,
    normalise_condition,
    rescreen_reason,
    screen,
)

# The safety table of CLINICAL.md, row by row: (condition, severity)
CONDITIONS = [
    ("psychosis", "block"),
    ("schizophrenia", "block"),
    ("mania", "block"),
    ("bipolar", "block"),
    ("family-psychosis", "block"),
    ("family-schizophrenia", "block"),
    ("family-mania", "block"),
    ("family-bipolar", "block"),
    ("pregnancy", "block"),
    ("breastfeeding", "block"),
    ("heart-valve-disease", "warn"),
    ("seizures", "warn"),
    ("suicidal-thoughts", "warn"),
]


def test_the_condition_vocabulary_is_the_documented_one() -> None:
    assert sorted(CONDITION_RULES) == sorted(c for c, _ in CONDITIONS)


@pytest.mark.parametrize(("condition", "severity"), CONDITIONS)
def test_every_condition_rule(condition: str, severity: str) -> None:
    result = screen([condition])
    assert result.verdict == severity
    (reason,) = result.reasons
    assert (reason.severity, reason.item) == (severity, condition)
    assert reason.why and reason.source
    assert result.crisis is (condition == "suicidal-thoughts")


def test_psychosis_history_and_heart_valves_carry_their_sources() -> None:
    assert "every trial" in screen(["family-psychosis"]).reasons[0].source
    heart = screen(["heart-valve-disease"]).reasons[0]
    assert "5-HT2B" in heart.why and "Tagen et al. 2023" in heart.source
    assert "Rouaud et al. 2023" in heart.source


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (" Bipolar Disorder ", "bipolar"),
        ("BIPOLAR", "bipolar"),
        ("family_bipolar", "family-bipolar"),
        ("Family Psychosis", "family-psychosis"),
        ("schizoaffective", "psychosis"),
        ("Epilepsy", "seizures"),
        ("pregnant", "pregnancy"),
        ("breast-feeding", "breastfeeding"),
        ("valvular heart disease", "heart-valve-disease"),
        ("suicidal ideation", "suicidal-thoughts"),
    ],
)
def test_condition_spellings(given: str, expected: str) -> None:
    assert normalise_condition(given) == expected


def test_pregnancy_and_breastfeeding_flags_block() -> None:
    assert screen(pregnant=True).verdict == "block"
    assert screen(breastfeeding=True).verdict == "block"
    assert screen(pregnant=True).conditions == ("pregnancy",)
    assert screen(["pregnancy"], pregnant=True).conditions == ("pregnancy",)  # no repeat


def test_an_unknown_condition_or_medication_is_warn_never_ok() -> None:
    condition = screen(["hay fever"])
    assert condition.verdict == "warn"
    assert UNKNOWN_WHY in condition.reasons[0].why
    assert condition.reasons[0].item == "hay fever"
    medication = screen(medications_taken=["aspirin"])
    assert medication.verdict == "warn"
    assert medication.reasons[0].why == f"medication {UNKNOWN_WHY}"
    assert "not recognised — ask a clinician" in medication.reasons[0].why


# (given, generic, class, severity): brand names, generic names, case and spacing
MEDICATION_CASES = [
    ("Prozac", "fluoxetine", "SSRI", "warn"),
    ("PROZAC", "fluoxetine", "SSRI", "warn"),
    ("  prozac  ", "fluoxetine", "SSRI", "warn"),
    ("pro zac", "fluoxetine", "SSRI", "warn"),
    ("Prozac 20 mg", "fluoxetine", "SSRI", "warn"),
    ("fluoxetine", "fluoxetine", "SSRI", "warn"),
    ("Zoloft", "sertraline", "SSRI", "warn"),
    ("Lustral", "sertraline", "SSRI", "warn"),
    ("Cipralex", "escitalopram", "SSRI", "warn"),
    ("Effexor XR", "venlafaxine", "SNRI", "warn"),
    ("Wellbutrin XL 150 mg", "bupropion", "NDRI", "note"),
    ("Prozak", None, None, "warn"),  # a misspelling is not guessed: unrecognised, warn
    ("Effexor", "venlafaxine", "SNRI", "warn"),
    ("Cymbalta", "duloxetine", "SNRI", "warn"),
    ("Trintellix", "vortioxetine", "serotonin modulator", "warn"),
    ("Lithobid", "lithium", "lithium", "block"),
    ("LITHOBID", "lithium", "lithium", "block"),
    ("lithium carbonate 400mg", "lithium", "lithium", "block"),
    ("Priadel", "lithium", "lithium", "block"),
    ("Quilonum", "lithium", "lithium", "block"),
    ("phenelzine", "phenelzine", "MAOI", "warn"),
    ("Nardil", "phenelzine", "MAOI", "warn"),
    ("Parnate", "tranylcypromine", "MAOI", "warn"),
    ("moclobemide", "moclobemide", "MAOI", "warn"),
    ("Ayahuasca", "ayahuasca", "MAOI (ayahuasca-type)", "warn"),
    ("Syrian Rue", "syrian rue", "MAOI (ayahuasca-type)", "warn"),
    ("tramadol", "tramadol", "opioid", "warn"),
    ("Ultram", "tramadol", "opioid", "warn"),
    ("Wellbutrin", "bupropion", "NDRI", "note"),
    ("Zyban", "bupropion", "NDRI", "note"),
    ("Seroquel", "quetiapine", "antipsychotic", "note"),
    ("Abilify", "aripiprazole", "antipsychotic", "note"),
]


@pytest.mark.parametrize(("given", "generic", "drug_class", "severity"), MEDICATION_CASES)
def test_medications_by_generic_brand_and_class(
    given: str, generic: str | None, drug_class: str | None, severity: str
) -> None:
    result = screen(medications_taken=[given])
    (reason,) = result.reasons
    assert reason.severity == severity
    assert reason.item == given.strip()
    if generic is None:
        assert UNKNOWN_WHY in reason.why
        return
    assert generic in reason.why
    assert drug_class is not None and drug_class in reason.why
    assert result.generics == (generic,)
    # a note alone leaves the verdict ok; warn and block are the verdict
    assert result.verdict == ("ok" if severity == "note" else severity)


def test_medication_rule_sources() -> None:
    lithium = screen(medications_taken=["Lithobid"]).reasons[0]
    assert "47% of 62" in lithium.why
    assert lithium.source == "Nayak et al. 2021, Pharmacopsychiatry 54:240"
    ssri = screen(medications_taken=["Prozac"]).reasons[0]
    assert ssri.source == "Gukasyan et al. 2023" and "never stop them abruptly" in ssri.why
    tramadol = screen(medications_taken=["tramadol"]).reasons[0]
    assert "major" in tramadol.why and "unconfirmed" in tramadol.source


def test_maoi_shows_our_rating_and_says_that_sources_disagree() -> None:
    reason = screen(medications_taken=["phenelzine"]).reasons[0]
    assert reason.severity == "warn"
    assert "major" in reason.why
    assert "Sources disagree" in reason.why and "TripSit" in reason.why
    assert "low risk & synergy" in reason.why


@pytest.mark.parametrize(
    ("given", "severity"), [("SSRI", "warn"), ("snris", "warn"), ("MAOI", "warn"),
                            ("antipsychotic", "note")]
)
def test_a_class_named_instead_of_a_medication(given: str, severity: str) -> None:
    assert screen(medications_taken=[given]).reasons[0].severity == severity


def test_a_combination_brand_gives_each_generic() -> None:
    result = screen(medications_taken=["Symbyax"])
    assert result.generics == ("fluoxetine", "olanzapine")
    assert [r.severity for r in result.reasons] == ["warn", "note"]
    assert result.verdict == "warn"


def test_the_same_medication_twice_is_one_reason() -> None:
    result = screen(medications_taken=["Prozac", "fluoxetine", "PRO ZAC"])
    assert len(result.reasons) == 1


def test_verdict_is_the_worst_severity_and_reasons_are_worst_first() -> None:
    result = screen(["heart-valve-disease"], ["Wellbutrin", "Lithobid"])
    assert result.verdict == "block"
    assert [r.severity for r in result.reasons] == ["block", "warn", "note"]
    assert screen().verdict == "ok" and screen().reasons == ()


def test_every_medication_points_to_a_rule_and_every_rule_is_used() -> None:
    used = {m.rule for m in medications.MEDICATIONS}
    assert used == set(MEDICATION_RULES)
    assert {rule for rule, _ in medications.CLASS_NAMES.values()} <= set(MEDICATION_RULES)
    for rule in [*MEDICATION_RULES.values(), *CONDITION_RULES.values()]:
        assert rule.severity in ("block", "warn", "note") and rule.source


def test_no_name_in_the_table_points_to_two_different_generics() -> None:
    seen: dict[str, str] = {}
    for medication in medications.MEDICATIONS:
        for name in (medication.generic, *medication.brands):
            key = medications.match_key(name)
            assert seen.setdefault(key, medication.generic) == medication.generic, name
    assert not set(seen) & set(medications.CLASS_NAMES)


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_names_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="medication"):
        screen(medications_taken=[bad])
    with pytest.raises(InvalidInput, match="condition"):
        screen([bad])


def test_medication_changes_between_screens() -> None:
    before = screen(medications_taken=["Prozac"]).generics
    after = screen(medications_taken=["fluoxetine", "Lithobid"]).generics
    assert medication_changes(before, after) == {"added": ["lithium"], "removed": []}
    assert medication_changes(after, ()) == {"added": [], "removed": ["fluoxetine", "lithium"]}


def test_a_rescreen_is_due_after_four_weeks_and_when_medications_change() -> None:
    screened = datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert RESCREEN_DAYS == 28
    almost = screened + timedelta(days=28) - timedelta(seconds=1)
    assert rescreen_reason(screened, almost) is None
    reason = rescreen_reason(screened, screened + timedelta(days=28))
    assert reason is not None and "4 weeks" in reason
    changed = screened + timedelta(days=3)
    reason = rescreen_reason(screened, screened + timedelta(days=4), changed)
    assert reason is not None and "medications changed" in reason
    # a change recorded before the screen was covered by it
    assert rescreen_reason(screened, screened + timedelta(days=4), screened
                           - timedelta(days=1)) is None
