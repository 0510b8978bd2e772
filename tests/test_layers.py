"""The import graph points one way: domain ← analysis ← store ← services ← reports/web/cli."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "microdose"
FORBIDDEN = {
    "domain": ("sqlalchemy", "alembic", "fastapi", "starlette", "typer", "click", "pandas",
               "microdose.analysis", "microdose.store", "microdose.services",
               "microdose.reports", "microdose.web", "microdose.cli"),
    "analysis": ("sqlalchemy", "alembic", "fastapi", "starlette", "typer", "click",
                 "microdose.store", "microdose.services", "microdose.reports",
                 "microdose.web", "microdose.cli"),
    "store": ("fastapi", "starlette", "typer", "microdose.services", "microdose.reports",
              "microdose.web", "microdose.cli"),
    "services": ("fastapi", "starlette", "typer", "microdose.web", "microdose.cli"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer: str) -> None:
    files = sorted((SRC / layer).rglob("*.py"))
    assert files, f"no modules in {layer}"
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in files
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer])
    ]
    assert offenders == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from microdose.store.models import Person\nimport sqlalchemy.orm\n")
    assert imported_modules(bad) == {"microdose.store.models", "sqlalchemy.orm"}
