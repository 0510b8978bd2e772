"""Insight commands: analyze, report (clinician PDF), import (our own export back).

The extra export formats (parquet, tidy-csv, fhir, ics) are served by ``microdose export``
through ``reports.exports.EXPORTERS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from microdose.cli.measure_cmds import JsonOpt, parse_day
from microdose.cli.output import emit, state, with_crisis

FromOpt = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")]


def _current_flags(insight: Any) -> list[str]:
    """Flags of the latest response of each instrument (what is true now)."""
    latest: dict[str, Any] = {}
    for record in insight.data.responses:
        latest[record.instrument] = record
    return [flag for record in latest.values() for flag in record.flags]


def analyze(
    ctx: typer.Context, start: FromOpt = None, end: ToOpt = None, as_json: JsonOpt = False
) -> None:
    """Is it helping? Change on each questionnaire, dose-day effects, adherence, side effects.

    Every number carries its uncertainty; open-label results cannot tell drug from expectation.
    """
    from microdose.reports.text import insight_text
    from microdose.services.insight import analyze as run_analysis

    first, last = parse_day(start, "from"), parse_day(end, "to")
    with state(ctx).session() as (session, person):
        insight = run_analysis(session=session, person=person, start=first, end=last)
        region = person.region
    data = with_crisis(ctx, insight.to_dict(), _current_flags(insight), region)
    emit(data, as_json, insight_text(insight))


def report(
    ctx: typer.Context,
    pdf: Annotated[Path, typer.Option("--pdf", help="The PDF file to write.")],
    start: FromOpt = None,
    end: ToOpt = None,
    name: Annotated[
        str | None, typer.Option(help="Name printed on the report (default: the journal's).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a clinician-ready PDF report of a period of the journal."""
    from microdose.domain.errors import InvalidInput
    from microdose.reports.pdf import write_pdf
    from microdose.services.insight import analyze as run_analysis

    if pdf.suffix.lower() != ".pdf":
        raise InvalidInput("pdf", f"{str(pdf)!r} does not end in .pdf", allowed="a FILE.pdf path")
    if not pdf.parent.exists():
        raise InvalidInput(
            "pdf", f"folder {str(pdf.parent)!r} does not exist", "an existing folder"
        )
    first, last = parse_day(start, "from"), parse_day(end, "to")
    with state(ctx).session() as (session, person):
        insight = run_analysis(session=session, person=person, start=first, end=last)
    write_pdf(insight, pdf, name=name)
    period = {"from": insight.data.start.isoformat(), "to": insight.data.end.isoformat()}
    emit(
        {"pdf": str(pdf), "period": period},
        as_json,
        f"report written to {pdf} ({period['from']} to {period['to']})",
    )


def import_export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A JSON export, or the folder of a CSV export.")],
    replace: Annotated[
        bool, typer.Option(help="Delete this journal's records first (it must be empty).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Read a `microdose export` (JSON file or CSV folder) back into the journal."""
    from microdose.services.importer import import_file

    with state(ctx).session() as (session, person):
        summary = import_file(session=session, person=person, path=file, replace=replace)
    tables = ", ".join(f"{n} {name}" for name, n in summary.rows.items() if n)
    emit(summary.to_dict(), as_json, f"imported {summary.total} records from {file}: {tables}")


def register(app: typer.Typer) -> None:
    """Add the insight commands to ``app``."""
    app.command()(analyze)
    app.command()(report)
    app.command("import")(import_export)
