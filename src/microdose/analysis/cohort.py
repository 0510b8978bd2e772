"""Cohort analyses of a study on plain frames: change over time, group comparison, N-of-1 pool.

- :func:`mixed_model` — a linear mixed model over participants: ``outcome ~ weeks`` (and
  ``* arm`` with several arms), a random intercept per participant (optionally a random
  slope), fitted by REML with statsmodels ``MixedLM``; Wald (normal) 95% intervals.
- :func:`ancova` — microdosers against comparators at one time point, adjusted for
  baseline as in Rootman et al. 2022 (Sci Rep 12:11091): ordinary least squares
  ``post ~ group + baseline`` (Senn 2006, Stat Med 25:4334, on why ANCOVA rather than
  change scores). Uses :func:`microdose.analysis.study.ols`.
- :func:`n_of_1_meta` — the random-effects meta-analysis of participants' own N-of-1
  effects, by :func:`microdose.analysis.meta.random_effects` (REML or DerSimonian–Laird).

None of these is randomised unless the study's arms were: an observational comparison says
what it cannot tell (see each result's ``caveat``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from microdose.analysis.meta import MetaResult, random_effects
from microdose.analysis.study import ols
from microdose.domain.errors import InvalidInput

__all__ = [
    "NOF1_CAVEAT",
    "OBSERVATIONAL_CAVEAT",
    "TIME_CAVEAT",
    "AncovaResult",
    "MixedModelResult",
    "NOf1MetaResult",
    "Term",
    "ancova",
    "mixed_model",
    "n_of_1_meta",
]

OBSERVATIONAL_CAVEAT = (
    "not randomised and not blinded: expectation and self-selection may explain a "
    "difference between groups"
)
TIME_CAVEAT = (
    "change over time is not an effect of the treatment: expectation, regression to the "
    "mean and natural course can all produce it"
)
NOF1_CAVEAT = (
    "dose days compared with other days within each person; unless dosing was blinded, "
    "expectation may explain it"
)
MIN_PARTICIPANTS = 3


@dataclass(frozen=True)
class Term:
    """One model coefficient: estimate, standard error, 95% CI, two-sided p-value."""

    name: str
    estimate: float
    se: float
    ci95: tuple[float, float]
    p: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "estimate": self.estimate, "se": self.se,
                "ci95": list(self.ci95), "p": self.p}


@dataclass(frozen=True)
class MixedModelResult:
    """A linear mixed model over participants.

    Attributes
    ----------
    outcome : str
        What was modelled.
    formula : str
        The fixed-effects formula (patsy), e.g. ``value ~ weeks * C(arm)``.
    terms : tuple of Term
        Fixed effects; ``weeks`` is the change per week (in the reference arm).
    n : int
        Observations.
    participants : int
        Groups (participants).
    participant_variance : float
        Variance of the random intercepts.
    residual_variance : float
        Residual variance.
    converged : bool
        Whether the optimiser converged.
    method : str
        How it was fitted.
    caveat : str
        What the model cannot tell.
    """

    outcome: str
    formula: str
    terms: tuple[Term, ...]
    n: int
    participants: int
    participant_variance: float
    residual_variance: float
    converged: bool
    method: str
    caveat: str = TIME_CAVEAT

    def term(self, name: str) -> Term:
        """The term called ``name``."""
        return next(t for t in self.terms if t.name == name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**self.__dict__, "terms": [t.to_dict() for t in self.terms]}


@dataclass(frozen=True)
class AncovaResult:
    """Group differences at follow-up adjusted for baseline.

    Attributes
    ----------
    outcome : str
        The outcome compared.
    reference : str
        The comparator group.
    effects : tuple of Term
        Each other group minus the reference, adjusted for baseline.
    baseline_slope : Term
        Coefficient of the baseline score.
    n : int
        Participants with both scores.
    n_by_group : dict of str to int
        Of which in each group.
    method : str
        ``OLS post ~ group + baseline``.
    caveat : str
        What the comparison cannot tell.
    """

    outcome: str
    reference: str
    effects: tuple[Term, ...]
    baseline_slope: Term
    n: int
    n_by_group: dict[str, int]
    method: str
    caveat: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**self.__dict__, "effects": [t.to_dict() for t in self.effects],
                "baseline_slope": self.baseline_slope.to_dict()}


@dataclass(frozen=True)
class NOf1MetaResult:
    """The pooled N-of-1 effect and the participants behind it.

    Attributes
    ----------
    outcome : str
        What each participant's effect measures.
    pooled : MetaResult
        The random-effects estimate with its modified Hartung–Knapp–Sidik–Jonkman CI, the 95%
        prediction interval, τ², I² and Q.
    participants : tuple of str
        Participants pooled, in input order.
    left_out : int
        Participants without an estimable effect.
    caveat : str
        What the pooled effect cannot tell.
    """

    outcome: str
    pooled: MetaResult
    participants: tuple[str, ...]
    left_out: int
    caveat: str = NOF1_CAVEAT

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        pooled = dict(self.pooled.__dict__)
        for key in ("ci95", "ci95_wald", "prediction95"):
            pooled[key] = [x if np.isfinite(x) else None for x in pooled[key]]
        return {"outcome": self.outcome, "pooled": pooled,
                "participants": list(self.participants), "left_out": self.left_out,
                "caveat": self.caveat}


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput("frame", f"missing columns {missing}", ", ".join(columns))
    return frame.loc[:, list(columns)].dropna()


def _wald(name: str, estimate: float, se: float) -> Term:
    z = float(stats.norm.ppf(0.975))
    p = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else float("nan")
    return Term(name, estimate, se, (estimate - z * se, estimate + z * se), p)


def mixed_model(
    frame: pd.DataFrame,
    *,
    outcome: str = "value",
    time: str = "study_day",
    participant: str = "participant",
    arm: str | None = None,
    reference: str | None = None,
    random_slope: bool = False,
) -> MixedModelResult:
    """Fit ``value ~ weeks [* C(arm)]`` with a random intercept (and slope) per participant.

    Parameters
    ----------
    frame : DataFrame
        Long format: one row per participant and assessment.
    outcome, time, participant, arm : str
        Column names; ``time`` in days (divided by 7: effects are per week).
    reference : str, optional
        Reference arm (default: the first in sorted order).
    random_slope : bool
        Add a random slope on weeks per participant.
    """
    import statsmodels.formula.api as smf

    data = _long_data(frame, outcome=outcome, time=time, participant=participant, arm=arm)
    formula = _formula(data, arm, reference)
    model = smf.mixedlm(formula, data, groups=data["participant"],
                        re_formula="~weeks" if random_slope else None)
    fit = _fit_quietly(model)
    return MixedModelResult(
        outcome=outcome, formula=formula, terms=_fixed_effects(model, fit), n=int(fit.nobs),
        participants=int(data["participant"].nunique()),
        participant_variance=float(fit.cov_re.iloc[0, 0]),
        residual_variance=float(fit.scale), converged=bool(fit.converged),
        method=_mixed_method(random_slope),
    )


def _long_data(
    frame: pd.DataFrame, *, outcome: str, time: str, participant: str, arm: str | None
) -> pd.DataFrame:
    """Complete rows renamed to ``value``, ``participant`` (and ``arm``), with ``weeks``."""
    columns = [outcome, time, participant] + ([arm] if arm else [])
    data = _require(frame, columns).rename(
        columns={outcome: "value", participant: "participant", **({arm: "arm"} if arm else {})}
    )
    data["weeks"] = data[time].astype(float) / 7.0
    if data["participant"].nunique() < MIN_PARTICIPANTS:
        raise InvalidInput("participants", "too few for a mixed model",
                           f"at least {MIN_PARTICIPANTS}")
    return data


def _fixed_effects(model: Any, fit: Any) -> tuple[Term, ...]:
    """Each fixed effect with its Wald 95% interval, under a readable name."""
    names = list(model.exog_names)
    return tuple(
        _wald(_clean_term(name), float(fit.fe_params[name]), float(fit.bse_fe[name]))
        for name in names
    )


def _mixed_method(random_slope: bool) -> str:
    """How the mixed model was fitted, for the result."""
    return (
        "linear mixed model (statsmodels MixedLM, REML), random intercept"
        + (" and slope" if random_slope else "") + " per participant; Wald 95% CI"
    )


def _formula(data: pd.DataFrame, arm: str | None, reference: str | None) -> str:
    if not arm or data["arm"].nunique() < 2:
        return "value ~ weeks"
    ref = reference or sorted(data["arm"].astype(str).unique())[0]
    return f"value ~ weeks * C(arm, Treatment({ref!r}))"


def _fit_quietly(model: Any) -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return model.fit(reml=True)
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise InvalidInput("model", f"the mixed model cannot be fitted ({exc})") from exc


def _clean_term(name: str) -> str:
    """``C(arm, Treatment('x'))[T.y]`` → ``arm[y]``; ``weeks:…`` keeps its prefix."""
    if "C(arm" in name:
        prefix = "weeks:" if name.startswith("weeks:") else ""
        level = name.rsplit("[T.", 1)[1].rstrip("]")
        return f"{prefix}arm[{level}]"
    return name


def ancova(
    frame: pd.DataFrame,
    *,
    post: str = "post",
    baseline: str = "baseline",
    group: str = "group",
    reference: str,
    outcome: str | None = None,
    caveat: str = OBSERVATIONAL_CAVEAT,
) -> AncovaResult:
    """Groups compared at follow-up, adjusted for baseline: OLS ``post ~ group + baseline``.

    Parameters
    ----------
    frame : DataFrame
        One row per participant with ``post``, ``baseline`` and ``group`` columns.
    reference : str
        The comparator group (e.g. non-microdosers).

    Returns
    -------
    AncovaResult
        One adjusted difference per non-reference group, with t-based 95% CIs.
    """
    data = _require(frame, [post, baseline, group])
    labels = data[group].astype(str)
    levels, others = _groups(labels, reference)
    X, names = _ancova_design(labels, others, data[baseline].to_numpy(float))
    fit = ols(data[post].to_numpy(float), X, names)
    return AncovaResult(
        outcome=outcome or post, reference=reference,
        effects=tuple(_term(fit.coefficients[lv]) for lv in others),
        baseline_slope=_term(fit.coefficients["baseline"]), n=len(data),
        n_by_group={lv: int((labels == lv).sum()) for lv in levels},
        method="ANCOVA: OLS post ~ group + baseline, t-based 95% CI (Rootman et al. 2022)",
        caveat=caveat,
    )


def _groups(labels: pd.Series[str], reference: str) -> tuple[list[str], list[str]]:
    """All group names (sorted) and those compared with ``reference``."""
    levels = sorted(labels.unique())
    if reference not in levels or len(levels) < 2:
        raise InvalidInput("reference", f"{reference!r} is not one of two or more groups",
                           ", ".join(levels))
    return levels, [level for level in levels if level != reference]


def _ancova_design(
    labels: pd.Series[str], others: list[str], baseline: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], list[str]]:
    """Intercept, one indicator per compared group, then the baseline score."""
    columns = [np.ones(len(labels))] + [(labels == lv).to_numpy(float) for lv in others]
    return np.column_stack([*columns, baseline]), ["intercept", *others, "baseline"]


def _term(coefficient: Any) -> Term:
    return Term(coefficient.name, coefficient.estimate, coefficient.se,
                tuple(coefficient.ci95), coefficient.p)


def n_of_1_meta(
    frame: pd.DataFrame,
    *,
    effect: str = "effect",
    se: str = "se",
    participant: str = "participant",
    outcome: str = "effect",
    method: str = "REML",
    caveat: str = NOF1_CAVEAT,
) -> NOf1MetaResult:
    """Pool participants' N-of-1 effects (estimate and SE each) with a random-effects model."""
    data = frame.loc[:, [participant, effect, se]]
    usable = data.dropna()
    usable = usable[usable[se] > 0]
    pooled = random_effects(usable[effect].to_numpy(float),
                            usable[se].to_numpy(float) ** 2, method=method)
    return NOf1MetaResult(outcome, pooled, tuple(usable[participant].astype(str)),
                          int(len(data) - len(usable)), caveat)
