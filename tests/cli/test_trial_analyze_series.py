"""``microdose trial analyze --design n-of-1``: each person's trial by the personal
report's code path, the people pooled with the modified HKSJ interval and a prediction
interval."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.conftest import CliRun
from tests.series_support import write_series

from microdose.analysis.meta import random_effects
from microdose.analysis.n_of_1 import analyse_outcome
from microdose.reports.trial_words import credits_the_guess

MAP = (
    "participant=person,day=day,block=pair,condition=capsule,guess=guess,outcome=measure,"
    "value=rating"
)


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def series(tmp_path: Path) -> Path:
    return write_series(tmp_path / "series.csv", people=5, seed=3)


def args(path: Path, *extra: str) -> list[str]:
    return ["trial", "analyze", str(path), "--design", "n-of-1", "--map", MAP, "--active", "MD",
            "--placebo", "PL", *extra]  # fmt: skip


def test_each_person_by_the_personal_code_path(cli: CliRun, series: Path) -> None:
    data = json.loads(ok(cli(*args(series, "--outcome", "mood", "--json"))).stdout)
    assert list(data["outcomes"]) == ["mood"]
    people = data["outcomes"]["mood"]["people"]
    frame = pd.read_csv(series)
    mood = frame[frame.measure == "mood"].sort_values(["person", "day"])
    assert sorted(people) == sorted(set(mood.person))
    for who, rows in mood.groupby("person"):
        got = people[who]
        active = (rows.capsule == "MD").to_numpy()
        guess = rows.guess.map({"MD": 1.0, "PL": 0.0}).to_numpy(float)
        same = analyse_outcome("mood", "series", rows.rating.to_numpy(float), active,
                               rows.pair.to_numpy(), guess, mid=1.0,
                               higher_is_better=True)  # fmt: skip
        assert got["verdict"] == same.verdict
        assert got["effect"]["estimate"] == same.effect.estimate  # type: ignore[union-attr]
        # scipy reference: the paired t test of the within-pair active − placebo differences
        on = rows[active].set_index("pair").rating
        off = rows[~active].set_index("pair").rating
        ref = stats.ttest_rel(on.sort_index(), off.sort_index())
        assert got["effect"]["p"] == pytest.approx(ref.pvalue, rel=1e-10)
        ci = ref.confidence_interval()
        assert got["effect"]["ci95"] == pytest.approx([ci.low, ci.high], rel=1e-10)
        # exact enumeration of all 2^8 within-pair swaps (the randomisation p-value)
        d = (on.sort_index() - off.sort_index()).to_numpy()
        flips = [abs(np.mean(d * s)) >= abs(d.mean()) - 1e-12
                 for s in itertools.product([1, -1], repeat=len(d))]  # fmt: skip
        assert got["randomisation"]["p"] == pytest.approx(np.mean(flips), abs=1e-12)
        assert {"estimate", "se", "ci95", "p"} <= set(got["effect"])
        assert {"p", "ci95"} <= set(got["randomisation"])


def test_people_pooled_with_hksj_and_a_prediction_interval(cli: CliRun, series: Path) -> None:
    data = json.loads(ok(cli(*args(series, "--json"))).stdout)
    assert sorted(data["outcomes"]) == ["energy", "mood"]  # every outcome without --outcome
    for outcome in data["outcomes"].values():
        people = outcome["people"]
        pooled = outcome["pooled"]
        effects = [people[w]["effect"]["estimate"] for w in pooled["people"]]
        variances = [people[w]["effect"]["se"] ** 2 for w in pooled["people"]]
        ref = random_effects(effects, variances, method="REML")  # checked against statsmodels
        assert pooled["estimate"] == ref.estimate and pooled["ci95"] == list(ref.ci95)
        assert pooled["tau2"] == ref.tau2 and pooled["prediction95"] == list(ref.prediction95)
        # modified HKSJ by hand: √(Σw(y − μ)²/((k − 1)Σw)), at least the Wald SE √(1/Σw)
        # (Knapp & Hartung 2003), t on k − 1 df (scipy)
        w = 1 / (np.array(variances) + ref.tau2)
        se = np.sqrt(np.sum(w * (np.array(effects) - ref.estimate) ** 2) / (4 * w.sum()))
        se = max(se, np.sqrt(1 / w.sum()))
        half = stats.t.ppf(0.975, 4) * se
        assert pooled["ci95"] == pytest.approx([ref.estimate - half, ref.estimate + half])
        assert "Hartung–Knapp" in outcome["pooled_text"]
    for line in data["conclusion"]:
        assert credits_the_guess(line) == []
    text = ok(cli(*args(series))).stdout
    assert "pooled over 5 people" in text and credits_the_guess(text) == []


@pytest.mark.parametrize(
    ("extra", "named", "allowed"),
    [
        (["--design", "crossover"], "--design", "study, n-of-1"),
        (["--baseline", "1"], "--baseline", "study"),
        (["--outcome", "sleep"], "--outcome", "energy, mood"),
        (["--cgrc"], "--cgrc", "study"),
    ],
)
def test_bad_series_options(
    cli: CliRun, series: Path, extra: list[str], named: str, allowed: str
) -> None:
    result = cli(*args(series), *extra)
    assert result.exit_code == 2, result.output
    assert f"Error: {named}" in result.stderr and allowed in result.stderr
    assert "Traceback" not in result.output


def test_bad_series_files(cli: CliRun, series: Path, tmp_path: Path) -> None:
    no_day = cli("trial", "analyze", str(series), "--design", "n-of-1", "--map",
                 "participant=person,block=pair,condition=capsule,value=rating",
                 "--active", "MD", "--placebo", "PL")  # fmt: skip
    assert no_day.exit_code == 2 and "day is not mapped" in no_day.stderr
    twice = tmp_path / "twice.csv"
    lines = series.read_text().splitlines()
    twice.write_text("\n".join([*lines, lines[1]]) + "\n")
    result = cli(*args(twice))
    assert result.exit_code == 2 and "Error: day" in result.stderr and "two rows" in result.stderr
    third = tmp_path / "third.csv"
    third.write_text(series.read_text().replace(",MD,", ",HH,", 1))
    result = cli(*args(third))
    assert result.exit_code == 2 and "Error: capsule" in result.stderr


def test_day_and_block_belong_to_the_series_design(cli: CliRun, series: Path) -> None:
    result = cli("trial", "analyze", str(series), "--map", MAP, "--active", "MD",
                 "--placebo", "PL", "--outcome", "mood")  # fmt: skip
    assert result.exit_code == 2 and "Error: --map: day and block" in result.stderr
