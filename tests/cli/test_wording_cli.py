"""Small wording through the CLI: plurals, one value shown once, flags in words, direction."""

from __future__ import annotations

from tests.conftest import CliRun

CHECKIN = ["--mood", "6", "--anxiety", "3", "--energy", "5", "--focus", "4", "--sleep", "7",
           "--connectedness", "2"]


def test_a_synthetic_dose_is_one_value_not_a_range(cli: CliRun) -> None:
    text = cli("estimate", "--material", "psilocybin", "--mg", "2").stdout
    assert "2.0 mg psilocybin → microdose" in text
    assert "2.0–2.0" not in text
    ranged = cli("estimate", "--material", "dried-cubensis", "--grams", "0.2").stdout
    assert "–" in ranged.split("psilocybin")[0]  # weighed material stays a range


def test_scores_say_which_way_is_better_and_flags_in_words(cli: CliRun) -> None:
    phq9 = cli("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1").stdout
    assert "lower is better" in phq9
    assert "thoughts of being better off dead or of self-harm (PHQ-9 item 9)" in phq9
    assert "suicidal_ideation" not in phq9
    who5 = cli("score", "who5", "--answers", "3,3,3,3,3").stdout
    assert "higher is better" in who5


def test_history_shows_every_rating_and_status_counts_days_in_words(cli: CliRun) -> None:
    assert cli("checkin", *CHECKIN, "--notes", "walked").exit_code == 0
    history = cli("history").stdout
    for shown in ("mood 6", "anxiety 3", "energy 5", "focus 4", "sleep 7", "connectedness 2",
                  "walked", "(1 record)"):
        assert shown in history, shown
    status = cli("status").stdout
    assert "streak: 1 day" in status and "day(s)" not in status
