"""Safety commands: screen, medication-change, crisis (show, ack, region), adverse, evidence."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from microdose.cli.measure_cmds import JsonOpt
from microdose.cli.output import emit, region_hint, state
from microdose.domain.safety import CONDITION_RULES

CONDITION_HELP = (
    "A condition (repeatable): psychosis, schizophrenia, mania, bipolar, family-psychosis, "
    "family-schizophrenia, family-mania, family-bipolar, pregnancy, breastfeeding, "
    "heart-valve-disease, seizures, suicidal-thoughts."
)
MEDICATION_HELP = "A medication you take, generic or brand name (repeatable), e.g. Prozac."
REMOVE_MEDICATION_HELP = (
    "A medication of your last screen that you no longer take (repeatable), e.g. lithium: "
    "recorded as removed. A block is only removed this way."
)
REMOVE_CONDITION_HELP = (
    "A condition of your last screen that no longer applies or was entered by mistake "
    "(repeatable), e.g. pregnancy: recorded as removed. A block is only removed this way."
)


def _reason_lines(reasons: list[dict[str, str]]) -> list[str]:
    return [f"  {r['severity']:<5} {r['item']} — {r['why']} [{r['source']}]" for r in reasons]


def _change_lines(changes: dict[str, Any] | None) -> list[str]:
    """What changed since the last screen, naming only what did (no "added -")."""
    if not changes:
        return []
    since = (changes.get("previous_screened_at") or "")[:10]
    lines: list[str] = []
    confirmed = set(changes["removed_confirmed"])
    if changes["added"]:
        lines.append(f"  added since your last screen ({since}): {', '.join(changes['added'])}")
    if changes["removed"]:
        named = [f"{item} (you confirmed it)" if item in confirmed else item
                 for item in changes["removed"]]
        lines.append(f"  removed since your last screen ({since}): {', '.join(named)}")
    for item in changes["kept"]:
        option = "--remove-condition" if item in CONDITION_RULES else "--remove-medication"
        lines.append(
            f"  kept from your last screen ({since}): {item} — it blocks, and leaving it out "
            f"does not remove it. If it no longer applies: microdose screen {option} {item!r}"
        )
    if not lines:
        lines.append(f"  no change since your last screen ({since})")
    return lines


def _screen_text(data: dict[str, Any]) -> str:
    lines = [f"safety screen: {data['verdict'].upper()} ({data['screened_at'][:10]})"]
    lines += _reason_lines(data["reasons"])
    if not data["conditions"] and not data["medications"]:
        lines.append(
            "  You declared no conditions and no medications. If any of these applies, screen "
            "again with --condition: " + CONDITION_HELP.split(": ", 1)[1]
        )
    lines += _change_lines(data.get("screen_changes"))
    if data["verdict"] == "block":
        lines.append("  plan and dose are refused while your screen says block.")
    lines.append(
        f"next screen due: {data['next_screen_due']} (sooner if your medications change: "
        "`microdose medication-change`)"
    )
    return "\n".join(lines)


def screen(
    ctx: typer.Context,
    condition: Annotated[list[str] | None, typer.Option(help=CONDITION_HELP)] = None,
    medication: Annotated[list[str] | None, typer.Option(help=MEDICATION_HELP)] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="You are pregnant.")] = False,
    breastfeeding: Annotated[
        bool, typer.Option("--breastfeeding", help="You are breastfeeding.")
    ] = False,
    remove_medication: Annotated[
        list[str] | None, typer.Option(help=REMOVE_MEDICATION_HELP)
    ] = None,
    remove_condition: Annotated[
        list[str] | None, typer.Option(help=REMOVE_CONDITION_HELP)
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Safety screen: conditions, medications and pregnancy → ok, warn or block, with reasons.

    A block of your last screen (e.g. lithium) stays until you remove it with
    --remove-medication or --remove-condition: leaving it out does not remove it.
    """
    from microdose.services.safety import crisis_payload_for, record_screen

    app_state = state(ctx)
    with app_state.session() as (session, person):
        outcome = record_screen(
            session=session,
            person=person,
            conditions=condition or (),
            medications=medication or (),
            pregnant=pregnant,
            breastfeeding=breastfeeding,
            removals=(remove_condition or (), remove_medication or ()),
        )
        data = outcome.to_dict()
        if outcome.crisis_event is not None:
            event = [outcome.crisis_event]
            data["crisis"] = crisis_payload_for(person, event, app_state.settings.region)
    emit(data, as_json, _screen_text(data))


def medication_change(
    ctx: typer.Context,
    note: Annotated[
        str | None, typer.Option(help="What changed, e.g. 'started sertraline'.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Say that your medications changed: a new screen is due before the next plan or dose."""
    from microdose.services.safety import record_medication_change
    from microdose.services.serialize import row_dict

    with state(ctx).session() as (session, person):
        data = row_dict(record_medication_change(session=session, person_id=person.id, note=note))
    emit(data, as_json, "noted: run `microdose screen` with your current medications before "
         "the next plan or dose")


crisis_app = typer.Typer(
    help="Crisis resources, open crisis flags, and acknowledging them.", no_args_is_help=True
)


@crisis_app.command("show")
def crisis_show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Show help resources for your region and any crisis flag still open."""
    from microdose.services import crisis
    from microdose.services.safety import crisis_payload_for, open_crises, person_region
    from microdose.services.serialize import row_dict

    app_state = state(ctx)
    with app_state.session() as (session, person):
        events = open_crises(session=session, person_id=person.id)
        region = person_region(person, app_state.settings.region)
        data: dict[str, Any] = {
            "open": bool(events),
            "events": [row_dict(e) for e in events],
            "region": region,
            "resources": [r.to_dict() for r in crisis.resources_for(region)],
        }
        if events:
            data["crisis"] = crisis_payload_for(person, events, app_state.settings.region)
    text = "no open crisis flag" if not events else f"{len(events)} open crisis flag(s)"
    text += f"\nhelp now ({region}):\n" + "\n".join(
        f"  • {r['name']}: {r['contact']}" for r in data["resources"]
    )
    if region == crisis.FALLBACK_REGION:
        text += "\n" + region_hint()
    emit(data, as_json, text)


@crisis_app.command("ack")
def crisis_ack(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Acknowledge that you have seen the crisis resources: doses and reminders resume."""
    from microdose.services import crisis
    from microdose.services.safety import acknowledge_crises, person_region

    app_state = state(ctx)
    with app_state.session() as (session, person):
        events = acknowledge_crises(session=session, person_id=person.id)
        region = person_region(person, app_state.settings.region)
    resources = [r.to_dict() for r in crisis.resources_for(region)]
    data = {
        "acknowledged": len(events),
        "events": [str(e.id) for e in events],
        "reminders_paused": False,
        "resources": resources,
    }
    text = (
        f"acknowledged {len(events)} crisis flag(s); dose reminders resume"
        if events
        else "no open crisis flag to acknowledge"
    )
    text += "\nif things get worse, help is here:\n" + "\n".join(
        f"  • {r['name']}: {r['contact']}" for r in resources
    )
    emit(data, as_json, text)


@crisis_app.command("region")
def crisis_region(
    ctx: typer.Context,
    code: Annotated[
        str | None, typer.Argument(help="US, GB, CA, AU, DE, NL, INTL, or auto to clear.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show or set the region whose crisis resources you see."""
    from microdose.services import crisis
    from microdose.services.safety import person_region, set_region

    app_state = state(ctx)
    with app_state.session() as (session, person):
        if code is not None:
            set_region(session=session, person=person, region=code)
        stored = person.region
        region = person_region(person, app_state.settings.region)
    data = {
        "setting": stored,
        "region": region,
        "resources": [r.to_dict() for r in crisis.resources_for(region)],
    }
    how = "journal setting" if stored else "MICRODOSE_REGION, system locale or fallback"
    text = f"crisis resources region: {region} ({how})"
    if region == crisis.FALLBACK_REGION:
        text += "\n" + region_hint()
    emit(data, as_json, text)


def _adverse_text(data: dict[str, Any]) -> str:
    lines = [
        f"adverse event recorded: {data['category']}, grade {data['grade']} "
        f"({data['grade_label']}) from {data['start_date']}"
    ]
    if data["advice"]:
        lines.append(typer.style(f"ADVICE: {data['advice']}", fg=typer.colors.RED, bold=True))
        lines.append("an alert was recorded for your clinician")
    lines += [f"  • {r['name']}: {r['contact']}" for r in data.get("resources", [])]
    return "\n".join(lines)


def adverse(
    ctx: typer.Context,
    category: Annotated[
        str, typer.Option(help="anxiety, restlessness, jitteriness, headache, nausea, insomnia, "
                          "low mood, lightheadedness, drowsiness, difficulty focusing, "
                          "perceptual effects, other")
    ],
    grade: Annotated[
        int, typer.Option(help="1 mild, 2 moderate, 3 severe, 4 life-threatening (CTCAE).")
    ],
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD); today.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD), if over.")] = None,
    action: Annotated[
        str | None,
        typer.Option(help="none, dose-reduced, paused, stopped, clinician-contacted, "
                     "emergency-care"),
    ] = None,
    notes: Annotated[str | None, typer.Option(help="Free text.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an adverse event; grade 3+ or perceptual effects: advice and an alert."""
    from microdose.domain.adverse import make_adverse
    from microdose.services.adverse import record_adverse
    from microdose.services.people import local_today

    app_state = state(ctx)
    with app_state.session() as (session, person):
        event = make_adverse(category, grade, today=local_today(person), start=start, end=end,
                             action=action, notes=notes)
        outcome = record_adverse(session=session, person=person, event=event,
                                 env_region=app_state.settings.region)
        data = outcome.to_dict()
    emit(data, as_json, _adverse_text(data))


def evidence(as_json: JsonOpt = False) -> None:
    """What the evidence says about microdosing, each claim with its citation."""
    from microdose.domain.evidence import evidence_dict, evidence_text

    emit(evidence_dict(), as_json, evidence_text())


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    for command in (screen, medication_change, adverse, evidence):
        app.command()(command)
    app.add_typer(crisis_app, name="crisis")
