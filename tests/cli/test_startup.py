"""Writing commands start fast: nothing heavy is imported (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "altair", "weasyprint", "fastapi",
         "uvicorn", "alembic", "pyarrow", "vl_convert", "pydantic_settings")

PROBE = """
import json, sys
from microdose.cli.app import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "heavy": sorted(m for m in sys.modules
                  if m.split('.')[0] in json.loads(HEAVY))}))
"""


def run_probe(args: list[str], database: Path, heavy: tuple[str, ...] = HEAVY) -> dict[str, object]:
    code = PROBE.replace("json.loads(HEAVY)", repr(list(heavy)))
    done = subprocess.run(
        [sys.executable, "-c", code, "--database-url", f"sqlite:///{database}", *args],
        capture_output=True, text=True, check=False, timeout=120,
    )
    line = done.stdout.strip().splitlines()[-1]
    loaded = json.loads(line)
    assert isinstance(loaded, dict)
    return loaded


def test_checkin_dose_and_journal_import_nothing_heavy(tmp_path: Path) -> None:
    database = tmp_path / "j.sqlite3"
    assert run_probe(["init"], database)["code"] == 0  # migrations run once, here
    checkin = ["checkin", "--mood", "5", "--anxiety", "5", "--energy", "5", "--focus", "5",
               "--sleep", "5", "--connectedness", "5"]
    for args in (checkin, ["journal", "note", "hello"]):
        result = run_probe(args, database)
        assert result == {"code": 0, "heavy": []}, args


def test_the_probe_would_see_a_heavy_import(tmp_path: Path) -> None:
    # `analyze`-style commands may import heavy modules; the probe must notice that it did
    result = run_probe(["--help"], tmp_path / "x.sqlite3", heavy=("typer",))
    assert "typer" in result["heavy"]  # type: ignore[operator]
