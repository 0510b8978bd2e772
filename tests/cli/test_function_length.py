"""The CLI stays readable: no function in ``src/microdose/cli`` is longer than 40 lines."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "src" / "microdose" / "cli"
LIMIT = 40


def long_functions() -> list[str]:
    found = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > LIMIT:
                    found.append(f"{path.name}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_cli_function_is_longer_than_40_lines() -> None:
    assert long_functions() == []


def test_the_walk_sees_the_commands() -> None:
    names = {node.name for path in CLI.glob("*.py")
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.FunctionDef)}
    assert {"serve", "demo", "checkin", "plan", "export"} <= names
