"""Dose logging through the CLI: warnings for unplanned and consecutive days and big amounts."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.conftest import CliRun, journal_today


def dose(cli: CliRun, *args: str) -> dict[str, object]:
    result = cli("dose", *args, "--json")
    assert result.exit_code == 0, result.output
    loaded = json.loads(result.stdout)
    assert isinstance(loaded, dict)
    return loaded


def test_dose_warnings(cli: CliRun) -> None:
    assert cli("screen").exit_code == 0  # plan and dose need a safety screen first
    start = journal_today() - timedelta(days=9)
    cli("plan", "--yes", "--protocol", "fadiman", "--start", start.isoformat(), "--weeks", "2")
    planned = dose(cli, "--material", "dried-cubensis", "--grams", "0.2", "--date",
                   start.isoformat())
    assert planned["warnings"] == []
    assert planned["local_date"] == start.isoformat()
    next_day = dose(cli, "--material", "dried-cubensis", "--grams", "0.6", "--date",
                    (start + timedelta(days=1)).isoformat())
    joined = " ".join(next_day["warnings"])  # type: ignore[arg-type]
    assert "unplanned day" in joined
    assert "consecutive dose days" in joined
    assert "above the microdose range" in joined


def test_dose_at_a_time_keeps_the_local_day(cli: CliRun) -> None:
    # 00:30 in Berlin on 1 March is still 29 February (leap day) in UTC: the day is the person's day
    assert cli("screen").exit_code == 0  # dose needs a safety screen first
    recorded = dose(cli, "--material", "psilocybin", "--mg", "2", "--at", "2024-03-01T00:30")
    assert recorded["local_date"] == "2024-03-01"
    assert str(recorded["taken_at"]).startswith("2024-02-29T23:30")


def test_dose_bad_input(cli: CliRun) -> None:
    tomorrow = (journal_today() + timedelta(days=2)).isoformat()
    cases = [
        ["--material", "dried-cubensis", "--grams", "0"],
        ["--material", "dried-cubensis", "--grams", "abc"],
        ["--material", "unicorn", "--grams", "0.1"],
        ["--grams", "0.1"],
        ["--material", "dried-cubensis", "--grams", "0.1", "--date", tomorrow],
        ["--material", "dried-cubensis", "--grams", "0.1", "--at", "noon"],
    ]
    for args in cases:
        result = cli("dose", *args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    history = json.loads(cli("history", "--json").stdout)
    assert history == []
