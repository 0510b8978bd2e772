"""A researcher's journey in Chromium against a real ``microdose serve`` in service mode.

The server's SQLite file is seeded through the services before it starts: a researcher
account and a study with eight participants who answered PHQ-9 and checked in (see
tests/web/study_cohort.py). At desktop (1280 px) and phone (360 px) widths the researcher
logs in, defines a study (first with a mistake, shown beside its field), makes invitation
codes, follows the seeded study's completion, runs the analyses and downloads the CSV
export. Screenshots go to artifacts/screenshots/researcher-*.png.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from tests.service_support import PASSWORD, account
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import Served, start_server
from tests.web.study_cohort import Cohort, seed_cohort

from microdose.store.engine import make_engine, make_sessionmaker
from microdose.store.migrate import ensure_schema

pytest.importorskip("playwright.sync_api")
RESEARCHER = "lena.researcher@example.org"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Cohort]]:
    """A service-mode server over a SQLite file holding the researcher and the cohort."""
    url = f"sqlite:///{tmp_path_factory.mktemp('researcher') / 'service.sqlite3'}"
    engine = make_engine(url)
    ensure_schema(engine)
    with make_sessionmaker(engine)() as session, session.begin():
        researcher = account(session, RESEARCHER, "researcher", name="Dr Lena Vogt")
        cohort = seed_cohort(session, researcher)
    engine.dispose()
    served = start_server(url)
    yield served, cohort
    served.stop()


def log_in(j: Journey) -> None:
    j.go("/studies")  # not logged in: the login page, then back to the studies
    j.shot("login")
    j.page.locator("#email").fill(RESEARCHER)
    j.page.locator("#password").fill(PASSWORD)
    j.page.get_by_role("button", name="Log in").click()
    j.page.wait_for_url(j.base + "/studies")
    j.page.get_by_role("heading", name="Studies", exact=True).wait_for()


def create_study(j: Journey) -> None:
    page = j.page
    page.locator("#title").fill(f"Sleep and mood ({j.name})")
    page.locator("#arms").fill("microdose=self-blinded,placebo=placebo-controlled")
    page.locator("#schedule").fill("0:phq9,bdi;28:phq9")
    page.locator("#duration_days").fill("28")
    page.locator("#consent").fill("I agree to take part and may withdraw at any time.")
    page.get_by_role("button", name="Create study").click()
    error = page.locator("#schedule-error")
    error.wait_for()
    assert "bdi" in error.inner_text() and "phq9" in error.inner_text()
    assert page.locator("#schedule").get_attribute("aria-invalid") == "true"
    assert page.locator("#title").input_value() == f"Sleep and mood ({j.name})"  # kept
    j.no_horizontal_scroll()
    j.shot("create-error")
    page.locator("#schedule").fill("0:phq9,gad7;14:phq9;28:phq9,gad7")
    page.get_by_role("button", name="Create study").click()
    page.get_by_text("Study created.").wait_for()
    assert page.get_by_role("heading", name=f"Sleep and mood ({j.name})").is_visible()


def make_codes(j: Journey) -> None:
    j.page.locator("#count").fill("3")
    j.page.get_by_role("button", name="Create codes").click()
    codes = j.page.locator("#new-codes li")
    codes.first.wait_for()
    assert codes.count() == 3
    assert "shown once" in j.page.locator("#new-codes").inner_text()
    j.no_horizontal_scroll()
    j.shot("codes")


def follow_seeded_study(j: Journey) -> None:
    j.go("/studies")
    j.no_horizontal_scroll()
    j.shot("studies")
    j.page.get_by_role("link", name="Mood study").click()
    j.page.get_by_role("heading", name="Completion by study day and instrument").wait_for()
    rows = j.page.locator("table[aria-labelledby=completion-h] tbody tr")
    assert rows.count() == 3  # days 0, 14 and 28 of PHQ-9
    assert "100%" in rows.nth(2).inner_text()  # day 28: 8 of 8 done
    assert "8 enrolled" in j.page.content()
    j.no_horizontal_scroll()
    j.shot("study")


def run_analyses(j: Journey) -> None:
    j.page.locator("#outcome").select_option("phq9")
    j.page.get_by_role("button", name="Run analyses").click()
    results = j.page.locator("#results")
    results.wait_for()
    text = results.inner_text()
    for expected in ("Change over study time (mixed model)", "ANCOVA",
                     "Pooled N-of-1 effects", "95% CI", "What it cannot tell", "Method"):
        assert expected in text, expected
    j.no_horizontal_scroll()
    results.scroll_into_view_if_needed()
    j.shot("analysis")


def download_csv(j: Journey, cohort: Cohort, folder: Path) -> None:
    with j.page.expect_download() as info:
        j.page.get_by_role("link", name="Download CSV (zip)").click()
    target = folder / f"{j.name}-{info.value.suggested_filename}"
    info.value.save_as(target)
    archive = zipfile.ZipFile(target)
    assert "data_dictionary.csv" in archive.namelist()
    scores = pd.read_csv(io.BytesIO(archive.read("questionnaires.csv")))
    assert len(scores) == 24 and scores["pseudonym"].nunique() == 8
    every = "".join(archive.read(name).decode() for name in archive.namelist())
    assert not any(email in every for email in cohort.emails)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_researcher_journey(browser: object, seeded: tuple[Served, Cohort], width: str,
                            tmp_path: Path) -> None:
    served, cohort = seeded
    j = Journey(browser, served.url, width, area="researcher", timeout=20_000)
    log_in(j)
    create_study(j)
    make_codes(j)
    follow_seeded_study(j)
    run_analyses(j)
    download_csv(j, cohort, tmp_path)
    hosts = {urlsplit(url).hostname for url in j.requests if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {hosts}"
    refused = [e for e in j.errors if "status of 422" in e]
    assert len(refused) == 1, j.errors  # the study form with the unknown instrument
    assert [e for e in j.errors if e not in refused] == []  # no CSP violation, no script error
    j.context.close()
