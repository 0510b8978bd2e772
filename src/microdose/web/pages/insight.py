"""HTML pages: insights (charts drawn in the page) and the self-blinded trial.

Numbers are written by :mod:`microdose.reports.text` and the charts are the Altair specs
of :mod:`microdose.reports.charts` (the same ones the PDF report renders), drawn here by the
vendored Vega-Embed bundle.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from microdose.domain import protocols
from microdose.domain.errors import MicrodoseError, NotFound
from microdose.domain.expectancy import SETS, validate_sets
from microdose.reports import text as report_text
from microdose.reports.words import CHART_CAPTIONS
from microdose.services import trials
from microdose.services.people import local_today
from microdose.store.models import Person
from microdose.web.api.common import FromDate, ToDate
from microdose.web.api.insight import check_period
from microdose.web.pages.forms import FormBase, submit, whole_number
from microdose.web.platform.deps import StateDep
from microdose.web.platform.guards import PAGE_GUARDS
from microdose.web.platform.state import WebState
from microdose.web.platform.views import attachment, form_error, render

router = APIRouter(dependencies=PAGE_GUARDS, include_in_schema=False)

#: what each chart shows, for the caption and the screen-reader label


class TrialForm(FormBase):
    """The trial design form, with the six optional SETS statements (``sets_1``…``sets_6``)."""

    doses: str = "12"
    protocol: str = "fadiman"
    start: str = ""
    block: str = "pairs"
    confirm_past: str = ""
    sets_1: str = ""
    sets_2: str = ""
    sets_3: str = ""
    sets_4: str = ""
    sets_5: str = ""
    sets_6: str = ""

    def expectancy(self) -> list[int | None] | None:
        """The SETS answers given, None when none was (the questions are optional).

        Raises
        ------
        InvalidInput
            Naming the first statement (``sets_N``) left out or not 1-7 when some are given.
        """
        given = [str(getattr(self, f"sets_{n}")).strip() for n in range(1, 7)]
        if not any(given):
            return None
        answers = [whole_number(t, f"sets_{n}", "1-7") if t else None
                   for n, t in enumerate(given, 1)]
        validate_sets(answers, field="sets", item_field="sets_{}")
        return answers


class EnvelopeForm(FormBase):
    """Taking an envelope."""

    code: str = ""


class UnblindForm(FormBase):
    """Unblinding (the reason is recorded; early unblinding is allowed)."""

    reason: str = ""
    confirm: str = ""


def insight_context(
    session: Session, person: Person, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """The analysis, its charts (as JSON for the page) and the text helpers."""
    from microdose.reports.charts import chart_specs
    from microdose.services.insight import analyze

    try:
        insight = analyze(session=session, person=person, start=start, end=end)
    except NotFound as exc:
        return {"insight": None, "empty": exc.message, "charts": []}
    charts = [
        {
            "name": name,
            "spec": json.dumps(spec, separators=(",", ":")),
            "title": name.replace("_", " "),
            "caption": CHART_CAPTIONS.get(name, ""),
        }
        for name, spec in chart_specs(insight).items()
    ]
    return {"insight": insight, "charts": charts, "fmt": report_text}


@router.get("/insights", response_class=HTMLResponse)
def insights_page(
    request: Request, state: StateDep, start: FromDate = None, end: ToDate = None
) -> HTMLResponse:
    """Charts and analyses of the journal (or of a period), each number with its uncertainty."""
    with state.sessions() as session:
        person = state.person(session)
        check_period(person, start, end)
        context = insight_context(session, person, start, end)
        session.commit()
    asked = {name: day.isoformat() for name, day in (("from", start), ("to", end)) if day}
    context["period"] = {**dict.fromkeys(("from", "to"), ""), **asked,
                         "query": f"?{urlencode(asked)}" if asked else ""}
    return render(request, "insight/insights.html", context)


@router.get("/insights/report.pdf")
def insight_report(state: StateDep, start: FromDate = None, end: ToDate = None) -> Response:
    """The clinician report of the journal or a period (what ``microdose report --pdf`` writes)."""
    from microdose.reports.pdf import render_pdf
    from microdose.services.insight import analyze

    with state.sessions() as session:  # NotFound when nothing was recorded in the period
        person = state.person(session)
        check_period(person, start, end)
        insight = analyze(session=session, person=person, start=start, end=end)
        session.commit()
    name = f"microdose-report-{insight.data.end.isoformat()}.pdf"
    return attachment(render_pdf(insight), name, "application/pdf")


@router.get("/trial/report.pdf")
def trial_report_pdf(state: StateDep, prior: str = "sceptical") -> Response:
    """The unblinded trial's full report (``Conflict`` while it is still blind); ``prior``
    is ``sceptical`` or ``neutral`` (the posterior's prior, never the verdict)."""
    import tempfile
    from pathlib import Path

    from microdose.reports.trial_report import report_dict, write_report_pdf
    from microdose.services.trial_report import trial_report

    with state.sessions() as session:
        person_id = state.person(session).id
        data = report_dict(trial_report(session=session, person_id=person_id, prior=prior))
        session.commit()
    with tempfile.TemporaryDirectory() as folder:
        body = write_report_pdf(data, Path(folder) / "report.pdf").read_bytes()
    return attachment(body, "microdose-trial-report.pdf", "application/pdf")


def _trial_context(session: Session, person: Person, prior: str) -> dict[str, Any]:
    today = local_today(person)
    try:
        result = trials.trial_status(session=session, person=person, today=today)
    except NotFound:
        return {"trial": None, "today": today, "sets": SETS,
                "protocols": [p.value for p in protocols.Protocol]}
    trial = result.trial
    context: dict[str, Any] = {
        "trial": trial,
        "status": result,
        "summary": trials.design_summary(trial, result.blocks),
        "today": today,
        "protocols": [p.value for p in protocols.Protocol],
        "sets": SETS,
    }
    if trial.status == trials.UNBLINDED:
        from microdose.reports.trial_report import report_dict
        from microdose.services.trial_report import trial_report

        try:
            report = trial_report(session=session, person_id=person.id, prior=prior)
            context["report"] = report_dict(report)
        except MicrodoseError as exc:
            context["report_error"] = exc.message
    return context


def _trial_page(
    request: Request, state: WebState, extra: dict[str, Any], code: int = 200
) -> HTMLResponse:
    with state.sessions() as session:
        person = state.person(session)
        context = _trial_context(session, person, str(extra.get("prior") or "sceptical"))
        session.commit()
    return render(request, "insight/trial.html", {"values": {}, **context, **extra}, code)


@router.get("/trial", response_class=HTMLResponse)
def trial_page(
    request: Request, state: StateDep, saved: str | None = None, prior: str = "sceptical"
) -> HTMLResponse:
    """The self-blinded trial: design, envelopes, blinded guesses, unblinding, result."""
    return _trial_page(request, state, {"saved": saved, "prior": prior})


def _trial_post(
    request: Request, state: WebState, form: FormBase, path: str, work: Any, saved: str
) -> Response:
    try:
        submit(state, form, path, work)
    except MicrodoseError as exc:
        extra = {"error": form_error(exc), "values": form.model_dump()}
        return _trial_page(request, state, extra, exc.http_status)
    return RedirectResponse(f"/trial?saved={saved}", status_code=303)


@router.post("/trial/design")
def design_trial(
    request: Request, state: StateDep, form: Annotated[TrialForm, Form()]
) -> Response:
    """Draw and seal a trial; its schedule becomes the active plan."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        doses = int(form.doses) if form.doses.strip().isdigit() else -1
        start = protocols.parse_date(form.start, "start") if form.start else local_today(person)
        create = trials.TrialCreate(doses=doses, protocol=form.protocol, start=start,
                                    block=form.block, past_confirmed=bool(form.confirm_past),
                                    expectancy=form.expectancy())
        row = trials.design_trial(session=session, person=person, create=create)
        return 201, {"trial": str(row.id)}

    return _trial_post(request, state, form, "/trial/design", work, "designed")


@router.post("/trial/envelope")
def take_envelope(
    request: Request, state: StateDep, form: Annotated[EnvelopeForm, Form()]
) -> Response:
    """Record that today's envelope was taken (its content stays sealed)."""
    from microdose.services.doses import DoseCreate, record_dose

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        row = record_dose(session=session, person=person,
                          dose=DoseCreate(envelope_code=form.code.strip() or None))
        return 201, {"envelope": row.envelope_code}

    return _trial_post(request, state, form, "/trial/envelope", work, "envelope")


@router.post("/trial/unblind")
def unblind_trial(
    request: Request, state: StateDep, form: Annotated[UnblindForm, Form()]
) -> Response:
    """Open the sealed key (after the word UNBLIND is typed)."""

    def work(session: Session, person: Person) -> tuple[int, dict[str, Any]]:
        if form.confirm.strip().upper() != "UNBLIND":
            from microdose.domain.errors import InvalidInput

            raise InvalidInput("confirm", "type UNBLIND to confirm", "UNBLIND")
        done = trials.unblind(session=session, person=person, reason=form.reason or None,
                              today=local_today(person))
        return 200, {"early": done.early}

    return _trial_post(request, state, form, "/trial/unblind", work, "unblinded")


@router.get("/trial/kit.pdf")
def trial_kit(state: StateDep) -> Response:
    """The preparation kit (instructions and QR labels), before the first envelope."""
    import tempfile
    from pathlib import Path

    from microdose.reports.kit import write_kit_pdf

    with state.sessions() as session, tempfile.TemporaryDirectory() as folder:
        person = state.person(session)
        labels = trials.kit_labels(session=session, person=person)
        body = write_kit_pdf(labels, Path(folder) / "kit.pdf").read_bytes()
        session.commit()
    return attachment(body, "microdose-trial-kit.pdf", "application/pdf")
