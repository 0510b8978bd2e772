"""A journal entry from an argument, standard input or a file; a long one refused, not cut."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRun

from microdose.domain.journal import MAX_LENGTH


def entries(cli: CliRun) -> list[dict[str, object]]:
    items = json.loads(cli("history", "--json").stdout)
    return [item for item in items if item["type"] == "journal"]


def test_text_comes_from_standard_input_or_a_file(cli: CliRun, tmp_path: Path) -> None:
    letter = "Dear me,\n\nthree paragraphs of integration.\n\nAnd a last line."
    assert cli("journal", "integration", "-", input=letter).exit_code == 0
    source = tmp_path / "entry.txt"
    source.write_text("From a file: ünïcode kept.\n", encoding="utf-8")
    assert cli("journal", "note", "--file", str(source)).exit_code == 0
    texts = [item["text"] for item in entries(cli)]
    assert texts == [letter, "From a file: ünïcode kept."]


def test_text_and_a_file_together_or_neither_are_refused(cli: CliRun, tmp_path: Path) -> None:
    source = tmp_path / "entry.txt"
    source.write_text("x", encoding="utf-8")
    both = cli("journal", "note", "words", "--file", str(source))
    neither = cli("journal", "note")
    for result in (both, neither):
        assert result.exit_code == 2
        assert "text:" in result.output and "--file" in result.output
    missing = cli("journal", "note", "--file", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and "--file: cannot read" in missing.output
    assert entries(cli) == []


def test_an_entry_over_the_limit_is_refused_naming_the_limit(cli: CliRun) -> None:
    result = cli("journal", "note", "-", input="a" * (MAX_LENGTH + 1))
    assert result.exit_code == 2
    assert f"more than {MAX_LENGTH:,}" in result.output
    assert entries(cli) == []
