"""`microdose analyze`, `report`, `import` and the extra export formats, as a person runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.conftest import CliRun


@pytest.fixture
def demo(cli: CliRun) -> CliRun:
    result = cli("demo", "--weeks", "6", "--seed", "5", "--json")
    assert result.exit_code == 0, result.output
    return cli


def test_analyze_json_has_the_documented_shape(demo: CliRun) -> None:
    result = demo("analyze", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["change"]) == {"phq9", "gad7", "who5"}
    mood = data["daily"]["mood"]
    assert set(mood["dose_day_effect"]) >= {"estimate", "ci95"}
    assert set(mood) >= {"day_after_effect", "n_days", "method"}
    assert data["adherence"]["planned_doses"] > 0
    assert "crisis" not in data


def test_analyze_text_states_uncertainty_and_the_caveat(demo: CliRun) -> None:
    result = demo("analyze")
    assert result.exit_code == 0, result.output
    assert "95% CI" in result.stdout and "(reliable: ≥ 6)" in result.stdout
    assert "cannot separate the effect of the substance from expectation" in result.stdout


def test_analyze_period_options(demo: CliRun) -> None:
    whole = json.loads(demo("analyze", "--json").stdout)
    start = whole["period"]["from"]
    part = json.loads(demo("analyze", "--json", "--from", start, "--to", start).stdout)
    assert part["period"] == {"from": start, "to": start}
    assert part["daily"]["mood"]["status"] == "not enough data"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--from", "2026-02-30"], 2, "from: '2026-02-30' is not a date"),
        (["--from", "2026-03-02", "--to", "2026-03-01"], 2, "to: 2026-03-01 is before"),
        (["--from", "2099-01-01"], 4, "nothing recorded between 2099-01-01"),
    ],
)
def test_analyze_bad_input_is_one_line(
    demo: CliRun, args: list[str], code: int, message: str
) -> None:
    result = demo("analyze", *args)
    assert result.exit_code == code
    assert message in result.stderr and "Traceback" not in result.output


def test_analyze_an_empty_journal(cli: CliRun) -> None:
    result = cli("analyze")
    assert result.exit_code == 4 and "nothing recorded" in result.stderr


def test_analyze_shows_crisis_resources_when_the_latest_phq9_flags(demo: CliRun) -> None:
    answered = demo("answer", "phq9", "--answers", "1,1,1,1,1,1,1,1,1", "--json")
    assert answered.exit_code == 0, answered.output
    data = json.loads(demo("analyze", "--json").stdout)
    assert data["crisis"]["acknowledge_required"] is True


@pytest.mark.slow
def test_report_writes_a_pdf(demo: CliRun, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    result = demo("report", "--pdf", str(path), "--name", "Sam", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pdf"] == str(path)
    assert len(PdfReader(path).pages) >= 3


@pytest.mark.parametrize(
    ("name", "message"),
    [("report.txt", "does not end in .pdf"), ("no/dir/r.pdf", "does not exist")],
)
def test_report_refuses_a_bad_path(cli: CliRun, tmp_path: Path, name: str, message: str) -> None:
    result = cli("report", "--pdf", str(tmp_path / name))
    assert result.exit_code == 2 and message in result.stderr


def test_extra_export_formats(demo: CliRun, tmp_path: Path) -> None:
    for fmt in ("parquet", "tidy-csv", "fhir", "ics"):
        output = tmp_path / f"out-{fmt}"
        result = demo("export", "--format", fmt, "--output", str(output))
        assert result.exit_code == 0, result.output
        assert f"wrote {output}" in result.stdout
    assert (tmp_path / "out-parquet" / "days.parquet").is_file()
    assert (tmp_path / "out-tidy-csv" / "data_dictionary.csv").is_file()
    assert json.loads((tmp_path / "out-fhir").read_text())["resourceType"] == "Bundle"
    assert (tmp_path / "out-ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_ics_export_without_a_plan(cli: CliRun, tmp_path: Path) -> None:
    result = cli("export", "--format", "ics", "--output", str(tmp_path / "p.ics"))
    assert result.exit_code == 4 and "no active plan" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_import_round_trip_into_another_journal(demo: CliRun, tmp_path: Path, fmt: str) -> None:
    exported = tmp_path / f"export-{fmt}"
    assert demo("export", "--format", fmt, "--output", str(exported)).exit_code == 0
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    result = demo("--database-url", other, "import", str(exported), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] > 50
    again = tmp_path / "again.json"
    demo("--database-url", other, "export", "--output", str(again))
    first = demo("export", "--format", "json").stdout
    before = json.loads(first)["tables"]
    assert json.loads(again.read_text())["tables"] == before


def test_import_into_a_journal_with_records_is_refused_and_changes_nothing(
    demo: CliRun, tmp_path: Path
) -> None:
    exported = tmp_path / "export.json"
    demo("export", "--output", str(exported))
    before = demo("export").stdout
    result = demo("import", str(exported))
    assert result.exit_code == 5 and "--replace" in result.stderr
    broken = json.loads(exported.read_text())
    broken["tables"]["journal_entry"].append({"kind": "note", "local_date": "soon", "text": "x"})
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    result = demo("import", str(tmp_path / "broken.json"), "--replace")
    assert result.exit_code == 2 and "journal_entry row" in result.stderr
    assert demo("export").stdout == before  # nothing half-written


def test_import_of_a_file_that_is_not_ours(cli: CliRun, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    result = cli("import", str(path))
    assert result.exit_code == 2 and "not a microdose export" in result.stderr
