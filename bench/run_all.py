"""Run every benchmark in this folder (each prints its own figures).

``python bench/run_all.py [NAME …]`` runs all ``bench_*.py`` — the CLI, the daily
analysis, the personal journal's API on SQLite (``bench_api``) and the service's API on
PostgreSQL (``bench_service``, which needs the PostgreSQL server of the tests) — or only
the named ones, each with its default sizes.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    chosen = sys.argv[1:]
    for script in sorted(Path(__file__).parent.glob("bench_*.py")):
        if chosen and script.stem not in chosen:
            continue
        print(f"== {script.stem}", flush=True)
        sys.argv = [str(script)]  # each benchmark reads its own sizes from argv: defaults
        runpy.run_path(str(script), run_name="__main__")
