"""Multi-user service commands: ``user`` (accounts), ``study`` (studies), ``clinician``.

Thin adapters over ``services.accounts``, ``services.studies``, ``services.study_*`` and
``services.caseload``. Whoever runs these holds the database URL: ``user`` commands act as
the operator (an admin); ``study`` and ``clinician`` commands act ``--as`` an account, whose
role the policy checks and whose name goes into the audit log.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from microdose.cli.output import emit, print_json, state

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from microdose.services.actor import Actor

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
AsOpt = Annotated[str, typer.Option("--as", help="Email of the account acting (audited).")]
StudyArg = Annotated[str, typer.Argument(help="The study's id (from `study create`/`list`).")]

user_app = typer.Typer(help="Accounts of the multi-user service.", no_args_is_help=True)
study_app = typer.Typer(help="Studies: define, invite, follow, export, analyse.",
                        no_args_is_help=True)
clinician_app = typer.Typer(help="Clinician links and the caseload.", no_args_is_help=True)


@contextmanager
def transaction(ctx: typer.Context) -> Iterator[Session]:
    """One transaction on the service database (no journal person is created)."""
    from sqlalchemy.orm import Session

    with Session(state(ctx).engine, expire_on_commit=False) as session, session.begin():
        yield session


def acting(session: Session, email: str) -> Actor:
    """The actor of an enabled account."""
    from microdose.domain.roles import AccessDenied
    from microdose.services.accounts import find_account
    from microdose.services.actor import Actor

    account = find_account(session=session, email=email)
    if account.disabled:
        raise AccessDenied(f"account {account.email} is disabled")
    return Actor.of(account)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="Login email (unique, any case).")],
    role: Annotated[str, typer.Option(help="participant, clinician, researcher or admin.")],
    name: Annotated[str | None, typer.Option(help="Display name; default from email.")] = None,
    timezone: Annotated[str, typer.Option(help="A participant's IANA time zone.")] = "UTC",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an account (the password is asked for, or read from stdin)."""
    from microdose.services.accounts import account_dict, add_account, check_password
    from microdose.services.actor import Actor

    password = _password(password_stdin)
    check_password(password, email=email)
    with transaction(ctx) as session:
        account = add_account(session=session, actor=Actor.operator(), email=email,
                              password=password, role=role, display_name=name,
                              timezone=timezone)
        data = account_dict(account)
    emit(data, as_json, f"created {data['role']} {data['email']} ({data['id']})")


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    role: Annotated[str | None, typer.Option(help="Only this role.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List accounts."""
    from microdose.services.accounts import account_dict, list_accounts
    from microdose.services.actor import Actor

    with transaction(ctx) as session:
        rows = [account_dict(a) for a in
                list_accounts(session=session, actor=Actor.operator(), role=role)]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        flag = "  (disabled)" if row["disabled"] else ""
        typer.echo(f"{row['email']:<40} {row['role']:<12} {row['display_name']}{flag}")
    typer.echo(f"{len(rows)} account(s)")


@user_app.command("disable")
def user_disable(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account's email.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Disable an account (it can no longer log in), or enable it again."""
    from microdose.services.accounts import account_dict, set_disabled
    from microdose.services.actor import Actor

    with transaction(ctx) as session:
        data = account_dict(set_disabled(session=session, actor=Actor.operator(), email=email,
                                         disabled=not enable))
    emit(data, as_json, f"{data['email']} {'disabled' if data['disabled'] else 'enabled'}")


def _read_text(path: Path, field: str) -> str:
    from microdose.domain.errors import InvalidInput

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(field, f"cannot read {path} ({exc})", "a UTF-8 text file") from exc


@study_app.command("create")
def study_create(
    ctx: typer.Context,
    actor_email: AsOpt,
    title: Annotated[str, typer.Option(help="Title shown to participants.")],
    arms: Annotated[str, typer.Option(
        help="NAME=KIND,… with KIND open-label, self-blinded, placebo-controlled or "
        "comparator.")],
    schedule: Annotated[str, typer.Option(
        help="Assessments by study day, e.g. '0:phq9,gad7,dass21;14:phq9;28:phq9,dass21'.")],
    consent_file: Annotated[Path, typer.Option(help="Consent text (version 1), UTF-8.")],
    protocol: Annotated[str, typer.Option(help="observational or a dosing protocol.")] = (
        "observational"),
    duration: Annotated[int, typer.Option(help="Last study day.")] = 28,
    window: Annotated[int, typer.Option(help="Days either side a response counts.")] = 2,
    description: Annotated[str | None, typer.Option(help="Text for participants.")] = None,
    export_dates: Annotated[bool, typer.Option(help="Exports may carry dates.")] = False,
    export_free_text: Annotated[bool, typer.Option(help="Exports may carry notes.")] = False,
    draft: Annotated[bool, typer.Option(help="Create as draft (not recruiting).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Define a study with its schedule of assessments and first consent version."""
    from microdose.domain import studies as rules
    from microdose.services.studies import create_study, current_consent, study_dict

    spec = rules.StudySpec(
        title=title, arms=rules.parse_arms(arms), schedule=rules.parse_schedule(schedule),
        protocol=protocol.strip().lower(), duration_days=duration, window_days=window,
        description=description, export_dates=export_dates, export_free_text=export_free_text)
    consent = _read_text(consent_file, "consent-file")
    with transaction(ctx) as session:
        study = create_study(session=session, actor=acting(session, actor_email), spec=spec,
                             consent_text=consent, status="draft" if draft else "recruiting")
        data = study_dict(study, current_consent(session, study.id))
    emit(data, as_json, f"created study {data['id']} '{data['title']}' ({data['status']})")


@study_app.command("list")
def study_list(ctx: typer.Context, actor_email: AsOpt, as_json: JsonOpt = False) -> None:
    """The acting researcher's studies."""
    from microdose.services.studies import list_studies, study_dict

    with transaction(ctx) as session:
        rows = [study_dict(s) for s in
                list_studies(session=session, actor=acting(session, actor_email))]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']}  {row['status']:<10} {row['title']}")
    typer.echo(f"{len(rows)} study(ies)")


@study_app.command("show")
def study_show(
    ctx: typer.Context, study: StudyArg, actor_email: AsOpt, as_json: JsonOpt = False
) -> None:
    """A study's definition, enrolment and completion of its schedule."""
    from microdose.services.access import require_study
    from microdose.services.studies import current_consent, parse_study_id, study_dict
    from microdose.services.study_records import progress

    study_id = parse_study_id(study)
    with transaction(ctx) as session:
        actor = acting(session, actor_email)
        report = progress(session=session, actor=actor, study_id=study_id).to_dict()
        row = require_study(session=session, actor=actor, study_id=study_id)
        data = {**study_dict(row, current_consent(session, study_id)), "progress": report}
    emit(data, as_json, _show_text(data))


def _show_text(data: dict[str, Any]) -> str:
    p = data["progress"]
    arms = ", ".join(f"{a['name']} ({a['kind']}): {p['by_arm'][a['name']]}" for a in data["arms"])
    lines = [
        f"{data['title']}  [{data['status']}]  id {data['id']}",
        f"protocol {data['protocol']}, days 0-{data['duration_days']}, "
        f"consent v{data['consent']['version']}",
        f"enrolled {p['enrolled']} (active {p['active']}, withdrawn {p['withdrawn']}); "
        f"codes used {p['invitations_used']}/{p['invitations_issued']}",
        f"arms: {arms}", "schedule (done / due so far):",
    ]
    for item in p["assessments"]:
        share = f"{item['done']}/{item['due']}" if item["due"] else "not due yet"
        lines.append(f"  day {item['day']:>3}  {item['instrument']:<7} {share}")
    return "\n".join(lines)


@study_app.command("invite")
def study_invite(
    ctx: typer.Context,
    study: StudyArg,
    actor_email: AsOpt,
    count: Annotated[int, typer.Option(help="How many single-use codes.")] = 1,
    arm: Annotated[str | None, typer.Option(help="Allocate these codes to one arm.")] = None,
    expires_days: Annotated[int | None, typer.Option(help="Codes expire after N days.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create invitation codes (shown once: only their digests are stored)."""
    from microdose.services.studies import create_invitations, parse_study_id

    with transaction(ctx) as session:
        codes = create_invitations(session=session, actor=acting(session, actor_email),
                                   study_id=parse_study_id(study), count=count, arm=arm,
                                   expires_days=expires_days)
    emit({"study_id": study, "codes": codes}, as_json,
         "\n".join(codes) + "\n(shown once: give each code to one person)")


@study_app.command("consent")
def study_consent(
    ctx: typer.Context, study: StudyArg, actor_email: AsOpt,
    file: Annotated[Path, typer.Option(help="The new consent text, UTF-8.")],
    as_json: JsonOpt = False,
) -> None:
    """Publish a new consent version (participants accept it before more collection)."""
    from microdose.services.studies import add_consent_version, parse_study_id

    text = _read_text(file, "file")
    with transaction(ctx) as session:
        row = add_consent_version(session=session, actor=acting(session, actor_email),
                                  study_id=parse_study_id(study), text=text)
        data: dict[str, Any] = {"study_id": study, "version": row.version, "sha256": row.sha256}
    emit(data, as_json, f"consent version {row.version} (sha256 {row.sha256[:16]}…)")


@study_app.command("status")
def study_status(
    ctx: typer.Context, study: StudyArg, actor_email: AsOpt,
    to: Annotated[str, typer.Option("--set", help="draft, recruiting or closed.")],
    as_json: JsonOpt = False,
) -> None:
    """Open, pause or close recruitment."""
    from microdose.services.studies import parse_study_id, set_status

    with transaction(ctx) as session:
        row = set_status(session=session, actor=acting(session, actor_email),
                         study_id=parse_study_id(study), status=to.strip().lower())
        data = {"study_id": study, "status": row.status}
    emit(data, as_json, f"study {study} is {data['status']}")


@study_app.command("enrol")
def study_enrol(
    ctx: typer.Context, actor_email: AsOpt,
    code: Annotated[str, typer.Option(help="The invitation code.")],
    accept_consent: Annotated[int, typer.Option(
        help="The consent version the participant read and accepts.")],
    as_json: JsonOpt = False,
) -> None:
    """Enrol a participant's account with a code (they accept the consent version shown)."""
    from microdose.services.studies import enrol, enrolment_dict
    from microdose.store.service_models import StudyRow

    with transaction(ctx) as session:
        row = enrol(session=session, actor=acting(session, actor_email), code=code,
                    consent_version=accept_consent)
        study = session.get(StudyRow, row.study_id)
        assert study is not None
        data = enrolment_dict(row, study)
    emit(data, as_json, f"enrolled in '{data['title']}' as {data['pseudonym']}")


@study_app.command("withdraw")
def study_withdraw(
    ctx: typer.Context, study: StudyArg, actor_email: AsOpt,
    delete_data: Annotated[bool, typer.Option(
        help="Also delete the person and everything they recorded.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Withdraw a participant: collection stops; --delete-data erases them."""
    from microdose.services.studies import parse_study_id, withdraw

    if delete_data and not yes:
        typer.confirm(f"Delete {actor_email} and everything they recorded?", abort=True)
    with transaction(ctx) as session:
        data = withdraw(session=session, actor=acting(session, actor_email),
                        study_id=parse_study_id(study), delete_data=delete_data).to_dict()
    gone = "; their data were deleted" if data["data_deleted"] else ""
    emit(data, as_json, f"{data['pseudonym']} withdrew{gone}")


@study_app.command("export")
def study_export(
    ctx: typer.Context, study: StudyArg, actor_email: AsOpt,
    output: Annotated[Path, typer.Option(help="Folder for the files.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    as_json: JsonOpt = False,
) -> None:
    """Export pseudonymised data and the data dictionary."""
    from microdose.services.studies import parse_study_id
    from microdose.services.study_export import export_study

    with transaction(ctx) as session:
        result = export_study(session=session, actor=acting(session, actor_email),
                              study_id=parse_study_id(study), folder=output, fmt=fmt)
    data = result.to_dict()
    rows = ", ".join(f"{k} {v}" for k, v in data["rows"].items())
    emit(data, as_json, f"wrote {len(data['files'])} files to {data['folder']} "
         f"({data['participants']} participants; rows: {rows})")


@study_app.command("analyze")
def study_analyze(
    ctx: typer.Context, study: StudyArg, actor_email: AsOpt,
    outcome: Annotated[str, typer.Option(
        help="phq9, gad7, who5, dass21_depression, dass21_anxiety or dass21_stress.")] = "phq9",
    followup_day: Annotated[int | None, typer.Option(
        help="Follow-up day of the ANCOVA; default the last scheduled day.")] = None,
    reference: Annotated[str | None, typer.Option(
        help="Reference arm; default the comparator arm, else the first.")] = None,
    rating: Annotated[str, typer.Option(help="Daily rating of the N-of-1 effects.")] = "mood",
    as_json: JsonOpt = False,
) -> None:
    """Cohort analyses: mixed model, ANCOVA on baseline, meta-analysis of N-of-1 effects."""
    from microdose.cli.study_text import analysis_text
    from microdose.services.studies import parse_study_id
    from microdose.services.study_analysis import analyze

    with transaction(ctx) as session:
        result = analyze(session=session, actor=acting(session, actor_email),
                         study_id=parse_study_id(study), outcome=outcome,
                         followup_day=followup_day, reference=reference, rating=rating)
    data = result.to_dict()
    emit(data, as_json, analysis_text(data))


@clinician_app.command("invite")
def clinician_invite(ctx: typer.Context, actor_email: AsOpt, as_json: JsonOpt = False) -> None:
    """Create a code a person accepts to link to the acting clinician."""
    from microdose.services.caseload import invite

    with transaction(ctx) as session:
        made = invite(session=session, actor=acting(session, actor_email))
        data = {"code": made.code, "expires_at": made.link.expires_at.isoformat()}
    emit(data, as_json, f"{data['code']}  (single use, expires {data['expires_at'][:10]})")


@clinician_app.command("accept")
def clinician_accept(
    ctx: typer.Context, actor_email: AsOpt,
    code: Annotated[str, typer.Option(help="The clinician's invitation code.")],
    as_json: JsonOpt = False,
) -> None:
    """A participant's account accepts a clinician's invitation."""
    from microdose.services.caseload import accept, link_dict

    with transaction(ctx) as session:
        data = link_dict(accept(session=session, actor=acting(session, actor_email), code=code))
    emit(data, as_json, f"linked (link {data['id']})")


@clinician_app.command("caseload")
def clinician_caseload(ctx: typer.Context, actor_email: AsOpt, as_json: JsonOpt = False) -> None:
    """The people linked to the acting clinician, most in need first."""
    from microdose.cli.study_text import caseload_text
    from microdose.services.caseload import caseload

    with transaction(ctx) as session:
        rows = [e.to_dict() for e in caseload(session=session, actor=acting(session,
                                                                                actor_email))]
    if as_json:
        print_json(rows)
    else:
        typer.echo(caseload_text(rows))


def register(app: typer.Typer) -> None:
    """Add the ``user``, ``study`` and ``clinician`` command groups."""
    app.add_typer(user_app, name="user")
    app.add_typer(study_app, name="study")
    app.add_typer(clinician_app, name="clinician")
