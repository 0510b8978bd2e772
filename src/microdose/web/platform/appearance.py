"""The person's page settings in every page: light or dark, and their date style.

:func:`appearance` reads them once per page (one primary-key query); pages without a
person (login, a clinician's caseload, an error before the database answers) get the
defaults: the system's light or dark, and the ``long`` date style.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.exc import SQLAlchemyError

from microdose.domain.errors import MicrodoseError
from microdose.domain.preferences import DEFAULT_DATE_STYLE, format_day
from microdose.store.models import Person
from microdose.web.platform.auth import CURRENT_ACTOR
from microdose.web.platform.deps import web_state

DEFAULTS: dict[str, Any] = {"theme": None, "date_style": DEFAULT_DATE_STYLE}


def appearance(request: Request) -> dict[str, Any]:
    """``theme`` (None: follow the system) and ``date_style`` of the page's person."""
    state = web_state(request)
    actor = CURRENT_ACTOR.get()
    if state.service and (actor is None or actor.person_id is None):
        return DEFAULTS
    try:
        with state.sessions() as session:
            person = session.get(Person, state.person_id(session))
            session.commit()
    except (SQLAlchemyError, MicrodoseError):
        return DEFAULTS  # the page itself says what went wrong
    if person is None:
        return DEFAULTS
    return {"theme": person.theme, "date_style": person.date_style or DEFAULT_DATE_STYLE}


@pass_context
def day_filter(context: Context, value: date | datetime | None, weekday: bool = False) -> str:
    """``{{ d | day }}``: a date in the person's style; ``day(weekday=True)`` adds the day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return format_day(value, context.get("date_style"), weekday=weekday)
