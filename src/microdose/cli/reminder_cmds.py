"""``microdose reminders``: your own reminder times (``show``, ``set``) and, for the
service, ``send`` (email the reminders due now, once each, for cron).

Thin adapters over :mod:`microdose.services.reminders` and
:mod:`microdose.services.reminder_mail`; the SMTP server and the service's address come
from the ``MICRODOSE_SMTP_*`` and ``MICRODOSE_PUBLIC_URL`` settings.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from microdose.cli.output import emit, state

reminders_app = typer.Typer(help="Reminder times (calendar alarms, emails in the service).",
                            no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
TimeOpt = Annotated[str | None, typer.Option(help="HH:MM in your time zone; 'off' for none.")]
EveryOpt = Annotated[
    list[str] | None,
    typer.Option("--every", help="INSTRUMENT=DAYS, e.g. phq9=14 (repeat; replaces the list)."),
]


def _schedule_text(data: dict[str, Any]) -> str:
    every = ", ".join(f"{k} every {d} days" for k, d in data["questionnaires"].items()) or "none"
    return (f"check-in {data['checkin_time'] or 'off'}; dose days {data['dose_time'] or 'off'};"
            f" questionnaires {data['questionnaire_time'] or 'off'} ({every})"
            + ("; paused" if data["paused"] else ""))


def _intervals(every: list[str]) -> dict[str, str]:
    from microdose.domain.errors import InvalidInput

    found = {}
    for item in every:
        key, sep, days = item.partition("=")
        if not sep:
            raise InvalidInput("--every", f"{item!r} is not INSTRUMENT=DAYS", "e.g. phq9=14")
        found[key.strip()] = days
    return found


@reminders_app.command("show")
def show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Show your reminder times (the defaults until you set them)."""
    from microdose.services.reminders import schedule_of

    with state(ctx).session() as (session, person):
        data = schedule_of(session=session, person_id=person.id).to_dict()
    emit(data, as_json, _schedule_text(data))


@reminders_app.command("set")
def set_times(
    ctx: typer.Context,
    checkin: TimeOpt = None,
    dose: TimeOpt = None,
    questionnaire: TimeOpt = None,
    every: EveryOpt = None,
    pause: Annotated[bool | None, typer.Option("--pause/--resume", help="Pause or resume all.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Change your reminder times; options left out keep their value."""
    from microdose.domain.reminders import format_time
    from microdose.services.reminders import schedule_of, set_own_schedule

    with state(ctx).session() as (session, person):
        now = schedule_of(session=session, person_id=person.id)
        chosen = set_own_schedule(
            session=session, person_id=person.id,
            checkin_time=format_time(now.checkin_time) if checkin is None else checkin,
            dose_time=format_time(now.dose_time) if dose is None else dose,
            questionnaire_time=format_time(now.questionnaire_time)
            if questionnaire is None else questionnaire,
            questionnaires=dict(now.questionnaires) if every is None else _intervals(every),
            paused=now.paused if pause is None else pause,
        )  # fmt: skip
        data = chosen.to_dict()
    emit(data, as_json, _schedule_text(data))


@reminders_app.command("send")
def send(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Email every reminder due now (check-in, dose day, questionnaire), each only once.

    Safe to run as often as you like, e.g. every 15 minutes from cron: what was sent is
    recorded, so a second run sends nothing twice. Exit code 1 when a send failed (it is
    tried again on the next run) or an email went out but could not be recorded (the next
    run sends it again: reminders are sent at least once, never silently dropped).
    """
    from microdose.services.reminder_mail import send_due, smtp_config

    app_state = state(ctx)
    config = smtp_config(app_state.settings)
    report = send_due(engine=app_state.engine, config=config)
    counts = report.to_dict()
    emit(counts, as_json, f"sent {report.sent} reminder(s); {report.already} already sent; "
                          f"{report.failed} failed; {report.unrecorded} sent but not recorded")
    if report.failed or report.unrecorded:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``reminders`` command group."""
    app.add_typer(reminders_app, name="reminders")
