"""HTML pages: one module per area, its templates under ``templates/<area>/``.

The personal journal's areas: ``journal`` (today with the check-in, check-ins, doses,
journal entries), ``corrections`` (correct or delete them, the history), ``calendar`` (the
year at a glance), ``measures`` (questionnaires, the plan), ``insight`` (insights, the
blinded trial), ``safety`` (screen, adverse events, crisis, evidence), ``settings`` (with
``preferences``: ratings asked, light or dark, date style) and ``login``. The service's:
``clinician``, ``studies`` (researchers), ``sharing`` (participants) and ``admin``.
``offline`` serves the manifest, the service worker and the offline page. ``forms`` holds
what every form shares.
"""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """The pages' routers, the personal journal's first, then the service's."""
    from microdose.web.pages import (
        admin,
        calendar,
        clinician,
        corrections,
        insight,
        journal,
        login,
        measures,
        offline,
        preferences,
        reminders,
        safety,
        settings,
        sharing,
        studies,
    )

    journal_areas = (journal, corrections, calendar, measures, safety, settings, preferences,
                     reminders, login, insight)
    service_areas = (clinician, studies, sharing, admin)
    return [
        *(area.router for area in journal_areas),
        login.api_router,
        offline.router,
        *(area.router for area in service_areas),
    ]
