"""``microdose serve`` refuses unsafe or impossible requests before serving anything."""

from __future__ import annotations

import socket

import pytest
from tests.conftest import CliRun


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_on_another_address_needs_a_passphrase(
    cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICRODOSE_WEB_PASSPHRASE", raising=False)
    result = cli("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 2
    assert "needs a login passphrase" in result.stderr
    assert "MICRODOSE_WEB_PASSPHRASE" in result.stderr


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_on_a_busy_port_says_so(cli: CliRun) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_encrypting_a_postgresql_journal_is_refused(cli: CliRun) -> None:
    result = cli("serve", "--encrypt", "--port", "0", input="x\n")
    assert result.exit_code == 2 and "only a SQLite journal" in result.stderr


def test_serve_warns_the_operator_when_the_crisis_resources_are_overdue(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from microdose.cli.web_cmds import _announce
    from microdose.services import crisis

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        _announce("the journal", sock, 1)
        assert "overdue" not in capsys.readouterr().err
        monkeypatch.setattr(crisis, "today", lambda: crisis.review_due() + timedelta(days=1))
        _announce("the journal", sock, 1)
    said = capsys.readouterr()
    assert f"overdue for review (due {crisis.review_due().isoformat()})" in said.err
    assert "microdose is serving the journal at http://127.0.0.1:" in said.out
