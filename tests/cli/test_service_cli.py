"""`microdose user`, `study` and `clinician` commands on both databases, in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.conftest import CliRun

PASSWORD = "a long enough passphrase\n"


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _add(cli: CliRun, email: str, role: str) -> dict[str, Any]:
    data: dict[str, Any] = _json(cli("user", "add", "--email", email, "--role", role,
                                     "--password-stdin", "--json", input=PASSWORD))
    return data


def test_accounts_from_the_command_line(cli: CliRun) -> None:
    made = _add(cli, "Res@Example.org", "researcher")
    assert made["email"] == "res@example.org" and made["person_id"] is None
    weak = cli("user", "add", "--email", "x@example.org", "--role", "admin",
               "--password-stdin", input="short\n")
    assert weak.exit_code == 2 and "password: is shorter than 12" in weak.stderr
    again = cli("user", "add", "--email", "RES@example.org", "--role", "admin",
                "--password-stdin", input=PASSWORD)
    assert again.exit_code == 5 and "already exists" in again.stderr
    role = cli("user", "add", "--email", "y@example.org", "--role", "boss",
               "--password-stdin", input=PASSWORD)
    assert role.exit_code == 2 and "allowed: participant, clinician" in role.stderr
    prompt = cli("user", "add", "--email", "p@example.org", "--role", "participant",
                 input="a long enough passphrase\na long enough passphrase\n")
    assert prompt.exit_code == 0 and "created participant p@example.org" in prompt.stdout
    listed = _json(cli("user", "list", "--json"))
    assert [a["email"] for a in listed] == ["p@example.org", "res@example.org"]
    assert all("hash" not in key for a in listed for key in a)
    assert "2 account(s)" in cli("user", "list").stdout
    assert _json(cli("user", "disable", "p@example.org", "--json"))["disabled"] is True


@pytest.mark.slow
def test_a_study_from_the_command_line(cli: CliRun, tmp_path: Path) -> None:
    _add(cli, "res@example.org", "researcher")
    for n in (1, 2):
        _add(cli, f"p{n}@example.org", "participant")
    consent = tmp_path / "consent.txt"
    consent.write_text("I agree to take part.\n", encoding="utf-8")
    created = _json(cli("study", "create", "--as", "res@example.org", "--title", "Mood",
                        "--arms", "microdose=open-label,comparison=comparator",
                        "--schedule", "0:phq9,dass21;28:phq9,dass21",
                        "--consent-file", str(consent), "--json"))
    study = created["id"]
    assert created["consent"]["version"] == 1 and created["status"] == "recruiting"
    bad = cli("study", "create", "--as", "res@example.org", "--title", "x", "--arms", "md=pill",
              "--schedule", "0:phq9", "--consent-file", str(consent))
    assert bad.exit_code == 2 and "unknown arm kind" in bad.stderr
    codes = _json(cli("study", "invite", study, "--as", "res@example.org", "--count", "2",
                      "--json"))["codes"]
    refused = cli("study", "enrol", "--as", "p1@example.org", "--code", codes[0],
                  "--accept-consent", "2")
    assert refused.exit_code == 5 and "version 1" in refused.stderr
    enrolled = _json(cli("study", "enrol", "--as", "p1@example.org", "--code", codes[0],
                         "--accept-consent", "1", "--json"))
    assert enrolled["pseudonym"].startswith("P")
    shown = _json(cli("study", "show", study, "--as", "res@example.org", "--json"))
    assert shown["progress"]["enrolled"] == 1 and shown["progress"]["invitations_issued"] == 2
    text = cli("study", "show", study, "--as", "res@example.org").stdout
    assert "enrolled 1" in text and "day   0  phq9" in text
    assert cli("study", "show", study, "--as", "p1@example.org").exit_code == 6
    assert cli("study", "show", "not-an-id", "--as", "res@example.org").exit_code == 2
    out = tmp_path / "export"
    exported = _json(cli("study", "export", study, "--as", "res@example.org", "--output",
                         str(out), "--format", "parquet", "--json"))
    assert exported["participants"] == 1
    assert pd.read_parquet(out / "participants.parquet")["pseudonym"].tolist() == [
        enrolled["pseudonym"]]
    analysed = _json(cli("study", "analyze", study, "--as", "res@example.org", "--json"))
    assert analysed["ancova"] is None and any("not estimable" in n for n in analysed["notes"])
    gone = _json(cli("study", "withdraw", study, "--as", "p1@example.org", "--delete-data",
                     "--yes", "--json"))
    assert gone["data_deleted"] is True
    assert [a["email"] for a in _json(cli("user", "list", "--json"))] == [
        "p2@example.org", "res@example.org"]


def test_clinician_commands(cli: CliRun) -> None:
    _add(cli, "doc@example.org", "clinician")
    _add(cli, "ana@example.org", "participant")
    code = _json(cli("clinician", "invite", "--as", "doc@example.org", "--json"))["code"]
    assert _json(cli("clinician", "accept", "--as", "ana@example.org", "--code", code,
                     "--json"))["state"] == "active"
    rows = _json(cli("clinician", "caseload", "--as", "doc@example.org", "--json"))
    assert [r["display_name"] for r in rows] == ["ana"]
    assert "ana" in cli("clinician", "caseload", "--as", "doc@example.org").stdout
    assert cli("clinician", "caseload", "--as", "ana@example.org").exit_code == 6


def test_journal_commands_refuse_a_service_database(cli: CliRun) -> None:
    checkin = ("checkin", *[f"--{r}={5}" for r in ("mood", "anxiety", "energy", "focus",
                                                   "sleep", "connectedness")])
    assert cli(*checkin).exit_code == 0  # a personal journal: fine
    _add(cli, "p@example.org", "participant")
    for command in (checkin, ("delete", "--all", "--yes"), ("status",)):
        refused = cli(*command)
        assert refused.exit_code == 5, (command, refused.output)  # Conflict
        assert "multi-user service" in refused.stderr
    assert "1 account(s)" in cli("user", "list").stdout  # nothing was deleted
