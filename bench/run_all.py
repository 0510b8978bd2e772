"""Run every benchmark in this folder (each prints its own figures)."""

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
        runpy.run_path(str(script), run_name="__main__")
