"""Reminders in the service: who sets a schedule (API), the pause wins, audit entries, and
the email sender against a real local SMTP server (aiosmtpd), on SQLite and PostgreSQL —
including what a refused send and a failed commit after the send do (at least once)."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select, text
from starlette.testclient import TestClient
from tests.web.service_world import World

from microdose.services.reminder_mail import send_due, smtp_config
from microdose.settings import Settings
from microdose.store.reminder_models import ReminderSentRow
from microdose.store.service_models import AuditRow

SCHEDULE = {"checkin_time": "07:30", "dose_time": None, "questionnaire_time": "10:00",
            "questionnaires": {"phq9": 14}}


def _url(world: World, name: str) -> str:
    return f"/api/v1/people/{world.person(name)}/reminders"


def _put(client: TestClient, world: World, who: str, whose: str, **body: Any) -> Any:
    return client.put(_url(world, whose), json={**SCHEDULE, **body}, headers=world.headers(who))


def test_clinician_and_researcher_set_the_schedule_and_it_is_audited(
    service: tuple[TestClient, World],
) -> None:
    client, world = service
    for who in ("c1", "r1"):
        answer = _put(client, world, who, "p1", checkin_time="08:15")
        assert answer.status_code == 200, answer.text
        assert answer.json()["checkin_time"] == "08:15"
    seen = client.get(_url(world, "p1"), headers=world.headers("p1")).json()
    assert seen["checkin_time"] == "08:15" and seen["questionnaires"] == {"phq9": 14}
    with client.app.state.web.sessions() as session:  # type: ignore[attr-defined]
        rows = session.scalars(select(AuditRow).where(
            AuditRow.action == "reminders.write",
            AuditRow.subject_person_id == world.person("p1"))).all()
    assert {row.actor_account_id for row in rows} == {
        world.actors["c1"].account_id, world.actors["r1"].account_id}
    # unlinked clinician, another researcher, another participant: as if absent
    for who in ("c2", "r2", "p2"):
        assert _put(client, world, who, "p1").status_code == 404


def test_only_the_participant_pauses_and_the_pause_wins(
    service: tuple[TestClient, World],
) -> None:
    client, world = service
    assert _put(client, world, "p1", "p1", paused=True).json()["paused"] is True
    refused = _put(client, world, "c1", "p1", paused=False)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "paused" in refused.json()["detail"]
    kept = _put(client, world, "c1", "p1", checkin_time="21:00")  # a change keeps the pause
    assert kept.status_code == 200 and kept.json()["paused"] is True


@pytest.mark.parametrize(("body", "field"), [
    ({"checkin_time": "24:61"}, "checkin_time"),
    ({"questionnaires": {"phq9": 0}}, "interval_phq9"),
    ({"questionnaires": {"bdi": 14}}, "questionnaires"),
])
def test_bad_values_are_422_problems_naming_the_field(
    service: tuple[TestClient, World], body: dict[str, Any], field: str,
) -> None:
    client, world = service
    answer = _put(client, world, "p1", "p1", **body)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in answer.text and "allowed" in answer.text


class Inbox:
    """Messages the local SMTP server received, parsed with the email library."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        #: answer every message with a permanent refusal instead of accepting it
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "554 5.7.1 refused"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _settings(port: int) -> Settings:
    return Settings(database_url="sqlite://", smtp_host="127.0.0.1", smtp_port=str(port),
                    smtp_tls="none", smtp_sender="reminders@clinic.example",
                    public_url="https://microdose.clinic.example/", smtp_password="s3cret")


def test_the_sender_emails_what_is_due_once(
    service: tuple[TestClient, World], smtp: tuple[Inbox, int],
) -> None:
    client, world = service
    inbox, port = smtp
    assert _put(client, world, "p1", "p1").status_code == 200
    assert _put(client, world, "p2", "p2", paused=True).status_code == 200
    engine = client.app.state.web.engine  # type: ignore[attr-defined]
    config = smtp_config(_settings(port))
    assert "s3cret" not in repr(config)
    early = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 06:00 in Berlin: nothing yet
    assert send_due(engine=engine, config=config, now=early).sent == 0
    noon = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00: check-in and PHQ-9 are due
    report = send_due(engine=engine, config=config, now=noon)
    assert report.to_dict() == {"sent": 2, "already_sent": 0, "failed": 0, "unrecorded": 0}
    assert send_due(engine=engine, config=config, now=noon).sent == 0  # never twice
    assert len(inbox.messages) == 2
    assert {m["To"] for m in inbox.messages} == {"p1@example.org"}  # p2 paused
    bodies = [m.get_payload(decode=True).decode() for m in inbox.messages]  # type: ignore[union-attr]
    assert any("check-in is due" in b for b in bodies)
    assert any("a questionnaire is due" in b for b in bodies)
    assert all("https://microdose.clinic.example/settings#reminders" in b for b in bodies)
    assert all("PHQ" not in b and "mood" not in b for b in bodies)  # no health data
    assert inbox.messages[0]["From"] == "reminders@clinic.example"


def test_the_cli_sends_once_and_refuses_bad_settings(
    database_url: str, service: tuple[TestClient, World], smtp: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from microdose.cli.app import app

    client, world = service
    inbox, port = smtp
    assert _put(client, world, "p1", "p1", checkin_time="00:00",
                questionnaires={}).status_code == 200
    env = {"MICRODOSE_DATABASE_URL": database_url, "MICRODOSE_SMTP_HOST": "127.0.0.1",
           "MICRODOSE_SMTP_PORT": str(port), "MICRODOSE_SMTP_TLS": "none",
           "MICRODOSE_SMTP_SENDER": "r@clinic.example",
           "MICRODOSE_PUBLIC_URL": "https://m.example"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    first = runner.invoke(app, ["reminders", "send", "--json"])
    assert first.exit_code == 0, first.output
    assert '"sent": 1' in first.output  # the check-in of today, whatever the hour
    again = runner.invoke(app, ["reminders", "send"])
    assert again.exit_code == 0 and "sent 0 reminder(s)" in again.output
    assert len(inbox.messages) == 1
    monkeypatch.setenv("MICRODOSE_SMTP_TLS", "ssl3")
    bad = runner.invoke(app, ["reminders", "send"])
    assert bad.exit_code == 2 and "MICRODOSE_SMTP_TLS" in bad.output
    assert "starttls" in bad.output and "Traceback" not in bad.output


def _pseudonym(client: TestClient, world: World, study: str, person: str) -> str:
    from microdose.store.service_models import EnrolmentRow

    with client.app.state.web.sessions() as session:  # type: ignore[attr-defined]
        return str(session.scalars(select(EnrolmentRow.pseudonym).where(
            EnrolmentRow.study_id == world.studies[study],
            EnrolmentRow.person_id == world.person(person))).one())


def test_a_researcher_sets_reminders_by_pseudonym(service: tuple[TestClient, World]) -> None:
    client, world = service
    pseudonym = _pseudonym(client, world, "s1", "p1")
    url = f"/api/v1/studies/{world.studies['s1']}/participants/{pseudonym}/reminders"
    answer = client.put(url, json={**SCHEDULE, "checkin_time": "19:45"},
                        headers=world.headers("r1"))
    assert answer.status_code == 200, answer.text
    assert "person" not in answer.text and str(world.person("p1")) not in answer.text
    seen = client.get(_url(world, "p1"), headers=world.headers("p1")).json()
    assert seen["checkin_time"] == "19:45"  # the participant's own schedule changed
    assert client.get(url, headers=world.headers("r1")).json()["checkin_time"] == "19:45"
    # the pause stays the participant's
    refused = client.put(url, json={**SCHEDULE, "paused": True}, headers=world.headers("r1"))
    assert refused.status_code == 403
    # another researcher, another study, an unknown pseudonym: as if absent
    assert client.get(url, headers=world.headers("r2")).status_code == 404
    other = f"/api/v1/studies/{world.studies['s2']}/participants/{pseudonym}/reminders"
    assert client.get(other, headers=world.headers("r2")).status_code == 404
    unknown = url.replace(pseudonym, "PNOBODY1")
    assert client.get(unknown, headers=world.headers("r1")).status_code == 404
    # not a researcher's way in for anyone else
    assert client.get(url, headers=world.headers("p1")).status_code in (403, 404)
    bad = client.get(url.replace(pseudonym, "P%00X"), headers=world.headers("r1"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "pseudonym"
    with client.app.state.web.sessions() as session:  # type: ignore[attr-defined]
        actions = session.scalars(select(AuditRow.action).where(
            AuditRow.actor_account_id == world.actors["r1"].account_id,
            AuditRow.subject_person_id == world.person("p1"))).all()
    assert {"reminders.write", "reminders.read"} <= set(actions)


NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 12:00 in Berlin: the check-in is due


def _sent_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return len(connection.execute(select(ReminderSentRow.id)).all())


def test_a_refused_send_is_rolled_back_and_tried_again(
    service: tuple[TestClient, World], smtp: tuple[Inbox, int],
) -> None:
    client, world = service
    inbox, port = smtp
    assert _put(client, world, "p1", "p1", questionnaires={}).status_code == 200
    engine = client.app.state.web.engine  # type: ignore[attr-defined]
    config = smtp_config(_settings(port))
    inbox.refuse = True
    assert send_due(engine=engine, config=config, now=NOON).to_dict() == {
        "sent": 0, "already_sent": 0, "failed": 1, "unrecorded": 0}
    assert _sent_rows(engine) == 0 and inbox.messages == []  # the claim was rolled back
    inbox.refuse = False
    assert send_due(engine=engine, config=config, now=NOON).sent == 1
    assert len(inbox.messages) == 1 and _sent_rows(engine) == 1


def _fail_commits_after_the_insert(engine: Engine) -> None:
    """From now on, every transaction that inserts a ``reminder_sent`` row fails at COMMIT
    (not before): a trigger adds a row that breaks a deferred foreign key, checked only when
    the transaction commits. The real database refuses; nothing of ours is replaced."""
    postgres = engine.dialect.name == "postgresql"
    integer = "integer" if postgres else "INTEGER"
    statements = [
        f"CREATE TABLE doom_parent (id {integer} PRIMARY KEY)",
        f"CREATE TABLE doom (parent {integer} REFERENCES doom_parent (id) "
        "DEFERRABLE INITIALLY DEFERRED)",
    ]
    if postgres:
        statements += [
            "CREATE FUNCTION doom_insert() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO doom VALUES (1); RETURN NEW; END $$",
            "CREATE TRIGGER doom_commit AFTER INSERT ON reminder_sent "
            "FOR EACH ROW EXECUTE FUNCTION doom_insert()",
        ]
    else:
        statements.append("CREATE TRIGGER doom_commit AFTER INSERT ON reminder_sent "
                          "BEGIN INSERT INTO doom VALUES (1); END")
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _let_commits_succeed(engine: Engine) -> None:
    on = " ON reminder_sent" if engine.dialect.name == "postgresql" else ""
    with engine.begin() as connection:
        connection.execute(text(f"DROP TRIGGER doom_commit{on}"))


def test_a_commit_failing_after_the_send_means_the_email_is_sent_again(
    service: tuple[TestClient, World], smtp: tuple[Inbox, int],
) -> None:
    """At least once, by design: an email the server accepted but whose record was lost is
    sent again by the next run (a duplicate), never silently dropped."""
    client, world = service
    inbox, port = smtp
    assert _put(client, world, "p1", "p1", questionnaires={}).status_code == 200
    engine = client.app.state.web.engine  # type: ignore[attr-defined]
    config = smtp_config(_settings(port))
    _fail_commits_after_the_insert(engine)
    report = send_due(engine=engine, config=config, now=NOON)
    assert report.to_dict() == {"sent": 0, "already_sent": 0, "failed": 0, "unrecorded": 1}
    assert len(inbox.messages) == 1  # it went out before the commit failed …
    assert _sent_rows(engine) == 0  # … and nothing says so
    _let_commits_succeed(engine)
    assert send_due(engine=engine, config=config, now=NOON).sent == 1  # so it goes again
    assert send_due(engine=engine, config=config, now=NOON).sent == 0  # and then never
    assert [m["To"] for m in inbox.messages] == ["p1@example.org"] * 2
    bodies = {m.get_payload(decode=True).decode() for m in inbox.messages}  # type: ignore[union-attr]
    assert len(bodies) == 1 and "check-in is due" in bodies.pop()  # the same reminder twice
    assert _sent_rows(engine) == 1


def _refuse_claims(engine: Engine) -> None:
    """From now on the database refuses every ``reminder_sent`` insert with an error that
    is not a unique-key collision (a trigger raising, or selecting from a missing table)."""
    if engine.dialect.name == "postgresql":
        statements = [
            "CREATE FUNCTION refuse_claim() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'claims refused'; END $$",
            "CREATE TRIGGER refuse_claim BEFORE INSERT ON reminder_sent "
            "FOR EACH ROW EXECUTE FUNCTION refuse_claim()",
        ]
    else:
        statements = ["CREATE TRIGGER refuse_claim BEFORE INSERT ON reminder_sent "
                      "BEGIN SELECT * FROM no_such_table; END"]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_a_claim_the_database_refuses_is_failed_and_the_run_goes_on(
    service: tuple[TestClient, World], smtp: tuple[Inbox, int],
) -> None:
    """A database error while claiming is counted as failed (nothing sent, nothing
    recorded), the run carries on with the other reminders, and the next run sends them."""
    client, world = service
    inbox, port = smtp
    for who in ("p1", "p2"):
        assert _put(client, world, who, who, questionnaires={}).status_code == 200
    engine = client.app.state.web.engine  # type: ignore[attr-defined]
    config = smtp_config(_settings(port))
    _refuse_claims(engine)
    report = send_due(engine=engine, config=config, now=NOON)
    assert report.failed >= 2 and report.sent == 0  # every claim tried, none raised
    assert inbox.messages == [] and _sent_rows(engine) == 0
    on = " ON reminder_sent" if engine.dialect.name == "postgresql" else ""
    with engine.begin() as connection:
        connection.execute(text(f"DROP TRIGGER refuse_claim{on}"))
    assert send_due(engine=engine, config=config, now=NOON).sent == report.failed
    assert sorted(m["To"] for m in inbox.messages)[:2] == ["p1@example.org", "p2@example.org"]
