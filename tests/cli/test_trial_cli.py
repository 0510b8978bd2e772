"""``microdose trial …`` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from tests.conftest import SBMD_DIR, CliRun, journal_today

from microdose.reports.trial_words import credits_the_guess
from microdose.services import trials

PACUTES = SBMD_DIR / "pacutes.csv"
MAP = (
    "participant=trial_id,timepoint=tp,outcome=test_name,condition=condition,guess=guess,"
    "value=value"
)


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


def the_key(database_url: str) -> tuple[dict[str, str], str, list[str]]:
    """Read the sealed key straight from the database (as only unblinding may)."""
    from sqlalchemy.orm import Session

    from microdose.domain.blinding import Sealed, unseal
    from microdose.store.trial_models import TrialRow, TrialSealRow

    engine = create_engine(database_url)
    with Session(engine) as session:
        trial = session.query(TrialRow).one()
        data_key = session.get(TrialSealRow, trial.id)
        assert data_key is not None
        key = unseal(Sealed(trial.sealed_key, data_key.data_key, trial.commitment))
        days = list(trial.dose_days)
        blocks = {e.code: e.block for e in trials.trial_envelopes(session=session, trial=trial)}
    engine.dispose()
    return (
        {c: k.value for c, k in key.items()},
        data_key.data_key,
        [f"{blocks[c]}|{c}" for c in sorted(key, key=lambda c: (blocks[c], c))] + days,
    )


def leaks(value: Any, key: dict[str, str]) -> list[str]:
    """Places where a code sits next to its content in a JSON document."""
    found = []
    if isinstance(value, dict):
        codes = [v for v in value.values() if isinstance(v, str) and v in key]
        if codes and any(v in ("active", "placebo") for v in value.values()):
            found.append(str(value))
        for child in value.values():
            found += leaks(child, key)
    elif isinstance(value, list):
        for child in value:
            found += leaks(child, key)
    return found


def take_all(cli: CliRun, codes_by_day: list[tuple[str, str]]) -> None:
    for number, (day, code) in enumerate(codes_by_day):
        ok(cli("dose", "--envelope", code, "--date", day))
        guess = ("active", "placebo", "unsure")[number % 3]
        ok(
            cli(
                "checkin",
                "--mood",
                str(4 + number % 4),
                "--anxiety",
                "5",
                "--energy",
                "5",
                "--focus",
                "5",
                "--sleep",
                "6",
                "--connectedness",
                "5",
                "--guess",
                guess,
                "--guess-confidence",
                "60",
                "--date",
                day,
            )
        )


@pytest.mark.slow
def test_sealed_key_never_shows_before_unblinding(
    cli: CliRun, database_url: str, tmp_path: Path
) -> None:
    ok(cli("screen"))
    start = (journal_today() - timedelta(days=30)).isoformat()
    design = json.loads(
        ok(
            cli(
                "trial",
                "design",
                "--yes",
                "--doses",
                "8",
                "--protocol",
                "fadiman",
                "--start",
                start,
                "--json",
            )
        ).stdout
    )
    assert design["envelopes"] == 8 and len(design["commitment"]) == 64
    key, data_key, listing = the_key(database_url)
    days = listing[8:]
    # take one envelope of each block per its days (codes in block order)
    by_block: dict[str, list[str]] = {}
    for entry in listing[:8]:
        block, code = entry.split("|")
        by_block.setdefault(block, []).append(code)
    taken = [(day, by_block[str(i // 2)][i % 2]) for i, day in enumerate(days)]
    take_all(cli, taken)
    outputs = {
        "trial status --json": ok(cli("trial", "status", "--json")).stdout,
        "trial status": ok(cli("trial", "status")).stdout,
        "status --json": ok(cli("status", "--json")).stdout,
        "history --json": ok(cli("history", "--json")).stdout,
        "history": ok(cli("history")).stdout,
        "export json": ok(cli("export", "--format", "json")).stdout,
    }
    folder = tmp_path / "csv"
    ok(cli("export", "--format", "csv", "--output", str(folder)))
    for path in folder.glob("*.csv"):
        outputs[f"export csv {path.name}"] = path.read_text()
    assert "trial_seal.csv" not in {p.name for p in folder.glob("*.csv")}
    with (folder / "trial_envelope.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8 and all(row["condition"] == "" for row in rows)
    for name, text_out in outputs.items():
        assert data_key not in text_out, name
        if name.endswith("--json") or name == "export json":
            assert leaks(json.loads(text_out), key) == [], name
    export = json.loads(outputs["export json"])
    assert "trial_seal" not in export["tables"]
    assert all(row["condition"] is None for row in export["tables"]["trial_envelope"])
    # positive control: after unblinding the same check does find code + content together
    ok(cli("trial", "unblind", "--yes"))
    after = json.loads(ok(cli("export", "--format", "json")).stdout)
    assert len(leaks(after, key)) == 8


@pytest.mark.slow
def test_early_unblinding_and_report(cli: CliRun, tmp_path: Path) -> None:
    ok(cli("screen"))
    start = (journal_today() - timedelta(days=4)).isoformat()
    ok(cli("trial", "design", "--yes", "--doses", "8", "--protocol", "fadiman", "--start", start))
    assert cli("trial", "report").exit_code == 5  # still blind
    declined = cli("trial", "unblind", input="n\n")
    assert declined.exit_code != 0
    assert json.loads(ok(cli("trial", "status", "--json")).stdout)["status"] == "running"
    done = json.loads(ok(cli("trial", "unblind", "--yes", "--reason", "headache", "--json")).stdout)
    assert done["early"] is True and done["reason"] == "headache"
    status = json.loads(ok(cli("trial", "status", "--json")).stdout)
    assert status["status"] == "unblinded" and status["early"] is True
    assert "(early)" in ok(cli("trial", "status")).stdout
    pdf = tmp_path / "report.pdf"
    report = json.loads(ok(cli("trial", "report", "--json", "--pdf", str(pdf))).stdout)
    assert report["unblinded_early"] is True
    assert report["conclusion"][0].startswith("Unblinded early (headache)")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert cli("trial", "unblind", "--yes").exit_code == 5


def test_trial_bad_input(cli: CliRun) -> None:
    today = journal_today().isoformat()
    ok(cli("screen"))
    assert cli("trial", "status").exit_code == 4
    for args in (
        ["--doses", "5"],
        ["--doses", "4", "--block", "days"],
        ["--doses", "4", "--start", "2024-13-01"],
    ):
        base = {"--doses": "4", "--protocol": "fadiman", "--start": today}
        for flag, value in zip(args[::2], args[1::2], strict=True):
            base[flag] = value
        result = cli("trial", "design", "--yes", *[x for pair in base.items() for x in pair])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
    assert cli("dose", "--envelope", "K7QX-3FRA").exit_code == 2
    assert (
        cli(
            "checkin",
            "--mood",
            "5",
            "--anxiety",
            "5",
            "--energy",
            "5",
            "--focus",
            "5",
            "--sleep",
            "5",
            "--connectedness",
            "5",
            "--guess",
            "maybe",
        ).exit_code
        == 2
    )


def test_analyze_real_self_blinding_data(cli: CliRun) -> None:
    one = json.loads(
        ok(
            cli(
                "trial",
                "analyze",
                str(PACUTES),
                "--map",
                MAP,
                "--active",
                "MD",
                "--placebo",
                "PL",
                "--outcome",
                "mood",
                "--timepoint",
                "w4s1",
                "--json",
            )
        ).stdout
    )
    assert one["method"] == "OLS" and one["n"] == 192 and one["participants"] == 192
    assert set(one["effect"]) >= {"estimate", "se", "ci95", "p"}
    assert set(one["with_guess"]) == {"condition", "guess", "interaction"}
    assert set(one["strata"]) == {
        "active/active",
        "active/placebo",
        "placebo/active",
        "placebo/placebo",
    }
    assert set(one["blinding_index"]) == {"active", "placebo"}
    assert {"bang", "ci95"} <= set(one["blinding_index"]["active"])
    every = json.loads(
        ok(
            cli(
                "trial",
                "analyze",
                str(PACUTES),
                "--map",
                MAP,
                "--active",
                "MD",
                "--placebo",
                "PL",
                "--outcome",
                "mood",
                "--json",
            )
        ).stdout
    )
    assert "REML" in every["method"] and every["timepoints"] == ["w1s1", "w2s1", "w3s1", "w4s1"]
    assert every["effect"]["p"] < 0.05 < every["with_guess"]["condition"]["p"]
    # the guess is described, never credited (it was recorded after the capsule)
    assert "a reliable difference between capsules" in every["conclusion"]
    assert "guessed active were 11.12 points higher than" in every["conclusion"]
    assert "cannot show what caused what" in every["conclusion"]
    assert credits_the_guess(every["conclusion"]) == []
    text_out = ok(
        cli(
            "trial",
            "analyze",
            str(PACUTES),
            "--map",
            MAP,
            "--active",
            "MD",
            "--placebo",
            "PL",
            "--outcome",
            "mood",
        )
    ).stdout
    assert "Bang blinding index" in text_out


@pytest.mark.parametrize(
    ("content", "extra", "named"),
    [
        ("trial_id,test_name,tp,condition,guess\n1,mood,w1,MD,MD\n", [], "value"),
        (
            "trial_id,test_name,tp,condition,guess,value\n1,mood,w1,XX,MD,3\n2,mood,w1,PL,PL,4\n"
            "3,mood,w1,MD,PL,5\n",
            [],
            "condition",
        ),
        (
            "trial_id,test_name,tp,condition,guess,value\n1,mood,w1,MD,MD,3\n2,mood,w1,PL,maybe,4\n"
            "3,mood,w1,MD,PL,5\n",
            [],
            "guess",
        ),
        (
            "trial_id,test_name,tp,condition,guess,value\n1,mood,w1,MD,MD,3\n2,mood,w1,PL,PL,high\n"
            "3,mood,w1,MD,PL,5\n",
            [],
            "value",
        ),
        (
            "trial_id,test_name,tp,condition,guess,value\n1,mood,w1,MD,MD,3\n",
            ["--timepoint", "w9"],
            "--timepoint",  # a field that is the command's option is named as the option
        ),
    ],
)
def test_analyze_bad_csv(
    cli: CliRun, tmp_path: Path, content: str, extra: list[str], named: str
) -> None:
    path = tmp_path / "study.csv"
    path.write_text(content)
    result = cli(
        "trial",
        "analyze",
        str(path),
        "--map",
        MAP,
        "--active",
        "MD",
        "--placebo",
        "PL",
        "--outcome",
        "mood",
        *extra,
    )
    assert result.exit_code == 2, result.output
    assert f"Error: {named}" in result.stderr
    assert "Traceback" not in result.output


def test_analyze_bad_options(cli: CliRun) -> None:
    for mapping in ("participant=trial_id", "who=trial_id,condition=c,value=v", "participant"):
        result = cli(
            "trial", "analyze", str(PACUTES), "--map", mapping, "--active", "MD", "--placebo", "PL"
        )
        assert result.exit_code == 2 and "map" in result.stderr
    result = cli(
        "trial",
        "analyze",
        str(PACUTES),
        "--map",
        MAP,
        "--active",
        "MD",
        "--placebo",
        "PL",
        "--outcome",
        "happiness",
    )
    assert result.exit_code == 2 and "mood" in result.stderr  # lists the known outcomes


def test_report_verdict_and_prior_option(cli: CliRun, database_url: str) -> None:
    from sqlalchemy.orm import Session
    from tests.trial_support import felt_trial

    from microdose.services.people import ensure_person
    from microdose.services.safety import record_screen

    engine = create_engine(database_url)
    ok(cli("screen"))
    with Session(engine, expire_on_commit=False) as session:
        person = ensure_person(session=session, timezone="Europe/Berlin")
        record_screen(session=session, person=person)
        felt_trial(session, person, seed=5)
        session.commit()
    engine.dispose()
    sceptical = json.loads(ok(cli("trial", "report", "--json")).stdout)
    neutral = json.loads(ok(cli("trial", "report", "--json", "--prior", "neutral")).stdout)
    assert sceptical["verdict"] == neutral["verdict"] in {
        "benefit", "harm", "no_reliable_difference", "too_little_data"
    }  # fmt: skip
    assert sceptical["prior"] == "sceptical" and neutral["prior"] == "neutral"
    assert neutral["outcomes"]["mood"]["posterior"]["prior"] == "neutral"
    text_out = ok(cli("trial", "report", "--prior", "neutral")).stdout
    assert "Verdict on mood, the primary outcome:" in text_out
    assert "With a neutral (flat) prior" in text_out
    assert credits_the_guess(text_out) == []
    bad = cli("trial", "report", "--prior", "hopeful")
    assert bad.exit_code == 2 and "prior" in bad.stderr


def test_analyze_names_its_prior_with_a_meaningful_difference(cli: CliRun) -> None:
    from scipy import stats

    args = ["trial", "analyze", str(PACUTES), "--map", MAP, "--active", "MD", "--placebo",
            "PL", "--outcome", "mood", "--mid", "5"]  # fmt: skip
    sceptical = json.loads(ok(cli(*args, "--json")).stdout)
    neutral = json.loads(ok(cli(*args, "--prior", "neutral", "--json")).stdout)
    assert sceptical["posterior"]["prior"] == "sceptical"
    assert "With a sceptical prior that gives a benefit of at least 5 points a 5% chance" in (
        sceptical["conclusion"]
    )
    # the flat prior's posterior is the likelihood: P(effect ≥ 5) = Φ((est − 5)/SE) (scipy)
    e = neutral["effect"]
    expected = stats.norm.sf(5, e["estimate"], e["se"])
    assert neutral["posterior"]["prob_benefit"] == pytest.approx(expected, abs=1e-3)
    assert credits_the_guess(neutral["conclusion"]) == []
    assert json.loads(ok(cli(*args[:-2], "--json")).stdout)["posterior"] is None  # no --mid
    bad = cli(*args, "--prior", "hopeful")
    assert bad.exit_code == 2 and "prior" in bad.stderr
