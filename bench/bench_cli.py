"""CLI start-up: median wall time of `microdose checkin` against `import typer, sqlalchemy.orm`.

Both are measured in the same run, alternating, on a migrated SQLite journal in a temp dir.
Prints figures; the target (issue: fast CLI) is a ratio of at most 1.3.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        cli = [sys.executable, "-m", "microdose", "--database-url", url]
        subprocess.run([*cli, "init"], check=True, stdout=subprocess.DEVNULL)
        baseline_cmd = [sys.executable, "-c", "import typer, sqlalchemy.orm"]
        checkin_cmd = [*cli, "checkin", "--mood", "5", "--anxiety", "4", "--energy", "5",
                       "--focus", "5", "--sleep", "6", "--connectedness", "5"]
        wall(baseline_cmd), wall(checkin_cmd)  # warm the file cache
        baseline, checkin = [], []
        for _ in range(RUNS):
            baseline.append(wall(baseline_cmd))
            checkin.append(wall(checkin_cmd))
    base, check = statistics.median(baseline), statistics.median(checkin)
    print(f"cli start-up ({RUNS} runs each, medians)")
    print(f"  import typer, sqlalchemy.orm : {base * 1000:7.1f} ms")
    print(f"  microdose checkin            : {check * 1000:7.1f} ms")
    print(f"  ratio                        : {check / base:7.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
