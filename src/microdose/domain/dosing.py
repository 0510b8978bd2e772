"""Harm-reduction dose estimates: how much psilocybin a weighed amount probably holds.

Mushroom potency varies widely between and within fruit bodies, and storage degrades
it, so an estimate is always a **range** (low, typical, high), never one number
(CLINICAL.md, "Dosing facts"). Figures marked *unconfirmed* are parameters, not facts,
and every estimate that uses one says so in its notes.

Potencies are fractions of weight (0.01 = 1% psilocybin or psilocybin-equivalent total
tryptamines); doses are in mg of psilocybin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from microdose.domain.errors import InvalidInput

__all__ = [
    "FRESH_WATER_FRACTION",
    "FULL_DOSE_FROM_MG",
    "MAX_GRAMS",
    "MAX_PSILOCYBIN_MG",
    "MICRODOSE_RANGE_MG",
    "POTENCY",
    "PSILOCIN_PER_PSILOCYBIN",
    "DoseEstimate",
    "Material",
    "Potency",
    "estimate",
    "parse_material",
]

# --- Chemistry and pharmacokinetics -------------------------------------------------

#: Molar mass of psilocybin, g/mol.
PSILOCYBIN_MOLAR_MASS = 284.25
#: Molar mass of psilocin, g/mol.
PSILOCIN_MOLAR_MASS = 204.27
#: mg of psilocin released by 1 mg of psilocybin (≈ 0.719; dephosphorylation is 1:1 molar).
PSILOCIN_PER_PSILOCYBIN = PSILOCIN_MOLAR_MASS / PSILOCYBIN_MOLAR_MASS
#: Time to peak plasma psilocin after oral psilocybin, hours
#: (Holze et al. 2023, Clin Pharmacol Ther).
PSILOCIN_TMAX_HOURS = 2.0
#: Plasma half-life of psilocin, hours, (low, high) (Holze et al. 2023, Clin Pharmacol Ther).
PSILOCIN_HALF_LIFE_HOURS: tuple[float, float] = (1.4, 1.8)
#: Psilocin half-life, hours, mean and SD, in an earlier study (Brown et al. 2017).
PSILOCIN_HALF_LIFE_BROWN_2017_HOURS: tuple[float, float] = (3.0, 1.1)

# --- Potency figures (fractions of weight) ------------------------------------------

#: Dried whole P. cubensis, average: "about 1% total tryptamines"
#: (Gotvaldová et al. 2021, Drug Test Anal 13:439).
DRIED_CUBENSIS_TYPICAL = 0.010
#: Dried P. cubensis caps, average (Gotvaldová et al. 2021, Drug Test Anal 13:439).
DRIED_CAPS_TYPICAL = 0.0103
#: Dried P. cubensis stems, average (Gotvaldová et al. 2021, Drug Test Anal 13:439).
DRIED_STEMS_TYPICAL = 0.0052
#: Lowest and highest of five P. cubensis strains, 0.88–1.36% w/w (2024 LC-MS/MS study).
STRAINS_LOW = 0.0088
STRAINS_HIGH = 0.0136
#: Range for dried stems, (low, high). **Unconfirmed parameter**: no source gives it;
#: the high end is the lowest strain figure for whole mushrooms.
DRIED_STEMS_RANGE: tuple[float, float] = (0.003, 0.0088)
#: Water fraction of fresh P. cubensis (fresh potency = dried × (1 − this)).
#: **Unconfirmed parameter.**
FRESH_WATER_FRACTION = 0.9
#: Truffles (sclerotia), fresh weight, (low, typical, high).
#: **Unconfirmed parameter**: no primary source in CLINICAL.md.
TRUFFLES_RANGE: tuple[float, float, float] = (0.001, 0.0025, 0.004)

# --- Classification ---------------------------------------------------------------

#: Usual microdose, mg psilocybin (low, high): 0.1–0.3 g dried mushroom ≈ 1–3 mg
#: (CLINICAL.md). Trials used 0.5 g dried (Cavanna 2022) and 2 mg psilocybin (NCT05259943).
MICRODOSE_RANGE_MG: tuple[float, float] = (1.0, 3.0)
#: From here on a dose counts as a full (perceptual) dose, mg psilocybin. **A parameter**:
#: a clinical full dose is 25 mg (Raison et al. 2023, JAMA); the seeds' rule of thumb makes
#: a microdose 1/10–1/20 of a standard dose; around 10 mg perceptual effects are expected.
FULL_DOSE_FROM_MG = 10.0
#: Largest accepted weight of any material, g (a typing-error guard, not advice).
MAX_GRAMS = 100.0
#: Largest accepted amount of synthetic psilocybin, mg (a typing-error guard, not advice).
MAX_PSILOCYBIN_MG = 100.0
#: Decimals kept when classifying, so that 0.3 g × 1% counts as 3 mg, not 3.0000000000000004.
_CLASSIFY_DECIMALS = 9

MICRODOSE = "microdose"
ABOVE_MICRODOSE = "above microdose range"
FULL_DOSE = "full dose"

VARIABILITY_NOTE = (
    "Potency varies widely between and within fruit bodies, and storage degrades it: "
    "this is a range, never one exact number."
)
SYNTHETIC_NOTE = (
    "Synthetic psilocybin is taken as exactly the labelled amount; mushroom potency, "
    "by contrast, varies widely between and within fruit bodies and storage degrades it."
)


class Material(StrEnum):
    """What is being weighed. ``PSILOCYBIN`` is synthetic, its amount given in mg."""

    DRIED_CUBENSIS = "dried-cubensis"
    DRIED_CUBENSIS_CAPS = "dried-cubensis-caps"
    DRIED_CUBENSIS_STEMS = "dried-cubensis-stems"
    FRESH_CUBENSIS = "fresh-cubensis"
    TRUFFLES = "truffles"
    PSILOCYBIN = "psilocybin"


_MATERIALS_ALLOWED = ", ".join(material.value for material in Material)


@dataclass(frozen=True)
class Potency:
    """Psilocybin(-equivalent) content as a fraction of weight, with its source.

    ``confirmed`` is False when any of the three figures is an unconfirmed parameter;
    ``source`` then says which.
    """

    low: float
    typical: float
    high: float
    source: str
    confirmed: bool


_GOTVALDOVA = "Gotvaldová et al. 2021, Drug Test Anal 13:439"
_STRAINS = "five strains 0.88–1.36% w/w, 2024 LC-MS/MS study"
_DRIED_WHOLE = Potency(
    low=DRIED_STEMS_TYPICAL,
    typical=DRIED_CUBENSIS_TYPICAL,
    high=STRAINS_HIGH,
    source=f"about 1% ({_GOTVALDOVA}); low = stems 0.52%, high = top of {_STRAINS}",
    confirmed=True,
)
_FRESH = 1.0 - FRESH_WATER_FRACTION

POTENCY: Mapping[Material, Potency] = MappingProxyType(
    {
        Material.DRIED_CUBENSIS: _DRIED_WHOLE,
        Material.DRIED_CUBENSIS_CAPS: Potency(
            low=STRAINS_LOW,
            typical=DRIED_CAPS_TYPICAL,
            high=STRAINS_HIGH,
            source=f"caps 1.03% ({_GOTVALDOVA}); range from {_STRAINS}",
            confirmed=True,
        ),
        Material.DRIED_CUBENSIS_STEMS: Potency(
            low=DRIED_STEMS_RANGE[0],
            typical=DRIED_STEMS_TYPICAL,
            high=DRIED_STEMS_RANGE[1],
            source=f"stems 0.52% ({_GOTVALDOVA}); the range 0.3–0.88% is unconfirmed",
            confirmed=False,
        ),
        Material.FRESH_CUBENSIS: Potency(
            low=_DRIED_WHOLE.low * _FRESH,
            typical=_DRIED_WHOLE.typical * _FRESH,
            high=_DRIED_WHOLE.high * _FRESH,
            source=(
                f"dried figures × (1 − water fraction); the water fraction "
                f"{FRESH_WATER_FRACTION:.0%} is unconfirmed"
            ),
            confirmed=False,
        ),
        Material.TRUFFLES: Potency(
            low=TRUFFLES_RANGE[0],
            typical=TRUFFLES_RANGE[1],
            high=TRUFFLES_RANGE[2],
            source="truffles (fresh sclerotia) 0.1–0.4%, typical 0.25%, all unconfirmed",
            confirmed=False,
        ),
        Material.PSILOCYBIN: Potency(
            low=1.0, typical=1.0, high=1.0, source="synthetic: exact", confirmed=True
        ),
    }
)


@dataclass(frozen=True)
class DoseEstimate:
    """Estimated psilocybin in a weighed amount, as a range, with its classification.

    Attributes
    ----------
    material : Material
    grams : float
        Weight of material; for ``PSILOCYBIN``, mg / 1000.
    psilocybin_mg_low, psilocybin_mg_typical, psilocybin_mg_high : float
        Estimated psilocybin, mg (unrounded).
    classification : str
        ``"microdose"``, ``"above microdose range"`` or ``"full dose"`` (typical estimate).
    notes : tuple of str
        Caveats to show with the estimate.
    """

    material: Material
    grams: float
    psilocybin_mg_low: float
    psilocybin_mg_typical: float
    psilocybin_mg_high: float
    classification: str
    notes: tuple[str, ...]

    @property
    def psilocin_mg_typical(self) -> float:
        """Psilocin the typical psilocybin estimate releases, mg (× 204.27/284.25)."""
        return self.psilocybin_mg_typical * PSILOCIN_PER_PSILOCYBIN

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; mg rounded to 2 decimals (only here)."""
        return {
            "material": self.material.value,
            "grams": self.grams,
            "psilocybin_mg": {
                "low": round(self.psilocybin_mg_low, 2),
                "typical": round(self.psilocybin_mg_typical, 2),
                "high": round(self.psilocybin_mg_high, 2),
            },
            "classification": self.classification,
            "notes": list(self.notes),
        }


def parse_material(text: str) -> Material:
    """Read a material name, ignoring case; underscores and spaces count as hyphens.

    Raises
    ------
    InvalidInput
        On an unknown name (field ``"material"``).

    Examples
    --------
    >>> parse_material("Dried_Cubensis")
    <Material.DRIED_CUBENSIS: 'dried-cubensis'>
    """
    key = "-".join(str(text).strip().lower().replace("_", " ").split())
    try:
        return Material(key)
    except ValueError:
        raise InvalidInput(
            "material", f"unknown material {text!r}", allowed=_MATERIALS_ALLOWED
        ) from None


def _positive_amount(value: float | str, field: str, maximum: float, unit: str) -> float:
    """Read ``value`` as a finite number in ``(0, maximum]``, else raise for ``field``."""
    allowed = f"more than 0 and at most {maximum:g}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(field, f"{value!r} is not a number", allowed=allowed)
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a number", allowed=allowed) from None
    if not math.isfinite(number):
        raise InvalidInput(field, f"{value!r} is not a finite number", allowed=allowed)
    if not 0 < number <= maximum:
        raise InvalidInput(field, f"{number:g} {unit} is out of range", allowed=allowed)
    return number


def _weighed_amount(
    material: Material, grams: float | str | None, mg: float | str | None
) -> tuple[float, float]:
    """Grams and mg of material from exactly one of ``grams`` / ``mg`` (mg: psilocybin only)."""
    if mg is not None and material is not Material.PSILOCYBIN:
        raise InvalidInput(
            "mg", f"mg is only for synthetic psilocybin, not {material.value}", "psilocybin"
        )
    if (grams is None) == (mg is None):
        allowed = "grams, or mg for psilocybin" if material is Material.PSILOCYBIN else "grams"
        raise InvalidInput("grams", "give exactly one amount", allowed=allowed)
    if mg is not None:
        milligrams = _positive_amount(mg, "mg", MAX_PSILOCYBIN_MG, "mg")
        return milligrams / 1000.0, milligrams
    assert grams is not None
    maximum = MAX_PSILOCYBIN_MG / 1000.0 if material is Material.PSILOCYBIN else MAX_GRAMS
    weight = _positive_amount(grams, "grams", maximum, "g")
    return weight, weight * 1000.0


def _classify(typical_mg: float) -> str:
    """Classify a typical psilocybin estimate against the named thresholds."""
    typical = round(typical_mg, _CLASSIFY_DECIMALS)
    if typical <= MICRODOSE_RANGE_MG[1]:
        return MICRODOSE
    if typical < FULL_DOSE_FROM_MG:
        return ABOVE_MICRODOSE
    return FULL_DOSE


def _range_notes(low: float, typical: float, high: float, classification: str) -> list[str]:
    """Notes on where the estimate sits relative to the microdose range."""
    lower, upper = MICRODOSE_RANGE_MG
    notes = []
    if classification == MICRODOSE:
        if round(typical, _CLASSIFY_DECIMALS) < lower:
            notes.append(
                f"The typical estimate ({typical:.2f} mg) is below the usual microdose "
                f"range ({lower:g}–{upper:g} mg psilocybin)."
            )
        if round(high, _CLASSIFY_DECIMALS) > upper:
            notes.append(
                f"The upper estimate ({high:.2f} mg) is above the microdose range "
                f"({lower:g}–{upper:g} mg psilocybin)."
            )
    elif classification == FULL_DOSE:
        notes.append(
            f"This is not a microdose: from {FULL_DOSE_FROM_MG:g} mg psilocybin perceptual "
            "effects are expected."
        )
    elif round(low, _CLASSIFY_DECIMALS) <= upper:
        notes.append("The lower estimate is within the microdose range.")
    return notes


def estimate(
    material: Material | str,
    grams: float | str | None = None,
    *,
    mg: float | str | None = None,
) -> DoseEstimate:
    """Estimate the psilocybin in a weighed amount, as a low–typical–high range.

    Parameters
    ----------
    material : Material or str
        What is weighed (a name is parsed with :func:`parse_material`).
    grams : float or str, optional
        Weight, more than 0 and at most ``MAX_GRAMS`` (synthetic psilocybin: at most 0.1 g).
    mg : float or str, optional
        Synthetic psilocybin only: amount in mg, more than 0 and at most
        ``MAX_PSILOCYBIN_MG``. Give exactly one of ``grams`` and ``mg``.

    Returns
    -------
    DoseEstimate
        The range, its classification on the typical figure, and notes.

    Raises
    ------
    InvalidInput
        Naming ``material``, ``grams`` or ``mg`` and what is allowed.

    Examples
    --------
    >>> dose = estimate("dried-cubensis", 0.2)
    >>> dose.to_dict()["psilocybin_mg"], dose.classification
    ({'low': 1.04, 'typical': 2.0, 'high': 2.72}, 'microdose')
    >>> estimate("psilocybin", mg=25).classification
    'full dose'
    """
    kind = material if isinstance(material, Material) else parse_material(material)
    weight, weight_mg = _weighed_amount(kind, grams, mg)
    return _estimate_of(kind, weight, weight_mg)


def _estimate_of(kind: Material, weight: float, weight_mg: float) -> DoseEstimate:
    """The range for ``weight_mg`` mg of ``kind``, classified on its typical figure."""
    potency = POTENCY[kind]
    low, typical, high = (weight_mg * f for f in (potency.low, potency.typical, potency.high))
    classification = _classify(typical)
    return DoseEstimate(
        material=kind,
        grams=weight,
        psilocybin_mg_low=low,
        psilocybin_mg_typical=typical,
        psilocybin_mg_high=high,
        classification=classification,
        notes=_estimate_notes(kind, potency, (low, typical, high), classification),
    )


def _estimate_notes(
    kind: Material, potency: Potency, mg_range: tuple[float, float, float], classification: str
) -> tuple[str, ...]:
    """Variability (or synthetic) note, unconfirmed-figure note, then the range notes."""
    notes = [SYNTHETIC_NOTE if kind is Material.PSILOCYBIN else VARIABILITY_NOTE]
    if not potency.confirmed:
        notes.append(f"Unconfirmed figure used for {kind.value}: {potency.source}.")
    notes.extend(_range_notes(*mg_range, classification))
    return tuple(notes)
