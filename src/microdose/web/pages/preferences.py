"""HTML forms in settings: which daily ratings the check-in asks, light or dark, date style.

Both forms live on the settings page (``settings/_preferences.html``); an error re-renders
that page (:func:`~microdose.web.pages.settings_page.settings_page`) with the field named.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from microdose.domain.errors import MicrodoseError
from microdose.services.preferences import set_appearance, set_factors, set_tracked
from microdose.store.models import Person
from microdose.web.pages.forms import FormBase, submit
from microdose.web.pages.settings_page import settings_page
from microdose.web.platform.deps import StateDep
from microdose.web.platform.guards import PAGE_GUARDS
from microdose.web.platform.idempotency import Work
from microdose.web.platform.state import WebState
from microdose.web.platform.views import form_error

router = APIRouter(dependencies=PAGE_GUARDS, include_in_schema=False)


class RatingsForm(FormBase):
    """The ratings to be asked each day (mood always is)."""

    ratings: list[str] = Field(default_factory=list)


class FactorsForm(FormBase):
    """The daily factors, comma-separated (e.g. "exercise, alcohol")."""

    factors: str = ""


class AppearanceForm(FormBase):
    """Light or dark, and the date style."""

    theme: str = "system"
    date_style: str = "long"


def _save(request: Request, state: WebState, form: FormBase, section: str,
          work: Work) -> Response:
    """Do one settings form's write; back to its section, or the page with the field named."""
    try:
        submit(state, form, f"/settings/{section}", work)
    except MicrodoseError as exc:
        return settings_page(request, state, {"error": form_error(exc)}, exc.http_status)
    return RedirectResponse(f"/settings?saved={section}#{section}", status_code=303)


@router.post("/settings/ratings")
def save_ratings(
    request: Request, state: StateDep, form: Annotated[RatingsForm, Form()]
) -> Response:
    """Choose the daily ratings; past check-ins keep every rating they have."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        return 200, {"tracked": list(set_tracked(session=session, person=person,
                                                 names=form.ratings))}

    return _save(request, state, form, "ratings", work)


@router.post("/settings/appearance")
def save_appearance(
    request: Request, state: StateDep, form: Annotated[AppearanceForm, Form()]
) -> Response:
    """Store light, dark or the system's setting, and the date style."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        chosen = set_appearance(session=session, person=person, theme=form.theme,
                                date_style=form.date_style)
        return 200, {"theme": chosen.theme or "system", "date_style": chosen.date_style}

    return _save(request, state, form, "appearance", work)


@router.post("/settings/factors")
def save_factors(
    request: Request, state: StateDep, form: Annotated[FactorsForm, Form()]
) -> Response:
    """Choose the daily factors; past check-ins keep the answers they have."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        names = set_factors(session=session, person=person, names=form.factors.split(","))
        return 200, {"factors": list(names)}

    return _save(request, state, form, "factors", work)
