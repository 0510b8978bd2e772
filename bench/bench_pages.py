"""Server time of each daily-use page for a journal with three years of data.

Builds two SQLite journals with the demo generator — 10 weeks (what ``make run`` shows, the
baseline) and 156 weeks (three years: about 1,100 check-ins, 470 doses, 470 questionnaires,
and a journal entry every third day) — then times each page through the app in-process
(ASGI, no network: the time is the server's). Prints the median of several requests per
page, and the ratio of the three-year journal to the baseline measured in the same run.
Target: every page under 300 ms on the three-year journal. Prints figures; asserts nothing.

Run: ``python bench/bench_pages.py [REQUESTS]`` (default 7 per page and journal).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from microdose.services.demo import build_demo
from microdose.services.entries import add_entry
from microdose.services.people import ensure_person, local_today
from microdose.settings import Settings
from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema
from microdose.web.app import create_app

PAGES = ("/", "/checkins", "/doses", "/journal", "/questionnaires", "/calendar", "/insights",
         "/settings")
TARGET_MS = 300.0


def build(path: Path, weeks: int) -> str:
    """A journal of ``weeks`` of demo data (and journal entries) in a fresh SQLite file."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    ensure_schema(engine)
    with Session(engine) as session, session.begin():
        person = ensure_person(session=session, timezone="Europe/Berlin")
        today = local_today(person)
        # a plan lasts at most two years: three years are two demo stretches back to back
        half = weeks // 2
        build_demo(session=session, person=person, today=today - timedelta(weeks=weeks - half),
                   weeks=weeks - half)
        build_demo(session=session, person=person, today=today, weeks=half, seed=8)
        for back in range(3, weeks * 7, 3):
            add_entry(session=session, person_id=person.id, kind="note",
                      text=f"day {back}: a note of a few words", day=today - timedelta(days=back))
    engine.dispose()
    return url


def timings(url: str, requests: int) -> dict[str, float]:
    """The median milliseconds of each page."""
    app = create_app(Settings(database_url=url, timezone="Europe/Berlin", region="GB"))
    found: dict[str, float] = {}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for path in PAGES:
            client.get(path)  # warm: templates compiled, caches filled
            spent = []
            for _ in range(requests):
                started = time.perf_counter()
                answer = client.get(path)
                spent.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
            found[path] = statistics.median(spent)
    return found


def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        small = timings(build(Path(folder) / "ten-weeks.sqlite3", 10), requests)
        large = timings(build(Path(folder) / "three-years.sqlite3", 156), requests)
    print(f"page server time, median of {requests} (ms): 10 weeks vs 3 years")
    print(f"{'page':<16} {'10 weeks':>9} {'3 years':>9} {'ratio':>6}  under {TARGET_MS:.0f} ms")
    for path in PAGES:
        ok = "yes" if large[path] < TARGET_MS else "NO"
        print(f"{path:<16} {small[path]:>9.1f} {large[path]:>9.1f} "
              f"{large[path] / small[path]:>6.2f}  {ok}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
