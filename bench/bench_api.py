"""Check-ins per second through the HTTP API on SQLite, against raw SQLite inserts.

A real ``microdose serve`` (uvicorn, one process) on a free 127.0.0.1 port receives
``POST /api/v1/checkins`` from keep-alive clients; every 2xx means the check-in was
committed. The baseline inserts the same rows into the same schema with Python's
``sqlite3`` and the same PRAGMAs (WAL, synchronous=NORMAL), one commit per row — the same
durability per check-in — measured in the same run. Prints figures; asserts nothing.

Run: ``python bench/bench_api.py [N] [CLIENTS]`` (default 1,000 check-ins, 4 clients).
"""

from __future__ import annotations

import http.client
import json
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

RATINGS = ("mood", "anxiety", "energy", "focus", "sleep", "connectedness")
TARGET_RATIO = 0.3


def rows(n: int) -> list[dict[str, object]]:
    """``n`` check-ins on distinct days."""
    first = date(2000, 1, 1)
    return [
        {"date": (first + timedelta(days=i)).isoformat(), **{r: (i + k) % 11 for k, r in
                                                             enumerate(RATINGS)}}
        for i in range(n)
    ]


def start_server(database: Path) -> tuple[subprocess.Popen[str], str]:
    """``microdose serve --port 0`` and the address it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "microdose", "--database-url", f"sqlite:///{database}",
         "--timezone", "UTC", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return process, found.group(0)
    raise RuntimeError("the server did not start")


def through_api(url: str, data: list[dict[str, object]], clients: int) -> tuple[float, list[float]]:
    """Seconds to post every row with ``clients`` keep-alive clients, and each latency.

    The clients use the standard library's ``http.client`` (a light client: on a small
    machine the client shares the CPUs with the server).
    """
    latencies: list[float] = []
    lock = threading.Lock()
    host, port = url.removeprefix("http://").split(":")
    headers = {"Content-Type": "application/json"}

    def send(part: list[dict[str, object]]) -> None:
        mine = []
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        for body in part:
            began = time.perf_counter()
            connection.request("POST", "/api/v1/checkins", json.dumps(body), headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if response.status >= 300:
                raise RuntimeError(f"HTTP {response.status}")
        connection.close()
        with lock:
            latencies.extend(mine)

    send([{**body, "date": "1999-01-01"} for body in rows(20)])  # warm-up
    latencies.clear()
    threads = [threading.Thread(target=send, args=(data[i::clients],)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, latencies


def raw_sqlite(database: Path, data: list[dict[str, object]], batch: bool) -> float:
    """Seconds to insert the rows with ``sqlite3``: one commit per row, or one in all."""
    from microdose.store.engine import make_engine
    from microdose.store.migrate import ensure_schema

    engine = make_engine(f"sqlite:///{database}")
    ensure_schema(engine)  # the same tables and indexes as the served journal
    engine.dispose()
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    person = uuid.uuid4().hex
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    connection.execute(
        "INSERT INTO person (id, display_name, timezone, created_at) VALUES (?, 'me', 'UTC', ?)",
        (person, now),
    )
    sql = (
        "INSERT INTO checkin (id, person_id, local_date, mood, anxiety, energy, focus, sleep, "
        "connectedness, side_effects, notes, guess, guess_confidence, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', NULL, NULL, NULL, ?, ?)"
    )
    began = time.perf_counter()
    if batch:
        connection.execute("BEGIN")
    for row in data:
        if not batch:
            connection.execute("BEGIN")
        connection.execute(
            sql, (uuid.uuid4().hex, person, row["date"], *(row[r] for r in RATINGS), now, now)
        )
        if not batch:
            connection.execute("COMMIT")
    if batch:
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - began
    connection.close()
    return elapsed


def main(n: int = 1000, clients: int = 4) -> None:
    data = rows(n)
    with tempfile.TemporaryDirectory() as folder:
        served, url = start_server(Path(folder) / "api.sqlite3")
        try:
            api_seconds, latencies = through_api(url, data, clients)
        finally:
            served.terminate()
            served.wait(timeout=10)
        per_row = raw_sqlite(Path(folder) / "raw.sqlite3", data, batch=False)
        batched = raw_sqlite(Path(folder) / "batch.sqlite3", data, batch=True)
    api_rate, raw_rate = n / api_seconds, n / per_row
    ms = sorted(1000 * x for x in latencies)
    p50, p99 = statistics.median(ms), ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    ratio = api_rate / raw_rate
    print(f"check-ins: {n} through POST /api/v1/checkins, {clients} keep-alive clients, "
          "SQLite (WAL, synchronous=NORMAL)")
    print(f"HTTP API          {api_rate:10.0f} check-ins/s   latency p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms")
    print(f"raw SQLite        {raw_rate:10.0f} rows/s        (sqlite3, one commit per row)")
    print(f"raw SQLite batch  {n / batched:10.0f} rows/s        (one transaction, for scale)")
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"ratio API / raw   {ratio:10.3f}  ({verdict} the target of {TARGET_RATIO})")


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:3]]
    main(*arguments)
