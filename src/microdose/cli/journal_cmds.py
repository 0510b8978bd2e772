"""Journal commands: init, dose, checkin, journal, status, history, export, delete, db."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from microdose.cli.measure_cmds import DateOpt, JsonOpt, parse_day
from microdose.cli.output import emit, print_json, state, warn
from microdose.domain.errors import InvalidInput
from microdose.reports.words import range_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from microdose.store.models import Person

Rating = Annotated[int, typer.Option(min=0, max=10, help="0–10.")]
NotesOpt = Annotated[str | None, typer.Option(help="Free text.")]
SideEffectOpt = Annotated[list[str] | None, typer.Option(help="A side effect (repeatable).")]
GuessOpt = Annotated[
    str | None,
    typer.Option(help="Blinded trial: what you think you took today (active, placebo or unsure)."),
]
GuessConfidenceOpt = Annotated[
    int | None, typer.Option(help="How sure you are of the guess, 0–100.")
]
FormatOpt = Annotated[
    str, typer.Option("--format", help="json, csv, tidy-csv, parquet, fhir or ics.")
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(help="A new file (json, fhir, ics) or folder (csv, tidy-csv, parquet); json "
                 "defaults to stdout, the others to a dated name in this folder."),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite an existing --output file, or the files in "
                       "an existing --output folder.")
]
#: the export formats written as a folder of files (the others are one file)
FOLDER_FORMATS = ("csv", "tidy-csv", "parquet")


def init(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Create the journal (it is also created on first use)."""
    app_state = state(ctx)
    with app_state.session() as (_session, person):
        zone = person.timezone
    url = app_state.settings.database_url
    emit({"database_url": url, "timezone": zone}, as_json, f"journal ready: {url} ({zone})")


def _parse_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("at", f"{text!r} is not a date and time", "YYYY-MM-DDTHH:MM") from exc


def dose(
    ctx: typer.Context,
    material: Annotated[str | None, typer.Option(help="What was taken (see `estimate`).")] = None,
    grams: Annotated[str | None, typer.Option(help="Weight in grams.")] = None,
    mg: Annotated[str | None, typer.Option(help="Synthetic psilocybin in mg.")] = None,
    day: DateOpt = None,
    at: Annotated[str | None, typer.Option(help="Date and time, e.g. 2026-11-20T08:30.")] = None,
    notes: NotesOpt = None,
    envelope: Annotated[
        str | None, typer.Option(help="Code of a blinded-trial envelope (no material needed).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a dose; warns on unplanned or consecutive days and amounts above the range."""
    from microdose.services.doses import DoseCreate, record_dose
    from microdose.services.serialize import row_dict

    if day and at:
        raise InvalidInput("date", "give --date or --at, not both", "one of --date, --at")
    create = DoseCreate(
        material=material, grams=grams, mg=mg, day=parse_day(day), at=_parse_at(at), notes=notes,
        envelope_code=envelope,
    )
    with state(ctx).session() as (session, person):
        row = record_dose(session=session, person=person, dose=create)
        data = row_dict(row)
    if not as_json:
        warn(data["warnings"])
    emit(
        data,
        as_json,
        f"dose recorded for {data['local_date']}"
        + (
            f": about {range_text(data['mg_low'], data['mg_high'], 'mg')} psilocybin"
            if data["mg_low"] is not None
            else ""
        ),
    )


def checkin(
    ctx: typer.Context,
    mood: Rating,
    anxiety: Rating,
    energy: Rating,
    focus: Rating,
    sleep: Rating,
    connectedness: Rating,
    side_effect: SideEffectOpt = None,
    notes: NotesOpt = None,
    guess: GuessOpt = None,
    guess_confidence: GuessConfidenceOpt = None,
    day: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record today's 0–10 ratings (a second check-in for the same day updates it)."""
    from microdose.domain.checkins import make_checkin
    from microdose.services.checkins import submit_checkin
    from microdose.services.people import local_today
    from microdose.services.serialize import row_dict

    ratings = dict(mood=mood, anxiety=anxiety, energy=energy, focus=focus, sleep=sleep,
                   connectedness=connectedness)
    when = parse_day(day)
    with state(ctx).session() as (session, person):
        entry = make_checkin(
            when or local_today(person), ratings, side_effect or (), notes, guess, guess_confidence
        )
        row, created = submit_checkin(session=session, person_id=person.id, checkin=entry)
        data = {**row_dict(row), "created": created}
    emit(data, as_json, f"check-in {'saved' if created else 'updated'} for {data['local_date']}")


TextArg = Annotated[
    str | None,
    typer.Argument(help="What you want to write; - reads it from standard input."),
]
FileOpt = Annotated[
    Path | None,
    typer.Option("--file", help="Read the entry's text from this file (UTF-8)."),
]


def entry_text(text: str | None, file: Path | None) -> str:
    """The entry's text: the argument, standard input (``-``) or a file, exactly one."""
    if (text is None) == (file is None):
        raise InvalidInput("text", "give the text, - for standard input, or --file, one of them",
                           allowed="TEXT, -, --file PATH")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            raise InvalidInput("--file", f"cannot read {file}: {reason}") from exc
    return typer.get_text_stream("stdin").read() if text == "-" else str(text)


def journal(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="intention, integration or note")],
    text: TextArg = None,
    file: FileOpt = None,
    day: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a journal entry (the text as an argument, from standard input, or a file)."""
    from microdose.services.entries import add_entry
    from microdose.services.people import local_today
    from microdose.services.serialize import row_dict

    when = parse_day(day)
    body = entry_text(text, file)
    with state(ctx).session() as (session, person):
        row = add_entry(
            session=session,
            person_id=person.id,
            kind=kind,
            text=body,
            day=when or local_today(person),
        )
        data = row_dict(row)
    emit(data, as_json, f"{data['kind']} saved for {data['local_date']}")


def status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Today: what is planned, what is due, your streak and latest scores."""
    from microdose.cli.dashboard import show_status
    from microdose.services.overview import status as build_status
    from microdose.services.people import local_today
    from microdose.services.safety import open_crisis_payload

    app_state = state(ctx)
    with app_state.session() as (session, person):
        result = build_status(session=session, person=person, today=local_today(person))
        crisis = open_crisis_payload(
            session=session, person=person, env_region=app_state.settings.region
        )
    if as_json:
        print_json({**result.to_dict(), **({"crisis": crisis} if crisis else {})})
    else:
        if crisis:  # an open crisis shows before anything else
            from microdose.cli.output import crisis_text

            typer.secho(crisis_text(crisis), fg=typer.colors.RED, bold=True)
        show_status(result)


def history(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything recorded, in date order."""
    from microdose.cli.dashboard import show_history
    from microdose.services.overview import history as build_history

    first, last = parse_day(start, "from"), parse_day(end, "to")
    with state(ctx).session() as (session, person):
        items = build_history(session=session, person=person, start=first, end=last)
    if as_json:
        print_json(items)
    else:
        show_history(items)


def _default_output(fmt: str) -> Path:
    """Where an export goes without --output (json goes to stdout instead)."""
    stamp = f"{datetime.now():%Y%m%d}"
    names = {"csv": f"microdose-export-{stamp}", "tidy-csv": f"microdose-tables-csv-{stamp}",
             "parquet": f"microdose-tables-parquet-{stamp}",
             "fhir": f"microdose-fhir-{stamp}.json", "ics": "microdose-plan.ics"}
    return Path(names[fmt])


def _write_export(session: Session, person: Person, fmt: str, target: Path,
                  force: bool) -> list[Path]:
    """Write the export in ``fmt`` to ``target``; the paths written."""
    from microdose.reports.exports import EXPORTERS
    from microdose.services import portability

    if fmt in EXPORTERS:
        return [EXPORTERS[fmt](session=session, person=person, output=target)]
    document = portability.export_document(session=session, person=person)
    if fmt == "json":
        return [portability.write_json(document, target, overwrite=force)]
    return portability.write_csv(document, target)


def export(
    ctx: typer.Context,
    fmt: FormatOpt = "json",
    output: OutputOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Export your records (never the service's internal tables); never overwrites silently."""
    from microdose.cli.targets import check_file_target, check_folder_target, writing
    from microdose.reports.exports import EXPORTERS
    from microdose.services import portability

    formats = ["json", "csv", *EXPORTERS]
    if fmt not in formats:
        raise InvalidInput("format", f"{fmt!r} is not an export format", ", ".join(formats))
    if fmt == "json" and output is None:
        with state(ctx).session() as (session, person):
            print_json(portability.export_document(session=session, person=person))
        return
    target = output or _default_output(fmt)
    check = check_folder_target if fmt in FOLDER_FORMATS else check_file_target
    check(target, force=force)
    with state(ctx).session() as (session, person), writing(target):
        written = _write_export(session, person, fmt, target, force)
    data = {"format": fmt, "output": str(target), "written": [str(path) for path in written]}
    emit(data, as_json, "\n".join(f"wrote {path}" for path in written))


def delete(
    ctx: typer.Context,
    delete_everything: Annotated[
        bool, typer.Option("--all", help="Delete the whole journal.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete your data: everything, after a confirmation."""
    from microdose.services.portability import delete_all

    if not delete_everything:
        raise InvalidInput("all", "say what to delete", allowed="--all")
    if not yes:  # with --json the question goes to stderr: stdout stays JSON
        typer.confirm("Delete every record of this journal? This cannot be undone", abort=True,
                      err=as_json)
    with state(ctx).session() as (session, _person):
        deleted = delete_all(session=session)
    emit({"deleted": True, "people": deleted}, as_json,
         f"deleted the journal ({deleted} person and everything they recorded)")


db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Migrate the database to the newest schema."""
    from microdose.store.engine import make_engine
    from microdose.store.migrate import current_revisions, upgrade

    engine = make_engine(state(ctx).settings.database_url)
    try:
        upgrade(engine)
        revisions = sorted(current_revisions(engine))
    finally:
        engine.dispose()
    emit({"revisions": revisions}, as_json, f"database at {', '.join(revisions)}")


@db_app.command("current")
def db_current(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Show the database's schema revision."""
    from microdose.store.engine import make_engine
    from microdose.store.migrate import current_revisions

    engine = make_engine(state(ctx).settings.database_url)
    try:
        revisions = sorted(current_revisions(engine))
    finally:
        engine.dispose()
    emit({"revisions": revisions}, as_json, ", ".join(revisions) or "empty")


def register(app: typer.Typer) -> None:
    """Add the journal commands."""
    for command in (init, dose, checkin, journal, status, history, export, delete):
        app.command()(command)
    app.add_typer(db_app, name="db")
