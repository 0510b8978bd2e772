"""Accounts: argon2id passwords, the password policy, login, and login rate limiting.

- Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile by
  default); a successful login re-hashes when the parameters changed.
- An unknown email costs the same work as a known one (a dummy hash is verified), so
  timing does not reveal which emails have accounts; the answer is the same ``None``.
- Login throttling is exponential back-off per account and per client, and a device
  cookie exempts a browser from others' failures (:mod:`~microdose.services.login_throttle`):
  :func:`rate_decision` returns whether a login may be tried now and, if not, after how
  many seconds. The web layer answers HTTP 429 with ``Retry-After``; :func:`login` checks
  it first.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microdose.domain.errors import Conflict, InvalidInput, NotFound
from microdose.domain.roles import Action, Relation, Resource, Role, parse_role
from microdose.services import login_sessions, login_throttle
from microdose.services.access import authorize
from microdose.services.actor import Actor
from microdose.services.people import check_timezone
from microdose.services.serialize import plain
from microdose.store.base import utcnow
from microdose.store.models import Person
from microdose.store.service_models import AccountPasswordRow, AccountRow, LoginAttemptRow

if TYPE_CHECKING:
    from argon2 import PasswordHasher

PASSWORD_MIN = 12
PASSWORD_MAX = 256
#: a short list of the most common passwords of 12+ characters (NIST SP 800-63B asks to
#: refuse known-breached values; a full list is a deployment's choice)
COMMON_PASSWORDS: frozenset[str] = frozenset(
    {"123456789012", "1234567890123", "password1234", "password12345", "qwertyuiopas",
     "qwerty123456", "iloveyou1234", "aaaaaaaaaaaa", "111111111111", "passwordpassword",
     "letmein12345", "welcome12345", "changeme1234", "administrator", "microdose123"}
)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
MAX_EMAIL = 320
MAX_CLIENT_KEY = 128


@dataclass(frozen=True)
class Device:
    """A device cookie whose signature the web layer checked: the account it was set
    for, and its random id (the key of its own failures)."""

    account_id: uuid.UUID
    nonce: str


@dataclass(frozen=True)
class RateDecision:
    """Whether a login may be attempted now.

    Attributes
    ----------
    allowed : bool
        False while a back-off wait holds.
    retry_after : int
        Seconds until the login may be tried (0 when allowed).
    reason : str or None
        ``"account"``, ``"client"`` or ``"device"`` when refused.
    """

    allowed: bool
    retry_after: int
    reason: str | None


@dataclass(frozen=True)
class LoginResult:
    """The account that logged in (None on failure) and the rate decision behind it."""

    account: AccountRow | None
    decision: RateDecision


def password_hasher() -> PasswordHasher:
    """The default argon2id hasher (argon2-cffi's RFC 9106 low-memory parameters)."""
    return _default_hasher()


@cache
def _default_hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int, hash_len: int,
                salt_len: int) -> str:
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost, memory_cost, parallelism, hash_len, salt_len)
    return hasher.hash("not a password: equalises the time of unknown emails")


def _dummy_for(hasher: PasswordHasher) -> str:
    return _dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism,
                       hasher.hash_len, hasher.salt_len)


def normalise_email(text: str) -> str:
    """An email address, trimmed and lower-cased (emails are unique case-insensitively)."""
    email = str(text).strip().lower()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        raise InvalidInput("email", f"{text!r} is not an email address", "name@example.org")
    return email


def check_password(password: str, *, email: str | None = None) -> str:
    """Apply the password policy; returns the password unchanged.

    Raises
    ------
    InvalidInput
        Field ``"password"``: too short or long, one repeated character, a common
        password, or containing the email's name.
    """
    allowed = f"{PASSWORD_MIN}-{PASSWORD_MAX} characters, not a common password"
    if len(password) < PASSWORD_MIN:
        raise InvalidInput("password", f"is shorter than {PASSWORD_MIN} characters", allowed)
    if len(password) > PASSWORD_MAX:
        raise InvalidInput("password", f"is longer than {PASSWORD_MAX} characters", allowed)
    if len(set(password)) < 4 or password.lower() in COMMON_PASSWORDS:
        raise InvalidInput("password", "is too easy to guess", allowed)
    name = email.split("@", 1)[0].lower() if email else ""
    if len(name) >= 4 and name in password.lower():
        raise InvalidInput("password", "contains your email's name", allowed)
    return password


def create_account(
    *,
    session: Session,
    email: str,
    password: str,
    role: Role | str,
    display_name: str | None = None,
    timezone: str = "UTC",
    person_id: uuid.UUID | None = None,
    hasher: PasswordHasher | None = None,
) -> AccountRow:
    """Create an account; a participant gets a person of their own (or ``person_id``).

    Raises
    ------
    Conflict
        When an account already has this email (whatever its case).
    """
    address = normalise_email(email)
    check_password(password, email=address)
    kind = role if isinstance(role, Role) else parse_role(role)
    _refuse_taken(session, address)
    name = " ".join((display_name or address.split("@", 1)[0]).split())[:200]
    if kind is Role.PARTICIPANT and person_id is None:
        person_id = _new_person(session, name, timezone)
    account = AccountRow(email=address, role=kind.value, display_name=name,
                         person_id=person_id if kind is Role.PARTICIPANT else None)
    _insert_account(session, account, address)
    digest = (hasher or password_hasher()).hash(password)
    session.add(AccountPasswordRow(account_id=account.id, password_hash=digest))
    session.flush()
    return account


def _refuse_taken(session: Session, address: str) -> None:
    """``Conflict`` when an account already has this (normalised) email."""
    if session.scalars(select(AccountRow.id).where(AccountRow.email == address)).first():
        raise Conflict(f"email: an account with {address} already exists")


def _new_person(session: Session, name: str, timezone: str) -> uuid.UUID:
    """A participant's own person, flushed so that its id is known."""
    person = Person(display_name=name, timezone=check_timezone(timezone))
    session.add(person)
    session.flush()
    return person.id


def _insert_account(session: Session, account: AccountRow, address: str) -> None:
    """Insert the account; ``Conflict`` when a concurrent one took the email first."""
    try:
        with session.begin_nested():
            session.add(account)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"email: an account with {address} already exists") from exc


def add_account(
    *,
    session: Session,
    actor: Actor,
    email: str,
    password: str,
    role: Role | str,
    display_name: str | None = None,
    timezone: str = "UTC",
    hasher: PasswordHasher | None = None,
) -> AccountRow:
    """An admin (or the operator) creates an account: :func:`create_account` behind the policy.

    Participants may also sign themselves up through :func:`create_account` directly (the
    web layer decides when, e.g. with a study or clinician invitation code).
    """
    authorize(session=session, actor=actor, action=Action.WRITE, resource=Resource.ACCOUNT,
              relation=Relation.OTHER, what="account.create", hide=False)
    return create_account(session=session, email=email, password=password, role=role,
                          display_name=display_name, timezone=timezone, hasher=hasher)


def find_account(*, session: Session, email: str) -> AccountRow:
    """The account with this email (``NotFound`` otherwise)."""
    account = session.scalars(
        select(AccountRow).where(AccountRow.email == normalise_email(email))
    ).first()
    if account is None:
        raise NotFound(f"account: no account with {email.strip()}")
    return account


def verify_password(
    *, session: Session, email: str, password: str, hasher: PasswordHasher | None = None
) -> AccountRow | None:
    """The enabled account whose password this is, else None — in about the same time.

    A correct password whose hash used other parameters is re-hashed with ``hasher``'s.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = hasher or password_hasher()
    try:
        address = normalise_email(email)
    except InvalidInput:
        address = ""
    found = session.execute(
        select(AccountRow, AccountPasswordRow)
        .join(AccountPasswordRow, AccountPasswordRow.account_id == AccountRow.id)
        .where(AccountRow.email == address)
    ).first()
    stored = found[1].password_hash if found else _dummy_for(hasher)
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if found is None or found[0].disabled:
        return None
    if hasher.check_needs_rehash(stored):
        found[1].password_hash = hasher.hash(password)
        found[1].changed_at = utcnow()
        session.flush()
    account: AccountRow = found[0]
    return account


def _client_key(client_key: str) -> str:
    key = str(client_key).strip()[:MAX_CLIENT_KEY]
    if not key:
        raise InvalidInput("client_key", "is empty", "the client's address or another key")
    return key


def _email_key(email: str) -> str:
    return str(email).strip().lower()[:MAX_EMAIL]


def _throttle_keys(session: Session, email: str, client_key: str,
                   device: Device | None) -> list[tuple[str, str]]:
    """The keys that judge this login: the device's alone when it is a device cookie of
    the email's account, else the account's and the client's."""
    address = _email_key(email)
    if device is not None:
        owner = session.scalar(select(AccountRow.id).where(AccountRow.email == address))
        if owner is not None and owner == device.account_id:
            return [("device", device.nonce)]
    return [("account", address), ("client", _client_key(client_key))]


def rate_decision(
    *,
    session: Session,
    email: str,
    client_key: str,
    device: Device | None = None,
    now: datetime | None = None,
) -> RateDecision:
    """Whether a login for ``email`` from ``client_key`` (with ``device``) may be tried now."""
    keys = _throttle_keys(session, email, client_key, device)
    wait = login_throttle.blocked(session, keys, now or utcnow())
    if wait is None:
        return RateDecision(True, 0, None)
    return RateDecision(False, wait.retry_after, wait.scope)


def _count(session: Session, keys: list[tuple[str, str]], account: AccountRow | None,
           moment: datetime, policy: login_throttle.ThrottlePolicy) -> None:
    """A failure adds to every key that judged it; a success clears the device's or the
    account's count (never the client's: one good login must not reset guessing)."""
    for scope, key in keys:
        if account is None:
            login_throttle.fail(session, scope, key, getattr(policy, scope), moment)
        elif scope != "client":
            login_throttle.clear(session, scope, key)


def login(
    *,
    session: Session,
    email: str,
    password: str,
    client_key: str,
    device: Device | None = None,
    now: datetime | None = None,
    policy: login_throttle.ThrottlePolicy | None = None,
    hasher: PasswordHasher | None = None,
) -> LoginResult:
    """Check the back-off, verify the password, and record the attempt.

    A refused (throttled) attempt verifies nothing and records nothing, so that it does
    not extend the wait. ``policy`` defaults to ``login_throttle.DEFAULT_POLICY``.
    """
    moment = now or utcnow()
    policy = policy or login_throttle.DEFAULT_POLICY
    keys = _throttle_keys(session, email, client_key, device)
    wait = login_throttle.blocked(session, keys, moment)
    if wait is not None:
        return LoginResult(None, RateDecision(False, wait.retry_after, wait.scope))
    account = verify_password(session=session, email=email, password=password, hasher=hasher)
    session.add(LoginAttemptRow(
        at=moment, email=_email_key(email), client_key=_client_key(client_key),
        account_id=account.id if account else None, succeeded=account is not None,
    ))
    if account is not None:
        account.last_login_at = moment
    _count(session, keys, account, moment, policy)
    session.flush()
    return LoginResult(account, RateDecision(True, 0, None))


def change_password(
    *,
    session: Session,
    actor: Actor,
    old_password: str,
    new_password: str,
    hasher: PasswordHasher | None = None,
) -> None:
    """Change the actor's own password (the old one must be right)."""
    if actor.account_id is None:
        raise InvalidInput("account", "the operator has no password", "a logged-in account")
    account = session.get(AccountRow, actor.account_id)
    if account is None or verify_password(
        session=session, email=account.email, password=old_password, hasher=hasher
    ) is None:
        raise InvalidInput("old_password", "is not your current password")
    check_password(new_password, email=account.email)
    row = session.get(AccountPasswordRow, account.id)
    assert row is not None
    row.password_hash = (hasher or password_hasher()).hash(new_password)
    row.changed_at = utcnow()
    login_sessions.end_all(session=session, account_id=account.id)
    session.flush()


def list_accounts(
    *, session: Session, actor: Actor, role: Role | str | None = None
) -> list[AccountRow]:
    """Every account (admins and the operator), optionally of one role, by email."""
    authorize(session=session, actor=actor, action=Action.READ, resource=Resource.ACCOUNT,
              relation=Relation.OTHER, what="account.list", hide=False)
    query = select(AccountRow).order_by(AccountRow.email)
    if role is not None:
        query = query.where(AccountRow.role == parse_role(str(role)).value)
    return list(session.scalars(query))


def set_disabled(
    *, session: Session, actor: Actor, email: str, disabled: bool
) -> AccountRow:
    """Disable (or enable) an account; audited when it is someone else's."""
    account = find_account(session=session, email=email)
    own = account.id == actor.account_id
    authorize(session=session, actor=actor, action=Action.WRITE, resource=Resource.ACCOUNT,
              relation=Relation.OWN if own else Relation.OTHER,
              what="account.disable" if disabled else "account.enable",
              subject_person_id=account.person_id)
    account.disabled = disabled
    if disabled:
        login_sessions.end_all(session=session, account_id=account.id)
    session.flush()
    return account


def account_dict(account: AccountRow) -> dict[str, Any]:
    """JSON-ready account (never the hash)."""
    return {
        "id": str(account.id),
        "email": account.email,
        "role": account.role,
        "display_name": account.display_name,
        "person_id": plain(account.person_id),
        "disabled": account.disabled,
        "created_at": plain(account.created_at),
        "last_login_at": plain(account.last_login_at),
    }
