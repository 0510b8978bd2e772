"""The questionnaires themselves: item texts, stems, answer labels, codes and licences.

Kept apart from the scoring rules in :mod:`microdose.domain.instruments` (which re-exports
``Instrument`` and ``INSTRUMENTS``) so that both modules stay short. Every text here is free to
reproduce: PHQ-9 and GAD-7 (Pfizer, 2010, no permission needed), WHO-5 (free to use) and
DASS-21 (public domain). Texts are as published; the only change is on screen: the DASS-21
stem says "choose" where the paper form says "circle".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: its texts, answer range, codes and licence.

    Attributes
    ----------
    key : str
        Machine key: ``"phq9"``, ``"gad7"``, ``"who5"`` or ``"dass21"``.
    name : str
        Short name as printed, e.g. ``"PHQ-9"``.
    title : str
        Full title.
    stem : str
        The question stem shown before the items.
    items : tuple of str
        Item texts in form order.
    min_answer, max_answer : int
        Range of every item's answer.
    answer_labels : tuple of str
        One label per answer value, from ``min_answer`` to ``max_answer``.
    recall_period : str
        The period the answers describe.
    loinc_panel, loinc_total : str or None
        LOINC codes of the panel and of the total score, where known.
    item_loinc : tuple of (str or None)
        LOINC code of each item, where known.
    source, licence : str
        Citation and licence.
    personal_default : bool
        Offered by default in the personal journal (False: only when a study or a clinician
        assigns it).
    allows_missing : bool
        Whether an item may be left unanswered.
    """

    key: str
    name: str
    title: str
    stem: str
    items: tuple[str, ...]
    min_answer: int
    max_answer: int
    answer_labels: tuple[str, ...]
    recall_period: str
    loinc_panel: str | None
    loinc_total: str | None
    item_loinc: tuple[str | None, ...]
    source: str
    licence: str
    personal_default: bool
    allows_missing: bool

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.items)

    @property
    def answer_range(self) -> str:
        """The allowed answers as text, e.g. ``"0-3"``."""
        return f"{self.min_answer}-{self.max_answer}"


# --- PHQ-9 -- Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606 ----------------------

PHQ9_STEM = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)

PHQ9_ITEMS: tuple[str, ...] = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)

#: LOINC codes of the nine PHQ-9 items, in item order.
PHQ9_ITEM_LOINC: tuple[str | None, ...] = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
)

#: Answer labels shared by PHQ-9 and GAD-7, for the values 0, 1, 2, 3.
PHQ_ANSWER_LABELS: tuple[str, ...] = (
    "Not at all",
    "Several days",
    "More than half the days",
    "Nearly every day",
)

# --- GAD-7 -- Spitzer et al. 2006, Arch Intern Med 166:1092 -----------------------------------

GAD7_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"

GAD7_ITEMS: tuple[str, ...] = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)

#: LOINC codes of the seven GAD-7 items, in item order.
GAD7_ITEM_LOINC: tuple[str | None, ...] = (
    "69725-0",
    "68509-9",
    "69733-4",
    "69734-2",
    "69735-9",
    "69689-8",
    "69736-7",
)

# --- WHO-5 -- WHO 1998; Topp et al. 2015, Psychother Psychosom 84:167 --------------------------

WHO5_STEM = (
    "Please indicate for each of the five statements which is closest to how you have been "
    "feeling over the last two weeks."
)

WHO5_ITEMS: tuple[str, ...] = (
    "I have felt cheerful and in good spirits",
    "I have felt calm and relaxed",
    "I have felt active and vigorous",
    "I woke up feeling fresh and rested",
    "My daily life has been filled with things that interest me",
)

#: WHO-5 answer labels for the values 0 to 5 (the paper form prints them 5 to 0).
WHO5_ANSWER_LABELS: tuple[str, ...] = (
    "At no time",
    "Some of the time",
    "Less than half of the time",
    "More than half of the time",
    "Most of the time",
    "All of the time",
)

# --- DASS-21 -- Lovibond & Lovibond 1995 -------------------------------------------------------

DASS21_STEM = (
    "Please read each statement and choose a number 0, 1, 2 or 3 which indicates how much "
    "the statement applied to you over the past week. There are no right or wrong answers. "
    "Do not spend too much time on any statement."
)

#: The 21 items in form order; the subscale of each is in ``DASS21_SUBSCALE_ITEMS``.
DASS21_ITEMS: tuple[str, ...] = (
    "I found it hard to wind down",  # 1 stress
    "I was aware of dryness of my mouth",  # 2 anxiety
    "I couldn't seem to experience any positive feeling at all",  # 3 depression
    "I experienced breathing difficulty (eg, excessively rapid breathing, breathlessness "
    "in the absence of physical exertion)",  # 4 anxiety
    "I found it difficult to work up the initiative to do things",  # 5 depression
    "I tended to over-react to situations",  # 6 stress
    "I experienced trembling (eg, in the hands)",  # 7 anxiety
    "I felt that I was using a lot of nervous energy",  # 8 stress
    "I was worried about situations in which I might panic and make a fool of myself",  # 9 anxiety
    "I felt that I had nothing to look forward to",  # 10 depression
    "I found myself getting agitated",  # 11 stress
    "I found it difficult to relax",  # 12 stress
    "I felt down-hearted and blue",  # 13 depression
    "I was intolerant of anything that kept me from getting on with what I was doing",  # 14 stress
    "I felt I was close to panic",  # 15 anxiety
    "I was unable to become enthusiastic about anything",  # 16 depression
    "I felt I wasn't worth much as a person",  # 17 depression
    "I felt that I was rather touchy",  # 18 stress
    "I was aware of the action of my heart in the absence of physical exertion (eg, sense "
    "of heart rate increase, heart missing a beat)",  # 19 anxiety
    "I felt scared without any good reason",  # 20 anxiety
    "I felt that life was meaningless",  # 21 depression
)

#: DASS-21 answer labels for the values 0, 1, 2, 3.
DASS21_ANSWER_LABELS: tuple[str, ...] = (
    "Did not apply to me at all",
    "Applied to me to some degree, or some of the time",
    "Applied to me to a considerable degree, or a good part of time",
    "Applied to me very much, or most of the time",
)

# --- The instruments ---------------------------------------------------------------------------

_PFIZER_LICENCE = (
    "Free to reproduce, translate, display or distribute; no permission needed (Pfizer, 2010)"
)

_PHQ9 = Instrument(
    key="phq9",
    name="PHQ-9",
    title="Patient Health Questionnaire-9",
    stem=PHQ9_STEM,
    items=PHQ9_ITEMS,
    min_answer=0,
    max_answer=3,
    answer_labels=PHQ_ANSWER_LABELS,
    recall_period="the last 2 weeks",
    loinc_panel="44249-1",
    loinc_total="44261-6",
    item_loinc=PHQ9_ITEM_LOINC,
    source="Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression "
    "severity measure. J Gen Intern Med 2001;16:606-13",
    licence=_PFIZER_LICENCE,
    personal_default=True,
    allows_missing=False,
)

_GAD7 = Instrument(
    key="gad7",
    name="GAD-7",
    title="Generalized Anxiety Disorder-7",
    stem=GAD7_STEM,
    items=GAD7_ITEMS,
    min_answer=0,
    max_answer=3,
    answer_labels=PHQ_ANSWER_LABELS,
    recall_period="the last 2 weeks",
    loinc_panel="69737-5",
    loinc_total="70274-6",
    item_loinc=GAD7_ITEM_LOINC,
    source="Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing "
    "generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092-7",
    licence=_PFIZER_LICENCE,
    personal_default=True,
    allows_missing=False,
)

_WHO5 = Instrument(
    key="who5",
    name="WHO-5",
    title="World Health Organization-Five Well-Being Index",
    stem=WHO5_STEM,
    items=WHO5_ITEMS,
    min_answer=0,
    max_answer=5,
    answer_labels=WHO5_ANSWER_LABELS,
    recall_period="the last two weeks",
    loinc_panel=None,
    loinc_total=None,
    item_loinc=(None,) * len(WHO5_ITEMS),
    source="WHO Regional Office for Europe 1998; Topp CW, Østergaard SD, Søndergaard S, "
    "Bech P. The WHO-5 Well-Being Index: a systematic review of the literature. "
    "Psychother Psychosom 2015;84:167-76",
    licence="Free to use; no permission needed",
    personal_default=True,
    allows_missing=False,
)

_DASS21 = Instrument(
    key="dass21",
    name="DASS-21",
    title="Depression Anxiety Stress Scales (21-item version)",
    stem=DASS21_STEM,
    items=DASS21_ITEMS,
    min_answer=0,
    max_answer=3,
    answer_labels=DASS21_ANSWER_LABELS,
    recall_period="the past week",
    loinc_panel=None,
    loinc_total=None,
    item_loinc=(None,) * len(DASS21_ITEMS),
    source="Lovibond SH, Lovibond PF. Manual for the Depression Anxiety Stress Scales. "
    "2nd ed. Sydney: Psychology Foundation; 1995",
    licence="Public domain; electronic distribution is meant for researchers and health "
    "professionals: offered when a study or a clinician assigns it",
    personal_default=False,
    allows_missing=True,
)

#: Every instrument, keyed by ``Instrument.key``.
INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {i.key: i for i in (_PHQ9, _GAD7, _WHO5, _DASS21)}
)
