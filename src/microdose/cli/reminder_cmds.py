"""``microdose reminders send``: email the reminders due now, once each (for cron).

A thin adapter over :mod:`microdose.services.reminder_mail`; the SMTP server and the
service's address come from the ``MICRODOSE_SMTP_*`` and ``MICRODOSE_PUBLIC_URL`` settings.
"""

from __future__ import annotations

from typing import Annotated

import typer

from microdose.cli.output import emit, state

reminders_app = typer.Typer(help="Email reminders of the multi-user service.",
                            no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")]


@reminders_app.command("send")
def send(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Email every reminder due now (check-in, dose day, questionnaire), each only once.

    Safe to run as often as you like, e.g. every 15 minutes from cron: what was sent is
    recorded, so a second run sends nothing twice. Exit code 1 when a send failed (it is
    tried again on the next run).
    """
    from microdose.services.reminder_mail import send_due, smtp_config

    app_state = state(ctx)
    config = smtp_config(app_state.settings)
    report = send_due(engine=app_state.engine, config=config)
    counts = report.to_dict()
    emit(counts, as_json, f"sent {report.sent} reminder(s); {report.already} already sent; "
                          f"{report.failed} failed")
    if report.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``reminders`` command group."""
    app.add_typer(reminders_app, name="reminders")
