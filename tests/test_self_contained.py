"""A clone is enough: nothing in the repository reads a folder outside it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "src", "bench", "docs", "Makefile", ".ci")
#: Paths of a development machine that a user's clone does not have
OUTSIDE = ("../shared", "/shared/data", "/work/shared")
SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        top = ROOT / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in candidates:
            if not path.is_file() or SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
                continue
            if path.resolve() == Path(__file__).resolve():
                continue
            files.append(path)
    return files


def outside_references() -> list[str]:
    found = []
    for path in scanned_files():
        text = path.read_bytes().decode("utf-8", errors="replace")
        for needle in OUTSIDE:
            if needle in text:
                found.append(f"{path.relative_to(ROOT)}: {needle}")
    return found


def test_no_file_reads_a_folder_outside_the_repository() -> None:
    assert outside_references() == []


def test_the_scan_sees_the_copied_study_data() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in scanned_files()}
    assert {"tests/data/sbmd/pacutes.csv", "tests/data/sbmd/accumulatives.csv",
            "tests/data/sbmd/LICENSE", "tests/data/sbmd/README.md", "Makefile",
            ".ci/run"} <= names
    assert "MIT License" in (ROOT / "tests" / "data" / "sbmd" / "LICENSE").read_text()
