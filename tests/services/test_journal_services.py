"""Journal services on real databases: one transaction per write, upserts, status, deletion."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from microdose.cli.context import AppState
from microdose.domain.checkins import make_checkin
from microdose.domain.errors import InvalidInput
from microdose.services.checkins import checkins, submit_checkin
from microdose.services.entries import add_entry
from microdose.services.overview import checkin_streak, due_instruments, history, status
from microdose.services.people import ensure_person, local_today
from microdose.services.portability import delete_all, export_document, person_tables
from microdose.services.questionnaires import record_response
from microdose.settings import Settings
from microdose.store.models import CheckinRow, Person

RATINGS = dict(mood=5, anxiety=4, energy=6, focus=5, sleep=7, connectedness=5)


def test_a_failed_command_writes_nothing(database_url: str) -> None:
    state = AppState(Settings(database_url=database_url, timezone="UTC"))
    with pytest.raises(InvalidInput), state.session() as (session, person):
        submit_checkin(session=session, person_id=person.id,
                       checkin=make_checkin(date(2026, 1, 1), RATINGS))
        record_response(session=session, person_id=person.id, instrument="phq9",
                        answers=[1, 1], day=date(2026, 1, 1))
    with state.session() as (session, _person):
        assert session.scalar(select(func.count()).select_from(CheckinRow)) == 0
    state.close()


def test_checkin_upsert_keeps_one_row_per_day(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        person = ensure_person(session=session, timezone="Europe/Berlin")
        day = date(2026, 3, 29)  # a DST change in Berlin
        _, created = submit_checkin(session=session, person_id=person.id,
                                    checkin=make_checkin(day, RATINGS))
        row, again = submit_checkin(session=session, person_id=person.id,
                                    checkin=make_checkin(day, {**RATINGS, "mood": 9}))
        assert (created, again, row.mood) == (True, False, 9)
        assert len(checkins(session=session, person_id=person.id)) == 1


def test_status_and_history(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        person = ensure_person(session=session, timezone="UTC")
        today = local_today(person)
        for back in (0, 1, 2, 4):
            submit_checkin(session=session, person_id=person.id,
                           checkin=make_checkin(today - timedelta(days=back), RATINGS))
        record_response(session=session, person_id=person.id, instrument="who5",
                        answers=[3, 3, 3, 3, 3], day=today - timedelta(days=20))
        add_entry(session=session, person_id=person.id, kind="note", text="ok", day=today)
        result = status(session=session, person=person, today=today)
        assert result.streak == 3
        assert result.due == ["phq9", "gad7", "who5"]  # WHO-5 answered 20 days ago: due again
        assert result.latest["who5"]["percent"] == 60
        items = history(session=session, person=person, start=today - timedelta(days=2))
        assert [i["type"] for i in items].count("checkin") == 3
        assert all(i["date"] >= (today - timedelta(days=2)).isoformat() for i in items)


def test_streak_and_due_rules() -> None:
    today = date(2026, 3, 1)
    days = {date(2026, 2, 28), date(2026, 2, 27), date(2026, 2, 25)}
    assert checkin_streak(days, today) == 2  # today still open: counts from yesterday
    assert checkin_streak(days | {today}, today) == 3
    assert checkin_streak(set(), today) == 0
    assert due_instruments({"phq9": today - timedelta(days=13)}, today) == ["gad7", "who5"]
    assert due_instruments({"phq9": today - timedelta(days=14)}, today)[0] == "phq9"


def test_export_covers_every_person_table_and_delete_removes_everything(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        person = ensure_person(session=session, timezone="UTC")
        submit_checkin(session=session, person_id=person.id,
                       checkin=make_checkin(date(2026, 1, 2), RATINGS, ["nausea"]))
        document = export_document(session=session, person=person)
        assert set(document["tables"]) == {t.name for t in person_tables()}
        assert document["tables"]["checkin"][0]["side_effects"] == ["nausea"]
        assert delete_all(session=session) == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
        for table in person_tables():
            assert session.scalar(select(func.count()).select_from(table)) == 0
