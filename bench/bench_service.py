"""Check-ins per second through the service's HTTP API on PostgreSQL, against raw inserts.

Setup (not timed): a schema of its own in the PostgreSQL database ``test`` (dropped at the
end), ``PARTICIPANTS`` participant accounts created through the services (cheapest argon2id
parameters, for speed), ``microdose serve --workers W`` on a free 127.0.0.1 port, and every
participant logged in through ``POST /api/v1/auth/login``.

Timed: every participant at once — one asyncio keep-alive connection each, raw HTTP/1.1
(a light client: on a small machine it shares the CPUs with the server) — posts
``PER_PARTICIPANT`` check-ins for distinct days; every 2xx means the check-in was
committed. The baseline inserts the same rows (for as many fresh persons) into the same
schema with psycopg, one commit per row, from one connection; for scale, also from many
connections at once (as many as the server's ``max_connections`` leaves free, up to one
per participant). Prints figures; asserts nothing.

Run: ``python bench/bench_service.py [PARTICIPANTS] [PER_PARTICIPANT] [WORKERS]``
(default 200 participants, 10 check-ins each, 2 workers). The database server:
``MICRODOSE_BENCH_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import asyncio
import gc
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from service_open_loop import HEADER, OpenRun, describe, open_loop

RATINGS = ("mood", "anxiety", "energy", "focus", "sleep", "connectedness")
TARGET_RATIO = 0.5
#: the open loop's arrival rates, as shares of the closed loop's throughput
OPEN_LOOP_SHARES = (0.25, 0.5, 0.75)
PASSWORD = "a long enough passphrase"
SERVER = os.environ.get("MICRODOSE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

Body = dict[str, Any]


def checkins(per: int, first: date = date(2025, 1, 1)) -> list[Body]:
    """``per`` check-ins on distinct days."""
    return [
        {"date": (first + timedelta(days=i)).isoformat(),
         **{r: (i + k) % 11 for k, r in enumerate(RATINGS)}}
        for i in range(per)
    ]


def sqlalchemy_url(schema: str) -> str:
    """The service's database URL: the bench schema first on the search path."""
    base = SERVER.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}?options=-csearch_path%3D{schema}"


def create_accounts(url: str, count: int) -> list[str]:
    """Migrate the schema and create ``count`` participants (cheap hashes); their emails."""
    from argon2 import PasswordHasher, profiles
    from sqlalchemy.orm import Session

    from microdose.services.accounts import create_account
    from microdose.store.engine import make_engine
    from microdose.store.migrate import ensure_schema

    engine = make_engine(url)
    ensure_schema(engine)
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    emails = [f"bench{i:04d}@example.org" for i in range(count)]
    with Session(engine) as session, session.begin():
        for email in emails:
            create_account(session=session, email=email, password=PASSWORD,
                           role="participant", timezone="UTC", hasher=cheap)
    engine.dispose()
    return emails


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[str], int]:
    """``microdose serve --workers N --port 0`` and the port it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "microdose", "--database-url", url, "--timezone", "UTC",
         "serve", "--port", "0", "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "MICRODOSE_SERVER_TIMING": "1"},  # where the time goes
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not found:
        process.kill()
        raise RuntimeError(f"the server did not start: {line}{process.stdout.read()}")
    return process, int(found.group(1))


def log_in_all(port: int, emails: list[str]) -> list[str]:
    """Every participant logs in through the API (8 at a time); their bearer tokens."""
    def log_in(email: str) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = json.dumps({"email": email, "password": PASSWORD})
        connection.request("POST", "/api/v1/auth/login", body,
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"login failed: {response.status} {answer}")
        return str(answer["token"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(log_in, emails))


async def _post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int,
                token: str, body: Body) -> int:
    payload = json.dumps(body).encode()
    head = (f"POST /api/v1/checkins HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode()
    writer.write(head + payload)
    answer = await reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", answer)
    await reader.readexactly(int(length.group(1)) if length else 0)
    return int(answer.split(b" ", 2)[1])


class Gate:
    """Every participant warms up (connects, posts once); then all start together."""

    def __init__(self, count: int) -> None:
        self.waiting = count
        self.ready = asyncio.Event()
        self.start = asyncio.Event()

    async def arrive(self) -> None:
        """Count this participant as warm and wait for the start."""
        self.waiting -= 1
        if self.waiting == 0:
            self.ready.set()
        await self.start.wait()


async def _participant(port: int, token: str, warm_up: Body, bodies: list[Body], gate: Gate,
                       latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if (status := await _post(reader, writer, port, token, warm_up)) >= 300:
        raise RuntimeError(f"HTTP {status}")
    await gate.arrive()
    for body in bodies:
        began = time.perf_counter()
        status = await _post(reader, writer, port, token, body)
        latencies.append(time.perf_counter() - began)
        if status >= 300:
            raise RuntimeError(f"HTTP {status}")
    writer.close()


class Usage:
    """CPU used by the server's workers, by this client, and by the whole machine."""

    def __init__(self, server_pid: int) -> None:
        self.workers = [int(p) for p in os.listdir("/proc") if p.isdigit() and _is_worker(
            int(p), server_pid)]
        self.began = self._snapshot()
        self.used = (0.0, 0.0, 0.0)

    def _snapshot(self) -> tuple[float, float, float]:
        ticks = os.sysconf("SC_CLK_TCK")
        workers = 0.0
        for pid in self.workers:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            workers += (int(fields[11]) + int(fields[12])) / ticks
        cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
        busy = (sum(cpu) - cpu[3] - cpu[4]) / ticks  # all but idle and iowait
        return workers, time.process_time(), busy

    def stop(self) -> None:
        """Record what was used since the start."""
        end = self._snapshot()
        self.used = (end[0] - self.began[0], end[1] - self.began[1], end[2] - self.began[2])


def _is_worker(pid: int, server_pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return int(stat.rsplit(")", 1)[1].split()[1]) == server_pid and b"spawn_main" in command


@dataclass
class ApiRun:
    """What the API phase measured."""

    seconds: float
    latencies: list[float]
    logins: float
    usage: Usage
    open_runs: list[OpenRun]


async def _all_at_once(port: int, tokens: list[str], bodies: list[Body], server_pid: int
                       ) -> tuple[float, list[float], Usage]:
    gate, latencies = Gate(len(tokens)), list[float]()
    warm_up = {**bodies[0], "date": "2024-12-31"}
    tasks = [asyncio.create_task(_participant(port, t, warm_up, bodies, gate, latencies))
             for t in tokens]
    ready = asyncio.create_task(gate.ready.wait())
    await asyncio.wait([ready, *tasks], return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():  # a warm-up failed: report it
        ready.cancel()
        await asyncio.gather(*tasks)
    usage = Usage(server_pid)
    gc.collect()
    gc.disable()  # the measuring client must not pause for its own garbage collection
    began = time.perf_counter()
    gate.start.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    gc.enable()
    usage.stop()
    return elapsed, latencies, usage


def run_api(schema: str, participants: int, bodies: list[Body], workers: int) -> ApiRun:
    """Set up, log in, and post through the API at once."""
    url = sqlalchemy_url(schema)
    emails = create_accounts(url, participants)
    served, port = start_server(url, workers)
    try:
        began = time.perf_counter()
        tokens = log_in_all(port, emails)
        logins = time.perf_counter() - began
        seconds, latencies, usage = asyncio.run(_all_at_once(port, tokens, bodies, served.pid))
        capacity = len(tokens) * len(bodies) / seconds
        open_runs = [asyncio.run(open_loop(
            port, tokens, share * capacity, int(min(2000, max(1000, 12 * share * capacity))),
            date(2023, 1, 1) + timedelta(days=40 * phase), seed=phase))
            for phase, share in enumerate(OPEN_LOOP_SHARES)]
    finally:
        served.terminate()
        served.wait(timeout=30)
    return ApiRun(seconds, latencies, logins, usage, open_runs)


INSERT = (
    "INSERT INTO checkin (id, person_id, local_date, mood, anxiety, energy, focus, sleep, "
    "connectedness, side_effects, notes, guess, guess_confidence, created_at, updated_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '[]', NULL, NULL, NULL, %s, %s)"
)


def fresh_persons(schema: str, count: int) -> list[uuid.UUID]:
    """``count`` new persons in the schema (not timed)."""
    persons = [uuid.uuid4() for _ in range(count)]
    now = datetime.now(UTC)
    with (psycopg.connect(SERVER, options=f"-csearch_path={schema}") as connection,
          connection.cursor() as cursor):
        cursor.executemany(
            "INSERT INTO person (id, display_name, timezone, created_at) "
            "VALUES (%s, 'raw', 'UTC', %s)", [(p, now) for p in persons])
    return persons


def _insert_rows(connection: psycopg.Connection[Any], person: uuid.UUID,
                 bodies: list[Body]) -> None:
    now = datetime.now(UTC)
    for body in bodies:
        connection.execute(INSERT, (uuid.uuid4(), person, body["date"],
                                    *(body[r] for r in RATINGS), now, now))
        connection.commit()


def raw_inserts(schema: str, persons: list[uuid.UUID], bodies: list[Body],
                connections: int) -> float:
    """Seconds to insert every person's rows, one commit per row, over ``connections``."""
    opened = [psycopg.connect(SERVER, options=f"-csearch_path={schema}")
              for _ in range(connections)]
    share = [persons[i::connections] for i in range(connections)]

    def work(index: int) -> None:
        for person in share[index]:
            _insert_rows(opened[index], person, bodies)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for connection in opened:
        connection.close()
    return elapsed


def free_connections(limit: int) -> int:
    """Connections the server can still open (max_connections minus used and reserved)."""
    with psycopg.connect(SERVER) as connection:
        def value(sql: str) -> int:
            row = connection.execute(sql).fetchone()
            assert row is not None
            return int(row[0])

        most = value("SHOW max_connections") - value("SHOW superuser_reserved_connections")
        used = value("SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                     "'client backend'")
    return max(1, min(limit, most - used - 5))


def stored_rows(schema: str) -> int:
    """Check-in rows in the schema."""
    with psycopg.connect(SERVER, options=f"-csearch_path={schema}") as connection:
        row = connection.execute("SELECT count(*) FROM checkin").fetchone()
        assert row is not None
        return int(row[0])


def report(participants: int, per: int, workers: int, api: ApiRun, raw: float,
           parallel: tuple[float, int], stored: int) -> None:
    """Print the figures."""
    n = participants * per
    ms = sorted(1000 * x for x in api.latencies)
    p50, p99 = statistics.median(ms), ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    api_rate, raw_rate = n / api.seconds, n / raw
    worker_cpu, client_cpu, busy = api.usage.used
    print(f"check-ins: {n} through POST /api/v1/checkins by {participants} participants at "
          f"once ({per} each, one keep-alive connection each), microdose serve --workers "
          f"{workers}, PostgreSQL")
    print(f"(setup, not timed: {participants} API logins in {api.logins:.1f} s; "
          f"{stored} check-in rows stored, {n + participants} expected from the API)")
    print(f"HTTP API            {api_rate:8.0f} check-ins/s   latency p50 {p50:.0f} ms, "
          f"p99 {p99:.0f} ms")
    print(f"  CPU: workers {1000 * worker_cpu / n:.1f} ms per check-in (using "
          f"{worker_cpu / api.seconds:.2f} CPUs), client {1000 * client_cpu / n:.2f} ms; "
          f"machine busy {busy / api.seconds:.2f} of {os.cpu_count()} CPUs")
    print(f"raw psycopg         {raw_rate:8.0f} rows/s        (one connection, one commit "
          "per row)")
    print(f"raw psycopg x{parallel[1]:<4d}  {n / parallel[0]:8.0f} rows/s        "
          f"({parallel[1]} connections at once, one commit per row; for scale)")
    ratio = api_rate / raw_rate
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"ratio API / raw     {ratio:8.3f}  ({verdict} the target of {TARGET_RATIO})")
    capacity = n / api.seconds
    print(f"\nopen loop: Poisson arrivals at shares of the capacity measured above "
          f"({capacity:.0f}/s); latency from each scheduled arrival; parts from Server-Timing")
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1))
    for run in api.open_runs:
        print(describe(run, capacity))


def main(participants: int = 200, per: int = 10, workers: int = 2) -> None:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    bodies = checkins(per)
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        api = run_api(schema, participants, bodies, workers)
        stored = stored_rows(schema)
        raw = raw_inserts(schema, fresh_persons(schema, participants), bodies, 1)
        many = free_connections(participants)
        parallel = raw_inserts(schema, fresh_persons(schema, participants), bodies, many)
    finally:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    report(participants, per, workers, api, raw, (parallel, many), stored)


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:4]]
    main(*arguments)
