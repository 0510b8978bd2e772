"""Email reminders of the multi-user service, sent by ``microdose reminders send`` (cron).

Who gets one: a person with an enabled account and a stored, unpaused schedule, once the
local time of a due reminder has come on their day (:func:`~microdose.domain.reminders.
due_to_send`). Each (person, local day, kind) is claimed by inserting its ``reminder_sent``
row, then sent, then the row is committed, all in one transaction; the unique index makes
a second run (or a second sender at the same time, which waits on the claim) send nothing
twice. A failed send rolls its row back, so the next run tries again.

**The guarantee is at least once, not exactly once.** Nothing is committed before the SMTP
server has accepted the email, so no due reminder is lost to a crash; the price is that a
failure *between* the server's acceptance and the commit (the database gone, the process
killed, the server's "250" lost on the way back) leaves no record, and the next run sends
that reminder again. That is chosen on purpose: a daily check-in reminder sent twice is a
mild annoyance the person sees, one silently dropped after a crash is invisible to
everybody. Committing a "sending" claim before the send would turn the duplicate into a
missed email. A run counts such a reminder as ``unrecorded`` (exit code 1, logged without
address or content).

The email says only that something is due, with a link: no ratings, scores, instrument
names or doses. Nothing here logs an address, a password or health data.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from microdose.domain.errors import InvalidInput, MicrodoseError
from microdose.domain.reminders import due_to_send
from microdose.services.reminders import due_today, schedule_from_row
from microdose.settings import Settings
from microdose.store.base import utcnow
from microdose.store.models import Person
from microdose.store.reminder_models import ReminderScheduleRow, ReminderSentRow
from microdose.store.service_models import AccountRow

logger = logging.getLogger("microdose.reminders")

TLS_MODES: dict[str, int] = {"starttls": 587, "tls": 465, "none": 25}
SUBJECT = "microdose reminder"
_TEXTS = {
    "checkin": ("your daily check-in is due today.", "/"),
    "dose": ("today is a planned day of your plan: remember to record it.", "/doses"),
    "questionnaire": ("a questionnaire is due today.", "/questionnaires"),
}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send: host, port, TLS mode, From address, optional login."""

    host: str
    port: int
    tls: str
    sender: str
    public_url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def smtp_config(settings: Settings) -> SmtpConfig:
    """The SMTP settings, checked; InvalidInput names the ``MICRODOSE_SMTP_*`` variable."""
    tls = (settings.smtp_tls or "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise InvalidInput("MICRODOSE_SMTP_TLS", f"unknown mode {tls!r}", ", ".join(TLS_MODES))
    for name in ("smtp_host", "smtp_sender", "public_url"):
        if not getattr(settings, name):
            raise InvalidInput(f"MICRODOSE_{name.upper()}", "is not set",
                               _REQUIRED[name])
    port_text = settings.smtp_port or str(TLS_MODES[tls])
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise InvalidInput("MICRODOSE_SMTP_PORT", f"{port_text!r} is not a port", "1-65535")
    assert settings.smtp_host and settings.smtp_sender and settings.public_url
    return SmtpConfig(
        host=settings.smtp_host, port=int(port_text), tls=tls, sender=settings.smtp_sender,
        public_url=settings.public_url.rstrip("/"), username=settings.smtp_username or None,
        password=settings.smtp_password or None,
    )  # fmt: skip


_REQUIRED = {
    "smtp_host": "the SMTP server's host name",
    "smtp_sender": "the From address, e.g. reminders@clinic.example",
    "public_url": "the service's address, e.g. https://microdose.clinic.example",
}


def reminder_message(*, kind: str, to: str, config: SmtpConfig) -> EmailMessage:
    """The email of one reminder: what is due and a link, nothing else."""
    text, path = _TEXTS[kind.partition(":")[0]]
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, to, SUBJECT
    message.set_content(
        f"Hello,\n\nThis is your microdose reminder: {text}\n\n"
        f"Open: {config.public_url}{path}\n\n"
        f"To change or pause reminders: {config.public_url}/settings#reminders\n"
    )
    return message


@contextmanager
def smtp_connection(config: SmtpConfig) -> Iterator[smtplib.SMTP]:
    """A connection to the SMTP server, with TLS as configured, logged in if asked."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.tls == "tls":
        client = smtplib.SMTP_SSL(config.host, config.port, context=context, timeout=30)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=30)
    with client:
        if config.tls == "starttls":
            client.starttls(context=context)
        if config.username:
            client.login(config.username, config.password or "")
        yield client


@dataclass
class SendReport:
    """How a run went: reminders sent, already sent before, failed (to retry next run), and
    unrecorded (accepted by the SMTP server, but the record was lost: sent again next run)."""

    sent: int = 0
    already: int = 0
    failed: int = 0
    unrecorded: int = 0

    def to_dict(self) -> dict[str, int]:
        """JSON-ready counts (no addresses)."""
        return {"sent": self.sent, "already_sent": self.already, "failed": self.failed,
                "unrecorded": self.unrecorded}

    def count(self, outcome: str) -> None:
        """Add one reminder's outcome (see :func:`_send_one`)."""
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass(frozen=True)
class _Pending:
    person_id: uuid.UUID
    email: str
    day: date
    kinds: tuple[str, ...]


def _pending(session: Session, now: datetime) -> list[_Pending]:
    """Who has a reminder due to send now (local time come), already-sent ones left out."""
    query = (
        select(ReminderScheduleRow, AccountRow.email)
        .join(AccountRow, AccountRow.person_id == ReminderScheduleRow.person_id)
        .where(ReminderScheduleRow.paused.is_(False), AccountRow.disabled.is_(False))
    )
    found = []
    for row, email in session.execute(query):
        person = session.get(Person, row.person_id)
        if person is None:
            continue
        local = now.astimezone(ZoneInfo(person.timezone))
        due = due_today(session=session, person=person, today=local.date())
        kinds = due_to_send(schedule_from_row(row), local.replace(tzinfo=None), due)
        sent = set(session.scalars(select(ReminderSentRow.kind).where(
            ReminderSentRow.person_id == person.id, ReminderSentRow.local_date == local.date())))
        if todo := tuple(k for k in kinds if k not in sent):
            found.append(_Pending(person.id, email, local.date(), todo))
    return found


def _send_one(engine: Engine, client: smtplib.SMTP, config: SmtpConfig, item: _Pending,
              kind: str) -> str:
    """Claim, send and record one reminder in one transaction.

    Returns ``"sent"``; ``"already"`` (another run's claim); ``"failed"`` (the database
    refused the claim, or the mail server refused or the connection broke: rolled back,
    nothing recorded, tried again next run); or ``"unrecorded"`` (the
    server accepted it but the commit failed: the next run sends it again — at least once).
    """
    with Session(engine) as session:  # closing without a commit rolls the claim back
        session.add(ReminderSentRow(person_id=item.person_id, local_date=item.day,
                                    kind=kind, sent_at=utcnow()))
        try:
            session.flush()  # a concurrent sender's row collides here, before any email
        except IntegrityError:
            return "already"
        except SQLAlchemyError as exc:  # the database refused the claim: nothing was sent
            session.rollback()
            logger.warning("a reminder could not be claimed (%s); the next run tries it "
                           "again", type(exc).__name__)
            return "failed"
        try:
            client.send_message(reminder_message(kind=kind, to=item.email, config=config))
        except (smtplib.SMTPException, OSError):
            return "failed"
        try:
            session.commit()
        except SQLAlchemyError as exc:
            # without this, SQLite's pooled connection would stay inside the failed transaction
            session.rollback()
            logger.warning("a reminder was sent but could not be recorded (%s); the next run "
                           "sends it again", type(exc).__name__)
            return "unrecorded"
    return "sent"


def send_due(*, engine: Engine, config: SmtpConfig, now: datetime | None = None) -> SendReport:
    """Send every reminder due now, each once; connect only when something is due."""
    moment = now or utcnow()
    with Session(engine) as session:
        pending = _pending(session, moment)
    report = SendReport()
    if not pending:
        return report
    try:
        with smtp_connection(config) as client:
            for item in pending:
                for kind in item.kinds:
                    report.count(_send_one(engine, client, config, item, kind))
    except (smtplib.SMTPException, OSError) as exc:
        raise MicrodoseError(
            f"smtp: cannot send through {config.host}:{config.port} ({type(exc).__name__}); "
            f"{report.sent} sent before the failure, the rest are tried on the next run"
        ) from None
    return report
