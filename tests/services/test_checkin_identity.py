"""``submit_checkin`` writes with one Core upsert: the session's ORM view must agree."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from microdose.domain.checkins import make_checkin
from microdose.services.checkins import checkins, submit_checkin
from microdose.services.people import ensure_person
from microdose.store.models import CheckinRow

RATINGS = dict(mood=5, anxiety=4, energy=6, focus=5, sleep=7, connectedness=5)
DAY = date(2026, 1, 1)


def test_the_returned_row_is_the_sessions_row_and_up_to_date(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        person = ensure_person(session=session, timezone="UTC")  # pending: flushed first
        first, created = submit_checkin(session=session, person_id=person.id,
                                        checkin=make_checkin(DAY, RATINGS))
        assert session.scalars(select(CheckinRow)).one() is first
        again, created_again = submit_checkin(
            session=session, person_id=person.id,
            checkin=make_checkin(DAY, {**RATINGS, "mood": 9}, ["nausea"], "calm"))
        assert (created, created_again, again is first) == (True, False, True)
        assert (first.mood, first.side_effects, first.notes) == (9, ["nausea"], "calm")
        assert not session.dirty and not session.new  # nothing left for the ORM to flush
        first.notes = "edited through the ORM"  # the row is persistent: edits are saved
        first_id, created_at = first.id, first.created_at
    with Session(engine) as session:
        stored = session.scalars(select(CheckinRow)).one()
        assert (stored.id, stored.mood, stored.notes) == (first_id, 9, "edited through the ORM")
        assert stored.created_at == created_at <= stored.updated_at


def test_a_row_loaded_before_is_brought_up_to_date(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        person = ensure_person(session=session, timezone="UTC")
        submit_checkin(session=session, person_id=person.id, checkin=make_checkin(DAY, RATINGS))
        person_id = person.id
    with Session(engine) as session, session.begin():
        loaded = session.scalars(select(CheckinRow)).one()  # in the identity map now
        row, created = submit_checkin(session=session, person_id=person_id,
                                      checkin=make_checkin(DAY, {**RATINGS, "mood": 1}))
        assert (row is loaded, created, loaded.mood) == (True, False, 1)
        assert [r.mood for r in checkins(session=session, person_id=person_id)] == [1]


def test_an_orm_made_check_in_of_the_day_is_updated_not_duplicated(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        person = ensure_person(session=session, timezone="UTC")
        pending = CheckinRow(person_id=person.id, local_date=DAY, side_effects=[], **RATINGS)
        session.add(pending)  # not flushed yet
        row, created = submit_checkin(session=session, person_id=person.id,
                                      checkin=make_checkin(DAY, {**RATINGS, "sleep": 2}))
        assert (row is pending, created, pending.sleep) == (True, False, 2)
        assert len(checkins(session=session, person_id=person.id)) == 1
