"""Study designs a trial statistician would fit: extra arms, baseline ANCOVA, covariates.

One model, several terms (placebo is the reference of every arm):

- ``condition`` — the active arm vs placebo;
- ``arm:<label>`` — each further arm of the file (e.g. ``HH``, half microdose, half
  placebo) vs placebo, in the same model;
- ``baseline`` — the participant's value at the baseline timepoint (ANCOVA: value at the
  timepoint ~ baseline + condition; Vickers & Altman 2001, BMJ 323:1123: more powerful
  than change scores and unbiased under randomisation), centred at its mean;
- ``covariate:<name>`` — a baseline column (e.g. ``expectation``, ``sss``), centred at
  its mean so that the arm effects are those at the average covariate;
- ``moderator`` models add ``condition × covariate`` (and ``arm × covariate``): how the
  difference between arms changes per unit of the covariate.

The change score (value − baseline) on the same terms is secondary. Rows come from one
timepoint (OLS) or several (random intercept per participant, REML), as in
:mod:`microdose.analysis.study`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from microdose.analysis.linear_models import Coefficient, ols, random_intercept

__all__ = ["ArmModel", "Design", "fit_arms", "moderator"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Design:
    """What enters the model besides the active/placebo condition."""

    participant: NDArray[np.str_]
    outcome: Array
    active: NDArray[np.bool_]
    extra: NDArray[np.str_]
    baseline: Array | None = None
    covariates: tuple[tuple[str, Array], ...] = ()
    mixed: bool = False


@dataclass(frozen=True)
class ArmModel:
    """Every arm vs placebo from one fit, and the adjustment terms beside them."""

    effect: Coefficient
    arms: dict[str, Coefficient]
    adjustment: dict[str, Coefficient]
    formula: str


def _labels(design: Design) -> list[str]:
    return sorted({str(x) for x in design.extra.tolist() if x})


def _columns(design: Design, *, baseline: bool) -> tuple[list[Array], list[str]]:
    n = design.outcome.size
    cols: list[Array] = [np.ones(n)]
    names = ["intercept"]
    if baseline and design.baseline is not None:
        cols.append(design.baseline - design.baseline.mean())
        names.append("baseline")
    cols.append(design.active.astype(float))
    names.append("condition")
    for label in _labels(design):
        cols.append((design.extra == label).astype(float))
        names.append(f"arm:{label}")
    for name, values in design.covariates:
        cols.append(values - values.mean())
        names.append(f"covariate:{name}")
    return cols, names


def _fit(
    design: Design, y: Array, cols: list[Array], names: Sequence[str]
) -> dict[str, Coefficient]:
    X = np.column_stack(cols)
    if design.mixed:
        return random_intercept(y, X, design.participant, names).coefficients
    return ols(y, X, names).coefficients


def _formula(design: Design, *, baseline: bool, change: bool) -> str:
    left = "value − baseline" if change else "value"
    terms = (["baseline"] if baseline and design.baseline is not None else []) + ["arm"]
    terms += [name for name, _ in design.covariates]
    return f"{left} ~ " + " + ".join(terms)


def fit_arms(design: Design, *, change: bool = False) -> ArmModel:
    """Every arm vs placebo; ANCOVA on the baseline when there is one.

    ``change=True`` fits the change score ``value − baseline`` on the arms and covariates
    (the secondary analysis; needs a baseline).

    Examples
    --------
    >>> d = Design(np.array(list("abcdef")), np.array([1.0, 2, 3, 5, 4, 6]),
    ...            np.array([0, 0, 1, 1, 0, 1], bool), np.array([""] * 6),
    ...            baseline=np.array([1.0, 2, 2, 3, 3, 4]))
    >>> round(fit_arms(d).effect.estimate, 4), round(fit_arms(d, change=True).effect.estimate, 4)
    (0.8333, 1.3333)
    """
    y = design.outcome
    if change:
        assert design.baseline is not None, "a change score needs a baseline"
        y = design.outcome - design.baseline
    cols, names = _columns(design, baseline=not change)
    fitted = _fit(design, y, cols, names)
    arms = {n.split(":", 1)[1]: c for n, c in fitted.items() if n.startswith("arm:")}
    adjustment = {
        n.split(":", 1)[-1]: c
        for n, c in fitted.items()
        if n == "baseline" or n.startswith("covariate:")
    }
    return ArmModel(
        fitted["condition"], arms, adjustment, _formula(design, baseline=not change, change=change)
    )


def moderator(design: Design, name: str) -> dict[str, Coefficient]:
    """``condition × name`` (key ``condition``) and ``arm × name`` (key: the arm's label):
    the change in each arm's difference from placebo per unit of the covariate ``name``,
    in the primary model (ANCOVA when there is a baseline) plus the interactions."""
    values = dict(design.covariates)[name]
    centred = values - values.mean()
    cols, names = _columns(design, baseline=True)
    cols.append(design.active * centred)
    names.append("condition×")
    for label in _labels(design):
        cols.append((design.extra == label) * centred)
        names.append(f"{label}×")
    fitted = _fit(design, design.outcome, cols, names)
    return {n[:-1]: c for n, c in fitted.items() if n.endswith("×")}
