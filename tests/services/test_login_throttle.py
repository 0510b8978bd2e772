"""Login throttling on both databases: back-off per account and per client, device cookies.

Times are given (``now``), so the schedule is exact: with ``free=3`` the attempt after the
third failure waits 1 s, after the fourth 2 s, then 4 s …
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.service_support import CHEAP, NOW, PASSWORD, account

from microdose.services import accounts, login_throttle
from microdose.services.login_throttle import Backoff, ThrottlePolicy
from microdose.store.service_models import LoginAttemptRow, ThrottleRow

POLICY = ThrottlePolicy(account=Backoff(free=3), client=Backoff(free=5),
                        device=Backoff(free=2))


def _try(session: Session, email: str, *, seconds: float, client: str = "1.1.1.1",
         password: str = "wrong password!",
         device: accounts.Device | None = None) -> accounts.LoginResult:
    return accounts.login(session=session, email=email, password=password, client_key=client,
                          device=device, now=NOW + timedelta(seconds=seconds), policy=POLICY,
                          hasher=CHEAP)


def _count(session: Session, scope: str, key: str) -> int:
    found = session.scalar(select(ThrottleRow.count).where(ThrottleRow.scope == scope,
                                                           ThrottleRow.key == key))
    return int(found or 0)


def test_the_wait_doubles_past_the_free_failures_up_to_the_cap() -> None:
    backoff = Backoff(free=3, base=timedelta(seconds=1), cap=timedelta(seconds=60))
    waits = [backoff.wait(n).total_seconds() for n in range(1, 11)]
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert Backoff(free=1).wait(10_000) == timedelta(minutes=15)  # no overflow


def test_an_account_is_slowed_not_locked(session: Session) -> None:
    account(session, "h@example.org", "participant")
    for n in range(3):  # from three addresses: the account's count is what grows
        assert _try(session, "h@example.org", seconds=0, client=f"9.9.9.{n}").decision.allowed
    refused = _try(session, "H@example.org", seconds=0.5, client="2.2.2.2", password=PASSWORD)
    assert refused.account is None and refused.decision.reason == "account"
    assert refused.decision.retry_after == 1
    assert len(session.scalars(select(LoginAttemptRow)).all()) == 3  # not verified, not kept
    assert _count(session, "account", "h@example.org") == 3  # nor counted
    assert _try(session, "h@example.org", seconds=1).decision.allowed  # the 4th failure
    assert _try(session, "h@example.org", seconds=2.5).decision.retry_after == 1  # waits 2 s
    ok = _try(session, "h@example.org", seconds=3, client="2.2.2.2", password=PASSWORD)
    assert ok.account is not None
    assert _count(session, "account", "h@example.org") == 0  # a success clears the account
    assert _count(session, "client", "1.1.1.1") == 1  # never the client


def test_a_device_cookie_of_the_account_ignores_others_failures(session: Session) -> None:
    owner = account(session, "d@example.org", "participant")
    other = account(session, "e@example.org", "participant")
    assert owner.account_id is not None and other.account_id is not None
    device = accounts.Device(owner.account_id, "nonce-of-the-owner")
    for n in range(8):  # an attacker sprays from one address
        _try(session, "d@example.org", seconds=n * 0.1, client="6.6.6.6")
    assert _try(session, "d@example.org", seconds=1, client="6.6.6.6",
                password=PASSWORD).decision.reason == "account"
    owner_in = _try(session, "d@example.org", seconds=1, client="6.6.6.6", password=PASSWORD,
                    device=device)  # the same address, even: the cookie is what counts
    assert owner_in.account is not None
    foreign = accounts.Device(other.account_id, "nonce-of-someone-else")
    assert _try(session, "d@example.org", seconds=1, password=PASSWORD,
                device=foreign).account is None  # another account's cookie is no help
    for _ in range(2):  # a stolen cookie has a back-off of its own
        _try(session, "d@example.org", seconds=2, device=device)
    stolen = _try(session, "d@example.org", seconds=2.5, device=device, password=PASSWORD)
    assert stolen.account is None and stolen.decision.reason == "device"
    # only the three free failures counted: throttled tries neither count nor extend
    assert _count(session, "account", "d@example.org") == 3


def test_one_source_spraying_many_accounts_is_slowed(session: Session) -> None:
    account(session, "i@example.org", "participant")
    for n in range(5):
        assert _try(session, f"guess{n}@example.org", seconds=n / 10,
                    client="6.6.6.6").decision.allowed
    blocked = _try(session, "i@example.org", seconds=1, client="6.6.6.6", password=PASSWORD)
    assert blocked.account is None and blocked.decision.reason == "client"
    assert _try(session, "i@example.org", seconds=1, client="7.7.7.7",
                password=PASSWORD).account is not None


def test_counts_are_forgotten_after_a_day_and_pruned(session: Session) -> None:
    account(session, "f@example.org", "participant")
    for n in range(4):
        _try(session, "f@example.org", seconds=n * 100)
    assert _count(session, "account", "f@example.org") == 4
    later = 300 + login_throttle.FORGET.total_seconds() + 1
    _try(session, "f@example.org", seconds=later)
    assert _count(session, "account", "f@example.org") == 1  # started again
    pruned = login_throttle.prune(session, NOW + timedelta(seconds=later) + login_throttle.FORGET
                                  + timedelta(seconds=1))
    assert pruned >= 1 and _count(session, "account", "f@example.org") == 0


def test_refusal_budget_counts_per_window(session: Session) -> None:
    window = timedelta(minutes=10)
    counts = [login_throttle.refusal_budget(session, "5.5.5.5", NOW + timedelta(minutes=m),
                                            window) for m in (0, 1, 9)]
    assert counts == [1, 2, 3]
    assert login_throttle.window_end(session, "5.5.5.5", window) == NOW + window
    assert login_throttle.refusal_budget(session, "5.5.5.5", NOW + timedelta(minutes=11),
                                         window) == 1  # a new window
    assert login_throttle.refusal_budget(session, str(uuid.uuid4()), NOW, window) == 1
