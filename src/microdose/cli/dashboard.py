"""The terminal dashboard: today's status, history, and the demo journal."""

from __future__ import annotations

import os
from dataclasses import replace as replace_fields
from typing import TYPE_CHECKING, Annotated, Any

import typer

from microdose.cli.context import AppState
from microdose.cli.measure_cmds import JsonOpt
from microdose.cli.output import print_json, state
from microdose.domain.checkins import RATINGS
from microdose.domain.errors import Conflict
from microdose.reports.words import better_text, change_short, flag_text, plural
from microdose.settings import demo_database_url

if TYPE_CHECKING:
    from microdose.services.demo import DemoSummary
    from microdose.services.overview import Status

def _score_cell(score: dict[str, Any]) -> str:
    if "subscales" in score:
        return "; ".join(f"{k} {v['score']}" for k, v in score["subscales"].items())
    if "percent" in score:
        return f"{score['percent']}%"
    return str(score["total"])


def show_status(result: Status) -> None:
    """Today's status as a Rich panel and table."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    console = Console()
    planned = "a dose day" if result.dose_today else "an off day"
    lines = [
        f"[bold]{result.today:%A %d %B %Y}[/] — {planned}"
        + (f" ({result.protocol})" if result.protocol else " (no plan yet: `microdose plan`)"),
        f"next dose day: {result.next_dose_day or '—'}",
        f"checked in today: {'yes' if result.checked_in_today else 'not yet'}"
        f" · streak: {plural(result.streak, 'day')}",
        f"questionnaires due: {', '.join(result.due) or 'none'}",
    ]
    console.print(Panel("\n".join(lines), title="microdose · today"))
    if result.latest:
        table = Table(title="Latest scores")
        columns = ("instrument", "date", "score", "band", "change worth reading", "better", "flags")
        for column in columns:
            table.add_column(column)
        for key, score in result.latest.items():
            table.add_row(
                key,
                score["date"],
                _score_cell(score),
                score.get("severity") or "",
                change_short(key) or "",
                better_text(key).removesuffix(" is better"),
                flag_text(score["flags"]) if score["flags"] else "",
            )
        console.print(table)
        console.print(
            "A change smaller than the one worth reading can be measurement noise. "
            "Open-label results cannot separate the substance from expectation."
        )


def show_history(items: list[dict[str, Any]]) -> None:
    """Every record as a Rich table."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"History ({plural(len(items), 'record')})")
    for column in ("date", "type", "details"):
        table.add_column(column)
    for item in items:
        table.add_row(item["date"], item["type"], _details(item))
    Console().print(table)


def _details(item: dict[str, Any]) -> str:
    kind = item["type"]
    if kind == "dose":
        amount = f"{item['grams']} g {item['material']}" if item["material"] else "envelope"
        return amount + (f" ⚠ {'; '.join(item['warnings'])}" if item["warnings"] else "")
    if kind == "checkin":
        return _checkin_details(item)
    if kind == "questionnaire":
        return f"{item['instrument']} {_score_cell(item['score'])} {item['severity'] or ''}"
    return f"{item['kind']}: {item['text'][:60]}"


def _checkin_details(item: dict[str, Any]) -> str:
    """Every rating (0–10), then side effects, a trial guess and the notes when there are any."""
    parts = [" ".join(f"{name} {item[name]}" for name in RATINGS if item.get(name) is not None)]
    if item.get("side_effects"):
        parts.append("side effects: " + ", ".join(item["side_effects"]))
    if item.get("guess"):
        parts.append(f"guess: {item['guess']}")
    if item.get("notes"):
        parts.append(str(item["notes"])[:60])
    return "; ".join(parts)


def demo_state(ctx: typer.Context) -> AppState:
    """The given journal, or the separate demo journal when none was named."""
    current = state(ctx)
    named = ctx.find_root().params.get("database_url") or os.environ.get("MICRODOSE_DATABASE_URL")
    if named:
        return current
    settings = replace_fields(current.settings, database_url=demo_database_url())
    demo_app = AppState(settings)
    ctx.find_root().obj = demo_app
    return demo_app


SeedOpt = Annotated[int, typer.Option(help="Random seed.")]
DemoWeeksOpt = Annotated[int, typer.Option(min=2, max=52, help="Weeks of data.")]
ReplaceOpt = Annotated[bool, typer.Option(help="Overwrite a non-empty journal.")]


def _clear_for_demo(app_state: AppState, replace: bool) -> None:
    """Empty the journal the demo goes into: the demo journal always, another one on --replace."""
    from microdose.services.portability import delete_all, ensure_fresh

    with app_state.session() as (session, person):
        if ensure_fresh(session=session, person=person):
            return
        if not (replace or app_state.settings.database_url == demo_database_url()):
            raise Conflict(
                "this journal is not empty: use --replace to overwrite it, or "
                "omit --database-url to use the separate demo journal"
            )
        delete_all(session=session)


def _show_demo(
    app_state: AppState, summary: DemoSummary, result: Status, seed: int, as_json: bool
) -> None:
    """What was built, and the demo journal's status."""
    if as_json:
        print_json({"days": summary.days, "doses": summary.doses, "checkins": summary.checkins,
                    "responses": summary.responses, "status": result.to_dict()})
        return
    typer.echo(
        f"demo journal at {app_state.settings.database_url}: {summary.days} days, "
        f"{summary.doses} doses, "
        f"{summary.checkins} check-ins, {summary.responses} questionnaires "
        f"(synthetic data, seed {seed})"
    )
    show_status(result)


def demo(
    ctx: typer.Context,
    seed: SeedOpt = 7,
    weeks: DemoWeeksOpt = 10,
    replace: ReplaceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Build a synthetic demo journal and show it.

    Without --database-url (or MICRODOSE_DATABASE_URL) it uses a separate demo journal in
    your data directory, replaced each time, so that your own journal is never touched.
    """
    from microdose.services.demo import build_demo
    from microdose.services.overview import status as build_status
    from microdose.services.people import local_today

    app_state = demo_state(ctx)
    _clear_for_demo(app_state, replace)
    with app_state.session() as (session, person):
        summary = build_demo(
            session=session, person=person, today=local_today(person), weeks=weeks, seed=seed
        )
        result = build_status(session=session, person=person, today=local_today(person))
    _show_demo(app_state, summary, result, seed, as_json)


def register(app: typer.Typer) -> None:
    """Add the demo command."""
    app.command()(demo)
