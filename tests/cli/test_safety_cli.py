"""Safety through the CLI: screen, refusals (exit 3) that no option bypasses, the crisis flow."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from icalendar import Calendar
from tests.conftest import CliRun, journal_today

TODAY = journal_today()
CRISIS_KEYS = {"resources", "acknowledge_required"}


def as_json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def dose_attempts() -> list[list[str]]:
    """One dose command per way of giving a dose, including any option added later."""
    from microdose.cli.app import app

    yesterday = (TODAY - timedelta(days=1)).isoformat()
    attempts = [
        ["--material", "dried-cubensis", "--grams", "0.2"],
        ["--material", "dried-cubensis", "--grams", "0.1", "--date", yesterday],
        ["--material", "psilocybin", "--mg", "2", "--at", f"{yesterday}T08:30"],
        ["--material", "truffles", "--grams", "0.5", "--notes", "x", "--json"],
    ]
    command: Any = typer.main.get_command(app)
    known = {"material", "grams", "mg", "day", "at", "notes", "as_json"}
    for param in command.commands["dose"].params:
        if param.param_type_name == "option" and param.name not in known:
            flag = param.opts[0]  # e.g. --envelope: try it with and without a material
            extra = [flag] if param.is_flag else [flag, "A1"]
            attempts += [extra, ["--material", "dried-cubensis", "--grams", "0.2", *extra]]
    return attempts


def plan_args(ics: Path | None = None) -> list[str]:
    args = ["plan", "--protocol", "fadiman", "--start", TODAY.isoformat(), "--weeks", "2"]
    return args + (["--ics", str(ics), "--reminders"] if ics else [])


def assert_nothing_dosed(cli: CliRun) -> None:
    items = as_json(cli("history", "--json"))
    assert [i for i in items if i["type"] == "dose"] == []


def test_screen_json_shape(cli: CliRun) -> None:
    data = as_json(cli("screen", "--medication", "Prozac", "--condition", "seizures", "--json"))
    assert data["verdict"] == "warn"
    assert {"verdict", "reasons", "next_screen_due"} <= set(data)
    for reason in data["reasons"]:
        assert set(reason) == {"severity", "item", "why", "source"}
    assert "crisis" not in data


@pytest.mark.parametrize(
    ("medication", "verdict", "expected"),
    [
        ("Prozac", "warn", "fluoxetine (SSRI)"),
        ("PROZAC", "warn", "fluoxetine (SSRI)"),
        ("  prozac  ", "warn", "fluoxetine (SSRI)"),
        ("pro zac", "warn", "fluoxetine (SSRI)"),
        ("Lithobid", "block", "lithium"),
        ("phenelzine", "warn", "Sources disagree"),
        ("Nardil", "warn", "phenelzine (MAOI)"),
        ("unknownium", "warn", "not recognised — ask a clinician"),
    ],
)
def test_screen_medication_variants(cli: CliRun, medication: str, verdict: str,
                                    expected: str) -> None:
    data = as_json(cli("screen", "--medication", medication, "--json"))
    assert data["verdict"] == verdict
    assert expected in data["reasons"][0]["why"]


def test_screen_text_and_pregnancy(cli: CliRun) -> None:
    result = cli("screen", "--pregnant")
    assert result.exit_code == 0
    assert "BLOCK" in result.stdout and "plan and dose are refused" in result.stdout
    kept = cli("screen").stdout  # leaving a block out does not remove it
    assert "BLOCK" in kept and "kept from your last screen" in kept and "pregnancy" in kept
    removed = cli("screen", "--remove-condition", "pregnant")
    assert removed.exit_code == 0, removed.output
    assert "OK" in removed.stdout and "You declared no conditions" in removed.stdout
    assert "removed since your last screen" in removed.stdout
    assert "pregnancy (you confirmed it)" in removed.stdout


def test_a_blocking_medication_is_removed_only_explicitly(cli: CliRun) -> None:
    first = cli("screen", "--medication", "Lithobid", "--medication", "Prozac")
    assert first.exit_code == 0 and "BLOCK" in first.stdout
    again = json.loads(cli("screen", "--json").stdout)
    assert again["verdict"] == "block"
    assert again["screen_changes"]["kept"] == ["Lithobid"]
    assert again["screen_changes"]["removed"] == ["Prozac"]  # a warn goes when left out
    assert again["screen_changes"]["removed_confirmed"] == []
    assert "added -" not in cli("screen").stdout
    unknown = cli("screen", "--remove-medication", "sertraline")
    assert unknown.exit_code == 2
    assert "--remove-medication: 'sertraline' is not in your last screen" in unknown.stderr
    assert "allowed: Lithobid" in unknown.stderr
    both = cli("screen", "--medication", "lithium", "--remove-medication", "lithium")
    assert both.exit_code == 2 and "both declared and removed" in both.stderr
    gone = json.loads(cli("screen", "--remove-medication", "lithium", "--json").stdout)
    assert gone["verdict"] == "ok"
    assert gone["screen_changes"]["removed_confirmed"] == ["Lithobid"]
    added = cli("screen", "--medication", "sertraline").stdout
    assert "added since your last screen" in added and "sertraline" in added


def test_plan_and_dose_refuse_with_exit_3_before_a_screen(cli: CliRun, tmp_path: Path) -> None:
    ics = tmp_path / "plan.ics"
    result = cli(*plan_args(ics))
    assert result.exit_code == 3 and "no safety screen yet" in result.stderr
    assert "Next: `microdose screen --condition" in result.stderr  # the CLI's next step
    assert not ics.exists()
    for attempt in dose_attempts():
        refused = cli("dose", *attempt)
        assert refused.exit_code in (2, 3), attempt  # 2 only for an incomplete dose
        if refused.exit_code == 3:
            assert "no safety screen yet" in refused.stderr
    assert cli("dose", "--material", "dried-cubensis", "--grams", "0.2").exit_code == 3
    assert_nothing_dosed(cli)
    assert as_json(cli("status", "--json"))["protocol"] is None


@pytest.mark.parametrize(
    "screen",
    # one of each kind of block (every block rule itself is tested in tests/domain)
    [["--medication", " LITHOBID "], ["--condition", "Family Psychosis"], ["--breastfeeding"]],
)
def test_a_block_cannot_be_bypassed(cli: CliRun, tmp_path: Path, screen: list[str]) -> None:
    assert as_json(cli("screen", *screen, "--json"))["verdict"] == "block"
    ics = tmp_path / "plan.ics"
    for args in (plan_args(), plan_args(ics), [*plan_args(), "--json"]):
        refused = cli(*args)
        assert refused.exit_code == 3 and "says block" in refused.stderr
    assert not ics.exists()
    for attempt in dose_attempts():
        refused = cli("dose", *attempt)
        if refused.exit_code != 2:  # an incomplete dose is bad input before anything else
            assert refused.exit_code == 3 and "says block" in refused.stderr, attempt
    assert_nothing_dosed(cli)
    assert "Traceback" not in refused.output


def crisis_answer(cli: CliRun, *extra: str) -> dict[str, Any]:
    data = as_json(cli("answer", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", *extra, "--json"))
    assert isinstance(data, dict)
    return data


def test_an_open_crisis_cannot_be_bypassed_and_ack_resumes(cli: CliRun, tmp_path: Path) -> None:
    cli("screen")
    data = crisis_answer(cli)
    assert set(data["crisis"]) >= CRISIS_KEYS and data["crisis"]["acknowledge_required"] is True
    for resource in data["crisis"]["resources"]:
        assert set(resource) == {"name", "contact", "region"}
    for attempt in dose_attempts():
        refused = cli("dose", *attempt)
        if refused.exit_code != 2:
            assert refused.exit_code == 3, attempt
            assert "not acknowledged" in refused.stderr and "112" in refused.stderr
    assert_nothing_dosed(cli)
    # plan still works, but its calendar has no dose events while reminders are paused
    ics = tmp_path / "paused.ics"
    text = cli(*plan_args(ics))
    assert text.exit_code == 0 and "without dose events" in text.stdout
    planned = as_json(cli(*plan_args(ics), "--json"))
    assert planned["reminders_paused"] is True and set(planned["crisis"]) >= CRISIS_KEYS
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")]
    assert summaries and all(s == "Check-in" for s in summaries)
    status = as_json(cli("status", "--json"))
    assert status["crisis"]["acknowledge_required"] is True
    shown = as_json(cli("crisis", "show", "--json"))
    assert shown["open"] is True and len(shown["events"]) == 1
    acked = as_json(cli("crisis", "ack", "--json"))
    assert acked["acknowledged"] == 1 and acked["reminders_paused"] is False
    assert as_json(cli("crisis", "ack", "--json"))["acknowledged"] == 0
    assert cli("dose", "--material", "dried-cubensis", "--grams", "0.2").exit_code == 0
    resumed = as_json(cli(*plan_args(ics), "--json"))
    assert resumed["reminders_paused"] is False and "crisis" not in resumed
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")]
    assert any(s.startswith("Microdose") for s in summaries)
    assert "crisis" not in as_json(cli("status", "--json"))


def test_crisis_text_comes_first_in_plain_output(cli: CliRun) -> None:
    cli("screen")
    result = cli("answer", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    assert result.exit_code == 0
    assert result.stdout.index("112") < result.stdout.index("saved for")
    assert "microdose crisis ack" in result.stdout
    status = cli("status").stdout
    assert status.index("112") < status.index("microdose · today")


def test_dass21_item21(cli: CliRun) -> None:
    for item21, crisis in (("1", False), ("2", True), ("3", True)):
        data = as_json(cli("answer", "dass21", "--answers", ",".join(["0"] * 20 + [item21]),
                           "--json"))
        assert ("crisis" in data) is crisis
        if crisis:
            assert data["crisis"]["triggers"] == ["dass21_item21"]
            assert "meaningless" in data["crisis"]["message"]


def test_reliable_deterioration_in_answer(cli: CliRun) -> None:
    first = as_json(cli("answer", "phq9", "--answers", "1,1,1,0,0,0,0,0,0", "--date",
                        "2026-01-01", "--json"))
    assert "crisis" not in first
    worse = as_json(cli("answer", "phq9", "--answers", "2,2,1,1,1,1,1,0,0", "--date",
                        "2026-01-15", "--json"))
    assert worse["total"] - first["total"] == 6
    assert worse["crisis"]["triggers"] == ["phq9_deterioration"]
    assert set(worse["crisis"]) >= CRISIS_KEYS


def test_screen_with_suicidal_thoughts_raises_the_crisis(cli: CliRun) -> None:
    data = as_json(cli("screen", "--condition", "suicidal-thoughts", "--json"))
    assert data["crisis"]["acknowledge_required"] is True
    assert cli("dose", "--material", "dried-cubensis", "--grams", "0.2").exit_code == 3


def test_resources_follow_the_region(cli: CliRun, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")  # a country without its own resources: 112
    fallback = as_json(cli("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--json"))
    assert {r["region"] for r in fallback["crisis"]["resources"]} == {"INTL"}
    assert fallback["crisis"]["region_unknown"] is True
    text = cli("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1").stdout
    for name in ("Find A Helpline", "Befrienders Worldwide", "112 from any mobile phone"):
        assert name in text
    assert "To see your country's helplines: `microdose crisis region CODE`" in text
    assert "`microdose crisis region CODE`" in cli("crisis", "show").stdout
    monkeypatch.setenv("MICRODOSE_REGION", "US")
    us = as_json(cli("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--json"))
    assert us["crisis"]["resources"][0]["contact"] == "call or text 988"
    assert us["crisis"]["region"] == "US" and us["crisis"]["region_unknown"] is False
    assert "crisis region CODE" not in cli("crisis", "show").stdout
    assert as_json(cli("crisis", "region", "uk", "--json"))["region"] == "GB"
    answered = crisis_answer(cli)
    assert answered["crisis"]["resources"][0]["name"] == "Samaritans"
    assert "116 123" in answered["crisis"]["resources"][0]["contact"]
    bad = cli("crisis", "region", "Atlantis")
    assert bad.exit_code == 2 and "allowed:" in bad.stderr


def test_medication_change_makes_a_screen_due(cli: CliRun) -> None:
    cli("screen", "--medication", "Zoloft")
    assert as_json(cli("medication-change", "--note", "added lithium", "--json"))["note"]
    refused = cli("dose", "--material", "dried-cubensis", "--grams", "0.2")
    assert refused.exit_code == 3 and "medications changed" in refused.stderr
    rescreen = as_json(cli("screen", "--medication", "Zoloft", "--medication", "Lithobid",
                           "--json"))
    assert rescreen["medication_changes"] == {"added": ["lithium"], "removed": []}
    assert cli("dose", "--material", "dried-cubensis", "--grams", "0.2").exit_code == 3


def test_adverse_events(cli: CliRun) -> None:
    mild = as_json(cli("adverse", "--category", "headache", "--grade", "1", "--json"))
    assert (mild["serious"], mild["alert"], mild["advice"]) == (False, False, None)
    severe = as_json(cli("adverse", "--category", "Low Mood", "--grade", "3", "--start",
                         (TODAY - timedelta(days=2)).isoformat(), "--action", "paused",
                         "--json"))
    assert severe["category"] == "low mood" and severe["grade_label"] == "severe"
    assert severe["alert"] is True and "contact a clinician" in severe["advice"]
    perceptual = cli("adverse", "--category", "perceptual effects", "--grade", "1")
    assert perceptual.exit_code == 0
    assert "ADVICE" in perceptual.stdout and "alert was recorded" in perceptual.stdout
    worst = as_json(cli("adverse", "--category", "anxiety", "--grade", "4", "--json"))
    assert "emergency" in worst["advice"] and worst["resources"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--category", "tiredness", "--grade", "2"], "category"),
        (["--category", "headache", "--grade", "5"], "grade"),
        (["--category", "headache", "--grade", "0"], "grade"),
        (["--category", "headache", "--grade", "2", "--action", "shrug"], "action"),
        (["--category", "headache", "--grade", "2", "--start", "2999-01-01"], "start"),
    ],
)
def test_adverse_bad_input(cli: CliRun, args: list[str], field: str) -> None:
    result = cli("adverse", *args)
    assert result.exit_code == 2 and f"{field}:" in result.stderr
    assert "Traceback" not in result.output


def test_evidence(cli: CliRun) -> None:
    text = cli("evidence").stdout
    assert "Szigeti et al. 2021, eLife 10:e62878" in text and "Conclusion" in text
    data = as_json(cli("evidence", "--json"))
    assert all(c["citation"] for s in data["sections"] for c in s["claims"])


def test_a_blinded_envelope_does_not_bypass_a_crisis_or_a_block(
    cli: CliRun, database_url: str
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from microdose.services.trials import trial_envelopes
    from microdose.store.engine import make_engine
    from microdose.store.trial_models import TrialRow

    cli("screen")
    designed = cli("trial", "design", "--yes", "--doses", "4", "--protocol", "fadiman", "--start",
                   TODAY.isoformat(), "--seed", "3")
    assert designed.exit_code == 0, designed.output
    engine = make_engine(database_url)
    with Session(engine) as session:  # the codes are on the kit's labels; read them here
        trial = session.scalars(select(TrialRow)).one()
        codes = [e.code for e in trial_envelopes(session=session, trial=trial)]
    engine.dispose()
    crisis_answer(cli)
    refused = cli("dose", "--envelope", codes[0])
    assert refused.exit_code == 3 and "not acknowledged" in refused.stderr
    cli("crisis", "ack")
    assert cli("dose", "--envelope", codes[0]).exit_code == 0
    cli("screen", "--medication", "Lithobid")
    refused = cli("dose", "--envelope", codes[1])
    assert refused.exit_code == 3 and "says block" in refused.stderr
    doses = [i for i in as_json(cli("history", "--json")) if i["type"] == "dose"]
    assert [d["envelope_code"] for d in doses] == [codes[0]]
