"""Scanning an envelope's QR code on the trial page, in Chromium: a photo of a label (a PNG
made with segno, the library that prints the kit's labels) fed to the file input is read
in the page by the vendored jsQR, and the envelope is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import segno
from sqlalchemy import create_engine, select
from tests.web.browser_support import BROWSER_MARKS, Journey
from tests.web.conftest import Served, start_server

from microdose.store.trial_models import TrialEnvelopeRow

pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_MARKS


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = start_server(f"sqlite:///{tmp_path / 'demo.sqlite3'}", "--demo")
    yield server
    server.stop()


def _codes(served: Served) -> list[str]:
    engine = create_engine(served.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(TrialEnvelopeRow.code).order_by(TrialEnvelopeRow.block, TrialEnvelopeRow.code))
        codes = [row.code for row in rows]
    engine.dispose()
    return codes


def _photo(text: str, folder: Path, name: str) -> Path:
    path = folder / name
    segno.make_qr(text, error="m").save(str(path), scale=8, border=4)
    return path


def test_a_photo_of_the_label_fills_in_the_code(browser: object, served: Served,
                                                tmp_path: Path) -> None:
    j = Journey(browser, served.url, "phone390", area="scan")
    try:
        j.go("/trial")
        j.page.locator("#doses").fill("8")
        j.page.get_by_role("button", name="Design and seal").click()
        j.page.get_by_text("Trial designed and sealed").wait_for()
        code = _codes(served)[0]
        scan = j.page.get_by_text("Scan the QR code")
        scan.wait_for()  # shown once the decoder has loaded (hidden without JavaScript)
        # a QR code that is not an envelope code is not taken
        j.page.set_input_files("#code-photo", str(_photo("https://example.org", tmp_path, "x.png")))
        j.page.get_by_text("not an envelope code").wait_for()
        assert j.page.input_value("#code") == ""
        j.page.set_input_files("#code-photo", str(_photo(code, tmp_path, "label.png")))
        j.page.get_by_text(f"Read {code}.").wait_for()
        assert j.page.input_value("#code") == code
        j.shot("trial-scanned")
        j.page.get_by_role("button", name="Record envelope").click()
        j.page.get_by_text("Envelope recorded").wait_for()
        # on a dose day the dose page offers the same form and scanner
        j.go("/doses")
        j.page.get_by_role("heading", name="Record an envelope").wait_for()
        second = _codes(served)[1]
        j.page.set_input_files("#code-photo", str(_photo(second, tmp_path, "b.png")))
        j.page.get_by_text(f"Read {second}.").wait_for()
        assert j.page.input_value("#code") == second
    finally:
        j.context.close()
