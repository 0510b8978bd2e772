"""Accounts on both databases: argon2id, policy, rehash, constant-time misses.

Login throttling has its own tests: tests/services/test_login_throttle.py.
"""

from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher, Type, profiles
from sqlalchemy.orm import Session
from tests.service_support import CHEAP, NOW, PASSWORD, account

from microdose.domain.errors import Conflict, InvalidInput
from microdose.domain.roles import AccessDenied, Role
from microdose.services import accounts
from microdose.services.actor import Actor
from microdose.services.audit import entries
from microdose.store.models import Person
from microdose.store.service_models import AccountPasswordRow


def _hash(session: Session, account_id: object) -> str:
    row = session.get(AccountPasswordRow, account_id)
    assert row is not None
    return row.password_hash


def test_the_default_hasher_is_argon2id_rfc_9106_low_memory() -> None:
    hasher = accounts.password_hasher()
    # reference: argon2-cffi's RFC 9106 "second recommended option" profile
    assert hasher.type is Type.ID
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        profiles.RFC_9106_LOW_MEMORY.time_cost, profiles.RFC_9106_LOW_MEMORY.memory_cost,
        profiles.RFC_9106_LOW_MEMORY.parallelism)


def test_create_hashes_with_argon2id_and_verifies(session: Session) -> None:
    row = accounts.create_account(session=session, email="Ana@Example.ORG", password=PASSWORD,
                                  role="participant", timezone="Europe/Berlin", hasher=CHEAP)
    assert row.email == "ana@example.org" and row.role == "participant"
    person = session.get(Person, row.person_id)
    assert person is not None and person.timezone == "Europe/Berlin"
    stored = _hash(session, row.id)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)  # reference: argon2-cffi itself
    found = accounts.verify_password(session=session, email=" ANA@example.org ",
                                     password=PASSWORD, hasher=CHEAP)
    assert found is not None and found.id == row.id
    assert accounts.verify_password(session=session, email="ana@example.org",
                                    password=PASSWORD + "!", hasher=CHEAP) is None
    assert accounts.verify_password(session=session, email="nobody@example.org",
                                    password=PASSWORD, hasher=CHEAP) is None
    assert "password_hash" not in accounts.account_dict(row)


def test_email_is_unique_whatever_its_case(session: Session) -> None:
    account(session, "bo@example.org", "clinician")
    with pytest.raises(Conflict, match="already exists"):
        account(session, "BO@example.org", "researcher")


@pytest.mark.parametrize(("password", "needle"), [
    ("short pw", "shorter than 12"), ("x" * 257, "longer than 256"),
    ("aaaaaaaaaaaaaaa", "too easy"), ("password1234", "too easy"),
    ("my name is carla!", "email's name"),
])
def test_password_policy_messages(password: str, needle: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        accounts.check_password(password, email="carla@example.org")
    assert caught.value.field == "password" and needle in caught.value.message
    assert "12-256 characters" in caught.value.message


def test_bad_email_and_role_are_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="email"):
        accounts.create_account(session=session, email="not-an-email", password=PASSWORD,
                                role="participant")
    with pytest.raises(InvalidInput, match="role"):
        accounts.create_account(session=session, email="d@example.org", password=PASSWORD,
                                role="owner")


def test_login_rehashes_when_the_parameters_change(session: Session) -> None:
    row = accounts.create_account(session=session, email="e@example.org", password=PASSWORD,
                                  role="researcher", hasher=CHEAP)
    cheap = _hash(session, row.id)
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    assert stronger.check_needs_rehash(cheap)
    result = accounts.login(session=session, email="e@example.org", password=PASSWORD,
                            client_key="10.0.0.1", hasher=stronger, now=NOW)
    assert result.account is not None and result.account.last_login_at == NOW
    rehashed = _hash(session, row.id)
    assert rehashed != cheap and not stronger.check_needs_rehash(rehashed)
    assert stronger.verify(rehashed, PASSWORD)


def test_unknown_email_costs_a_real_verification(session: Session) -> None:
    hasher = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1)
    accounts.create_account(session=session, email="f@example.org", password=PASSWORD,
                            role="clinician", hasher=hasher)

    def timed(email: str) -> float:
        start = time.perf_counter()
        assert accounts.verify_password(session=session, email=email, password="wrong guess!",
                                        hasher=hasher) is None
        return time.perf_counter() - start

    timed("nobody@example.org")  # the dummy hash is made once per parameter set
    known, unknown, floor = [], [], []
    for _ in range(9):  # interleaved, and the minimum of each: robust to a busy machine
        known.append(timed("f@example.org"))
        unknown.append(timed("nobody@example.org"))
        floor.append(_verify_time(hasher))
    # an unknown email still runs one argon2id verification (same parameters)
    assert min(unknown) > 0.5 * min(floor) and 0.5 < min(unknown) / min(known) < 2.0


def _verify_time(hasher: PasswordHasher) -> float:
    digest = hasher.hash("x")
    start = time.perf_counter()
    hasher.verify(digest, "x")
    return time.perf_counter() - start


def test_disabled_accounts_cannot_log_in(session: Session) -> None:
    account(session, "g@example.org", "researcher")
    accounts.set_disabled(session=session, actor=Actor.operator(), email="g@example.org",
                          disabled=True)
    assert accounts.verify_password(session=session, email="g@example.org", password=PASSWORD,
                                    hasher=CHEAP) is None


def test_change_password_needs_the_old_one(session: Session) -> None:
    actor = account(session, "j@example.org", "clinician")
    with pytest.raises(InvalidInput, match="old_password"):
        accounts.change_password(session=session, actor=actor, old_password="nope nope nope",
                                 new_password="another long passphrase", hasher=CHEAP)
    accounts.change_password(session=session, actor=actor, old_password=PASSWORD,
                             new_password="another long passphrase", hasher=CHEAP)
    assert accounts.verify_password(session=session, email="j@example.org",
                                    password="another long passphrase", hasher=CHEAP)


def test_only_admins_list_and_manage_other_accounts(session: Session) -> None:
    clinician = account(session, "k@example.org", "clinician")
    patient = account(session, "l@example.org", "participant")
    admin = account(session, "m@example.org", "admin")
    with pytest.raises(AccessDenied):
        accounts.list_accounts(session=session, actor=clinician)
    listed = accounts.list_accounts(session=session, actor=admin, role=Role.PARTICIPANT)
    assert [a.email for a in listed] == ["l@example.org"]
    from microdose.domain.errors import NotFound

    with pytest.raises(NotFound):
        accounts.set_disabled(session=session, actor=clinician, email="l@example.org",
                              disabled=True)
    accounts.set_disabled(session=session, actor=admin, email="l@example.org", disabled=True)
    log = entries(session=session, actor=admin, subject_person_id=patient.person_id)
    assert [(e.action, e.actor_account_id) for e in log] == [("account.disable", admin.account_id)]
