"""What the reminder parts of two pages show: the settings form and the "Due today" card.

Apart from :mod:`microdose.web.pages.reminders` (the form's route), so that the settings
page and the today page can add this context without importing a route module.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from microdose.domain.instrument_items import INSTRUMENTS
from microdose.domain.reminders import MAX_INTERVAL_DAYS
from microdose.services.people import local_today
from microdose.services.reminders import due_today, schedule_of
from microdose.store.models import Person

INSTRUMENT_NAMES = {"phq9": "PHQ-9", "gad7": "GAD-7", "who5": "WHO-5", "dass21": "DASS-21"}


def reminder_context(session: Session, person: Person) -> dict[str, Any]:
    """What the reminders form shows: the stored (or default) schedule."""
    return {
        "reminders": schedule_of(session=session, person_id=person.id).to_dict(),
        "reminder_instruments": {key: INSTRUMENT_NAMES.get(key, key) for key in INSTRUMENTS},
        "max_interval": MAX_INTERVAL_DAYS,
    }


def due_context(session: Session, person: Person) -> dict[str, Any]:
    """What the today page's "Due today" card shows (paused or not, it is the person's day)."""
    due = due_today(session=session, person=person, today=local_today(person))
    return {
        "due_today": due,
        "due_names": INSTRUMENT_NAMES,
        "reminders_on_hold": schedule_of(session=session, person_id=person.id).paused,
    }
