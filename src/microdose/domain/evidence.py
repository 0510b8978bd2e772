"""What the evidence says about microdosing: each claim with its citation, never overclaimed.

The text comes from CLINICAL.md, "What the evidence says". The CLI (``microdose evidence``)
and the web evidence page render the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CONCLUSION", "EVIDENCE", "REVIEWED", "Claim", "Section", "evidence_dict"]

#: when the summary was last checked against the literature
REVIEWED = "2026-11-22"


@dataclass(frozen=True)
class Claim:
    """One statement and the study it rests on."""

    text: str
    citation: str


@dataclass(frozen=True)
class Section:
    """A group of claims under a heading."""

    heading: str
    claims: tuple[Claim, ...]


EVIDENCE: tuple[Section, ...] = (
    Section(
        "Observational app studies (no placebo, no randomisation)",
        (
            Claim(
                "A cross-sectional comparison of 4,050 people who microdosed with 4,653 who "
                "did not. Cross-sectional: it cannot show that microdosing caused any "
                "difference.",
                "Rootman et al. 2021, Scientific Reports",
            ),
            Claim(
                "953 people who microdosed and 180 who did not, followed for 30 days with the "
                "DASS-21: the authors report 'small- to medium-sized improvements' among those "
                "who microdosed. No placebo and no randomisation, so expectation may explain "
                "this.",
                "Rootman et al. 2022, Scientific Reports",
            ),
        ),
    ),
    Section(
        "Placebo-controlled studies",
        (
            Claim(
                "Self-blinding study (191 completers): the microdose and the placebo groups "
                "both improved, with no significant difference between them; the small acute "
                "differences went together with people breaking the blind.",
                "Szigeti et al. 2021, eLife 10:e62878",
            ),
            Claim(
                "34 people, 0.5 g dried mushroom: effects appeared only in those who guessed "
                "their condition.",
                "Cavanna et al. 2022, Translational Psychiatry 12:307",
            ),
            Claim(
                "No effect on emotion processing or on the DASS compared with placebo.",
                "Marschall et al. 2022, Journal of Psychopharmacology 36:97",
            ),
            Claim(
                "LSD 10 µg, 80 people (MDLSD): ratings were higher on dose days, but there was "
                "no change from baseline to week 6.",
                "Murphy et al., MDLSD trial, Biological Psychiatry",
            ),
        ),
    ),
    Section(
        "Depression",
        (
            Claim(
                "No randomised controlled trial of psilocybin microdosing for depression has "
                "been published yet; the first registered one has not reported its results.",
                "ClinicalTrials.gov NCT05259943 (results pending)",
            ),
        ),
    ),
    Section(
        "Corrections to claims you may read elsewhere",
        (
            Claim(
                "The '2011 creativity study' was a study of openness after a high dose, not a "
                "microdose.",
                "MacLean et al. 2011",
            ),
            Claim(
                "The '2016 headache study' is from 2006: interviews with 53 people with "
                "cluster headache, not a trial.",
                "Sewell et al. 2006",
            ),
            Claim(
                "The '2021 Nature study' is an observational study published in Scientific "
                "Reports in 2022.",
                "Rootman et al. 2022, Scientific Reports",
            ),
        ),
    ),
)

CONCLUSION = (
    "Expectation explains much of the reported benefit. The most useful thing you can do is "
    "measure — ideally blind, with placebo doses you cannot tell apart from active ones."
)


def evidence_dict() -> dict[str, Any]:
    """The summary as JSON-ready data: sections of claims, each with its citation."""
    return {
        "sections": [
            {
                "heading": section.heading,
                "claims": [{"text": c.text, "citation": c.citation} for c in section.claims],
            }
            for section in EVIDENCE
        ],
        "conclusion": CONCLUSION,
        "reviewed": REVIEWED,
    }


def evidence_text() -> str:
    """The summary as plain text, each claim followed by its citation in brackets."""
    lines = ["What the evidence says about microdosing", ""]
    for section in EVIDENCE:
        lines.append(section.heading)
        lines += [f"  • {claim.text} [{claim.citation}]" for claim in section.claims]
        lines.append("")
    lines += [f"Conclusion: {CONCLUSION}", f"(summary reviewed {REVIEWED})"]
    return "\n".join(lines)
