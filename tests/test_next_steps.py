"""The core names no interface: its refusals carry a next step each interface words itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from microdose.cli.app import NEXT_STEP_COMMANDS, said
from microdose.domain.errors import NEXT_STEPS, Conflict, MicrodoseError, SafetyBlock
from microdose.web.platform.views import NEXT_STEP_LINKS

SRC = Path(__file__).resolve().parents[1] / "src" / "microdose"
#: core modules whose words only the CLI ever shows (reading a `microdose export` back; the
#: study and N-of-1 series files `trial analyze` reads)
CLI_ONLY = {"services/importer.py", "services/study_data.py", "services/series_data.py"}


def test_every_next_step_has_words_in_each_interface() -> None:
    assert set(NEXT_STEP_COMMANDS) == set(NEXT_STEPS) == set(NEXT_STEP_LINKS)
    with pytest.raises(ValueError, match="next_step: 'elsewhere' is not one of"):
        MicrodoseError("x", next_step="elsewhere")  # type: ignore[arg-type]


def test_the_cli_adds_the_command_and_keeps_plain_messages() -> None:
    refused = SafetyBlock("dose refused: a crisis flag is open.", next_step="crisis-ack")
    assert said(refused) == "dose refused: a crisis flag is open. Next: `microdose crisis ack`"
    assert said(Conflict("already there")) == "already there"


def _strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_message_of_the_core_names_a_cli_command_or_option() -> None:
    """What services and the domain say reaches the web and the API too."""
    found = []
    for layer in ("domain", "services", "analysis"):
        for path in sorted((SRC / layer).glob("*.py")):
            if path.relative_to(SRC).as_posix() in CLI_ONLY:
                continue
            found += [f"{path.name}: {text!r}" for text in _strings(path)
                      if "`microdose " in text or " --" in text or text.startswith("--")]
    assert found == []
