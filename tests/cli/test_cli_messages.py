"""Every refusal of the CLI reads in one style: the option, what is wrong, what is allowed."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "microdose", *args], capture_output=True, text=True,
        env={"MICRODOSE_DATABASE_URL": db, "MICRODOSE_TIMEZONE": "Europe/Berlin",
             "PATH": "/usr/bin:/bin"}, timeout=60, check=False,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("checkin", "--mood", "11", "--anxiety", "1", "--energy", "1", "--focus", "1",
          "--sleep", "1", "--connectedness", "1"),
         "Error: --mood: 11 is out of range (allowed: 0 to 10). See `"),
        (("estimate", "--grams", "1"), "Error: --material: missing; it is required."),
        (("plan", "--protocol", "fadiman", "--start", "2027-01-01", "--weeks", "abc"),
         "Error: --weeks: 'abc' is not a whole number."),
        (("checkin", "--mod", "3"), "Error: --mod: no such option; did you mean --mood?"),
        (("--bogus",), "Error: --bogus: no such option."),
        # our own refusals name the field as the option a person typed
        (("estimate", "--material", "dried-cubensis", "--grams", "-1"),
         "Error: --grams: -1 g is out of range (allowed: more than 0 and at most 100)"),
    ],
)
def test_refusals_read_in_one_style(args: tuple[str, ...], expected: str, tmp_path: object) -> None:
    result = run(*args, db=f"sqlite:///{tmp_path}/journal.sqlite3")
    assert result.returncode == 2
    assert expected in result.stderr
    assert "╭" not in result.stderr and "Traceback" not in result.stderr  # no boxes, no trace
