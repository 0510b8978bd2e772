"""The clinician PDF: rendered to PNG with pdftoppm and read back with pdftotext."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader
from scipy import stats
from tests.insight_support import sqlite_insight

from microdose.reports.pdf import render_html, report_context, write_pdf
from microdose.reports.text import insight_text, many_intervals_note

GENERATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
SECTIONS = (
    "Microdosing journal — clinician report",
    "Protocol and adherence",
    "Questionnaire scores and reliable change",
    "Flags and adverse events",
    "Daily ratings: dose days and the days after",
    "Side effects on dose days and other days",
    "Methods and limits",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pdf")
    path = folder / "report.pdf"
    write_pdf(sqlite_insight(folder), path, name="Alex Example", generated=GENERATED)
    return path


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return " ".join(done.stdout.split())


@pytest.mark.slow
def test_pages_render_and_are_not_blank(report: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(report), str(tmp_path / "page")],
                   check=True)  # fmt: skip
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(report).pages)
    assert 3 <= len(pages) <= 6
    for page in pages:
        pixels = np.asarray(Image.open(page).convert("L"))
        assert pixels.shape[0] > pixels.shape[1]  # portrait A4
        assert (pixels < 200).mean() > 0.02, f"{page.name} is (nearly) blank"


def test_text_holds_every_section_and_the_caveat(report: Path) -> None:
    text = pdf_text(report)
    for section in SECTIONS:
        assert section in text
    assert "cannot separate the effect of the substance from expectation" in text
    assert "Alex Example" in text and "fadiman" in text


def test_numbers_carry_their_uncertainty_and_flags_are_shown(report: Path) -> None:
    text = pdf_text(report)
    assert "95% CI" in text and "(reliable: ≥ 6)" in text and "(reliable: ≥ 4)" in text
    assert "Needs attention" in text
    assert "PHQ-9 item 9 answered ≥ 1" in text
    assert "serious adverse event — headache, grade 3 (severe)" in text
    assert "reliable deterioration" in text


def test_html_escapes_what_the_person_wrote(tmp_path: Path) -> None:
    insight = sqlite_insight(tmp_path, flagged=False)
    html = render_html(report_context(insight, name="<script>x</script>"))
    assert "<script>x" not in html and "&lt;script&gt;" in html
    assert "Needs attention" not in html


def test_the_many_intervals_note_counts_the_intervals_shown(report: Path, tmp_path: Path) -> None:
    insight = sqlite_insight(tmp_path, flagged=False)
    shown = sum(effect is not None for result in insight.daily.values()
                for effect in (result.dose_day_effect, result.day_after_effect))
    assert shown == 12  # six ratings, dose day and day after
    note = many_intervals_note(insight)
    # reference: P(at least one of k independent 95% intervals excludes a true zero)
    # = binom.sf(0, k, 0.05), from scipy
    chance = f"{stats.binom.sf(0, shown, 0.05):.0%}"
    assert note is not None and f"comparisons above are {shown} intervals" in note
    assert f"at least one of them does about {chance} of the time" in note
    assert note in insight_text(insight)  # the CLI
    assert "only just excludes zero as weak evidence" in pdf_text(report)  # the PDF
    assert many_intervals_note(dataclasses.replace(insight, daily={})) is None
