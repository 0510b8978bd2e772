"""The JSON API under ``/api/v1``: one module per resource.

The personal journal's resources (``checkins``, ``doses``, ``today``, ``plan``,
``questionnaires``, ``journal``, ``crisis``, ``safety``, ``insight``, ``trial``) act on the
journal of whoever is logged in; the service's (``clinician``, ``studies``, ``sharing``
with the admin's accounts and log, ``reminders``) exist only in service mode. ``common``
holds what they share.
"""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """The API's routers, the personal journal's first, then the service's."""
    from microdose.web.api import (
        checkins,
        clinician,
        crisis,
        doses,
        insight,
        journal,
        plan,
        questionnaires,
        reminders,
        safety,
        sharing,
        studies,
        today,
        trial,
    )

    journal_resources = (checkins, doses, today, plan, questionnaires, journal, crisis, safety)
    return [
        *(module.router for module in journal_resources),
        insight.router,
        trial.router,
        clinician.router,
        studies.router,
        sharing.router,
        sharing.admin_router,
        reminders.router,
    ]
