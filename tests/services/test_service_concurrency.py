"""Many participants enrolling and submitting at once on PostgreSQL: nothing lost or doubled."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from tests.service_support import CHEAP, NOW, PASSWORD, account, study

from microdose.domain.checkins import make_checkin
from microdose.domain.errors import NotFound
from microdose.services import studies
from microdose.services.accounts import create_account
from microdose.services.actor import Actor
from microdose.services.checkins import submit_checkin
from microdose.store.engine import make_engine, make_sessionmaker, transaction
from microdose.store.migrate import ensure_schema
from microdose.store.models import CheckinRow, ResponseRow
from microdose.store.service_models import AccountRow, EnrolmentRow, StudyInvitationRow

PARTICIPANTS = 40
THREADS = 12
RATINGS = dict(mood=5, anxiety=4, energy=6, focus=5, sleep=7, connectedness=5)


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


def _setup(engine: Engine, codes: int) -> tuple[object, list[str]]:
    with transaction(make_sessionmaker(engine)) as session:
        researcher = account(session, "res@example.org", "researcher")
        row = study(session, researcher)
        made = studies.create_invitations(session=session, actor=researcher, study_id=row.id,
                                          count=codes)
        return row.id, made


def _participant(engine: Engine, study_id: object, n: int, code: str) -> None:
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        row = create_account(session=session, email=f"p{n}@example.org", password=PASSWORD,
                             role="participant", timezone="Europe/Berlin", hasher=CHEAP)
        actor = Actor.of(row)
        studies.enrol(session=session, actor=actor, code=code, consent_version=1, now=NOW)
    for back in range(3):
        with transaction(factory) as session:
            assert actor.person_id is not None
            day = date(2026, 3, 2) + timedelta(days=back)
            submit_checkin(session=session, person_id=actor.person_id,
                           checkin=make_checkin(day, RATINGS))
    with transaction(factory) as session:
        studies.submit_assessment(session=session, actor=actor, study_id=study_id,  # type: ignore[arg-type]
                                  instrument="phq9", answers=[1] * 8 + [0],
                                  day=date(2026, 3, 2))


def _count(session: Session, table: type) -> int:
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_many_participants_at_once(pg_engine: Engine) -> None:
    study_id, codes = _setup(pg_engine, PARTICIPANTS)
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda n: _participant(pg_engine, study_id, n, codes[n]),
                      range(PARTICIPANTS)))
    with Session(pg_engine) as session:
        assert _count(session, AccountRow) == PARTICIPANTS + 1
        assert _count(session, EnrolmentRow) == PARTICIPANTS
        assert _count(session, CheckinRow) == 3 * PARTICIPANTS
        assert _count(session, ResponseRow) == PARTICIPANTS
        pseudonyms = session.scalars(select(EnrolmentRow.pseudonym)).all()
        assert len(set(pseudonyms)) == PARTICIPANTS
        used = session.scalars(select(StudyInvitationRow.used_at)).all()
        assert all(used)
        arms = session.execute(select(EnrolmentRow.arm, func.count())
                               .group_by(EnrolmentRow.arm)).all()
        # the study row is locked during allocation: arms stay exactly balanced
        assert sorted(n for _arm, n in arms) == [PARTICIPANTS // 2] * 2


def test_one_code_used_at_once_by_many_enrols_exactly_one(pg_engine: Engine) -> None:
    study_id, codes = _setup(pg_engine, 1)
    factory = make_sessionmaker(pg_engine)
    with transaction(factory) as session:
        actors = [Actor.of(create_account(session=session, email=f"q{n}@example.org",
                                          password=PASSWORD, role="participant", hasher=CHEAP))
                  for n in range(8)]

    def attempt(actor: Actor) -> bool:
        try:
            with transaction(factory) as session:
                studies.enrol(session=session, actor=actor, code=codes[0], consent_version=1)
            return True
        except NotFound:
            return False

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, actors))
    assert outcomes.count(True) == 1
    with Session(pg_engine) as session:
        assert _count(session, EnrolmentRow) == 1
    assert study_id
