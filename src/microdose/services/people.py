"""The person whose journal this is, their time zone, and their local "today"."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.domain.errors import InvalidInput
from microdose.store.base import utcnow
from microdose.store.models import Person


def check_timezone(name: str) -> str:
    """An IANA time-zone name such as ``Europe/Berlin``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("timezone", f"{name!r} is not a time zone", "IANA names") from exc
    return name


def set_timezone(*, session: Session, person: Person, timezone: str) -> str:
    """Store the person's time zone (an IANA name such as ``Europe/Berlin``).

    Records keep the zone they were made in; the new zone decides "today" from now on.
    """
    name = timezone.strip()
    if name not in available_timezones():
        raise InvalidInput("timezone", f"{name!r} is not a time zone",
                           "IANA names such as Europe/Berlin or America/New_York")
    person.timezone = name
    session.flush()
    return name


def refuse_future(
    *, session: Session, person_id: uuid.UUID, day: date, field: str = "date"
) -> None:
    """Refuse a record dated after the person's today (in their own time zone)."""
    if day <= (utcnow() - timedelta(hours=12)).date():
        return  # today already, or earlier, in every time zone (none is behind UTC−12)
    person = session.get(Person, person_id)
    if person is None:
        return
    today = local_today(person)
    if day > today:
        raise InvalidInput(
            field,
            f"{day.isoformat()} is in the future (today is {today.isoformat()} in "
            f"{person.timezone})",
            allowed="today or earlier",
        )


def detect_timezone() -> str:
    """The system's IANA time zone (``TZ``, then /etc/localtime), else UTC."""
    candidate = os.environ.get("TZ", "").lstrip(":")
    if candidate and candidate in available_timezones():
        return candidate
    link = Path("/etc/localtime")
    if link.is_symlink():
        target = str(link.resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    return "UTC"


def ensure_person(*, session: Session, timezone: str | None = None) -> Person:
    """The journal's person, created on first use; ``timezone`` updates theirs."""
    person = session.scalars(select(Person).order_by(Person.created_at).limit(1)).first()
    if person is None:
        person = Person(display_name="me", timezone=timezone or detect_timezone())
        session.add(person)
        session.flush()
    elif timezone and timezone != person.timezone:
        person.timezone = check_timezone(timezone)
    return person


def has_accounts(session: Session) -> bool:
    """Whether the database holds any account: a multi-user service, not one journal."""
    from microdose.store.service_models import AccountRow

    return session.scalars(select(AccountRow.id).limit(1)).first() is not None


def local_today(person: Person, now: datetime | None = None) -> date:
    """The person's calendar day now, in their own time zone."""
    return (now or utcnow()).astimezone(ZoneInfo(person.timezone)).date()
