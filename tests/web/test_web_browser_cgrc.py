"""The trial page's correct guess rate curve in Chromium: drawn, accessible (axe), no
horizontal scroll on a phone, no CSP violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from tests.trial_support import felt_trial
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import ServerFactory

pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS


def unblinded_journal(folder: Path) -> str:
    """A journal with a screened person and an unblinded 12-dose trial."""
    from typer.testing import CliRunner

    from microdose.cli.app import app
    from microdose.services.people import ensure_person
    from microdose.services.safety import record_screen

    url = f"sqlite:///{folder / 'trial.sqlite3'}"
    result = CliRunner().invoke(app, ["--database-url", url, "screen"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        person = ensure_person(session=session, timezone="Europe/Berlin")
        record_screen(session=session, person=person)
        felt_trial(session, person, seed=2)
        session.commit()
    engine.dispose()
    return url


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_curve_on_the_trial_page(
    browser: object, server_factory: ServerFactory, tmp_path: Path, width: str
) -> None:
    served = server_factory(database_url=unblinded_journal(tmp_path))
    j = Journey(browser, served.url, width, area="cgrc")
    j.go("/trial")
    svg = j.page.locator("figure.chart svg[aria-labelledby='cgrc-title']")
    assert svg.count() == 1 and svg.bounding_box()["height"] > 50  # type: ignore[index]
    j.no_horizontal_scroll()
    j.shot("trial")  # and axe-core finds no WCAG 2.2 AA problem
    assert j.errors == [], j.errors
    j.context.close()
