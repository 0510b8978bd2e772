"""Study ANCOVA, extra arms, covariates and moderators against statsmodels, on real data.

The self-blinding study's ``accumulatives.csv``: ``pre``/``post``/``ltfu`` scores, groups
``MD`` (microdose), ``PL`` (placebo) and ``HH`` (half-half); no guess column.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from tests.conftest import SBMD_DIR

from microdose.analysis.study import StudyData, analyze_study

ACCUMULATIVES = SBMD_DIR / "accumulatives.csv"
ARM = "C(group, Treatment('PL'))"


@pytest.fixture(scope="module")
def rpwb() -> pd.DataFrame:
    """RPWB after dosing and at follow-up, each row with its participant's ``pre`` value."""
    frame = pd.read_csv(ACCUMULATIVES)
    chosen = frame[frame.test == "RPWB"]
    pre = chosen[chosen.tp == "pre"].set_index("trial_id").value.rename("base")
    later = chosen[chosen.tp != "pre"].join(pre, on="trial_id")
    return later.dropna(subset=["value", "base", "expectation", "sss"]).reset_index(drop=True)


def study(frame: pd.DataFrame, covariates: tuple[str, ...] = ()) -> StudyData:
    return StudyData(
        frame.trial_id.astype(str).to_numpy(),
        frame.tp.to_numpy(str),
        frame.value.to_numpy(float),
        (frame.group == "MD").to_numpy(),
        np.full(len(frame), np.nan),
        extra=np.where(frame.group == "HH", "HH", ""),
        baseline=frame.base.to_numpy(float),
        covariates=tuple((c, frame[c].to_numpy(float)) for c in covariates),
        has_guess=False,
        active_label="MD",
    )


def assert_same(ours: object, ref: object, term: str, rel: float = 1e-9) -> None:
    assert ours.estimate == pytest.approx(ref.params[term], rel=rel)  # type: ignore[attr-defined]
    assert ours.se == pytest.approx(ref.bse[term], rel=rel)  # type: ignore[attr-defined]
    assert ours.p == pytest.approx(ref.pvalues[term], rel=1e-6)  # type: ignore[attr-defined]
    low, high = ref.conf_int().loc[term]  # type: ignore[attr-defined]
    assert ours.ci95 == pytest.approx((low, high), rel=rel)  # type: ignore[attr-defined]


def test_ancova_with_three_arms_and_covariates_matches_statsmodels(rpwb: pd.DataFrame) -> None:
    post = rpwb[rpwb.tp == "post"]
    result = analyze_study(study(post, ("expectation", "sss")))
    # statsmodels reference: smf.ols("value ~ base + C(group, Treatment('PL')) + expectation
    # + sss").fit() — centring the covariates changes only the intercept
    ref = smf.ols(f"value ~ base + {ARM} + expectation + sss", post).fit()
    assert result.method.startswith("ANCOVA") and "OLS" in result.method
    assert_same(result.effect, ref, f"{ARM}[T.MD]")
    assert_same(result.arms["MD"], ref, f"{ARM}[T.MD]")
    assert_same(result.arms["HH"], ref, f"{ARM}[T.HH]")
    assert_same(result.adjustment["baseline"], ref, "base")
    assert_same(result.adjustment["expectation"], ref, "expectation")
    assert result.with_guess is None and result.strata is None and result.blinding_index is None
    assert any("no guess column" in note for note in result.notes)


def test_change_score_is_secondary_and_matches_statsmodels(rpwb: pd.DataFrame) -> None:
    post = rpwb[rpwb.tp == "post"]
    result = analyze_study(study(post))
    assert result.change is not None
    # statsmodels reference: smf.ols("I(value - base) ~ C(group, Treatment('PL'))")
    ref = smf.ols(f"I(value - base) ~ {ARM}", post).fit()
    assert_same(result.change.effect, ref, f"{ARM}[T.MD]")
    assert_same(result.change.arms["HH"], ref, f"{ARM}[T.HH]")


def test_moderator_interaction_matches_statsmodels(rpwb: pd.DataFrame) -> None:
    post = rpwb[rpwb.tp == "post"]
    result = analyze_study(study(post, ("expectation",)))
    # statsmodels reference: the arm × expectation interactions of
    # smf.ols("value ~ base + C(group, Treatment('PL')) * expectation")
    ref = smf.ols(f"value ~ base + {ARM} * expectation", post).fit()
    terms = result.moderators["expectation"]
    assert_same(terms["MD"], ref, f"{ARM}[T.MD]:expectation")
    assert_same(terms["HH"], ref, f"{ARM}[T.HH]:expectation")


def test_ancova_over_two_timepoints_matches_mixedlm(rpwb: pd.DataFrame) -> None:
    result = analyze_study(study(rpwb, ("expectation",)))
    assert "REML" in result.method and result.timepoints == ("ltfu", "post")
    frame = rpwb.assign(base_c=rpwb.base - rpwb.base.mean(),
                        exp_c=rpwb.expectation - rpwb.expectation.mean())  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # statsmodels reference: MixedLM random intercept per participant, REML
        ref = smf.mixedlm(f"value ~ base_c + {ARM} + exp_c", frame, groups=frame.trial_id).fit(
            reml=True
        )
    assert result.arms["MD"].estimate == pytest.approx(ref.fe_params[f"{ARM}[T.MD]"], rel=1e-4)
    assert result.arms["HH"].estimate == pytest.approx(ref.fe_params[f"{ARM}[T.HH]"], rel=1e-4)
    assert result.arms["HH"].se == pytest.approx(ref.bse_fe[f"{ARM}[T.HH]"], rel=1e-3)
    baseline = result.adjustment["baseline"]
    assert baseline.estimate == pytest.approx(ref.fe_params["base_c"], rel=1e-4)


def test_a_moderator_that_cannot_be_estimated_is_noted(rpwb: pd.DataFrame) -> None:
    post = rpwb[rpwb.tp == "post"].copy()
    # constant within the microdose arm: MD × covariate duplicates the MD term
    post.loc[post.group == "MD", "expectation"] = 50.0
    result = analyze_study(study(post, ("expectation",)))
    assert "expectation" not in result.moderators
    assert any(note.startswith("moderator expectation not estimable") for note in result.notes)
    ref = smf.ols(f"value ~ base + {ARM} + expectation", post).fit()  # statsmodels reference
    assert_same(result.effect, ref, f"{ARM}[T.MD]")
