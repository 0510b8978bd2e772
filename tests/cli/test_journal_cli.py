"""The personal journal through the CLI, on a real SQLite file and a real PostgreSQL schema."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from tests.conftest import CliRun, journal_today

CHECKIN = ["--mood", "6", "--anxiety", "3", "--energy", "5", "--focus", "5", "--sleep", "7",
           "--connectedness", "4"]


def as_json(result: object) -> object:
    return json.loads(result.stdout)  # type: ignore[attr-defined]


def test_score_phq9_json_shape(cli: CliRun) -> None:
    result = cli("score", "phq9", "--answers", "2,2,2,2,2,1,1,0,0", "--json")
    assert result.exit_code == 0
    assert as_json(result) == {"instrument": "phq9", "total": 12, "severity": "moderate",
                               "flags": []}


def test_score_item9_raises_the_crisis_object(cli: CliRun) -> None:
    result = cli("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--json")
    data = as_json(result)
    assert data["flags"] == ["suicidal_ideation"]
    assert data["crisis"]["acknowledge_required"] is True
    assert {"name", "contact", "region"} <= set(data["crisis"]["resources"][0])
    text = cli("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1").stdout
    assert "112" in text  # the resources are shown in plain text output as well


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ("1,1,1", "PHQ-9 has 9 items, got 3"),
        ("1,1,1,1,1,1,1,1,x", "item 9"),
        ("1,1,1,1,1,1,1,1,4", "allowed: 0-3"),
        ("1,1,1,1,1,1,1,1,-1", "item 9"),
    ],
)
def test_score_bad_answers_exit_2_and_name_the_item(cli: CliRun, answers: str,
                                                    message: str) -> None:
    result = cli("score", "phq9", "--answers", answers)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_score_other_instruments(cli: CliRun) -> None:
    who5 = as_json(cli("score", "who5", "--answers", "3,3,3,2,2", "--json"))
    assert (who5["raw"], who5["percent"]) == (13, 52)
    dass = as_json(cli("score", "dass21", "--answers", ",".join(["1"] * 21), "--json"))
    assert dass["subscales"]["depression"] == {"score": 14, "severity": "moderate"}
    assert cli("score", "bdi", "--answers", "1").exit_code == 2


def test_answer_stores_the_response_and_asks_item_by_item(cli: CliRun) -> None:
    stored = as_json(cli("answer", "gad7", "--answers", "1,1,1,1,1,1,1", "--date",
                         "2026-01-05", "--json"))
    assert stored["total"] == 7 and stored["date"] == "2026-01-05"
    asked = cli("answer", "who5", "--json", input="x\n9\n5\n5\n5\n5\n5\n")
    assert asked.exit_code == 0, asked.output
    assert as_json_tail(asked.stdout)["percent"] == 100
    history = as_json(cli("history", "--json"))
    assert [h["instrument"] for h in history if h["type"] == "questionnaire"] == ["gad7", "who5"]


def as_json_tail(stdout: str) -> dict[str, object]:
    """The JSON document printed after the interactive prompts."""
    loaded = json.loads(stdout[stdout.index("{\n"):])
    assert isinstance(loaded, dict)
    return loaded


def test_answer_with_bad_input_writes_nothing(cli: CliRun) -> None:
    assert cli("answer", "phq9", "--answers", "1,2").exit_code == 2
    assert cli("answer", "phq9", "--answers", ",".join(["1"] * 9), "--date", "2026-02-30"
               ).exit_code == 2
    assert as_json(cli("history", "--json")) == []


def test_estimate_json_and_errors(cli: CliRun) -> None:
    data = as_json(cli("estimate", "--material", "dried-cubensis", "--grams", "0.2", "--json"))
    assert data["psilocybin_mg"] == {"low": 1.04, "typical": 2.0, "high": 2.72}
    assert data["classification"] == "microdose"
    for grams in ("0", "-1", "abc", "100.5"):
        bad = cli("estimate", "--material", "dried-cubensis", "--grams", grams)
        assert bad.exit_code == 2 and "grams" in bad.stderr


def test_plan_json_ics_and_errors(cli: CliRun, tmp_path: Path) -> None:
    ics = tmp_path / "plan.ics"
    assert cli("screen").exit_code == 0  # plan needs a safety screen first
    result = cli("plan", "--yes", "--protocol", "fadiman", "--start", "2026-01-30", "--weeks", "2",
                 "--ics", str(ics), "--reminders", "--json")
    assert result.exit_code == 0, result.output
    data = as_json(result)
    assert data["dose_days"] == ["2026-01-30", "2026-02-02", "2026-02-05", "2026-02-08",
                                 "2026-02-11"]
    calendar = Calendar.from_ical(ics.read_bytes())
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert sum("Check-in" in s for s in summaries) == 14
    assert len(summaries) == 14 + 5
    weekdays = as_json(cli("plan", "--yes", "--protocol", "weekdays", "--weekdays", "mon,thu",
                           "--start", "2026-11-18", "--weeks", "1", "--json"))
    assert weekdays["dose_days"] == ["2026-11-19", "2026-11-23"]
    for bad in (["--protocol", "daily"], ["--start", "2026-13-01"], ["--weeks", "0"]):
        args = {"--protocol": "fadiman", "--start": "2026-01-01", "--weeks": "4"}
        args[bad[0]] = bad[1]
        assert cli("plan", "--yes", *[x for kv in args.items() for x in kv]).exit_code == 2


def test_checkin_once_a_day_second_updates(cli: CliRun) -> None:
    first = as_json(cli("checkin", *CHECKIN, "--date", "2026-03-01", "--side-effect",
                        "Headache", "--json"))
    assert first["created"] is True and first["side_effects"] == ["headache"]
    second = as_json(cli("checkin", *CHECKIN[:-1], "9", "--date", "2026-03-01", "--json"))
    assert second["created"] is False and second["connectedness"] == 9
    checkins = [h for h in as_json(cli("history", "--json")) if h["type"] == "checkin"]
    assert len(checkins) == 1 and checkins[0]["connectedness"] == 9


@pytest.mark.parametrize(
    "change",
    [["--mood", "11"], ["--mood", "-1"], ["--mood", "x"], ["--side-effect", "hallucination"],
     ["--date", "yesterday"]],
)
def test_checkin_bad_input(cli: CliRun, change: list[str]) -> None:
    args = [*CHECKIN, *change] if change[0] != "--mood" else [*change, *CHECKIN[2:]]
    result = cli("checkin", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert as_json(cli("history", "--json")) == []


def test_journal_entries(cli: CliRun) -> None:
    assert cli("journal", "intention", "Notice small joys", "--date", "2026-03-02").exit_code == 0
    assert cli("journal", "dream", "x").exit_code == 2
    assert cli("journal", "note", "   ").exit_code == 2
    entries = [h for h in as_json(cli("history", "--json")) if h["type"] == "journal"]
    assert [(e["kind"], e["text"]) for e in entries] == [("intention", "Notice small joys")]


def test_status_history_export_delete(cli: CliRun, tmp_path: Path) -> None:
    today = journal_today()
    cli("checkin", *CHECKIN, "--date", (today - timedelta(days=1)).isoformat())
    cli("checkin", *CHECKIN)
    cli("answer", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    status = as_json(cli("status", "--json"))
    assert status["streak"] == 2 and status["checked_in_today"] is True
    assert status["latest"]["phq9"]["total"] == 8
    assert set(status["due"]) == {"gad7", "who5"}
    assert "Latest scores" in cli("status").stdout
    exported = as_json(cli("export", "--format", "json"))
    assert len(exported["tables"]["checkin"]) == 2
    folder = tmp_path / "csv"
    assert cli("export", "--format", "csv", "--output", str(folder)).exit_code == 0
    with (folder / "checkin.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 2
    assert cli("export", "--format", "xml").exit_code == 2
    assert cli("delete", "--all", input="n\n").exit_code == 1  # declined: nothing deleted
    assert len(as_json(cli("history", "--json"))) == 3
    assert cli("delete", "--all", input="y\n").exit_code == 0
    assert as_json(cli("history", "--json")) == []


def test_init_creates_the_journal(cli: CliRun) -> None:
    result = cli("init", "--json")
    assert result.exit_code == 0
    assert as_json(result)["timezone"] == "Europe/Berlin"
