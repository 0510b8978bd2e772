"""``microdose trial analyze`` on the study's before/after data: ANCOVA, arms, covariates."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
import statsmodels.formula.api as smf
from tests.conftest import SBMD_DIR, CliRun

from microdose.reports.trial_words import credits_the_guess

ACCUMULATIVES = SBMD_DIR / "accumulatives.csv"
MAP = "participant=trial_id,timepoint=tp,outcome=test,condition=group,value=value"
ARGS = ("trial", "analyze", str(ACCUMULATIVES), "--map", MAP, "--active", "MD",
        "--placebo", "PL", "--outcome", "RPWB")  # fmt: skip
ARM = "C(group, Treatment('PL'))"


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


def test_ancova_json_at_full_precision(cli: CliRun) -> None:
    data = json.loads(ok(cli(*ARGS, "--timepoint", "post", "--baseline", "pre",
                             "--covariate", "expectation", "--json")).stdout)  # fmt: skip
    frame = pd.read_csv(ACCUMULATIVES)
    rpwb = frame[frame.test == "RPWB"]
    base = rpwb[rpwb.tp == "pre"].set_index("trial_id").value.rename("base")
    post = rpwb[rpwb.tp == "post"].join(base, on="trial_id").dropna(
        subset=["value", "base", "expectation"]
    )
    # statsmodels reference: smf.ols("value ~ base + C(group, Treatment('PL')) + expectation")
    ref = smf.ols(f"value ~ base + {ARM} + expectation", post).fit()
    assert data["n"] == len(post) and data["method"] == "ANCOVA on the baseline, OLS"
    for label in ("MD", "HH"):
        effect = data["arms"][label]["effect"]
        # full precision: equal to statsmodels to 1e-10, far beyond 4 rounded digits
        assert effect["estimate"] == pytest.approx(ref.params[f"{ARM}[T.{label}]"], rel=1e-10)
        assert effect["se"] == pytest.approx(ref.bse[f"{ARM}[T.{label}]"], rel=1e-10)
    assert data["effect"] == data["arms"]["MD"]["effect"]
    assert set(data["adjustment"]) == {"baseline", "expectation"}
    assert set(data["change"]["arms"]) == {"MD", "HH"}
    assert set(data["moderators"]["expectation"]) == {"MD", "HH"}
    assert data["with_guess"] is None and data["strata"] is None
    assert data["blinding_index"] is None
    assert any("no guess column" in note for note in data["notes"])
    assert credits_the_guess(data["conclusion"]) == []


def test_ancova_text(cli: CliRun) -> None:
    out = ok(cli(*ARGS, "--timepoint", "post", "--baseline", "pre", "--covariate", "sss")).stdout
    assert "HH − placebo" in out and "moderator MD × sss" in out
    assert "secondary: value − baseline ~ arm + sss" in out
    assert credits_the_guess(out) == []


@pytest.mark.parametrize(
    ("extra", "named", "allowed"),
    [
        (["--baseline", "t0"], "--baseline", "ltfu, post, pre"),
        (["--baseline", "pre", "--timepoint", "pre"], "--baseline", "post"),
        (["--covariate", "hope"], "--covariate", "expectation"),
        (["--covariate", "sex"], "--covariate", "numeric columns"),
        (["--cgrc", "--seed", "-1"], "--seed", "0 or more"),
    ],
)
def test_bad_study_options(cli: CliRun, extra: list[str], named: str, allowed: str) -> None:
    result = cli(*ARGS, *extra)
    assert result.exit_code == 2, result.output
    assert f"Error: {named}" in result.stderr and allowed in result.stderr
    assert "Traceback" not in result.output


def test_baseline_needs_a_timepoint_column(cli: CliRun) -> None:
    mapping = "participant=trial_id,outcome=test,condition=group,value=value"
    result = cli("trial", "analyze", str(ACCUMULATIVES), "--map", mapping, "--active", "MD",
                 "--placebo", "PL", "--outcome", "RPWB", "--baseline", "pre")  # fmt: skip
    assert result.exit_code == 2 and "--baseline needs timepoint=COLUMN" in result.stderr


PACUTES = SBMD_DIR / "pacutes.csv"
PACUTES_MAP = (
    "participant=trial_id,timepoint=tp,outcome=test_name,condition=condition,guess=guess,"
    "value=value"
)


def test_cgrc_json_and_its_assumption(cli: CliRun) -> None:
    base = ["trial", "analyze", str(PACUTES), "--map", PACUTES_MAP, "--active", "MD",
            "--placebo", "PL", "--outcome", "mood", "--timepoint", "w4s1", "--cgrc"]  # fmt: skip
    data = json.loads(ok(cli(*base, "--seed", "5", "--json")).stdout)
    again = json.loads(ok(cli(*base, "--seed", "5", "--json")).stdout)
    assert data["cgrc"] == again["cgrc"]  # reproducible under --seed
    curve = data["cgrc"]["curve"]
    assert [p["cgr"] for p in curve] == [round(0.05 * i, 2) for i in range(21)]
    assert set(curve[0]) == {"cgr", "estimate", "ci95"}
    chance = data["cgrc"]["at_chance"]
    assert set(chance) == {"estimate", "ci95", "observed_cgr"}
    assert chance["observed_cgr"] == pytest.approx(125 / 192, rel=1e-12)  # (37 + 88)/192
    assert chance["estimate"] == next(p["estimate"] for p in curve if p["cgr"] == 0.5)
    assert "guess influences the outcome, not the other way round" in data["conclusion"]
    assert credits_the_guess(data["conclusion"]) == []
    assert json.loads(ok(cli(*base[:-1], "--json")).stdout)["cgrc"] is None  # without --cgrc
    text = ok(cli(*base)).stdout
    assert "correct guess rate curve" in text and credits_the_guess(text) == []


def test_cgrc_needs_a_guess_column(cli: CliRun) -> None:
    result = cli(*ARGS, "--cgrc")
    assert result.exit_code == 2 and "Error: --cgrc: needs a guess column" in result.stderr
