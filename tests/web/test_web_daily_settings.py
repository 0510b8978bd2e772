"""Which ratings the check-in asks, "same as yesterday", light or dark and the date style:
through the pages, stored in a real SQLite file and a real PostgreSQL schema."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from tests.conftest import journal_today
from tests.web.conftest import csrf_token

from microdose.domain.checkins import RATINGS
from microdose.store.engine import make_engine
from microdose.store.migrate import downgrade, upgrade
from microdose.store.models import CheckinRow

RATED = {"mood": "6", "anxiety": "2", "energy": "5", "focus": "5", "sleep": "7",
         "connectedness": "4"}


def _post(api: TestClient, path: str, **fields: object) -> object:
    form = {"csrf_token": csrf_token(api, "/settings"), **fields}
    return api.post(path, data=form, follow_redirects=False)


def _stored(api: TestClient) -> dict[str, dict[str, object]]:
    return {row["date"]: row for row in api.get("/api/v1/checkins").json()}


def test_the_check_in_asks_only_the_ratings_chosen_and_stores_the_rest_as_missing(
    api: TestClient,
) -> None:
    answer = _post(api, "/settings/ratings", ratings=["energy", "sleep"])
    assert answer.status_code == 303  # type: ignore[attr-defined]
    page = api.get("/").text
    assert 'name="mood"' in page and 'name="energy"' in page and 'name="sleep"' in page
    assert 'name="anxiety"' not in page and 'name="focus"' not in page
    assert "3 taps and save" in page
    day = journal_today().isoformat()
    saved = api.post("/checkin", data={"csrf_token": csrf_token(api), "date": day, "mood": "6",
                                       "energy": "4", "sleep": "8"}, follow_redirects=False)
    assert saved.status_code == 303
    row = _stored(api)[day]
    assert (row["mood"], row["energy"], row["sleep"]) == (6, 4, 8)
    assert row["anxiety"] is None and row["focus"] is None and row["connectedness"] is None
    # an asked rating left empty is still refused, naming it
    refused = api.post("/checkin", data={"csrf_token": csrf_token(api), "date": day,
                                         "mood": "6", "energy": "4"})
    assert refused.status_code == 422 and 'id="sleep-error"' in refused.text
    # pages that read every rating still work with the missing ones
    for path in ("/checkins", "/insights", "/trial"):
        assert api.get(path).status_code == 200, path


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_mood_is_always_asked_and_an_unknown_rating_is_refused(api: TestClient) -> None:
    assert _post(api, "/settings/ratings").status_code == 303  # type: ignore[attr-defined]
    page = api.get("/").text
    assert 'name="mood"' in page and all(f'name="{n}"' not in page for n in RATINGS[1:])
    refused = _post(api, "/settings/ratings", ratings=["mood", "joy"])
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "&#39;joy&#39; is not a rating" in refused.text  # type: ignore[attr-defined]
    assert 'id="ratings-error"' in refused.text  # type: ignore[attr-defined]


def test_same_as_yesterday_fills_only_what_was_not_tapped(api: TestClient) -> None:
    today = journal_today()
    yesterday = (today - timedelta(days=1)).isoformat()
    token = csrf_token(api)
    api.post("/checkin", data={"csrf_token": token, "date": yesterday, "guess": "",
                               "side_effects": ["headache"], **RATED})
    page = api.get("/").text
    assert "Same as yesterday" in page and "mood 6, anxiety 2" in page
    copied = api.post("/checkin", data={"csrf_token": token, "date": today.isoformat(),
                                        "mood": "3", "same": "yesterday"},
                      follow_redirects=False)
    assert copied.status_code == 303
    row = _stored(api)[today.isoformat()]
    assert row["mood"] == 3
    assert all(row[name] == int(RATED[name]) for name in RATINGS if name != "mood")
    assert row["side_effects"] == []  # ratings only: side effects and guesses are per day
    assert "Same as yesterday" not in api.get("/").text  # today is done: update it instead


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_same_as_yesterday_without_a_check_in_yesterday_says_so(api: TestClient) -> None:
    refused = api.post("/checkin", data={"csrf_token": csrf_token(api), "same": "yesterday"})
    assert refused.status_code == 422
    assert "there is no check-in for" in refused.text and "tap each rating" in refused.text
    assert _stored(api) == {}


def test_theme_and_date_style_are_the_persons_and_bad_choices_name_the_field(
    api: TestClient,
) -> None:
    page = api.get("/").text
    assert "data-theme" not in page and 'content="light dark"' in page  # follows the system
    today = journal_today()
    assert today.strftime("%a %-d %b %Y") in page  # the long style by default
    assert _post(api, "/settings/appearance", theme="dark",
                 date_style="iso").status_code == 303  # type: ignore[attr-defined]
    page = api.get("/").text
    assert '<html lang="en" data-theme="dark">' in page
    assert today.strftime("%a %Y-%m-%d") in page
    refused = _post(api, "/settings/appearance", theme="sepia", date_style="iso")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "system, light, dark" in refused.text  # type: ignore[attr-defined]
    refused = _post(api, "/settings/appearance", theme="light", date_style="roman")
    assert "long, us, iso" in refused.text  # type: ignore[attr-defined]
    assert 'data-theme="dark"' in api.get("/").text  # nothing half-saved


def test_downgrading_below_0011_refuses_while_a_rating_is_missing(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        person = connection.execute(sa.text(
            "INSERT INTO person (id, display_name, timezone, created_at) VALUES "
            "('00000000000000000000000000000001', 'me', 'UTC', '2026-01-01') RETURNING id"
        )).scalar_one()
        connection.execute(sa.text(
            "INSERT INTO checkin (id, person_id, local_date, mood, side_effects, created_at,"
            " updated_at) VALUES ('00000000000000000000000000000002', :p, '2026-01-01', 5,"
            " '[]', '2026-01-01', '2026-01-01')"), {"p": person})
    with pytest.raises(RuntimeError, match="untracked ratings missing"):
        downgrade(engine, "0010")
    engine.dispose()


def test_daily_factors_are_asked_stored_and_shown_against_mood(api: TestClient) -> None:
    refused = _post(api, "/settings/factors", factors="exercise, <b>")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert 'id="factors-error"' in refused.text  # type: ignore[attr-defined]
    assert _post(api, "/settings/factors",
                 factors="Exercise, alcohol").status_code == 303  # type: ignore[attr-defined]
    page = api.get("/").text
    assert 'name="factors" value="exercise"' in page and 'value="alcohol"' in page
    today = journal_today()
    for back in range(12):  # exercise on even days, with a better mood
        day = today - timedelta(days=back)
        ticked = ["exercise"] if back % 2 == 0 else ["alcohol"]
        mood = "7" if back % 2 == 0 else "4"
        api.post("/checkin", data={"csrf_token": csrf_token(api), "date": day.isoformat(),
                                   **{**RATED, "mood": mood}, "factors": ticked})
    with Session(api.app.state.web.engine) as session:  # type: ignore[attr-defined]
        stored = session.scalars(select(CheckinRow).where(
            CheckinRow.local_date == today)).one().factors
    assert stored == {"exercise": True, "alcohol": False}
    unknown = api.post("/checkin", data={"csrf_token": csrf_token(api), **RATED,
                                         "factors": ["sauna"]})
    assert unknown.status_code == 422 and "not one of your factors" in unknown.text
    if today.month == 1 and today.day < 12:
        return  # the twelve days span two years; the calendar shows one
    calendar = api.get("/calendar").text
    assert "Your daily factors and mood" in calendar
    assert re.search(r"<th scope=\"row\">exercise</th>\s*<td[^>]*>6 / 6</td>", calendar)
    assert "+3.0 points" in calendar and "not a cause" in calendar
