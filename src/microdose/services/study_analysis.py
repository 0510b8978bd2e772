"""Cohort analyses of a study: frames from its pseudonymised records, statistics from analysis/.

- change over study time: :func:`microdose.analysis.cohort.mixed_model` on every scheduled
  score of the outcome (``* arm`` when the study has several arms);
- arms compared at follow-up, adjusted for baseline (ANCOVA, Rootman et al. 2022):
  :func:`microdose.analysis.cohort.ancova` with baseline = the score nearest day 0 and
  follow-up = the score nearest ``followup_day`` (each within the study's window);
- the pooled N-of-1 effect: each participant's dose-day effect on a daily rating
  (:func:`microdose.analysis.daily.daily_effects`), pooled by
  :func:`microdose.analysis.cohort.n_of_1_meta`.

An analysis that the data cannot support is skipped with a note saying why.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from microdose.analysis import cohort
from microdose.analysis.daily import daily_effects
from microdose.domain import studies as rules
from microdose.domain.checkins import RATINGS
from microdose.domain.errors import InvalidInput
from microdose.domain.roles import Action, Resource
from microdose.services.access import audit_study_access, require_study
from microdose.services.actor import Actor
from microdose.services.studies import spec_of
from microdose.services.study_records import StudyRecords, collect

RANDOMISED_CAVEAT = (
    "arms allocated at random by microdose; check the blinding index before reading a "
    "difference as a drug effect"
)


def outcome_frame(records: StudyRecords, outcome: str) -> pd.DataFrame:
    """Long frame ``participant, arm, study_day, value`` of one outcome."""
    if outcome not in rules.OUTCOMES:
        raise InvalidInput("outcome", f"unknown outcome {outcome!r}", ", ".join(rules.OUTCOMES))
    answers = records.tables["questionnaires"]
    columns = ["participant", "arm", "study_day", "value"]
    if answers.empty:
        return pd.DataFrame(columns=columns)
    instrument = outcome.split("_", 1)[0]
    column = {"who5": "percent", "dass21": outcome}.get(instrument, "total")
    chosen = answers[answers["instrument"] == instrument]
    frame = chosen.rename(columns={"pseudonym": "participant", column: "value"})
    return frame.loc[:, columns].dropna().astype({"value": float, "study_day": int})


def baseline_followup(
    frame: pd.DataFrame, *, followup_day: int, window_days: int
) -> pd.DataFrame:
    """One row per participant: ``group`` (arm), ``baseline`` (near day 0), ``post``."""
    def nearest(rows: pd.DataFrame, day: int) -> float:
        near = rows[(rows["study_day"] - day).abs() <= window_days]
        if near.empty:
            return float("nan")
        order = (near["study_day"] - day).abs().to_numpy() * 2 + (near["study_day"] > day)
        return float(near["value"].to_numpy()[int(np.argmin(order))])

    records = [
        {"participant": pid, "group": rows["arm"].iloc[0], "baseline": nearest(rows, 0),
         "post": nearest(rows, followup_day)}
        for pid, rows in frame.groupby("participant")
    ]
    return pd.DataFrame.from_records(
        records, columns=["participant", "group", "baseline", "post"]).dropna()


def n_of_1_frame(records: StudyRecords, rating: str) -> pd.DataFrame:
    """Each participant's dose-day effect on a daily ``rating`` (estimate and SE)."""
    if rating not in RATINGS:
        raise InvalidInput("rating", f"unknown rating {rating!r}", ", ".join(RATINGS))
    checkins, doses = records.tables["checkins"], records.tables["doses"]
    out = []
    for p in records.tables["participants"].to_dict("records"):
        pseudonym, days = str(p["pseudonym"]), int(p["last_day"]) + 1
        if days < 1:
            continue
        values = np.full(days, np.nan)
        if not checkins.empty:
            mine = checkins[checkins["pseudonym"] == pseudonym]
            values[mine["study_day"].to_numpy(int)] = mine[rating].to_numpy(float)
        dosed = np.zeros(days, bool)
        if not doses.empty:
            dosed[doses.loc[doses["pseudonym"] == pseudonym, "study_day"].to_numpy(int)] = True
        effect = daily_effects(values, dosed, rating=rating).dose_day_effect
        out.append({"participant": pseudonym, "effect": effect.estimate if effect else None,
                    "se": effect.se if effect else None})
    return pd.DataFrame.from_records(out, columns=["participant", "effect", "se"])


@dataclass(frozen=True)
class StudyAnalysis:
    """The cohort analyses of one study, each None when not estimable (see ``notes``)."""

    study_id: uuid.UUID
    outcome: str
    mixed_model: cohort.MixedModelResult | None
    ancova: cohort.AncovaResult | None
    n_of_1: cohort.NOf1MetaResult | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "study_id": str(self.study_id), "outcome": self.outcome,
            "mixed_model": self.mixed_model.to_dict() if self.mixed_model else None,
            "ancova": self.ancova.to_dict() if self.ancova else None,
            "n_of_1": self.n_of_1.to_dict() if self.n_of_1 else None,
            "notes": list(self.notes),
        }


def _reference(records: StudyRecords, reference: str | None) -> tuple[str, str]:
    arms = spec_of(records.study).arms
    names = [a.name for a in arms]
    if reference is not None and reference not in names:
        raise InvalidInput("reference", f"{reference!r} is not an arm", ", ".join(names))
    comparators = [a.name for a in arms if a.kind == rules.COMPARATOR]
    chosen = reference or (comparators[0] if comparators else names[0])
    randomised = all(a.kind in ("self-blinded", "placebo-controlled") for a in arms)
    return chosen, RANDOMISED_CAVEAT if randomised else cohort.OBSERVATIONAL_CAVEAT


def analyze(
    *, session: Session, actor: Actor, study_id: uuid.UUID, outcome: str = "phq9",
    followup_day: int | None = None, reference: str | None = None, rating: str = "mood",
    now: datetime | None = None,
) -> StudyAnalysis:
    """Run the cohort analyses on the study's pseudonymised data (audited per participant)."""
    study = require_study(session=session, actor=actor, study_id=study_id,
                          resource=Resource.STUDY_DATA, action=Action.READ)
    records = collect(session, study, now)
    audit_study_access(session=session, actor=actor, study=study,
                       person_ids=records.person_ids, what="study.analyze", now=now)
    frame = outcome_frame(records, outcome)
    instrument = outcome.split("_", 1)[0]
    days = [a.day for a in spec_of(study).schedule if instrument in a.instruments]
    day = followup_day if followup_day is not None else (max(days) if days else 0)
    notes: list[str] = []
    arm = "arm" if len(study.arms) > 1 else None
    mixed = _attempt(notes, "mixed model", lambda: cohort.mixed_model(
        frame, outcome="value", arm=arm, reference=_reference(records, reference)[0]))
    ref, caveat = _reference(records, reference)
    ancova = _attempt(notes, "ANCOVA", lambda: cohort.ancova(
        baseline_followup(frame, followup_day=day, window_days=study.window_days),
        reference=ref, outcome=f"{outcome} at day {day}", caveat=caveat))
    pooled = _attempt(notes, "N-of-1 meta-analysis", lambda: cohort.n_of_1_meta(
        n_of_1_frame(records, rating), outcome=f"dose-day effect on {rating}"))
    return StudyAnalysis(study.id, outcome, mixed, ancova, pooled, tuple(notes))


def _attempt(notes: list[str], name: str, run: Any) -> Any:
    try:
        return run()
    except InvalidInput as exc:
        notes.append(f"{name} not estimable: {exc.message}")
        return None
