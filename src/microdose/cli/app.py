"""The ``microdose`` command: a thin adapter that parses, calls services, and presents."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from microdose.cli.context import AppState
from microdose.domain.errors import MicrodoseError

#: The CLI's words for each next step the core names (``domain.errors.NEXT_STEPS``).
NEXT_STEP_COMMANDS: dict[str, str] = {
    "safety-screen": "microdose screen --condition … --medication … (each repeatable)",
    "crisis-ack": "microdose crisis ack",
    "trial-design": "microdose trial design",
    "trial-unblind": "microdose trial unblind",
    "checkin": "microdose checkin",
    "confirm": "the same command with --yes",
}


def said(exc: MicrodoseError) -> str:
    """The error's message, with the command that takes the next step when there is one."""
    if exc.next_step is None:
        return exc.message
    return f"{exc.message.rstrip('.')}. Next: `{NEXT_STEP_COMMANDS[exc.next_step]}`"


def fail(message: str, code: int) -> typer.Exit:
    """Print ``message`` on stderr and return the exit to raise."""
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


class MicrodoseGroup(TyperGroup):
    """Translates core errors into messages and exit codes: never a traceback."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except MicrodoseError as exc:
            raise fail(said(exc), exc.exit_code) from exc
        except OperationalError as exc:
            raise fail(f"database: cannot use the journal ({exc.orig or exc})", 1) from exc
        finally:
            if isinstance(ctx.obj, AppState):
                ctx.obj.close()


app = typer.Typer(
    cls=MicrodoseGroup,
    help="microdose: is it helping you, and would it without the expectation?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Journal database (env MICRODOSE_DATABASE_URL); default: a SQLite "
            "file in your data directory."
        ),
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Your IANA time zone, e.g. Europe/Berlin.")
    ] = None,
) -> None:
    """Plan, screen, estimate, record and analyse a microdosing programme honestly."""
    from microdose.settings import Settings

    ctx.obj = AppState(Settings.from_env(database_url=database_url, timezone=timezone))


def _register() -> None:
    from microdose.cli import (
        dashboard,
        insight_cmds,
        journal_cmds,
        measure_cmds,
        safety_cmds,
        service_cmds,
        trial_cmds,
        web_cmds,
    )

    for module in (measure_cmds, journal_cmds, dashboard, safety_cmds, insight_cmds, trial_cmds,
                   web_cmds, service_cmds):
        module.register(app)


_register()


def main() -> None:
    """Console-script entry point; an unexpected error is one line unless MICRODOSE_DEBUG=1."""
    try:
        app()
    except Exception as exc:  # the last line of defence: a bug, shown without a traceback
        if os.environ.get("MICRODOSE_DEBUG"):
            raise
        typer.secho(f"internal error: {exc!r} (MICRODOSE_DEBUG=1 shows details)", err=True)
        sys.exit(1)
