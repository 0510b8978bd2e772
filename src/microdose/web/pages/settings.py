"""HTML pages: settings (time zone, crisis-help region), and the journal's export and deletion."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microdose.domain.errors import InvalidInput, MicrodoseError
from microdose.reports.exports import EXPORTERS
from microdose.services import portability, safety
from microdose.services.people import set_timezone
from microdose.store.models import Person
from microdose.web.pages.forms import FormBase, submit
from microdose.web.pages.settings_page import settings_page as _settings_page
from microdose.web.platform.deps import StateDep
from microdose.web.platform.guards import PAGE_GUARDS
from microdose.web.platform.security import CLEAR_SITE_DATA, SESSION_COOKIE
from microdose.web.platform.views import attachment, form_error

router = APIRouter(dependencies=PAGE_GUARDS, include_in_schema=False)


class RegionForm(FormBase):
    """The crisis-resource region."""

    region: str = "auto"


class TimezoneForm(FormBase):
    """The person's time zone (where their day starts at midnight)."""

    timezone: str = ""


class DeleteForm(FormBase):
    """Deleting the journal needs the word DELETE typed."""

    confirm: str = ""


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, state: StateDep, saved: str | None = None) -> HTMLResponse:
    """Export, crisis-resource region, and deleting the journal."""
    return _settings_page(request, state, {"saved": saved})


@router.post("/settings/region")
def save_region(request: Request, state: StateDep, form: Annotated[RegionForm, Form()]) -> Response:
    """Set the region whose crisis resources are shown."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        return 200, {
            "region": safety.set_region(session=session, person=person, region=form.region)
        }

    try:
        submit(state, form, "/settings/region", work)
    except MicrodoseError as exc:
        return _settings_page(request, state, {"error": form_error(exc)}, exc.http_status)
    return RedirectResponse("/settings?saved=region", status_code=303)


@router.post("/settings/timezone")
def save_timezone(
    request: Request, state: StateDep, form: Annotated[TimezoneForm, Form()]
) -> Response:
    """Set the time zone that decides the person's "today"."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        return 200, {
            "timezone": set_timezone(session=session, person=person, timezone=form.timezone)
        }

    try:
        submit(state, form, "/settings/timezone", work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": {"timezone": form.timezone}}
        return _settings_page(request, state, extra, exc.http_status)
    return RedirectResponse("/settings?saved=timezone", status_code=303)


@router.post("/settings/delete")
def delete_journal(
    request: Request, state: StateDep, form: Annotated[DeleteForm, Form()]
) -> Response:
    """Delete every record of the journal, after the word DELETE is typed."""
    if form.confirm.strip() != "DELETE":
        error = form_error(InvalidInput("confirm", "type DELETE to confirm", "DELETE"))
        return _settings_page(request, state, {"error": error}, 422)
    with state.sessions() as session, session.begin():
        if state.service:  # only this participant's journal (and account)
            portability.delete_person(session=session, person_id=state.person(session).id)
        else:
            portability.delete_all(session=session)
    if state.service:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
    state.forget_person()
    state.ensure_person()
    done = RedirectResponse("/settings?saved=deleted", status_code=303)
    done.headers["Clear-Site-Data"] = CLEAR_SITE_DATA  # the pages kept offline, the outbox
    return done


@router.get("/settings/export/{fmt}")
def export_journal(state: StateDep, fmt: str) -> Response:
    """Download the whole journal: JSON, CSV (zipped), or a format of the insight layer."""
    import tempfile
    from pathlib import Path

    from microdose.domain.errors import NotFound

    formats = ["json", "csv", *EXPORTERS]
    if fmt not in formats:
        raise NotFound(f"{fmt!r} is not an export format (allowed: {', '.join(formats)})")
    with state.sessions() as session, tempfile.TemporaryDirectory() as folder:
        person = state.person(session)
        target = Path(folder) / f"microdose-export.{fmt}"
        if fmt in ("json", "csv"):
            document = portability.export_document(session=session, person=person)
            if fmt == "json":
                portability.write_json(document, target)
            else:
                portability.write_csv(document, target)
        else:
            target = EXPORTERS[fmt](session=session, person=person, output=target)
        session.commit()
        name, body = _download(target)
    return attachment(body, name, "application/octet-stream")


def _download(path: Any) -> tuple[str, bytes]:
    """A file's name and bytes, or a folder zipped."""
    import io
    import zipfile

    if path.is_file():
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(path.rglob("*")):
            if item.is_file():
                archive.write(item, item.relative_to(path).as_posix())
    return path.name + ".zip", buffer.getvalue()
