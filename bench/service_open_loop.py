"""Open-loop load for ``bench_service.py``: check-ins arriving at a fixed rate.

The closed loop of ``bench_service`` (every participant posts its next check-in as soon as
the last is answered) measures capacity, but its latency is the queue it builds itself:
with N requests always in the server, each waits for the N − 1 others (Little's law,
latency ≈ N / throughput). People do not wait for each other; they arrive. Here check-ins
arrive as a Poisson process at a fixed rate (a fraction of the measured capacity), each
from the next participant in turn on that participant's keep-alive connection, and each
latency runs from the *scheduled* arrival to the answer — so a request held up behind a
slow one counts the hold-up (no coordinated omission). The server runs with
``MICRODOSE_SERVER_TIMING=1``: every answer's ``Server-Timing`` says where its time went
(``wait`` for a worker thread, ``pool`` for a database connection, ``db`` in statements,
``commit``, ``app`` the rest in Python); what the server did not see (``outside``: the
socket, the event loop before the app, the client) is the latency minus the server total.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import re
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

PART = re.compile(rb"(\w+);dur=([\d.]+)")
PARTS = ("wait", "pool", "db", "commit", "app", "outside")


@dataclass
class OpenRun:
    """What one rate measured (seconds)."""

    rate: float
    seconds: float
    latencies: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PARTS})
    failed: int = 0


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))]


async def _post(stream: tuple[asyncio.StreamReader, asyncio.StreamWriter], port: int,
                token: str, body: dict[str, Any]) -> tuple[int, dict[str, float]]:
    reader, writer = stream
    payload = json.dumps(body).encode()
    writer.write((f"POST /api/v1/checkins HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload)
    head = await reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    await reader.readexactly(int(length.group(1)) if length else 0)
    timing = re.search(rb"(?im)^server-timing:([^\r\n]*)", head)
    parts = {k.decode(): float(v) / 1000 for k, v in PART.findall(timing.group(1))} if timing \
        else {}
    return int(head.split(b" ", 2)[1]), parts


def _body(participant_round: int, first: date) -> dict[str, Any]:
    return {"date": (first + timedelta(days=participant_round)).isoformat(), "mood": 6,
            "anxiety": 3, "energy": 5, "focus": 5, "sleep": 7, "connectedness": 6}


async def open_loop(port: int, tokens: list[str], rate: float, count: int, first: date,
                    seed: int = 1) -> OpenRun:
    """``count`` check-ins arriving at ``rate`` per second (Poisson), round the participants.

    Participant k's i-th check-in is for ``first + i`` days: distinct days, a fresh
    ``first`` per run. Each connection first posts one untimed check-in (the day before
    ``first``), so no timed request pays for a new connection.
    """
    streams = [await asyncio.open_connection("127.0.0.1", port) for _ in tokens]
    locks = [asyncio.Lock() for _ in tokens]
    warm = [_post(stream, port, token, _body(-1, first))  # each connection once, untimed
            for stream, token in zip(streams, tokens, strict=True)]
    if any(status >= 300 for status, _ in await asyncio.gather(*warm)):
        raise RuntimeError("a warm-up check-in failed")
    loop, rng = asyncio.get_running_loop(), random.Random(seed)
    begin = loop.time() + 0.5
    arrivals, moment = [], begin
    for _ in range(count):
        moment += rng.expovariate(rate)
        arrivals.append(moment)
    run = OpenRun(rate, arrivals[-1] - begin)

    async def one(index: int, at: float) -> None:
        await asyncio.sleep(max(0.0, at - loop.time()))
        k = index % len(tokens)
        async with locks[k]:
            status, parts = await _post(streams[k], port, tokens[k],
                                        _body(index // len(tokens), first))
        latency = loop.time() - at
        if status >= 300:
            run.failed += 1
            return
        run.latencies.append(latency)
        for name in PARTS[:-1]:
            run.parts[name].append(parts.get(name, 0.0))
        run.parts["outside"].append(max(0.0, latency - parts.get("total", 0.0)))

    gc.collect()
    gc.disable()  # the measuring client must not pause for its own garbage collection
    try:
        await asyncio.gather(*(one(i, at) for i, at in enumerate(arrivals)))
    finally:
        gc.enable()
    for _reader, writer in streams:
        writer.close()
    return run


def describe(run: OpenRun, capacity: float) -> str:
    """One markdown table row: offered rate, latency quantiles, median and p99 of each part."""
    ms = [1000 * x for x in run.latencies]
    p50, p99, p999 = (quantile(ms, q) for q in (0.5, 0.99, 0.999))
    parts = " | ".join(
        f"{1000 * statistics.median(run.parts[p]):.1f} / {1000 * quantile(run.parts[p], 0.99):.1f}"
        for p in PARTS)
    return (f"| {100 * run.rate / capacity:.0f}% | {run.rate:.0f}/s | {len(ms)} | {p50:.0f} | "
            f"{p99:.0f} | {p999:.0f} | {p99 / p50:.1f} | {parts} | {run.failed} |")


HEADER = ("| load | arrivals | check-ins | p50 ms | p99 ms | p99.9 ms | p99/p50 | "
          + " | ".join(f"{p} p50/p99 ms" for p in PARTS) + " | failed |")
