"""The year at a glance: one numbered, coloured cell a day, dose and trial capsule days
marked (never the allocation), weekly and monthly summaries; SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from tests.conftest import journal_today
from tests.web.conftest import CHECKIN, csrf_token, screen_ok

from microdose.store.trial_models import TrialRow
from microdose.web.pages.calendar import mood_band


def _cell(page: str, day: date) -> str:
    """The calendar cell of ``day`` (its classes and text)."""
    found = re.search(r'<td class="([^"]*)"><span aria-hidden="true">(\d*)</span>'
                      rf'<span class="visually-hidden">[^<]*{day:%-d %b %Y}: ([^<]*)</span>', page)
    assert found, day
    return f"{found.group(1)} | {found.group(2)} | {found.group(3)}"


def test_each_day_shows_its_mood_number_band_and_dose(api: TestClient) -> None:
    screen_ok(api)
    today = journal_today()
    days = [today - timedelta(days=k) for k in (1, 2, 3)]
    for mood, day in zip((9, 1, 5), days, strict=True):
        api.post("/api/v1/checkins", json={**CHECKIN, "mood": mood, "date": day.isoformat()})
    api.post("/api/v1/doses", json={"material": "dried-cubensis", "grams": 0.1,
                                    "date": days[1].isoformat()})
    page = api.get(f"/calendar?year={days[0].year}").text
    assert _cell(page, days[0]).startswith("band-4 | 9 | mood 9")
    assert _cell(page, days[1]) == "band-0 dosed | 1 | mood 1, dose taken"
    assert "band-2 | 5" in _cell(page, days[2])
    if days[2].year == today.year:
        assert "still to come" in page or (today.month == 12 and today.day == 31)
    assert "How this is computed" in page and "95% interval" in page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_trial_capsule_days_are_marked_alike_whatever_they_held(api: TestClient) -> None:
    screen_ok(api)
    token = csrf_token(api, "/trial")
    api.post("/trial/design", data={"csrf_token": token, "doses": "8", "protocol": "fadiman",
                                    "block": "pairs"})
    with Session(api.app.state.web.engine) as session:  # type: ignore[attr-defined]
        capsule_days = [date.fromisoformat(d) for d in session.query(TrialRow).one().dose_days]
    assert len(capsule_days) == 8
    years = {d.year for d in capsule_days}
    pages = {year: api.get(f"/calendar?year={year}").text for year in years}
    today = journal_today()
    for day in capsule_days:  # planned ones too, so the days can be seen coming
        assert _cell(pages[day.year], day).endswith("trial capsule day")
        assert ("still to come" in _cell(pages[day.year], day)) == (day > today)
    off_days = [d for d in (capsule_days[0] + timedelta(days=k) for k in range(1, 3))
                if d not in capsule_days]
    for day in off_days:
        assert "trial" not in _cell(pages[day.year], day)
    for page in pages.values():
        assert "placebo" not in page.lower() and "active" not in page.lower()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("bad", ["1899", "3000", "twenty"])
def test_a_year_outside_the_records_is_refused_naming_the_field(api: TestClient,
                                                                bad: str) -> None:
    page = api.get(f"/calendar?year={bad}")
    assert page.status_code == 422 and "is not a year with records" in page.text


def test_bands_cover_zero_to_ten_in_order() -> None:
    assert [mood_band(m) for m in range(11)] == [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
