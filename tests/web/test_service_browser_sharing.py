"""A participant's sharing journey in Chromium at 360 px against a real ``microdose serve``.

The SQLite database is seeded through the services before the server starts (accounts
make it a service): participant Alex, clinician Sam (with an invitation code for Alex),
and researcher Lena's recruiting study (with an invitation code). Alex logs in, links Sam
with the code, reads the study's consent text and enrols, checks in from the Today page,
and opens "who looked at my data" after Sam opened Alex's timeline. An admin, also at
360 px, creates an account, disables it and reads the audit log. Screenshots go to
artifacts/screenshots/sharing-phone-*.png and admin-phone-*.png.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session
from tests.service_support import PASSWORD, account, study
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import ServerFactory

from microdose.services import caseload, studies
from microdose.services.actor import Actor
from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema

pytest.importorskip("playwright.sync_api")
PARTICIPANT = "alex@example.org"
ADMIN = "kim.admin@example.org"

pytestmark = BROWSER_MARKS


@dataclass(frozen=True)
class Seeded:
    """The codes Alex was given, and the actors of the journey."""

    clinician_code: str
    study_code: str
    alex: Actor
    sam: Actor


def seed(database_url: str) -> Seeded:
    """Alex (participant), Sam (clinician, one invitation), Lena's study (one code)."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        alex = account(session, PARTICIPANT, "participant", name="Alex")
        sam = account(session, "sam.clinician@example.org", "clinician", name="Sam Okafor")
        lena = account(session, "lena@example.org", "researcher", name="Dr Lena Vogt")
        account(session, ADMIN, "admin", name="Kim Admin")
        code = caseload.invite(session=session, actor=sam).code
        row = study(session, lena)
        study_code = studies.create_invitations(session=session, actor=lena,
                                                study_id=row.id)[0]
    engine.dispose()
    return Seeded(code, study_code, alex, sam)


def clinician_reads_timeline(database_url: str, seeded: Seeded) -> None:
    """Sam opens Alex's timeline (through the service, as the clinician view does)."""
    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():
        assert seeded.alex.person_id is not None
        caseload.timeline(session=session, actor=seeded.sam, person_id=seeded.alex.person_id)
    engine.dispose()


def log_in(j: Journey, email: str = PARTICIPANT, page: str = "/sharing") -> None:
    j.go(page)
    assert urlsplit(j.page.url).path == "/login"
    j.page.get_by_label("Email").fill(email)
    j.page.get_by_label("Password").fill(PASSWORD)
    j.page.get_by_role("button", name="Log in").click()
    j.page.wait_for_url(j.base + page)


def link_clinician(j: Journey, code: str) -> None:
    j.page.get_by_label("Clinician's invitation code").fill(code.lower())
    j.page.get_by_role("button", name="Link clinician").click()
    j.page.get_by_text("Linked. Your clinician can now read").wait_for()
    row = j.page.locator("table", has_text="Sam Okafor").locator("tbody tr").first
    assert "active" in row.inner_text()
    j.no_horizontal_scroll()
    j.shot("linked")


def enrol(j: Journey, code: str) -> None:
    j.page.get_by_label("Study invitation code").fill(code)
    j.page.get_by_role("button", name="Show the study").click()
    j.page.get_by_role("heading", name="Consent, version 1").wait_for()
    assert j.page.get_by_text("I can withdraw at any time").is_visible()
    j.no_horizontal_scroll()
    j.shot("consent")
    j.page.get_by_label("I have read consent version 1 and agree to take part").check()
    j.page.get_by_role("button", name="Accept and enrol").click()
    j.page.get_by_text("Enrolled. Thank you for taking part.").wait_for()
    assert j.page.get_by_text("version 1 accepted").is_visible()
    j.no_horizontal_scroll()
    j.shot("enrolled")


def check_in(j: Journey) -> None:
    j.nav("Today")
    j.page.get_by_role("heading", name="How are you today?").wait_for()
    for name, value in (("mood", 7), ("anxiety", 3), ("energy", 6), ("focus", 6), ("sleep", 8),
                        ("connectedness", 5)):
        j.page.get_by_label(f"{name} {value}", exact=True).check()
    j.page.get_by_role("button", name="Save check-in").click()
    j.page.get_by_text("Check-in saved").wait_for()
    j.no_horizontal_scroll()
    j.shot("today")


def who_looked(j: Journey) -> None:
    j.nav("Sharing")
    j.page.get_by_role("link", name="Every entry about your data").click()
    j.page.get_by_role("heading", name="Who looked at my data").wait_for()
    rows = j.page.locator("table tbody tr").all_inner_texts()
    assert any("clinician Sam Okafor" in r and "opened your timeline" in r for r in rows), rows
    assert not any("Alex" in r for r in rows)
    j.no_horizontal_scroll()
    j.shot("audit")


def test_participant_sharing_journey(
    browser: object, server_factory: ServerFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    seeded = seed(url)
    served = server_factory(database_url=url)
    j = Journey(browser, served.url, "phone", area="sharing")
    log_in(j)
    j.page.get_by_role("heading", name="Sharing", exact=True).wait_for()
    link_clinician(j, seeded.clinician_code)
    enrol(j, seeded.study_code)
    check_in(j)
    clinician_reads_timeline(url, seeded)
    who_looked(j)
    hosts = {urlsplit(u).hostname for u in j.requests if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {hosts}"
    assert j.errors == [], j.errors  # no CSP violation, no script error
    j.context.close()


def admin_journey(j: Journey) -> None:
    j.page.get_by_role("heading", name="Accounts", exact=True).wait_for()
    j.page.get_by_text("Create an account").click()  # the form folds away under its summary
    j.page.get_by_label("Email", exact=True).fill("robin.guide@example.org")
    j.page.get_by_label("Role", exact=True).select_option("clinician")
    j.page.get_by_label("Display name").fill("Robin Guide")
    j.page.get_by_label("Password").fill("short")
    j.page.get_by_role("button", name="Create account").click()
    j.page.get_by_text("password: is shorter than 12 characters").wait_for()
    assert j.page.get_by_label("Email", exact=True).input_value() == "robin.guide@example.org"
    j.shot("account-error")
    j.page.get_by_label("Password").fill("quiet river lantern")
    j.page.get_by_role("button", name="Create account").click()
    j.page.get_by_text("Account created.").wait_for()
    for email in ("robin.guide@example.org", PARTICIPANT):
        j.page.get_by_role("button", name=f"Disable {email}").click()
        j.page.get_by_role("button", name=f"Enable {email}").wait_for()
    assert j.page.get_by_text("Account disabled").is_visible()
    j.no_horizontal_scroll()
    j.shot("accounts")
    j.page.get_by_role("link", name="Audit log").click()
    j.page.get_by_role("heading", name="Audit log").wait_for()
    row = j.page.locator("table tbody tr").first.inner_text()
    assert "account.disable" in row and "you" in row.split("\n"), row
    j.no_horizontal_scroll()
    j.shot("audit")


def test_admin_accounts_journey(
    browser: object, server_factory: ServerFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    seed(url)
    served = server_factory(database_url=url)
    j = Journey(browser, served.url, "phone", area="admin")
    log_in(j, ADMIN, "/admin/accounts")
    admin_journey(j)
    # the refused form answers 422 on purpose; anything else in the console is an error
    errors = [e for e in j.errors if "status of 422" not in e]
    assert errors == [], errors
    j.context.close()
