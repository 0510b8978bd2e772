"""Today's status (planned, due, streak, latest scores) and the history of a journal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from microdose.domain import instruments
from microdose.services.checkins import checkins
from microdose.services.doses import doses
from microdose.services.entries import entries
from microdose.services.plans import active_plan
from microdose.services.questionnaires import latest_by_instrument, responses
from microdose.services.serialize import row_dict
from microdose.store.models import Person

#: days between scheduled questionnaires: the PHQ-9 and GAD-7 recall period is 2 weeks
ASSESSMENT_INTERVAL_DAYS = {"phq9": 14, "gad7": 14, "who5": 14}


@dataclass(frozen=True)
class Status:
    """What a person needs to know today."""

    today: date
    protocol: str | None
    dose_today: bool
    next_dose_day: date | None
    dosed_today: bool
    checked_in_today: bool
    streak: int
    due: list[str]
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready status."""
        return {
            "today": self.today.isoformat(),
            "protocol": self.protocol,
            "dose_today": self.dose_today,
            "next_dose_day": self.next_dose_day.isoformat() if self.next_dose_day else None,
            "dosed_today": self.dosed_today,
            "checked_in_today": self.checked_in_today,
            "streak": self.streak,
            "due": self.due,
            "latest": self.latest,
        }


def checkin_streak(days: set[date], today: date) -> int:
    """Consecutive days with a check-in ending today (or yesterday if today is still open)."""
    cursor = today if today in days else today - timedelta(days=1)
    streak = 0
    while cursor in days:
        streak += 1
        cursor -= timedelta(days=1)
    return streak


def due_instruments(last: dict[str, date], today: date) -> list[str]:
    """Personal-journal instruments never answered or last answered an interval ago."""
    due = []
    for key, interval in ASSESSMENT_INTERVAL_DAYS.items():
        when = last.get(key)
        if when is None or (today - when).days >= interval:
            due.append(key)
    return due


def status(*, session: Session, person: Person, today: date) -> Status:
    """Assemble today's status from the stored journal."""
    plan = active_plan(session=session, person_id=person.id)
    upcoming = [d for d in plan.dose_days if d > today] if plan else []
    latest = latest_by_instrument(session=session, person_id=person.id)
    checkin_days = {c.local_date for c in checkins(session=session, person_id=person.id)}
    return Status(
        today=today,
        protocol=plan.spec.protocol.value if plan else None,
        dose_today=bool(plan and plan.is_dose_day(today)),
        next_dose_day=upcoming[0] if upcoming else None,
        dosed_today=any(d.local_date == today for d in doses(session=session, person_id=person.id)),
        checked_in_today=today in checkin_days,
        streak=checkin_streak(checkin_days, today),
        due=due_instruments({k: r.local_date for k, r in latest.items()}, today),
        latest={
            k: {"date": r.local_date.isoformat(), **r.score}
            for k, r in latest.items()
            if k in instruments.INSTRUMENTS
        },
    )


def history(
    *, session: Session, person: Person, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """Every record of the journal as one date-ordered list of ``{"type", "date", …}``."""
    items: list[dict[str, Any]] = []
    pid = person.id
    for kind, rows in (
        ("dose", doses(session=session, person_id=pid)),
        ("checkin", checkins(session=session, person_id=pid)),
        ("journal", entries(session=session, person_id=pid)),
    ):
        items += [{"type": kind, "date": r.local_date.isoformat(), **row_dict(r)} for r in rows]
    items += [
        {"type": "questionnaire", "date": r.local_date.isoformat(), **row_dict(r)}
        for r in responses(session=session, person_id=pid)
    ]
    items = [
        i
        for i in items
        if (start is None or i["date"] >= start.isoformat())
        and (end is None or i["date"] <= end.isoformat())
    ]
    return sorted(items, key=lambda i: (i["date"], i["type"]))
