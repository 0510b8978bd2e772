"""Docs come from the code: a stale CLI reference or an undocumented setting fails."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from microdose.cli.reference import render
from microdose.domain.instruments import INSTRUMENTS
from microdose.settings import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[1]


def all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md",
                                                             *sorted(ROOT.glob("docs/*.md"))])


def test_cli_reference_is_current() -> None:
    on_disk = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert on_disk == render(), "docs/cli.md is stale: run `make docs`"


def test_every_setting_is_documented() -> None:
    text = all_docs()
    missing = [f"{PREFIX}{f.name.upper()}" for f in dataclasses.fields(Settings)
               if f"{PREFIX}{f.name.upper()}" not in text]
    assert missing == []


def test_every_instrument_is_documented() -> None:
    text = (ROOT / "docs" / "instruments.md").read_text(encoding="utf-8")
    for instrument in INSTRUMENTS.values():
        assert instrument.name in text
        assert f"`{instrument.key}`" in text


def test_the_expectancy_scale_is_documented_apart() -> None:
    from microdose.domain.expectancy import EXPECTANCY_INSTRUMENTS

    trials_doc = (ROOT / "docs" / "trials.md").read_text(encoding="utf-8")
    instruments_doc = (ROOT / "docs" / "instruments.md").read_text(encoding="utf-8")
    for instrument in EXPECTANCY_INSTRUMENTS.values():
        assert "Younger" in instruments_doc and "Younger" in trials_doc
        assert f"`{instrument.key}`" in instruments_doc and instrument.name in trials_doc
        assert all(item in trials_doc for item in instrument.items)


def test_readme_shows_the_two_commands_and_links_every_doc() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    for doc in sorted(ROOT.glob("docs/*.md")):
        assert f"docs/{doc.name}" in readme, f"README does not link docs/{doc.name}"
