"""Dose estimates: figures from CLINICAL.md ("Dosing facts"), checked by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microdose.domain.dosing import (
    FRESH_WATER_FRACTION,
    FULL_DOSE_FROM_MG,
    MICRODOSE_RANGE_MG,
    POTENCY,
    PSILOCIN_PER_PSILOCYBIN,
    Material,
    estimate,
    parse_material,
)
from microdose.domain.errors import InvalidInput

MUSHROOMS = [material for material in Material if material is not Material.PSILOCYBIN]


def test_point_two_grams_dried_is_a_microdose() -> None:
    # 200 mg × 1% = 2 mg; × 0.52% = 1.04 mg; × 1.36% = 2.72 mg (CLINICAL.md figures)
    dose = estimate(Material.DRIED_CUBENSIS, 0.2)
    assert dose.psilocybin_mg_typical == pytest.approx(2.0)
    assert dose.psilocybin_mg_low == pytest.approx(1.04)
    assert dose.psilocybin_mg_high == pytest.approx(2.72)
    assert dose.classification == "microdose"
    assert dose.grams == 0.2


def test_clinical_microdose_range_in_grams() -> None:
    # CLINICAL.md: 0.1–0.3 g dried ≈ 1–3 mg; both ends are microdoses, no float artefacts
    low_end = estimate("dried-cubensis", 0.1)
    high_end = estimate("dried-cubensis", 0.3)
    assert low_end.classification == "microdose"
    assert high_end.classification == "microdose"
    assert not any("below the usual microdose range" in note for note in low_end.notes)
    assert any("upper estimate" in note for note in high_end.notes)  # 4.08 mg > 3 mg


def test_half_gram_is_above_microdose_range() -> None:
    # the Cavanna 2022 trial dose: 0.5 g dried ≈ 5 mg typical
    dose = estimate("dried-cubensis", 0.5)
    assert dose.psilocybin_mg_typical == pytest.approx(5.0)
    assert dose.classification == "above microdose range"


def test_two_grams_is_a_full_dose() -> None:
    dose = estimate("dried-cubensis", 2)
    assert dose.psilocybin_mg_typical == pytest.approx(20.0)
    assert dose.classification == "full dose"


def test_fresh_is_dried_over_ten() -> None:
    assert FRESH_WATER_FRACTION == 0.9
    fresh = estimate("fresh-cubensis", 2.0)
    dried = estimate("dried-cubensis", 0.2)
    assert fresh.psilocybin_mg_low == pytest.approx(dried.psilocybin_mg_low)
    assert fresh.psilocybin_mg_typical == pytest.approx(dried.psilocybin_mg_typical)
    assert fresh.psilocybin_mg_high == pytest.approx(dried.psilocybin_mg_high)
    assert estimate("fresh-cubensis", 1).psilocybin_mg_typical == pytest.approx(1.0)


def test_caps_and_stems() -> None:
    caps = estimate("dried-cubensis-caps", 1)
    caps_range = (caps.psilocybin_mg_low, caps.psilocybin_mg_typical, caps.psilocybin_mg_high)
    assert caps_range == pytest.approx((8.8, 10.3, 13.6))
    stems = estimate("dried-cubensis-stems", 1)
    assert stems.psilocybin_mg_typical == pytest.approx(5.2)


def test_truffles() -> None:
    # Marschall 2022 trial dose: 0.7 g truffles; 0.25% typical (unconfirmed) → 1.75 mg
    dose = estimate("truffles", 0.7)
    assert dose.psilocybin_mg_typical == pytest.approx(1.75)
    assert dose.classification == "microdose"
    assert any("unconfirmed" in note for note in dose.notes)


def test_psilocybin_mg_exact() -> None:
    dose = estimate("psilocybin", mg=2)  # NCT05259943 dose
    assert dose.psilocybin_mg_low == dose.psilocybin_mg_typical == dose.psilocybin_mg_high == 2
    assert dose.grams == pytest.approx(0.002)
    assert dose.classification == "microdose"
    assert estimate("psilocybin", mg=0.3).psilocybin_mg_typical == 0.3
    assert estimate("psilocybin", 0.002).psilocybin_mg_typical == pytest.approx(2.0)
    assert estimate("psilocybin", mg="25").classification == "full dose"  # Raison 2023


def test_psilocin_conversion() -> None:
    assert round(PSILOCIN_PER_PSILOCYBIN, 3) == 0.719
    assert PSILOCIN_PER_PSILOCYBIN == 204.27 / 284.25
    dose = estimate("psilocybin", mg=10)
    assert dose.psilocin_mg_typical == pytest.approx(7.186, abs=1e-3)


def test_classification_boundaries() -> None:
    assert MICRODOSE_RANGE_MG == (1.0, 3.0)
    assert FULL_DOSE_FROM_MG == 10.0
    assert estimate("psilocybin", mg=3).classification == "microdose"
    assert estimate("psilocybin", mg=3.01).classification == "above microdose range"
    assert estimate("psilocybin", mg=9.99).classification == "above microdose range"
    assert estimate("psilocybin", mg=10).classification == "full dose"


def test_notes_always_say_potency_varies() -> None:
    for material in Material:
        amount = {"mg": 2.0} if material is Material.PSILOCYBIN else {"grams": 0.2}
        dose = estimate(material, **amount)
        assert any("varies widely" in note and "storage" in note for note in dose.notes)


def test_unconfirmed_figures_are_named() -> None:
    for material in (Material.DRIED_CUBENSIS_STEMS, Material.FRESH_CUBENSIS, Material.TRUFFLES):
        notes = estimate(material, 0.2).notes
        assert any("Unconfirmed" in note and material.value in note for note in notes)
        assert not POTENCY[material].confirmed
    for material in (Material.DRIED_CUBENSIS, Material.DRIED_CUBENSIS_CAPS):
        assert not any("Unconfirmed" in note for note in estimate(material, 0.2).notes)
        assert POTENCY[material].confirmed


def test_below_range_note() -> None:
    dose = estimate("dried-cubensis", 0.05)  # 0.5 mg
    assert dose.classification == "microdose"
    assert any("below the usual microdose range" in note for note in dose.notes)


def test_to_dict_rounds_mg_only() -> None:
    assert estimate("fresh-cubensis", 2).to_dict() == {
        "material": "fresh-cubensis",
        "grams": 2.0,
        "psilocybin_mg": {"low": 1.04, "typical": 2.0, "high": 2.72},
        "classification": "microdose",
        "notes": list(estimate("fresh-cubensis", 2).notes),
    }


def test_parse_material() -> None:
    assert parse_material("dried-cubensis") is Material.DRIED_CUBENSIS
    assert parse_material(" Fresh_Cubensis ") is Material.FRESH_CUBENSIS
    assert estimate("TRUFFLES", "1").material is Material.TRUFFLES


@pytest.mark.parametrize("name", ["lsd", "", "dried", "amanita"])
def test_unknown_material(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        estimate(name, 0.2)
    assert caught.value.field == "material"
    assert caught.value.allowed is not None and "dried-cubensis" in caught.value.allowed


@pytest.mark.parametrize(
    "grams", [0, -1, "0", "abc", "", "nan", "NaN", "inf", "-inf", math.nan, math.inf, 100.01, True]
)
def test_invalid_grams(grams: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        estimate("dried-cubensis", grams)  # type: ignore[arg-type]
    assert caught.value.field == "grams"
    assert caught.value.allowed == "more than 0 and at most 100"


def test_hundred_grams_accepted() -> None:
    assert estimate("dried-cubensis", 100).classification == "full dose"
    assert estimate("dried-cubensis", " 0.2 ").psilocybin_mg_typical == pytest.approx(2.0)


def test_missing_or_double_amount() -> None:
    with pytest.raises(InvalidInput) as caught:
        estimate("dried-cubensis")
    assert caught.value.field == "grams"
    with pytest.raises(InvalidInput) as caught:
        estimate("psilocybin", 0.002, mg=2)
    assert caught.value.field == "grams"


@pytest.mark.parametrize("mg", [0, -2, "abc", "nan", 100.5])
def test_invalid_psilocybin_mg(mg: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        estimate("psilocybin", mg=mg)  # type: ignore[arg-type]
    assert caught.value.field == "mg"


def test_mg_only_for_psilocybin() -> None:
    with pytest.raises(InvalidInput) as caught:
        estimate("dried-cubensis", mg=2)
    assert caught.value.field == "mg"


def test_psilocybin_grams_capped_at_100_mg() -> None:
    with pytest.raises(InvalidInput) as caught:
        estimate("psilocybin", 0.2)
    assert caught.value.field == "grams"


def test_potency_table_is_ordered() -> None:
    assert set(POTENCY) == set(Material)
    for potency in POTENCY.values():
        assert 0 < potency.low <= potency.typical <= potency.high
        assert potency.source


@given(
    st.sampled_from(MUSHROOMS),
    st.floats(min_value=0.001, max_value=100, allow_nan=False, allow_infinity=False),
)
def test_estimate_is_an_ordered_range(material: Material, grams: float) -> None:
    dose = estimate(material, grams)
    assert dose.psilocybin_mg_low <= dose.psilocybin_mg_typical <= dose.psilocybin_mg_high
    typical = round(dose.psilocybin_mg_typical, 9)  # classification ignores float noise
    expected = (
        "microdose"
        if typical <= 3.0
        else "above microdose range"
        if typical < 10.0
        else "full dose"
    )
    assert dose.classification == expected
    assert (round(dose.psilocybin_mg_high, 9) > 3.0 and expected == "microdose") == any(
        "upper estimate" in note for note in dose.notes
    )


@given(
    st.sampled_from(MUSHROOMS),
    st.floats(min_value=0.001, max_value=50, allow_nan=False, allow_infinity=False),
)
def test_more_material_more_psilocybin(material: Material, grams: float) -> None:
    assert (
        estimate(material, grams * 2).psilocybin_mg_typical
        > estimate(material, grams).psilocybin_mg_typical
    )
