"""A clinician's journey in Chromium against a real ``microdose serve`` of the service.

The SQLite database is seeded through the services before the server starts (accounts
make it a service): clinician Sam is linked to Alex (two weeks of check-ins, a dose, a
PHQ-9 of 8 and then one of 17 with item 9 answered: a crisis alert) and to Robin (check-ins
only). Sam logs in at desktop and phone width, finds Alex first in the caseload, opens
Alex's page, sees the charts drawn, downloads the PDF and acknowledges the alert with a
note. Screenshots go to artifacts/screenshots/clinician-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session
from tests.conftest import journal_today
from tests.service_support import PASSWORD, account
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import ServerFactory

from microdose.domain.checkins import make_checkin
from microdose.services import caseload
from microdose.services.actor import Actor
from microdose.services.checkins import submit_checkin
from microdose.services.doses import DoseCreate, record_dose
from microdose.services.safety import record_screen, submit_response
from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema
from microdose.store.models import Person

pytest.importorskip("playwright.sync_api")
CLINICIAN = "sam.clinician@example.org"

pytestmark = BROWSER_MARKS


def _journal(session: Session, actor: Actor, *, crisis: bool) -> None:
    person = session.get_one(Person, actor.person_id)
    today = journal_today()
    for n in range(14, 0, -1):
        ratings = {"mood": 4 + n % 4, "anxiety": 3 + n % 2, "energy": 5, "focus": 5,
                   "sleep": 6, "connectedness": 6}
        submit_checkin(session=session, person_id=person.id,
                       checkin=make_checkin(today - timedelta(days=n), ratings))
    if not crisis:
        return
    record_screen(session=session, person=person, conditions=[], medications=[])
    record_dose(session=session, person=person,
                dose=DoseCreate(material="dried-cubensis", grams=0.15,
                                day=today - timedelta(days=10)))
    submit_response(session=session, person=person, instrument="phq9",
                    answers=[1] * 8 + [0], day=today - timedelta(days=13))
    submit_response(session=session, person=person, instrument="phq9",
                    answers=[2] * 8 + [1], day=today - timedelta(days=1))


def seed(database_url: str) -> None:
    """Sam (clinician) linked to Robin and then to Alex, who has a crisis alert."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        sam = account(session, CLINICIAN, "clinician", name="Sam Okafor")
        for email, name, crisis in (("robin@example.org", "Robin", False),
                                    ("alex@example.org", "Alex", True)):
            person = account(session, email, "participant", name=name)
            code = caseload.invite(session=session, actor=sam).code
            caseload.accept(session=session, actor=person, code=code)
            _journal(session, person, crisis=crisis)
    engine.dispose()


def log_in(j: Journey) -> None:
    j.go("/clinician")
    assert urlsplit(j.page.url).path == "/login"
    j.page.get_by_label("Email").fill(CLINICIAN)
    j.page.get_by_label("Password").fill(PASSWORD)
    j.page.get_by_role("button", name="Log in").click()
    j.page.wait_for_url(j.base + "/clinician")


def caseload_journey(j: Journey) -> None:
    j.page.get_by_role("heading", name="Caseload", exact=True).wait_for()
    names = j.page.locator("table tbody th[scope=row] a").all_inner_texts()
    assert names == ["Alex", "Robin"], names
    first = j.page.locator("table tbody tr").first
    assert "reliably worse" in first.inner_text()
    assert "8 → 17 (+9)" in first.inner_text()
    j.page.get_by_role("heading", name="What the numbers mean").wait_for()
    j.no_horizontal_scroll()
    hidden = j.page.evaluate(
        "(() => { const w = document.querySelector('.table-wrap');"
        " return w.scrollWidth - w.clientWidth; })()"
    )
    assert hidden <= 0, f"the caseload table hides {hidden}px at {j.name} width"
    j.shot("caseload")


def person_journey(j: Journey) -> None:
    j.page.get_by_role("link", name="Alex").click()
    j.page.get_by_role("heading", name="Alex", exact=True).wait_for()
    j.page.locator("figure.chart-ready .chart-canvas svg").nth(1).wait_for()  # no eval: CSP
    assert j.page.locator("figure.chart .chart-canvas svg").count() >= 2
    assert j.page.get_by_role("heading", name="Open alerts").is_visible()
    j.no_horizontal_scroll()
    j.shot("person")


def pdf_download(j: Journey) -> None:
    with j.page.expect_download() as started:
        j.page.get_by_role("link", name="Download the PDF report").click()
    path = started.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")


def acknowledge_journey(j: Journey) -> None:
    note = j.page.get_by_label("What was done")
    assert note.count() == 1
    note.fill("Phoned Alex; safety plan reviewed; GP informed.")
    j.page.get_by_role("button", name="Acknowledge this alert").click()
    j.page.get_by_text("Alert acknowledged.").wait_for()
    assert j.page.get_by_text("None: every alert has been acknowledged.").is_visible()
    assert j.page.get_by_role("button", name="Acknowledge this alert").count() == 0
    j.page.locator("figure.chart-ready .chart-canvas svg").nth(1).wait_for()  # no eval: CSP
    j.no_horizontal_scroll()
    j.shot("acknowledged")
    j.page.get_by_role("link", name="← Caseload").click()
    j.page.get_by_role("heading", name="Caseload", exact=True).wait_for()
    assert "reliably worse" in j.page.locator("table tbody tr").first.inner_text()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_clinician_journey(
    browser: object, server_factory: ServerFactory, tmp_path: Path, width: str
) -> None:
    url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    seed(url)
    served = server_factory(database_url=url)
    j = Journey(browser, served.url, width, area="clinician")
    log_in(j)
    caseload_journey(j)
    person_journey(j)
    if width == "desktop":
        pdf_download(j)
    acknowledge_journey(j)
    hosts = {urlsplit(u).hostname for u in j.requests if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {hosts}"
    assert j.errors == [], j.errors  # no CSP violation, no script error
    j.context.close()
