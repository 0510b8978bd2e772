"""Every cut-off of the questionnaires: severity bands, flag thresholds, change parameters.

Pure: no I/O. Each value is a named module-level table or constant carrying its source; the
facts come from the "Instruments" section of the project's CLINICAL.md. The scoring rules
that apply them live in :mod:`microdose.domain.instruments`, which re-exports the public
names here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "CHANGE_GUIDES",
    "CRISIS_FLAGS",
    "CRISIS_ITEMS",
    "DASS21_BANDS",
    "DASS21_MEANINGLESS_ITEM",
    "DASS21_MEANINGLESS_MIN",
    "DASS21_SUBSCALE_ITEMS",
    "GAD7_BANDS",
    "GAD7_CASENESS",
    "GAD7_MCID",
    "GAD7_RELIABLE_CHANGE",
    "GAD7_RELIABLE_IMPROVEMENT",
    "LIKELY_DEPRESSION_PERCENT",
    "NORMS",
    "PHQ9_BANDS",
    "PHQ9_CASENESS",
    "PHQ9_MCID",
    "PHQ9_RELIABLE_IMPROVEMENT",
    "PHQ9_SUICIDE_ITEM",
    "PHQ9_SUICIDE_MIN",
    "POOR_WELLBEING_RAW",
    "REMISSION_BELOW",
    "RESPONSE_FRACTION",
    "WHO5_MEANINGFUL_CHANGE_PERCENT",
    "WHO5_PERCENT_PER_POINT",
    "Bands",
    "ChangeGuide",
    "Norm",
]

# --------------------------------------------------------------------------------------------
# Cut-offs. A band table is a tuple of (lowest score of the band, band name), in rising order.
# --------------------------------------------------------------------------------------------

Bands = tuple[tuple[int, str], ...]

#: PHQ-9 severity: 0-4, 5-9, 10-14, 15-19, 20-27 (Kroenke, Spitzer & Williams 2001,
#: J Gen Intern Med 16:606).
PHQ9_BANDS: Bands = (
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "moderately severe"),
    (20, "severe"),
)

#: GAD-7 severity: 0-4, 5-9, 10-14, 15-21 (Spitzer et al. 2006, Arch Intern Med 166:1092).
GAD7_BANDS: Bands = (
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "severe"),
)

#: DASS-21 items of each subscale, 1-based (Lovibond & Lovibond 1995). Some web copies swap
#: the depression and anxiety lists; these are the manual's.
DASS21_SUBSCALE_ITEMS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {
        "depression": (3, 5, 10, 13, 16, 17, 21),
        "anxiety": (2, 4, 7, 9, 15, 19, 20),
        "stress": (1, 6, 8, 11, 12, 14, 18),
    }
)

#: DASS-21 bands on the DASS-42 scale, i.e. after doubling (Lovibond & Lovibond 1995).
DASS21_BANDS: Mapping[str, Bands] = MappingProxyType(
    {
        "depression": (
            (0, "normal"),
            (10, "mild"),
            (14, "moderate"),
            (21, "severe"),
            (28, "extremely severe"),
        ),
        "anxiety": (
            (0, "normal"),
            (8, "mild"),
            (10, "moderate"),
            (15, "severe"),
            (20, "extremely severe"),
        ),
        "stress": (
            (0, "normal"),
            (15, "mild"),
            (19, "moderate"),
            (26, "severe"),
            (34, "extremely severe"),
        ),
    }
)

#: DASS-21 item 21, "I felt that life was meaningless": answers >= this raise a flag.
DASS21_MEANINGLESS_ITEM = 21
DASS21_MEANINGLESS_MIN = 2

#: PHQ-9 item 9 (thoughts of being better off dead or of self-harm): answers >= this raise the
#: suicidal-ideation flag whatever the total (Simon et al. 2013, Psychiatr Serv 64:1195).
PHQ9_SUICIDE_ITEM = 9
PHQ9_SUICIDE_MIN = 1

#: WHO-5: raw < 13 (percent <= 48) means poor well-being; screen for depression
#: (Topp et al. 2015, Psychother Psychosom 84:167).
POOR_WELLBEING_RAW = 13
#: WHO-5: percent <= 28 suggests likely depression (Topp et al. 2015). UNCONFIRMED in the
#: project's clinical reference: a parameter, not a fact.
LIKELY_DEPRESSION_PERCENT = 28
#: WHO-5 percent = raw x 4 (not (raw - 5) x 4, a common web error).
WHO5_PERCENT_PER_POINT = 4

# --------------------------------------------------------------------------------------------
# Change analysis parameters (used by ``microdose.analysis``).
# --------------------------------------------------------------------------------------------

#: PHQ-9 minimal clinically important difference for an individual (Löwe et al. 2004,
#: Med Care 42:1194).
PHQ9_MCID = 5
#: NHS Talking Therapies: PHQ-9 caseness is a total *above* this value (> 9).
PHQ9_CASENESS = 9
#: NHS Talking Therapies: PHQ-9 reliable change (improvement or deterioration) is a change of
#: at least this many points (NHS Talking Therapies for anxiety and depression Manual, NHS
#: England, formerly the IAPT Manual; CLINICAL.md). The default for a person's change.
PHQ9_RELIABLE_IMPROVEMENT = 6
#: GAD-7 minimal clinically important difference (Toussaint et al. 2020, J Affect Disord
#: 265:395).
GAD7_MCID = 4
#: NHS Talking Therapies: GAD-7 caseness is a total *above* this value (> 7).
GAD7_CASENESS = 7
#: NHS Talking Therapies: GAD-7 reliable change is a change of at least this many points
#: (NHS Talking Therapies Manual, NHS England; CLINICAL.md). The default for a person's change.
GAD7_RELIABLE_IMPROVEMENT = 4
#: GAD-7 reliable change in points from Bischoff et al. 2020 (a research alternative to the
#: NHS Talking Therapies convention above).
GAD7_RELIABLE_CHANGE = 6
#: WHO-5: a change of this many percentage points is meaningful (Topp et al. 2015).
WHO5_MEANINGFUL_CHANGE_PERCENT = 10
#: Response: a fall of at least this fraction of the baseline total (common trial convention).
RESPONSE_FRACTION = 0.5
#: Remission: a total below this value (common trial convention for PHQ-9).
REMISSION_BELOW = 5


@dataclass(frozen=True)
class Norm:
    """A reference-population norm for the Jacobson & Truax (1991, JCCP 59:12) reliable change.

    Attributes
    ----------
    sd : float
        Standard deviation of the total score in the reference population.
    r : float
        Test-retest reliability of the total score.
    source : str
        Where the two numbers come from.
    """

    sd: float
    r: float
    source: str


#: Norms for the Jacobson–Truax reliable change index of *study data* (CLINICAL.md: SD from
#: the study's own baseline, r from the instrument's test–retest reliability). The r values
#: are published (sources beside them); the SDs are reference values **without a confirmed
#: source** — a study should pass its own baseline SD. A person's change uses the NHS Talking
#: Therapies thresholds above instead (1.96 x S_diff here would be ~4.7 and ~6.4 points).
NORMS: Mapping[str, Norm] = MappingProxyType(
    {
        "phq9": Norm(
            sd=4.25,
            r=0.84,
            source="Jacobson & Truax 1991 (JCCP 59:12); r is the PHQ-9 test-retest "
            "reliability of Kroenke, Spitzer & Williams 2001 (J Gen Intern Med 16:606); SD an "
            "unconfirmed reference value",
        ),
        "gad7": Norm(
            sd=5.62,
            r=0.83,
            source="Jacobson & Truax 1991 (JCCP 59:12); r is the GAD-7 test-retest "
            "reliability of Spitzer et al. 2006 (Arch Intern Med 166:1092); SD an unconfirmed "
            "reference value",
        ),
    }
)



@dataclass(frozen=True)
class ChangeGuide:
    """The smallest change of a person's score worth reading on one instrument.

    Attributes
    ----------
    size : float
        The change, in ``unit``, at or above which it counts.
    unit : str
        ``"points"`` or ``"percentage points"``.
    kind : str
        ``"reliable"`` (beyond measurement error) or ``"meaningful"`` (a minimal important
        change: our reference has no reliable-change figure for the instrument).
    source : str
        Where the figure comes from, as printed beside it.
    """

    size: float
    unit: str
    kind: str
    source: str


#: What a change between a person's two scores means: one source for the pages, the terminal
#: and the reports. PHQ-9 and GAD-7: the NHS Talking Therapies reliable-change thresholds
#: (above). WHO-5: CLINICAL.md has no reliability figure, only the meaningful change of 10
#: percentage points (Topp et al. 2015). DASS-21: no figure in our reference, so none is shown.
_NHS_TT = "NHS Talking Therapies"
CHANGE_GUIDES: Mapping[str, ChangeGuide] = MappingProxyType(
    {
        "phq9": ChangeGuide(PHQ9_RELIABLE_IMPROVEMENT, "points", "reliable", _NHS_TT),
        "gad7": ChangeGuide(GAD7_RELIABLE_IMPROVEMENT, "points", "reliable", _NHS_TT),
        "who5": ChangeGuide(
            WHO5_MEANINGFUL_CHANGE_PERCENT, "percentage points", "meaningful", "Topp et al. 2015"
        ),
    }
)

#: Items whose answer alone opens the crisis flow: instrument → (item number, lowest answer).
CRISIS_ITEMS: dict[str, tuple[int, int]] = {
    "phq9": (PHQ9_SUICIDE_ITEM, PHQ9_SUICIDE_MIN),
    "dass21": (DASS21_MEANINGLESS_ITEM, DASS21_MEANINGLESS_MIN),
}

#: Flags that must open the crisis flow in every interface.
CRISIS_FLAGS: frozenset[str] = frozenset({"suicidal_ideation", "meaningless_life"})
