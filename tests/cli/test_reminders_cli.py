"""``microdose reminders show/set`` on the personal journal, and the calendar it feeds."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

from icalendar import Calendar
from tests.conftest import CliRun, journal_today


def test_set_and_show_and_the_plans_calendar_follows(cli: CliRun, tmp_path: Path) -> None:
    shown = cli("reminders", "show", "--json")
    assert shown.exit_code == 0 and json.loads(shown.output)["checkin_time"] == "20:00"
    made = cli("reminders", "set", "--checkin", "06:45", "--every", "phq9=7", "--json")
    assert made.exit_code == 0, made.output
    data = json.loads(made.output)
    assert data["checkin_time"] == "06:45" and data["questionnaires"] == {"phq9": 7}
    assert data["dose_time"] == "09:00"  # left out: kept
    assert cli("screen").exit_code == 0
    ics = tmp_path / "plan.ics"
    planned = cli("plan", "--protocol", "fadiman", "--weeks", "2",
                  "--start", journal_today().isoformat(), "--yes", "--ics", str(ics),
                  "--reminders")
    assert planned.exit_code == 0, planned.output
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    checkins = [e for e in events if str(e["uid"]).startswith("checkin-")]
    assert {e.decoded("dtstart").time() for e in checkins} == {time(6, 45)}
    assert [e for e in events if str(e["uid"]).startswith("questionnaire-phq9-")]
    paused = cli("reminders", "set", "--pause")
    assert paused.exit_code == 0 and "paused" in paused.output


def test_bad_values_exit_2_naming_the_field(cli: CliRun) -> None:
    for args, field in ((("--checkin", "7pm"), "checkin_time"),
                        (("--every", "phq9"), "--every"),
                        (("--every", "phq9=0"), "interval_phq9")):
        result = cli("reminders", "set", *args)
        assert result.exit_code == 2, result.output
        assert field in result.output and "allowed" in result.output
        assert "Traceback" not in result.output
    assert '"20:00"' in cli("reminders", "show", "--json").output  # nothing stored
