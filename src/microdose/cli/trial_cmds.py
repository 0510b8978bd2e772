"""``microdose trial …``: design, status, kit, unblind, report, analyze (self-blinded trials)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from microdose.cli import analyze_opts
from microdose.cli.measure_cmds import JsonOpt, YesOpt
from microdose.cli.output import emit, state

PriorOpt = Annotated[
    str,
    typer.Option(
        help="Prior of the probability of a meaningful benefit: sceptical (5% chance of a "
        "benefit of at least the meaningful difference) or neutral (flat). Never changes "
        "the verdict."
    ),
]

MidOpt = Annotated[
    float | None,
    typer.Option(
        help="Meaningful difference on the outcome's scale: adds the probability of a "
        "benefit at least this large (with --prior)."
    ),
]
LowerOpt = Annotated[
    bool, typer.Option("--lower-is-better", help="A lower value is a benefit (e.g. QIDS).")
]
MapOpt = Annotated[
    str,
    typer.Option(
        "--map",
        help="Columns: participant=COL,timepoint=COL,outcome=COL,condition=COL,guess=COL,"
        "value=COL (--design n-of-1: participant, day, block, condition, value, and "
        "optionally outcome, guess)",
    ),
]

SetsOpt = Annotated[
    str | None,
    typer.Option(
        "--sets",
        help="Expectancy before the trial: your six SETS answers, 1 (strongly disagree) to "
        "7 (strongly agree), e.g. 6,2,5,1,6,2, to: 1 microdosing will improve my mood; "
        "2 I am worried the capsules will give me unpleasant side effects; 3 I feel "
        "confident microdosing will help me; 4 I am concerned it could harm me; 5 I believe "
        "it will work for me; 6 I feel uneasy about taking the capsules. Optional; asked "
        "item by item at a terminal when omitted.",
    ),
]

trial_app = typer.Typer(
    help="Self-blinded placebo-controlled N-of-1 trials, and blinded study data.",
    no_args_is_help=True,
)


def _expectancy_text(expectancy: dict[str, Any] | None) -> str:
    if expectancy is None:
        return (
            "expectancy before the trial: not recorded (optional: --sets); the report will "
            "say so"
        )
    return (
        f"expectancy before the trial (SETS): positive {expectancy['positive']:.1f} of 7, "
        f"negative {expectancy['negative']:.1f} of 7"
    )


def _ask_sets() -> tuple[int, ...] | None:
    """The six SETS answers asked at the terminal (Enter on the first skips them all)."""
    from microdose.domain.errors import InvalidInput
    from microdose.domain.expectancy import SETS, parse_sets
    from microdose.domain.instruments import parse_item

    typer.echo(f"Expectancy (SETS, optional — press Enter to skip): {SETS.stem}")
    labels = enumerate(SETS.answer_labels, SETS.min_answer)
    typer.echo("Answers: " + ", ".join(f"{value} = {label}" for value, label in labels))
    answers: list[str] = []
    for number, item in enumerate(SETS.items, start=1):
        while True:
            text: str = typer.prompt(f"{number}. {item}", default="", show_default=False)
            if not text.strip() and number == 1:
                return None
            try:
                answers.append(str(parse_item(SETS, number, text)))
                break
            except InvalidInput as exc:
                typer.secho(f"sets {exc.message}", fg=typer.colors.RED, err=True)
    return parse_sets(",".join(answers))


def _at_terminal() -> bool:
    import sys

    return sys.stdin.isatty()


def _expectancy(sets: str | None) -> tuple[int, ...] | None:
    """``--sets`` parsed; without it, asked at a terminal, else not recorded."""
    from microdose.domain.expectancy import parse_sets

    if sets is not None:
        return parse_sets(sets, field="--sets", item_field="--sets item {}")
    return _ask_sets() if _at_terminal() else None


def _design_text(data: dict[str, Any]) -> str:
    lines = [
        f"trial designed: {data['doses']} dose days, {data['protocol']}, {data['start']} → "
        f"{data['end']}, {data['block_design']} design, {data['envelopes']} envelopes",
        f"sealed: commitment {data['commitment']}",
        _expectancy_text(data["expectancy"]),
        "your active plan now follows the trial's schedule",
        "next: `microdose trial kit --pdf kit.pdf` and follow its steps",
    ]
    if data["seeded"]:
        lines.append("warning: --seed makes the key reproducible by anyone who knows the seed")
    return "\n".join(lines)


@trial_app.command("design")
def design(
    ctx: typer.Context,
    doses: Annotated[int, typer.Option(help="Dose days in the trial (even; see --block).")],
    protocol: Annotated[str, typer.Option(help="fadiman, stamets, every-other-day, weekdays")],
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")],
    block: Annotated[
        str, typer.Option(help="pairs (of dose days) or weeks (pairs of weeks).")
    ] = "pairs",
    weekdays: Annotated[str | None, typer.Option(help="For weekdays: e.g. mon,thu.")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Reproducible codes and key (testing only: not blind).")
    ] = None,
    sets: SetsOpt = None,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Draw a balanced, block-randomised allocation and seal its key.

    Expectancy is asked first (optional; --sets): the six statements of the Stanford
    Expectations of Treatment Scale (SETS; Younger et al. 2012), wording adapted.
    """
    from microdose.domain.protocols import parse_date
    from microdose.services import trials

    create = trials.TrialCreate(
        doses=doses,
        protocol=protocol,
        start=parse_date(start, "start"),
        block=block,
        weekdays=weekdays,
        seed=seed,
        past_confirmed=yes,
        expectancy=_expectancy(sets),
    )
    with state(ctx).session() as (session, person):
        row = trials.design_trial(session=session, person=person, create=create)
        data = trials.design_summary(row, trials.blocks_of(row))
    emit(data, as_json, _design_text(data))


def _status_text(data: dict[str, Any]) -> str:
    lines = [
        f"trial {data['trial'][:8]}: {data['status']} ({data['block_design']}, "
        f"{data['protocol']}, {data['start']} → {data['end']})",
        f"envelopes taken: {data['taken']} of {data['doses']} planned dose days; "
        f"guesses recorded: {data['guesses']}",
        f"today: {data['today_block'] or 'not a trial dose day'}"
        + (f" · next dose day {data['next_dose_day']}" if data["next_dose_day"] else ""),
        f"key sealed (commitment {data['commitment'][:16]}…); contents stay hidden until "
        "`microdose trial unblind`",
    ]
    if data["unblinded_at"]:
        lines[-1] = f"unblinded {data['unblinded_at']}" + (" (early)" if data["early"] else "")
    return "\n".join(lines)


@trial_app.command("status")
def status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Where the trial stands (never which envelope holds what)."""
    from microdose.services import trials
    from microdose.services.people import local_today

    with state(ctx).session() as (session, person):
        result = trials.trial_status(session=session, person=person, today=local_today(person))
        data = trials.status_dict(result)
    emit(data, as_json, _status_text(data))


@trial_app.command("kit")
def kit(
    ctx: typer.Context,
    pdf: Annotated[Path, typer.Option(help="Where to write the kit PDF.")],
    as_json: JsonOpt = False,
) -> None:
    """Write the preparation kit: instructions and QR label sheets (before the first dose)."""
    from microdose.reports.kit import write_kit_pdf
    from microdose.services import trials

    with state(ctx).session() as (session, person):
        labels = trials.kit_labels(session=session, person=person)
        write_kit_pdf(labels, pdf)
        count = sum(len(codes) for codes in labels.codes.values())
    data = {"pdf": str(pdf), "labels": count, "trial": str(labels.trial.id)}
    emit(data, as_json, f"kit written to {pdf} ({count} labels). Destroy it after labelling.")


@trial_app.command("unblind")
def unblind(
    ctx: typer.Context,
    reason: Annotated[str | None, typer.Option(help="Why (recorded; e.g. for early).")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Open the sealed key (early unblinding is allowed, recorded and marked)."""
    from microdose.services import trials
    from microdose.services.people import local_today

    with state(ctx).session() as (session, person):
        trial = trials.running_trial(session=session, person_id=person.id)
        early = trial is not None and local_today(person) < trial.end_date
        if early and not yes:
            typer.confirm("The trial is not over: unblind early? This cannot be undone", abort=True)
        done = trials.unblind(
            session=session, person=person, reason=reason, today=local_today(person)
        )
        data = {
            "trial": str(done.trial.id),
            "unblinded_at": done.trial.unblinded_at,
            "early": done.early,
            "envelopes_taken": done.taken,
            "reason": done.trial.unblind_reason,
            "commitment_verified": True,
        }
    text = (
        f"unblinded{' EARLY' if data['early'] else ''}: {data['envelopes_taken']} envelopes "
        "taken; sealed key matches its commitment. Next: `microdose trial report`"
    )
    emit(data, as_json, text)


@trial_app.command("report")
def report(
    ctx: typer.Context,
    pdf: Annotated[Path | None, typer.Option(help="Also write the report as a PDF.")] = None,
    prior: PriorOpt = "sceptical",
    as_json: JsonOpt = False,
) -> None:
    """Active vs placebo after unblinding: the verdict, effects, tests, guesses described."""
    from microdose.reports.trial_report import report_dict, report_text, write_report_pdf
    from microdose.services.trial_report import trial_report

    with state(ctx).session() as (session, person):
        data = report_dict(trial_report(session=session, person_id=person.id, prior=prior))
    if pdf is not None:
        write_report_pdf(data, pdf)
    emit(data, as_json, report_text(data) + (f"\nPDF written to {pdf}" if pdf else ""))


@trial_app.command("analyze")
def analyze(
    file: Annotated[Path, typer.Argument(help="Long-format CSV of blinded study data.")],
    mapping: MapOpt,
    active: Annotated[str, typer.Option(help="Label of the active condition (also in guess).")],
    placebo: Annotated[str, typer.Option(help="Label of the placebo condition.")],
    outcome: Annotated[str | None, typer.Option(help="Outcome to analyse.")] = None,
    timepoint: analyze_opts.TimepointOpt = None,
    baseline: analyze_opts.BaselineOpt = None,
    covariate: analyze_opts.CovariateOpt = None,
    design: analyze_opts.DesignOpt = "study",
    cgrc: analyze_opts.CgrcOpt = False,
    seed: analyze_opts.SeedOpt = 2023,
    mid: MidOpt = None,
    lower_is_better: LowerOpt = False,
    prior: PriorOpt = "sceptical",
    as_json: JsonOpt = False,
) -> None:
    """Analyse blinded study data: every arm vs placebo (ANCOVA with --baseline), and
    ~ condition × guess (described); or a series of N-of-1 trials (--design n-of-1)."""
    request = analyze_opts.study_request(
        file, mapping, active, placebo, outcome, timepoint,
        mid=mid, lower_is_better=lower_is_better, prior=prior, baseline=baseline,
        covariates=covariate, design=design, cgrc=cgrc, seed=seed,
    )  # fmt: skip
    run = analyze_opts.run_series if design == "n-of-1" else analyze_opts.run
    data, text = run(request)
    emit(data, as_json, text)


def register(app: typer.Typer) -> None:
    """Add the ``trial`` sub-app to ``app``."""
    app.add_typer(trial_app, name="trial")
