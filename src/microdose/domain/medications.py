"""Medications the safety screen recognises: generic names, brand names and classes.

Our own table (not TripSit's, whose licence is unclear). Each class points to one rule
of the safety table in ``domain.safety`` (CLINICAL.md, "Safety screen"); a medication that
is not in this table is never ``ok``: the screen says "not recognised — ask a clinician".

Matching ignores case, spaces, hyphens, dots, trade-mark signs, a strength such as
"20 mg" and a release form ("XR", "XL", "retard"): ``"Prozac"``, ``"PROZAC"``,
``" pro zac "`` and ``"Prozac 20mg"`` all find fluoxetine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "CLASS_NAMES",
    "MEDICATIONS",
    "Medication",
    "lookup",
    "match_key",
]


@dataclass(frozen=True)
class Medication:
    """A generic medication, its class (the rule key) and common brand names.

    Attributes
    ----------
    generic : str
        International non-proprietary name, lower case.
    drug_class : str
        Class shown to the person (e.g. ``"SSRI"``).
    rule : str
        Key of the safety rule in ``domain.safety.MEDICATION_RULES``.
    brands : tuple of str
        Common brand names in the US, UK, Canada, Australia, Germany and the Netherlands.
    """

    generic: str
    drug_class: str
    rule: str
    brands: tuple[str, ...] = ()


def _group(rule: str, drug_class: str, rows: Mapping[str, tuple[str, ...]]) -> list[Medication]:
    return [Medication(generic, drug_class, rule, brands) for generic, brands in rows.items()]


_SSRI = {
    "fluoxetine": ("Prozac", "Sarafem", "Fluctin", "Fontex"),
    "sertraline": ("Zoloft", "Lustral"),
    "paroxetine": ("Paxil", "Seroxat", "Pexeva", "Brisdelle"),
    "citalopram": ("Celexa", "Cipramil"),
    "escitalopram": ("Lexapro", "Cipralex"),
    "fluvoxamine": ("Luvox", "Faverin", "Fevarin"),
    "vilazodone": ("Viibryd",),
}
_SNRI = {
    "venlafaxine": ("Effexor", "Efexor", "Trevilor"),
    "desvenlafaxine": ("Pristiq",),
    "duloxetine": ("Cymbalta", "Yentreve", "Drizalma"),
    "levomilnacipran": ("Fetzima",),
    "milnacipran": ("Savella", "Ixel"),
}
_SEROTONIN_MODULATOR = {"vortioxetine": ("Trintellix", "Brintellix")}
_MAOI = {
    "phenelzine": ("Nardil",),
    "tranylcypromine": ("Parnate", "Jatrosom"),
    "isocarboxazid": ("Marplan",),
    "moclobemide": ("Aurorix", "Manerix"),
    "selegiline": ("Emsam", "Eldepryl", "Zelapar"),
    "rasagiline": ("Azilect",),
    "safinamide": ("Xadago",),
    "linezolid": ("Zyvox", "Zyvoxid"),
    "methylene blue": ("ProvayBlue", "methylthioninium chloride"),
}
#: ayahuasca-type brews and plants whose beta-carbolines (harmine, harmaline) inhibit MAO-A
_MAOI_PLANT = {
    "ayahuasca": ("yage", "hoasca"),
    "harmine": (),
    "harmaline": (),
    "syrian rue": ("Peganum harmala",),
    "banisteriopsis caapi": ("caapi",),
}
_LITHIUM = {
    "lithium": (
        "Lithobid",
        "Eskalith",
        "Camcolit",
        "Priadel",
        "Liskonum",
        "Li-Liquid",
        "Quilonum",
        "Hypnorex",
        "Lithicarb",
        "Carbolith",
        "lithium carbonate",
        "lithium citrate",
        "lithium orotate",
    )
}
_TRAMADOL = {"tramadol": ("Ultram", "ConZip", "Tramal", "Zydol", "Zamadol")}
_BUPROPION = {"bupropion": ("Wellbutrin", "Zyban", "Elontril", "Aplenzin", "Forfivo")}
_ANTIPSYCHOTIC = {
    "haloperidol": ("Haldol",),
    "chlorpromazine": ("Thorazine", "Largactil"),
    "olanzapine": ("Zyprexa",),
    "quetiapine": ("Seroquel",),
    "risperidone": ("Risperdal",),
    "aripiprazole": ("Abilify",),
    "clozapine": ("Clozaril", "Leponex"),
    "ziprasidone": ("Geodon", "Zeldox"),
    "lurasidone": ("Latuda",),
    "paliperidone": ("Invega", "Xeplion"),
    "amisulpride": ("Solian",),
    "brexpiprazole": ("Rexulti",),
    "cariprazine": ("Vraylar", "Reagila"),
    "asenapine": ("Saphris", "Sycrest"),
}

MEDICATIONS: tuple[Medication, ...] = tuple(
    _group("ssri-snri", "SSRI", _SSRI)
    + _group("ssri-snri", "SNRI", _SNRI)
    + _group("ssri-snri", "serotonin modulator", _SEROTONIN_MODULATOR)
    + _group("maoi", "MAOI", _MAOI)
    + _group("maoi", "MAOI (ayahuasca-type)", _MAOI_PLANT)
    + _group("lithium", "lithium", _LITHIUM)
    + _group("tramadol", "opioid", _TRAMADOL)
    + _group("bupropion", "NDRI", _BUPROPION)
    + _group("antipsychotic", "antipsychotic", _ANTIPSYCHOTIC)
)

#: combination products: one brand name, several generics
COMBINATIONS: dict[str, tuple[str, ...]] = {
    "Symbyax": ("olanzapine", "fluoxetine"),
    "Ultracet": ("tramadol",),
    "Zaldiar": ("tramadol",),
    "Contrave": ("bupropion",),
    "Mysimba": ("bupropion",),
    "Auvelity": ("bupropion",),
}

#: a class named instead of a medication ("an SSRI") → the class's rule and label
CLASS_NAMES: dict[str, tuple[str, str]] = {
    "ssri": ("ssri-snri", "SSRI"),
    "ssris": ("ssri-snri", "SSRI"),
    "snri": ("ssri-snri", "SNRI"),
    "snris": ("ssri-snri", "SNRI"),
    "maoi": ("maoi", "MAOI"),
    "maois": ("maoi", "MAOI"),
    "maoinhibitor": ("maoi", "MAOI"),
    "monoamineoxidaseinhibitor": ("maoi", "MAOI"),
    "antipsychotic": ("antipsychotic", "antipsychotic"),
    "antipsychotics": ("antipsychotic", "antipsychotic"),
    "neuroleptic": ("antipsychotic", "antipsychotic"),
}

_STRENGTH = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|ml|%)(?!\w)", re.IGNORECASE)
#: release forms written after a brand name ("Effexor XR", "Wellbutrin XL", "Seroquel XR")
_RELEASE = re.compile(r"\s+(?:xr|xl|sr|er|cr|la|mr|retard|depot)\s*$", re.IGNORECASE)
_NOISE = re.compile(r"[\s\-_.,/()'\"®™+]+")


def match_key(text: str) -> str:
    """The key a name is matched by: lower case, no strength, no spaces or punctuation.

    Examples
    --------
    >>> match_key("  Pro zac 20 mg ")
    'prozac'
    >>> match_key("Li-Liquid®")
    'liliquid'
    """
    return _NOISE.sub("", _RELEASE.sub("", _STRENGTH.sub("", text.casefold()).strip()))


def _index() -> dict[str, tuple[Medication, ...]]:
    by_generic = {m.generic: m for m in MEDICATIONS}
    index: dict[str, tuple[Medication, ...]] = {}
    for medication in MEDICATIONS:
        for name in (medication.generic, *medication.brands):
            index[match_key(name)] = (medication,)
    for brand, generics in COMBINATIONS.items():
        index[match_key(brand)] = tuple(by_generic[g] for g in generics)
    return index


_INDEX = _index()


def lookup(text: str) -> tuple[Medication, ...]:
    """The medications a generic or brand name stands for; empty when not recognised.

    Examples
    --------
    >>> [m.generic for m in lookup("PROZAC")]
    ['fluoxetine']
    >>> [m.drug_class for m in lookup("Lithobid")]
    ['lithium']
    >>> lookup("aspirin")
    ()
    """
    return _INDEX.get(match_key(text), ())
