"""Durability: SIGKILL the server during a stream of check-ins; every 2xx is still there."""

from __future__ import annotations

import signal
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from tests.web.conftest import CHECKIN, ServerFactory

FIRST_DAY = date(2020, 1, 1)
WRITERS = 4


def body_for(index: int) -> dict[str, object]:
    """A distinct day per check-in, with ratings that encode the index."""
    return {
        **CHECKIN,
        "date": (FIRST_DAY + timedelta(days=index)).isoformat(),
        "mood": index % 11,
        "sleep": (index // 11) % 11,
    }


def stream(url: str, start: int, stop: threading.Event, acked: list[int]) -> None:
    """Post check-ins one after another until the server dies; note each 2xx."""
    index = start
    with httpx.Client(base_url=url, timeout=5.0) as client:
        while not stop.is_set():
            try:
                response = client.post("/api/v1/checkins", json=body_for(index))
            except httpx.HTTPError:
                return  # the server is gone: an unacknowledged request may or may not be in
            if response.is_success:
                acked.append(index)
            index += WRITERS


@pytest.mark.slow
def test_every_acknowledged_checkin_survives_sigkill(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'durable.sqlite3'}"
    served = server_factory(database_url=database_url)
    stop = threading.Event()
    acked: list[list[int]] = [[] for _ in range(WRITERS)]
    writers = [
        threading.Thread(target=stream, args=(served.url, n, stop, acked[n]))
        for n in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 30
    while sum(map(len, acked)) < 200 and time.monotonic() < deadline:
        time.sleep(0.02)
    served.process.send_signal(signal.SIGKILL)  # mid-stream: requests are in flight
    served.process.wait(timeout=10)
    stop.set()
    for writer in writers:
        writer.join(timeout=10)
    acknowledged = sorted(i for part in acked for i in part)
    assert len(acknowledged) >= 200

    restarted = server_factory(database_url=database_url)
    stored = httpx.get(f"{restarted.url}/api/v1/checkins", timeout=10).json()
    by_date = {row["date"]: row for row in stored}
    missing = [i for i in acknowledged if body_for(i)["date"] not in by_date]
    assert missing == [], f"{len(missing)} acknowledged check-ins lost"
    for row in stored:  # nothing half-written: every stored row is one whole request
        index = (date.fromisoformat(row["date"]) - FIRST_DAY).days
        assert (row["mood"], row["sleep"]) == (index % 11, (index // 11) % 11)
