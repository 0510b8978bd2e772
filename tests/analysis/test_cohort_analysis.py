"""Cohort analyses checked against statsmodels, closed-form REML and published values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.meta_analysis import combine_effects
from tests.conftest import SBMD_DIR

from microdose.analysis.cohort import OBSERVATIONAL_CAVEAT, ancova, mixed_model, n_of_1_meta
from microdose.domain.errors import InvalidInput

SBMD = SBMD_DIR / "accumulatives.csv"


def _sbmd() -> pd.DataFrame:
    return pd.read_csv(SBMD)


def _pre_post(test: str, groups: tuple[str, ...]) -> pd.DataFrame:
    data = _sbmd()
    chosen = data[(data["test"] == test) & data["group"].isin(groups)
                  & data["tp"].isin(["pre", "post"])]
    wide = chosen.pivot_table(index=["trial_id", "group"], columns="tp", values="value")
    return wide.reset_index().dropna()


@pytest.mark.parametrize("test", ["RPWB", "SWL", "CAMS", "neuroticism"])
def test_ancova_matches_statsmodels_on_the_self_blinding_study(test: str) -> None:
    wide = _pre_post(test, ("MD", "PL"))
    result = ancova(wide, post="post", baseline="pre", group="group", reference="PL")
    # statsmodels: ols("post ~ C(group, Treatment('PL')) + pre").fit()
    fit = smf.ols("post ~ C(group, Treatment('PL')) + pre", wide).fit()
    name = "C(group, Treatment('PL'))[T.MD]"
    effect = result.effects[0]
    assert effect.name == "MD" and result.reference == "PL"
    assert effect.estimate == pytest.approx(fit.params[name], rel=1e-9)
    assert effect.se == pytest.approx(fit.bse[name], rel=1e-9)
    assert effect.ci95 == pytest.approx(tuple(fit.conf_int().loc[name]), rel=1e-9)
    assert effect.p == pytest.approx(fit.pvalues[name], rel=1e-7)
    assert result.baseline_slope.estimate == pytest.approx(fit.params["pre"], rel=1e-9)
    assert result.n == fit.nobs and sum(result.n_by_group.values()) == fit.nobs
    assert result.caveat == OBSERVATIONAL_CAVEAT


def test_ancova_with_three_groups_matches_statsmodels() -> None:
    wide = _pre_post("SWL", ("MD", "PL", "HH"))
    result = ancova(wide, post="post", baseline="pre", group="group", reference="PL")
    fit = smf.ols("post ~ C(group, Treatment('PL')) + pre", wide).fit()
    for effect in result.effects:
        name = f"C(group, Treatment('PL'))[T.{effect.name}]"
        assert effect.estimate == pytest.approx(fit.params[name], rel=1e-9)
        assert effect.se == pytest.approx(fit.bse[name], rel=1e-9)
    # Szigeti et al. 2021 (eLife 10:e62878): no microdose-placebo difference on well-being
    md = next(e for e in result.effects if e.name == "MD")
    assert md.ci95[0] < 0 < md.ci95[1]


def test_ancova_refuses_a_missing_reference() -> None:
    wide = _pre_post("SWL", ("MD", "PL"))
    with pytest.raises(InvalidInput, match="reference"):
        ancova(wide, post="post", baseline="pre", group="group", reference="comparator")


def test_mixed_model_matches_statsmodels_with_weeks_and_arm_terms() -> None:
    data = _sbmd()
    data = data[data["test"] == "RPWB"].assign(
        day=lambda f: f["tp"].map({"pre": 0, "post": 28, "ltfu": 56}))
    result = mixed_model(data, outcome="value", time="day", participant="trial_id",
                         arm="group", reference="PL")
    data = data.assign(weeks=data["day"] / 7)
    # statsmodels: mixedlm("value ~ weeks * C(group, Treatment('PL'))", groups=trial_id)
    fit = smf.mixedlm("value ~ weeks * C(group, Treatment('PL'))", data,
                      groups=data["trial_id"]).fit(reml=True)
    assert result.term("weeks").estimate == pytest.approx(fit.fe_params["weeks"], rel=1e-6)
    md = "weeks:C(group, Treatment('PL'))[T.MD]"
    assert result.term("weeks:arm[MD]").estimate == pytest.approx(fit.fe_params[md], rel=1e-6)
    assert result.term("weeks:arm[MD]").se == pytest.approx(fit.bse_fe[md], rel=1e-6)
    assert result.participants == data["trial_id"].nunique() and result.converged


def test_mixed_model_equals_closed_form_reml_on_balanced_data() -> None:
    # balanced random-intercept model: REML = ANOVA estimators (Searle, Casella & McCulloch
    # 1992, Variance Components, ch. 3-4) whenever the between-group estimate is positive
    rng = np.random.default_rng(7)
    groups, times = 12, np.arange(5.0)
    u = rng.normal(0, 3.0, groups)
    y = 10 + 0.8 * times[None, :] + u[:, None] + rng.normal(0, 1.0, (groups, times.size))
    frame = pd.DataFrame({"participant": np.repeat(np.arange(groups), times.size),
                          "study_day": np.tile(times * 7, groups), "value": y.ravel()})
    result = mixed_model(frame)
    n, tc = times.size, times - times.mean()
    means = y.mean(axis=1)
    slope = float(np.sum(tc[None, :] * (y - means[:, None])) / (groups * np.sum(tc**2)))
    resid = y - means[:, None] - slope * tc[None, :]
    sigma2 = float(np.sum(resid**2) / (groups * (n - 1) - 1))
    tau2 = float((n * np.sum((means - means.mean()) ** 2) / (groups - 1) - sigma2) / n)
    assert tau2 > 0
    se_slope = np.sqrt(sigma2 / (groups * np.sum(tc**2)))
    se_intercept = np.sqrt((tau2 + sigma2 / n) / groups + times.mean() ** 2 * se_slope**2)
    assert result.term("weeks").estimate == pytest.approx(slope, rel=1e-8)
    assert result.term("weeks").se == pytest.approx(se_slope, rel=1e-4)
    assert result.term("Intercept").estimate == pytest.approx(means.mean() - slope *
                                                              times.mean(), rel=1e-8)
    assert result.term("Intercept").se == pytest.approx(se_intercept, rel=1e-4)
    assert result.residual_variance == pytest.approx(sigma2, rel=1e-4)
    assert result.participant_variance == pytest.approx(tau2, rel=1e-3)


def test_mixed_model_needs_three_participants() -> None:
    frame = pd.DataFrame({"participant": [1, 1, 2, 2], "study_day": [0, 7, 0, 7],
                          "value": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(InvalidInput, match="too few"):
        mixed_model(frame)


BCG = np.array([(4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209),
                (62, 13536, 248, 12619), (33, 5036, 47, 5761), (180, 1361, 372, 1079),
                (8, 2537, 10, 619), (505, 87886, 499, 87892), (29, 7470, 45, 7232),
                (17, 1699, 65, 1600), (186, 50448, 141, 27197), (5, 2493, 3, 2338),
                (27, 16886, 29, 17825)], float)


def _bcg_frame() -> pd.DataFrame:
    a, b, c, d = BCG.T
    effect = np.log((a / (a + b)) / (c / (c + d)))
    var = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
    frame = pd.DataFrame({"participant": [f"trial{k}" for k in range(len(a))],
                          "effect": effect, "se": np.sqrt(var)})
    return pd.concat([frame, pd.DataFrame({"participant": ["no data"], "effect": [None],
                                           "se": [None]})], ignore_index=True)


def test_n_of_1_meta_matches_statsmodels_and_metafor() -> None:
    frame = _bcg_frame()
    result = n_of_1_meta(frame, method="DL")
    assert result.left_out == 1 and len(result.participants) == 13
    usable = frame.dropna()
    # statsmodels: combine_effects(effect, var, method_re="dl")
    reference = combine_effects(usable["effect"].to_numpy(float),
                                usable["se"].to_numpy(float) ** 2, method_re="dl")
    assert result.pooled.estimate == pytest.approx(reference.mean_effect_re, rel=1e-9)
    assert result.pooled.se_wald == pytest.approx(reference.sd_eff_w_re, rel=1e-9)
    assert result.pooled.tau2 == pytest.approx(reference.tau2, rel=1e-9)
    # metafor (Viechtbauer 2010, J Stat Softw 36:3), BCG log risk ratios, method "DL":
    # estimate -0.7141, SE 0.1787, tau^2 0.3088, I^2 92.12%, Q 152.23
    assert round(result.pooled.estimate, 4) == -0.7141
    assert round(result.pooled.tau2, 4) == 0.3088
    assert round(result.pooled.i2 * 100, 2) == 92.12
    # metafor REML: estimate -0.7145, tau^2 0.3132
    reml = n_of_1_meta(frame)
    assert round(reml.pooled.estimate, 4) == -0.7145 and round(reml.pooled.tau2, 4) == 0.3132
