"""Helpers of the multi-user service tests (accounts, studies) on the real test databases."""

from __future__ import annotations

from datetime import UTC, datetime

from argon2 import PasswordHasher, profiles
from sqlalchemy.orm import Session

from microdose.domain import studies as rules
from microdose.services.accounts import create_account
from microdose.services.actor import Actor
from microdose.services.studies import create_study
from microdose.store.service_models import StudyRow

#: argon2id with the cheapest parameters: real hashes, fast tests
CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)
PASSWORD = "a long enough passphrase"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CONSENT = "I agree to take part in this study. I can withdraw at any time."


def account(session: Session, email: str, role: str, *, name: str | None = None,
            timezone: str = "Europe/Berlin") -> Actor:
    """A new account's actor (cheap hash)."""
    row = create_account(session=session, email=email, password=PASSWORD, role=role,
                         display_name=name, timezone=timezone, hasher=CHEAP)
    return Actor.of(row)


def study(session: Session, owner: Actor, *, arms: str = "microdose=open-label,"
          "comparison=comparator", schedule: str = "0:phq9,dass21;14:phq9;28:phq9,dass21",
          **options: object) -> StudyRow:
    """A recruiting study owned by ``owner``."""
    spec = rules.StudySpec(title="Mood study", arms=rules.parse_arms(arms),
                           schedule=rules.parse_schedule(schedule), **options)  # type: ignore[arg-type]
    return create_study(session=session, actor=owner, spec=spec, consent_text=CONSENT)
