"""Blinded study data: active vs placebo, every further arm, and the guess described.

The primary effect is ``value ~ condition`` (placebo as reference), with every further
arm of the file, the baseline (ANCOVA) and baseline covariates in the same model when
given (:mod:`microdose.analysis.ancova`); the change score is secondary. The guess, when
recorded, is described: ``value ~ condition * guess`` (guessed placebo as reference), the
condition × guess strata and Bang's blinding index per arm. One timepoint: OLS; several:
a random intercept per participant by REML (:mod:`microdose.analysis.linear_models`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from microdose.analysis.ancova import ArmModel, Design, fit_arms, moderator
from microdose.analysis.blinding_index import BangIndex, bang_index_from_guesses
from microdose.analysis.cgrc import CgrcResult
from microdose.analysis.linear_models import (
    MIXED_METHOD,
    Coefficient,
    MixedResult,
    OlsResult,
    ols,
    random_intercept,
)
from microdose.domain.errors import InvalidInput

__all__ = [
    "Coefficient",
    "MixedResult",
    "OlsResult",
    "Stratum",
    "StudyData",
    "StudyResult",
    "analyze_study",
    "ols",
    "random_intercept",
    "strata",
]

Array = NDArray[np.float64]
STRATA_KEYS = ("active/active", "active/placebo", "placebo/active", "placebo/placebo")


@dataclass(frozen=True)
class Stratum:
    """Mean of one condition × guess cell with its standard error."""

    mean: float
    n: int
    se: float


def strata(value: Array, active: NDArray[np.bool_], guess: Array) -> dict[str, Stratum]:
    """Means of the four condition/guess cells (keys ``condition/guess``).

    ``guess`` is 1 for "active", 0 for "placebo" and NaN for unsure or missing (left out).
    """
    cells = {}
    for key in STRATA_KEYS:
        took, guessed = key.split("/")
        mask = (active == (took == "active")) & (guess == (1.0 if guessed == "active" else 0.0))
        chosen = value[mask]
        n = int(chosen.size)
        mean = float(chosen.mean()) if n else float("nan")
        se = float(chosen.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        cells[key] = Stratum(mean, n, se)
    return cells


@dataclass(frozen=True)
class StudyData:
    """Long-format blinded study data for one outcome, already validated.

    ``extra`` is the label of a further arm ("" for active and placebo rows, for which
    ``active`` says which); ``baseline`` the participant's value at the baseline
    timepoint; ``covariates`` baseline columns by name; ``has_guess`` whether the file
    records a guess at all.
    """

    participant: NDArray[np.str_]
    timepoint: NDArray[np.str_]
    value: Array
    active: NDArray[np.bool_]
    guess: Array
    extra: NDArray[np.str_] | None = None
    baseline: Array | None = None
    covariates: tuple[tuple[str, Array], ...] = ()
    has_guess: bool = True
    active_label: str = "active"


@dataclass(frozen=True)
class StudyResult:
    """``trial analyze``: the effect and every arm, the change score, the moderators, and
    the guess described (model, strata, blinding index; None without a guess column)."""

    n: int
    participants: int
    timepoints: tuple[str, ...]
    method: str
    effect: Coefficient
    with_guess: dict[str, Coefficient] | None
    strata: dict[str, Stratum] | None
    blinding_index: dict[str, BangIndex] | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    arms: dict[str, Coefficient] = field(default_factory=dict)
    formula: str = "value ~ arm"
    adjustment: dict[str, Coefficient] = field(default_factory=dict)
    change: ArmModel | None = None
    moderators: dict[str, dict[str, Coefficient]] = field(default_factory=dict)
    cgrc: CgrcResult | None = None


def _fit(data: StudyData, X: Array, names: Sequence[str], mixed: bool) -> dict[str, Coefficient]:
    if mixed:
        return random_intercept(data.value, X, data.participant, names).coefficients
    return ols(data.value, X, names).coefficients


def _subset(data: StudyData, mask: NDArray[np.bool_]) -> StudyData:
    return StudyData(
        data.participant[mask],
        data.timepoint[mask],
        data.value[mask],
        data.active[mask],
        data.guess[mask],
    )


def _extra(data: StudyData) -> NDArray[np.str_]:
    return data.extra if data.extra is not None else np.full(data.value.size, "", dtype=str)


def _design(data: StudyData, mixed: bool) -> Design:
    return Design(
        data.participant, data.value, data.active, _extra(data), data.baseline,
        data.covariates, mixed,
    )  # fmt: skip


def _guess_part(
    data: StudyData, mixed: bool, notes: list[str]
) -> tuple[dict[str, Coefficient] | None, dict[str, Stratum] | None, dict[str, BangIndex] | None]:
    """The guess model, the strata and the blinding index over the active and placebo rows."""
    if not data.has_guess:
        notes.append(
            "no guess column: the guess model, the strata and the blinding index are left out"
        )
        return None, None, None
    main = _subset(data, _extra(data) == "")
    known = ~np.isnan(main.guess)
    sub = _subset(main, known)
    X = np.column_stack(
        [np.ones(len(sub.value)), sub.active, sub.guess, sub.active * sub.guess]
    ).astype(float)
    with_guess: dict[str, Coefficient] | None = None
    try:
        fitted = _fit(sub, X, ["intercept", "condition", "guess", "interaction"], mixed)
        with_guess = {k: fitted[k] for k in ("condition", "guess", "interaction")}
    except InvalidInput as exc:
        notes.append(f"guess model not estimable: {exc.message}")
    if (~known).any():
        notes.append(
            f"{int((~known).sum())} rows without an active/placebo guess left out of "
            "the guess model and the strata (counted as don't know in the index)"
        )
    clusters = main.participant if mixed else None
    index = bang_index_from_guesses(main.active, main.guess, clusters=clusters)
    return with_guess, strata(main.value, main.active, main.guess), index


def _method(mixed: bool, data: StudyData) -> str:
    fit = MIXED_METHOD if mixed else "OLS"
    return f"ANCOVA on the baseline, {fit}" if data.baseline is not None else fit


def analyze_study(data: StudyData) -> StudyResult:
    """Every arm vs placebo (ANCOVA with a baseline), and the guess described, for one
    outcome of a blinded study. One distinct timepoint: OLS. Several: random-intercept
    REML over participants."""
    timepoints = tuple(sorted(set(data.timepoint.tolist())))
    mixed = len(timepoints) > 1
    design = _design(data, mixed)
    primary = fit_arms(design)
    notes: list[str] = []
    with_guess, cells, index = _guess_part(data, mixed, notes)
    arms = {data.active_label: primary.effect, **primary.arms}
    change = fit_arms(design, change=True) if data.baseline is not None else None
    if change is not None:
        change = ArmModel(
            change.effect, {data.active_label: change.effect, **change.arms},
            change.adjustment, change.formula,
        )  # fmt: skip
    moderators = _moderators(design, data.active_label, notes)
    return StudyResult(
        n=len(data.value),
        participants=len(set(data.participant.tolist())),
        timepoints=timepoints,
        method=_method(mixed, data),
        effect=primary.effect,
        with_guess=with_guess,
        strata=cells,
        blinding_index=index,
        notes=tuple(notes),
        arms=arms,
        formula=primary.formula,
        adjustment=primary.adjustment,
        change=change,
        moderators=moderators,
    )


def _moderators(
    design: Design, active_label: str, notes: list[str]
) -> dict[str, dict[str, Coefficient]]:
    """Each covariate's interaction with every arm, keyed by the arm's label (a covariate
    whose interactions cannot be estimated is noted and left out)."""
    found = {}
    for name, _values in design.covariates:
        try:
            terms = moderator(design, name)
        except InvalidInput as exc:
            notes.append(f"moderator {name} not estimable: {exc.message}")
            continue
        found[name] = {active_label: terms.pop("condition"), **terms}
    return found
