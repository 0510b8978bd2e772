"""Check-ins per second through the HTTP API on SQLite, against raw SQLite inserts.

A real ``microdose serve`` (uvicorn, one process) on a free 127.0.0.1 port receives
``POST /api/v1/checkins`` from keep-alive clients; every 2xx means the check-in was
committed. The baseline inserts the same rows into the same schema with Python's
``sqlite3``, one commit per row, under the PRAGMAs the app's engine sets (read from
``microdose.store.engine.SQLITE_PRAGMAS``: WAL, ``synchronous=FULL``), so that both sides
promise the same durability per check-in; both are measured in the same run.

For context it also prints raw inserts under ``synchronous=NORMAL`` (durable against a
crash of the process, not of the machine) and the ceiling of the HTTP stack: a minimal
Starlette app that echoes the JSON body, served by uvicorn the same way, with the same
clients. Each figure is the median of a few rounds; latencies are pooled over the API
rounds. Prints figures; asserts nothing.

Run: ``python bench/bench_api.py [N] [CLIENTS]`` (default 3,000 check-ins per round,
16 clients).
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

RATINGS = ("mood", "anxiety", "energy", "focus", "sleep", "connectedness")
TARGET_RATIO = 0.3
ROUNDS = 3
BARE_FLAG = "--bare-server"
Rows = list[dict[str, object]]


def rows(n: int, first: date = date(2000, 1, 1)) -> Rows:
    """``n`` check-ins on distinct days from ``first``."""
    return [
        {"date": (first + timedelta(days=i)).isoformat(),
         **{r: (i + k) % 11 for k, r in enumerate(RATINGS)}}
        for i in range(n)
    ]


def start(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    """Start a server process and wait for the 127.0.0.1 address it prints."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return process, found.group(0)
    raise RuntimeError("the server did not start")


def stop(process: subprocess.Popen[str]) -> None:
    """Stop a server this benchmark started."""
    process.terminate()
    process.wait(timeout=10)


def post_all(url: str, path: str, data: Rows, clients: int) -> tuple[float, list[float]]:
    """Seconds to post every row with ``clients`` keep-alive connections, and each latency.

    The load generator is a minimal HTTP/1.1 client on ``asyncio`` streams, in one thread:
    on a small machine it shares the CPUs with the server, so it must cost little per
    request (as wrk or h2load would), and it checks every status.
    """
    host, port = url.removeprefix("http://").split(":")
    return asyncio.run(_post_all(host, int(port), path, data, clients))


async def _post_all(host: str, port: int, path: str, data: Rows,
                    clients: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/json\r\nContent-Length: ").encode()

    async def send(part: Rows) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        for row in part:
            body = json.dumps(row).encode()
            began = time.perf_counter()
            writer.write(b"%s%d\r\n\r\n%s" % (head, len(body), body))
            status, length = _response_head(await reader.readuntil(b"\r\n\r\n"))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            if status >= 300:
                raise RuntimeError(f"HTTP {status} from {path}")
        writer.close()
        await writer.wait_closed()

    began = time.perf_counter()
    await asyncio.gather(*(send(data[i::clients]) for i in range(clients)))
    return time.perf_counter() - began, latencies


def _response_head(head: bytes) -> tuple[int, int]:
    """Status and Content-Length of a response's head (the server always sends a length)."""
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in lines[1:]
                  if line.lower().startswith(b"content-length:"))
    return int(lines[0].split()[1]), length


def through_http(url: str, path: str, n: int, clients: int) -> tuple[list[float], list[float]]:
    """Rates of :data:`ROUNDS` rounds of ``n`` posts (new days each round), and latencies."""
    post_all(url, path, rows(50, date(1990, 1, 1)), clients)  # warm-up
    rates, latencies = [], []
    for round_ in range(ROUNDS):
        seconds, measured = post_all(url, path, rows(n, date(2000 + 10 * round_, 1, 1)), clients)
        rates.append(n / seconds)
        latencies.extend(measured)
    return rates, latencies


def app_pragmas() -> tuple[str, ...]:
    """The PRAGMAs the app sets on every SQLite connection."""
    from microdose.store.engine import SQLITE_PRAGMAS

    return SQLITE_PRAGMAS


def raw_sqlite(database: Path, data: Rows, pragmas: Sequence[str]) -> float:
    """Seconds to insert the rows with ``sqlite3`` under ``pragmas``, one commit per row."""
    from microdose.store.engine import make_engine
    from microdose.store.migrate import ensure_schema

    engine = make_engine(f"sqlite:///{database}")
    ensure_schema(engine)  # the same tables and indexes as the served journal
    engine.dispose()
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in pragmas:
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
    for row in data:
        connection.execute("BEGIN")
        connection.execute(
            sql, (uuid.uuid4().hex, person, row["date"], *(row[r] for r in RATINGS), now, now)
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - began
    connection.close()
    return elapsed


def raw_rates(folder: Path, data: Rows, pragmas: Sequence[str]) -> list[float]:
    """Rows per second of :data:`ROUNDS` rounds, each into a new file."""
    return [
        len(data) / raw_sqlite(folder / f"raw-{uuid.uuid4().hex}.sqlite3", data, pragmas)
        for _ in range(ROUNDS)
    ]


def with_synchronous(pragmas: Sequence[str], level: str) -> tuple[str, ...]:
    """``pragmas`` with ``synchronous`` set to ``level``."""
    return tuple(
        f"synchronous={level}" if p.startswith("synchronous=") else p for p in pragmas
    )


def serve_bare() -> None:
    """A minimal Starlette app that echoes a JSON body, served by uvicorn on a free port."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse(await request.json(), status_code=201)

    app = Starlette(routes=[Route("/echo", echo, methods=["POST"])])
    # bound as `microdose serve` binds (IPPROTO_TCP: asyncio then sets TCP_NODELAY)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(f"bare server at http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def main(n: int = 3000, clients: int = 16) -> None:
    pragmas = app_pragmas()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        served, url = start([
            sys.executable, "-m", "microdose", "--database-url",
            f"sqlite:///{folder / 'api.sqlite3'}", "--timezone", "UTC", "serve", "--port", "0",
        ])
        try:
            api, latencies = through_http(url, "/api/v1/checkins", n, clients)
        finally:
            stop(served)
        bare_process, bare_url = start([sys.executable, __file__, BARE_FLAG])
        try:
            bare, _ = through_http(bare_url, "/echo", n, clients)
        finally:
            stop(bare_process)
        data = rows(n)
        same = raw_rates(folder, data, pragmas)
        normal = raw_rates(folder, data, with_synchronous(pragmas, "NORMAL"))
    report(n, clients, pragmas, api, latencies, same, normal, bare)


def report(n: int, clients: int, pragmas: Sequence[str], api: list[float],
           latencies: list[float], same: list[float], normal: list[float],
           bare: list[float]) -> None:
    """Print the figures: the median of the rounds, their range, and what each is."""
    def line(label: str, rates: list[float], unit: str, note: str) -> None:
        spread = f"({min(rates):.0f}-{max(rates):.0f})"
        print(f"{label:<34}{statistics.median(rates):7.0f} {unit:<14}{spread:<13} {note}")

    ms = sorted(1000 * x for x in latencies)
    p50, p99 = statistics.median(ms), ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    sync = next(p for p in pragmas if p.startswith("synchronous="))
    ratio = statistics.median(api) / statistics.median(same)
    print(f"{n} check-ins per round, median of {ROUNDS} rounds (range), {clients} keep-alive "
          f"clients; the app's SQLite PRAGMAs: {', '.join(pragmas)}")
    line("HTTP API, POST /api/v1/checkins", api, "check-ins/s",
         f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    line(f"raw sqlite3, {sync}", same, "rows/s", "one commit per row: the baseline")
    line("raw sqlite3, synchronous=NORMAL", normal, "rows/s",
         "context: a commit may be lost on power loss")
    line("bare Starlette echo on uvicorn", bare, "requests/s",
         "context: the ceiling of the HTTP stack")
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"ratio API / raw sqlite3 ({sync}): {ratio:.3f}, {verdict} the target of "
          f"{TARGET_RATIO}")


if __name__ == "__main__":
    if BARE_FLAG in sys.argv:
        serve_bare()
    else:
        main(*[int(a) for a in sys.argv[1:3] if a.isdigit()])
