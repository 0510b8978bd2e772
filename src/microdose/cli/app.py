"""The ``microdose`` command: a thin adapter that parses, calls services, and presents."""

from __future__ import annotations

import os
import re
import sys
from typing import Annotated, Any

import typer
from typer._click import core as click_core
from typer._click import exceptions as click
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


def said(exc: MicrodoseError, options: frozenset[str] = frozenset()) -> str:
    """The error's message, with the command that takes the next step when there is one.

    A field that is also an option of the CLI is named as the option (``--grams: …``), the
    way a person typed it.
    """
    message = exc.message
    field = getattr(exc, "field", None)
    option = f"--{field.replace('_', '-')}" if isinstance(field, str) else ""
    if option in options and message.startswith(f"{field}:"):
        message = option + message[len(str(field)):]
    if exc.next_step is None:
        return message
    return f"{message.rstrip('.')}. Next: `{NEXT_STEP_COMMANDS[exc.next_step]}`"


#: click's wordings of a bad value, and ours (the field first, then what is allowed)
_CLICK_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(.+?) is not in the range (\S+?)<=x<=(\S+?)\.?$"),
     r"\1 is out of range (allowed: \2 to \3)"),
    (re.compile(r"^(.+?) is not a valid int(eger)?\.?$"), r"\1 is not a whole number"),
    (re.compile(r"^(.+?) is not a valid float\.?$"), r"\1 is not a number"),
    (re.compile(r"^(.+?) is not one of (.+?)\.?$"), r"\1 is not allowed (allowed: \2)"),
)


def usage_said(exc: click.UsageError) -> str:
    """A usage error in our one style: ``--mood: 11 is out of range (allowed: 0 to 10)``."""
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        name = exc.param.opts[0] if exc.param.opts else str(exc.param.name)
        if isinstance(exc, click.MissingParameter):
            text = f"{name}: missing; it is required"
        else:
            detail = exc.message
            for pattern, replacement in _CLICK_WORDS:
                detail = pattern.sub(replacement, detail)
            text = f"{name}: {detail}"
    elif isinstance(exc, click.NoSuchOption):
        possible = sorted(exc.possibilities or ())
        hint = f"; did you mean {', '.join(possible)}?" if possible else ""
        text = f"{exc.option_name}: no such option{hint}"
    else:
        text = exc.format_message()
    where = f" See `{exc.ctx.command_path} --help`." if exc.ctx is not None else ""
    return (text if text.endswith("?") else text.rstrip(".") + ".") + where


def option_names(group: click_core.Command, name: str | None) -> frozenset[str]:
    """The long options of the subcommand ``name`` (of each of its own, for a group)."""
    command = getattr(group, "commands", {}).get(name) if name else None
    if command is None:
        return frozenset()
    commands = [command, *getattr(command, "commands", {}).values()]
    return frozenset(
        opt for cmd in commands for param in cmd.params for opt in param.opts
        if opt.startswith("--")
    )


def fail(message: str, code: int) -> typer.Exit:
    """Print ``message`` on stderr and return the exit to raise."""
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


class MicrodoseGroup(TyperGroup):
    """Translates core errors into messages and exit codes: never a traceback."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        """Parse the root options; a usage error there reads like every other."""
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            if not exc.format_message():  # no arguments: the help was shown, nothing to say
                raise
            raise fail(usage_said(exc), 2) from exc

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except MicrodoseError as exc:
            options = option_names(self, ctx.invoked_subcommand)
            raise fail(said(exc, options), exc.exit_code) from exc
        except click.UsageError as exc:
            if not exc.format_message():  # a group without arguments: its help was shown
                raise
            raise fail(usage_said(exc), 2) from exc
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
        reminder_cmds,
        safety_cmds,
        service_cmds,
        trial_cmds,
        web_cmds,
    )

    for module in (measure_cmds, journal_cmds, dashboard, safety_cmds, insight_cmds, trial_cmds,
                   web_cmds, service_cmds, reminder_cmds):
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
