"""The blinded trial and the journal's report through the pages, down to the PDFs they give."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from tests.reports.test_insight_pdf import pdf_text
from tests.reports.test_kit_qr import decode_pdf
from tests.web.conftest import csrf_token, screen_ok

from microdose.services import trials
from microdose.store.trial_models import TrialRow


def read_pdf(body: bytes, folder: Path) -> str:
    """The downloaded PDF's text (poppler's pdftotext, whitespace folded)."""
    path = folder / "download.pdf"
    path.write_bytes(body)
    return pdf_text(path)


def block_of(api: TestClient) -> dict[str, int]:
    """Each envelope's block, as the trial page tells the person which bag to take from."""
    with Session(api.app.state.web.engine) as session:  # type: ignore[attr-defined]
        trial = session.query(TrialRow).one()
        return {e.code: e.block for e in trials.trial_envelopes(session=session, trial=trial)}


def test_a_trial_from_design_to_report_through_the_pages(api: TestClient, tmp_path: Path) -> None:
    screen_ok(api)
    token = csrf_token(api, "/trial")
    designed = api.post("/trial/design", data={"csrf_token": token, "doses": "8",
                                                "protocol": "fadiman", "block": "pairs"})
    assert designed.url.path == "/trial" and "Trial designed and sealed" in designed.text
    assert "A trial dose day: take an envelope from" in designed.text
    kit = api.get("/trial/kit.pdf")
    assert kit.headers["content-type"] == "application/pdf"
    (tmp_path / "kit.pdf").write_bytes(kit.content)
    codes = decode_pdf(tmp_path / "kit.pdf", tmp_path)  # what the labels' QR codes say
    blocks = block_of(api)
    assert sorted(codes) == sorted(blocks)
    today = next(code for code in codes if blocks[code] == 0)
    taken = api.post("/trial/envelope", data={"csrf_token": token, "code": today})
    assert "Envelope recorded" in taken.text and "1 of 8" in taken.text

    blind = api.get("/trial/report.pdf")  # still blind: refused, with the way on
    assert blind.status_code == 409 and "still blind" in blind.text
    assert '<a href="/trial">Unblind the trial</a>' in blind.text
    unconfirmed = api.post("/trial/unblind", data={"csrf_token": token, "reason": "headache"})
    assert unconfirmed.status_code == 422 and 'id="confirm-error"' in unconfirmed.text
    opened = api.post("/trial/unblind", data={"csrf_token": token, "reason": "headache",
                                               "confirm": "unblind"})
    assert "Unblinded: the sealed key matched its commitment" in opened.text
    assert "Unblinded early</strong>: headache" in opened.text

    report = api.get("/trial/report.pdf")
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    assert "attachment" in report.headers["content-disposition"]
    assert "Unblinded early (headache)" in read_pdf(report.content, tmp_path)


def test_the_journal_report_pdf_from_the_insights_page(api: TestClient, tmp_path: Path) -> None:
    empty = api.get("/insights/report.pdf")
    assert empty.status_code == 404 and "nothing recorded" in empty.text
    assert '<a href="/">Check in today</a>' in empty.text
    checkin = {"date": "2026-03-02", "mood": 6, "anxiety": 3, "energy": 5, "focus": 5,
               "sleep": 7, "connectedness": 5}
    assert api.post("/api/v1/checkins", json=checkin).status_code == 201
    assert 'href="/insights/report.pdf"' in api.get("/insights").text
    report = api.get("/insights/report.pdf")
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    assert 'filename="microdose-report-2026-03-02.pdf"' in report.headers["content-disposition"]
    text = read_pdf(report.content, tmp_path)
    assert "Microdosing journal — clinician report" in text and "2 Mar 2026" in text


def test_insights_and_their_report_for_a_period(api: TestClient, tmp_path: Path) -> None:
    base = {"mood": 6, "anxiety": 3, "energy": 5, "focus": 5, "sleep": 7, "connectedness": 5}
    for day in ("2026-03-02", "2026-03-09", "2026-03-16"):
        assert api.post("/api/v1/checkins", json={**base, "date": day}).status_code == 201
    whole = api.get("/insights").text
    assert "2 Mar 2026 – 16 Mar 2026" in whole and 'href="/insights/report.pdf"' in whole
    part = api.get("/insights", params={"from": "2026-03-05", "to": "2026-03-10"}).text
    assert "5 Mar 2026 – 10 Mar 2026" in part and 'value="2026-03-05"' in part
    assert 'href="/insights/report.pdf?from=2026-03-05&amp;to=2026-03-10"' in part
    report = api.get("/insights/report.pdf", params={"from": "2026-03-05", "to": "2026-03-10"})
    assert 'filename="microdose-report-2026-03-10.pdf"' in report.headers["content-disposition"]
    assert "5 Mar 2026" in read_pdf(report.content, tmp_path)
    bad = api.get("/insights", params={"from": "March"})
    assert bad.status_code == 422 and "from:" in bad.text and "YYYY-MM-DD" in bad.text
    backwards = api.get("/insights/report.pdf", params={"from": "2026-03-10", "to": "2026-03-05"})
    assert backwards.status_code == 422  # the API's check of the period, word for word
    assert "from: 2026-03-10 is after to=2026-03-05 (allowed: from &lt;= to)" in backwards.text
    too_long = api.get("/insights", params={"from": "1990-01-01"})
    assert too_long.status_code == 422 and "the period is longer than 10 years" in too_long.text
    empty = api.get("/insights", params={"from": "2026-04-01"})
    assert empty.status_code == 200 and "nothing recorded between 2026-04-01" in empty.text


def test_the_trial_page_and_its_pdf_say_the_report_s_verdict_and_never_credit_the_guess(
    api: TestClient, tmp_path: Path
) -> None:
    import html

    from tests.trial_support import felt_trial

    from microdose.reports.trial_report import report_dict
    from microdose.reports.trial_words import credits_the_guess
    from microdose.services.trial_report import trial_report
    from microdose.store.models import Person

    screen_ok(api)
    with Session(api.app.state.web.engine, expire_on_commit=False) as session:  # type: ignore[attr-defined]
        person = session.query(Person).one()
        felt_trial(session, person, seed=2)
        session.commit()
        data = report_dict(trial_report(session=session, person_id=person.id))
    page = api.get("/trial")
    assert page.status_code == 200
    text = html.unescape(page.text)
    verdict = data["outcomes"]["mood"]["verdict_text"]
    assert f"Verdict on mood, the primary outcome: {verdict}." in text
    assert f"<code>{data['verdict']}</code>" in text
    assert "cannot show what caused what" in text
    assert credits_the_guess(text) == []
    neutral = html.unescape(api.get("/trial", params={"prior": "neutral"}).text)
    assert "With a neutral (flat) prior" in neutral and "the neutral prior" in neutral
    pdf = read_pdf(api.get("/trial/report.pdf", params={"prior": "neutral"}).content, tmp_path)
    assert " ".join(f"primary outcome: {verdict}".split()) in pdf
    assert "With a neutral (flat) prior" in pdf and credits_the_guess(pdf) == []
