"""The preparation kit PDF: every QR label decodes (zbar) to a stored envelope code."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from tests.conftest import journal_today

from microdose.domain.blinding import Condition
from microdose.reports.kit import kit_html, write_kit_pdf
from microdose.services import trials
from microdose.services.people import ensure_person
from microdose.services.safety import record_screen


def decode_pdf(pdf: Path, folder: Path) -> list[str]:
    """pdftoppm (poppler-utils) → PNG pages → zbarimg (zbar-tools) → decoded texts."""
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(folder / "page")], check=True)
    found: list[str] = []
    for page in sorted(folder.glob("page*.png")):
        run = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, text=True, check=False
        )
        assert run.returncode in (0, 4), run.stderr  # 4: a page without any code
        found += [line for line in run.stdout.splitlines() if line]
    return found


@pytest.mark.parametrize("block", ["pairs", "weeks"])
def test_every_qr_label_decodes_to_a_stored_code(
    session: Session, tmp_path: Path, block: str
) -> None:
    for tool in ("pdftoppm", "zbarimg"):
        assert shutil.which(tool), f"{tool} missing: make system-deps"
    person = ensure_person(session=session, timezone="Europe/Berlin")
    record_screen(session=session, person=person)
    start = journal_today() + timedelta(days=1)
    doses = 12 if block == "pairs" else 10
    trials.design_trial(
        session=session,
        person=person,
        create=trials.TrialCreate(
            past_confirmed=True, doses=doses, protocol="fadiman", start=start, block=block
        ),
    )
    labels = trials.kit_labels(session=session, person=person)
    pdf = write_kit_pdf(labels, tmp_path / "kit.pdf")
    decoded = decode_pdf(pdf, tmp_path)
    stored = [e.code for e in trials.trial_envelopes(session=session, trial=labels.trial)]
    assert sorted(decoded) == sorted(stored)
    # sheet A carries exactly the active codes, in the PDF's order
    active = {
        c for (_b, cond), codes in labels.codes.items() if cond is Condition.ACTIVE for c in codes
    }
    assert set(decoded[: len(active)]) == active
    html = kit_html(labels)
    assert "one capsule in each envelope" in html.lower()
    assert "same weight" in html and "inert powder" in html
    for code in stored:  # labels carry no readable code
        assert code not in html
