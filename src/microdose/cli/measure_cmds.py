"""Stateless and stored measurement commands: score, answer, estimate, plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from microdose.cli.output import emit, state, warn, with_crisis
from microdose.reports.words import better_text, flag_text, range_text

if TYPE_CHECKING:
    from microdose.domain.protocols import PlanSpec

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
DateOpt = Annotated[str | None, typer.Option("--date", help="Day (YYYY-MM-DD); default today.")]
INSTRUMENT_HELP = "phq9, gad7, who5 or dass21"


def parse_day(text: str | None, field: str = "date") -> date | None:
    """A YYYY-MM-DD option, validated by the protocol module's strict parser."""
    if text is None:
        return None
    from microdose.domain.protocols import parse_date

    return parse_date(text, field)


def score_text(result: dict[str, Any]) -> str:
    """One readable line (or three for DASS-21) for a score."""
    flags = f"\n  flags: {flag_text(result['flags'])}" if result["flags"] else ""
    name = result["instrument"]
    better = f" ({better_text(name)})"
    if "subscales" in result:
        parts = [
            f"{k}: {v['score'] if v['score'] is not None else 'not scored'}"
            f" ({v['severity'] or 'too many items missing'})"
            for k, v in result["subscales"].items()
        ]
        return f"{name}  " + "; ".join(parts) + better + flags
    if "percent" in result:
        return (
            f"{name}  raw {result['raw']}/25 = {result['percent']}%  {result['severity']}"
            f"{better}{flags}"
        )
    return f"{name}  total {result['total']}  {result['severity']}{better}{flags}"


def score(
    ctx: typer.Context,
    instrument: Annotated[str, typer.Argument(help=INSTRUMENT_HELP)],
    answers: Annotated[str, typer.Option(help="Comma-separated item answers, e.g. 1,0,2,…")],
    as_json: JsonOpt = False,
) -> None:
    """Score a questionnaire without storing it."""
    from microdose.domain import instruments

    inst = instruments.get_instrument(instrument)
    result = instruments.score(inst, instruments.parse_answers(inst, answers)).to_dict()
    data = with_crisis(ctx, result, result["flags"])
    emit(data, as_json, score_text(data))


def _ask(inst: Any) -> list[int | None]:
    from microdose.domain.errors import InvalidInput
    from microdose.domain.instruments import parse_item

    typer.echo(f"{inst.name}: {inst.stem}")
    typer.echo(
        "Answers: "
        + ", ".join(
            f"{value} = {label}" for value, label in enumerate(inst.answer_labels, inst.min_answer)
        )
    )
    answers: list[int | None] = []
    for number, item in enumerate(inst.items, start=1):
        while True:
            try:
                answers.append(parse_item(inst, number, typer.prompt(f"{number}. {item}")))
                break
            except InvalidInput as exc:
                typer.secho(exc.message, fg=typer.colors.RED, err=True)
    return answers


def answer(
    ctx: typer.Context,
    instrument: Annotated[str, typer.Argument(help=INSTRUMENT_HELP)],
    answers: Annotated[
        str | None, typer.Option(help="Answers; omit to be asked item by item.")
    ] = None,
    day: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a questionnaire, score it and store it in the journal."""
    from microdose.domain import instruments
    from microdose.services.people import local_today
    from microdose.services.safety import crisis_payload_for, submit_response

    inst = instruments.get_instrument(instrument)
    given = instruments.parse_answers(inst, answers) if answers is not None else _ask(inst)
    instruments.validate_answers(inst, given)
    when = parse_day(day)
    app_state = state(ctx)
    with app_state.session() as (session, person):
        outcome = submit_response(
            session=session,
            person=person,
            instrument=inst.key,
            answers=given,
            day=when or local_today(person),
        )
        row = outcome.row
        result = {**row.score, "id": str(row.id), "date": row.local_date.isoformat()}
        region = person.region
        if outcome.crisis_event is not None:  # item 9, DASS-21 item 21, or a deterioration
            event = [outcome.crisis_event]
            result["crisis"] = crisis_payload_for(person, event, app_state.settings.region)
    data = with_crisis(ctx, result, result["flags"], region)
    emit(data, as_json, f"saved for {result['date']}: " + score_text(data))


def estimate(
    material: Annotated[
        str,
        typer.Option(
            help="dried-cubensis, dried-cubensis-caps, "
            "dried-cubensis-stems, fresh-cubensis, truffles or psilocybin"
        ),
    ],
    grams: Annotated[str | None, typer.Option(help="Weight in grams.")] = None,
    mg: Annotated[str | None, typer.Option(help="Synthetic psilocybin in mg.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Estimate psilocybin in mg, as a range, from what was weighed."""
    from microdose.domain.dosing import estimate as estimate_dose

    result = estimate_dose(material, grams, mg=mg).to_dict()
    mg_range = result["psilocybin_mg"]
    amount = range_text(mg_range["low"], mg_range["high"], "mg")
    weighed = "–" in amount  # a weighed material is a range; synthetic is what the label says
    text = (
        (
            f"{result['grams']} g {result['material']}: about {amount} psilocybin "
            f"(typical {mg_range['typical']:.1f} mg)"
            if weighed
            else f"{amount} psilocybin"
        )
        + f" → {result['classification']}\n"
        + "\n".join(f"  note: {n}" for n in result["notes"])
    )
    emit(result, as_json, text)


ProtocolOpt = Annotated[str, typer.Option(help="fadiman, stamets, every-other-day, weekdays")]
StartOpt = Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")]
WeeksOpt = Annotated[int, typer.Option(help="Weeks on (per cycle), at least 1.")]
WeekdaysOpt = Annotated[str | None, typer.Option(help="For weekdays: e.g. mon,thu.")]
OffWeeksOpt = Annotated[int, typer.Option(help="Weeks off after each on-phase.")]
CyclesOpt = Annotated[int, typer.Option(help="Number of on/off cycles.")]
IcsOpt = Annotated[Path | None, typer.Option(help="Write the plan as an ICS calendar.")]
RemindersOpt = Annotated[bool, typer.Option(help="Add daily check-in reminders to the ICS.")]
YesOpt = Annotated[
    bool, typer.Option("--yes", help="Confirm a start whose first dose days are already behind.")
]


def _plan_spec(
    protocol: str, start: str, weeks: int, weekdays: str | None, off_weeks: int, cycles: int
) -> PlanSpec:
    """The plan the options describe, validated."""
    from microdose.domain import protocols

    spec = protocols.PlanSpec(
        protocol=protocols.parse_protocol(protocol),
        start=protocols.parse_date(start, "start"),
        weeks=weeks,
        weekdays=protocols.parse_weekdays(weekdays) if weekdays else (),
        off_weeks=off_weeks,
        cycles=cycles,
    )
    protocols.validate_spec(spec)
    return spec


def _write_plan_ics(
    path: Path, made: Any, checks: Any, zone: str, reminders: bool, alarms: Any
) -> None:
    """The plan as a calendar, alarms at the person's reminder times (``alarms``: the
    schedule and the days last answered); no dose events while a crisis is open."""
    from microdose.reports.ics import plan_calendar

    calendar = checks.for_calendar(made)
    schedule, last = alarms
    path.write_bytes(plan_calendar(calendar, tz=zone, reminders=reminders, schedule=schedule,
                                   last_answered=last))


def plan(
    ctx: typer.Context,
    protocol: ProtocolOpt,
    start: StartOpt,
    weeks: WeeksOpt,
    weekdays: WeekdaysOpt = None,
    off_weeks: OffWeeksOpt = 0,
    cycles: CyclesOpt = 1,
    ics: IcsOpt = None,
    reminders: RemindersOpt = False,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Plan a protocol and store it as the journal's active plan."""
    from microdose.services.plans import create_plan
    from microdose.services.reminders import calendar_inputs
    from microdose.services.safety import plan_safety

    spec = _plan_spec(protocol, start, weeks, weekdays, off_weeks, cycles)
    app_state = state(ctx)
    with app_state.session() as (session, person):
        made = create_plan(session=session, person_id=person.id, spec=spec, past_confirmed=yes)
        checks = plan_safety(
            session=session, person=person, spec=spec, env_region=app_state.settings.region
        )
        zone = person.timezone
        alarms = calendar_inputs(session=session, person_id=person.id)
    if ics is not None:
        _write_plan_ics(ics, made, checks, zone, reminders, alarms)
    if not as_json:
        warn(checks.warnings)
    emit({**made.to_dict(), **checks.to_dict()}, as_json, _plan_text(made, checks, ics))


def _plan_text(made: Any, checks: Any, ics: Path | None) -> str:
    days = made.dose_days
    text = (
        f"{made.spec.protocol.value}: {len(days)} dose days from {days[0] if days else '-'} "
        f"to {days[-1] if days else '-'} (plan ends {made.end})"
        f"\nsafety screen: {checks.screen.verdict}"
    )
    if ics:
        text += f"\ncalendar written to {ics}"
        if checks.reminders_paused:
            text += " without dose events: dose reminders are paused until `microdose crisis ack`"
    return text


def register(app: typer.Typer) -> None:
    """Add the measurement commands."""
    for command in (score, answer, estimate, plan):
        app.command()(command)
