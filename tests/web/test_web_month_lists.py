"""Check-ins, doses, scores and journal entries listed by month, three months a page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from starlette.testclient import TestClient
from tests.web.conftest import CHECKIN, screen_ok

from microdose.web.pages.paging import by_month

#: a record on the 3rd of each of five months, and two in the newest
DAYS = [date(2026, m, 3) for m in (3, 4, 6, 7, 8)] + [date(2026, 8, 20)]


def _months(html: str) -> list[str]:
    return re.findall(r'<h2 id="m-(\d{4}-\d{2})"', html)


def _seed(api: TestClient) -> None:
    screen_ok(api)
    for day in DAYS:
        iso = day.isoformat()
        assert api.post("/api/v1/checkins", json={**CHECKIN, "date": iso}).status_code == 201
        assert api.post("/api/v1/journal", json={"kind": "note", "text": f"on {iso}",
                                                 "date": iso}).status_code == 201
        assert api.post("/api/v1/doses", json={"material": "dried-cubensis", "grams": 0.1,
                                               "date": iso}).status_code == 201
        answers = {"answers": [1] * 7, "date": iso}
        assert api.post("/api/v1/questionnaires/gad7/responses",
                        json=answers).status_code == 201


@pytest.mark.parametrize("path", ["/checkins", "/doses", "/journal", "/questionnaires"])
def test_each_list_shows_three_months_a_page_newest_first_with_links(
    api: TestClient, path: str
) -> None:
    _seed(api)
    first = api.get(path).text
    assert _months(first) == ["2026-08", "2026-07", "2026-06"]
    assert f'href="{path}?month=2026-04" rel="next"' in first and 'rel="prev"' not in first
    older = api.get(f"{path}?month=2026-04").text
    assert _months(older) == ["2026-04", "2026-03"]
    assert f'href="{path}?month=2026-08" rel="prev"' in older and 'rel="next"' not in older
    # a month without records starts at the next older one that has them
    assert _months(api.get(f"{path}?month=2026-05").text) == ["2026-04", "2026-03"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("bad", ["2026-13", "26-01", "0001-01", "july"])
def test_a_bad_month_is_refused_naming_the_field(api: TestClient, bad: str) -> None:
    page = api.get(f"/checkins?month={bad}")
    assert page.status_code == 422
    assert "is not a month" in page.text and "YYYY-MM" in page.text


def test_grouping_keeps_every_record_once_in_order() -> None:
    rows = sorted(DAYS, reverse=True)
    pages, start = [], None
    while True:
        page = by_month(rows, lambda d: d, start, per_page=2)
        pages.append(page)
        if page.older is None:
            break
        start = page.older
    shown = [day for page in pages for month in page.months for day in month.rows]
    assert shown == rows  # each once, newest first, across the pages
    assert [len(p.months) for p in pages] == [2, 2, 1]
