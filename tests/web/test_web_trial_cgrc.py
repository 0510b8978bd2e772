"""The correct guess rate curve on the trial page (an SVG drawn on the server) and in its PDF."""

from __future__ import annotations

import html
import re
from pathlib import Path

from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from tests.reports.test_insight_pdf import pdf_text
from tests.trial_support import felt_trial
from tests.web.conftest import screen_ok

from microdose.reports.trial_report import report_dict
from microdose.reports.trial_words import credits_the_guess
from microdose.services.trial_report import trial_report
from microdose.store.models import Person


def test_the_trial_page_draws_the_curve(api: TestClient, tmp_path: Path) -> None:
    screen_ok(api)
    with Session(api.app.state.web.engine, expire_on_commit=False) as session:  # type: ignore[attr-defined]
        person = session.query(Person).one()
        felt_trial(session, person, seed=2)
        session.commit()
        data = report_dict(trial_report(session=session, person_id=person.id))
    assert data["cgrc"] is not None
    text = html.unescape(api.get("/trial").text)
    svg = re.search(r"<svg viewBox=\"0 0 560 240\".*?</svg>", text, re.S)
    assert svg is not None and 'aria-labelledby="cgrc-title"' in svg.group(0)
    chance = data["cgrc"]["at_chance"]["estimate"]
    assert f"{chance:+.2f} at chance (0.5)" in svg.group(0)  # the same number as the JSON
    # one point of the line per correct-guess rate with an estimate
    line = re.search(r'<polyline[^>]*points="([^"]+)"', svg.group(0))
    assert line is not None and len(line.group(1).split()) == len(data["cgrc"]["curve"])
    assert "guess influences the outcome, not the other way round" in text
    assert credits_the_guess(text) == []
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(api.get("/trial/report.pdf").content)
    assert "Correct guess rate curve" in pdf_text(pdf)
