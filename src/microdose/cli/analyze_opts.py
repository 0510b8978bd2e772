"""``trial analyze``: its options, and the call from a parsed request to JSON and text."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from microdose.services.study_data import StudyRequest

TimepointOpt = Annotated[
    list[str] | None, typer.Option(help="Timepoint(s) to use (repeatable); default all.")
]
BaselineOpt = Annotated[
    str | None,
    typer.Option(help="Baseline timepoint: ANCOVA on its value (change score secondary)."),
]
CovariateOpt = Annotated[
    list[str] | None,
    typer.Option(help="Baseline column to adjust for (repeatable); reported as a moderator."),
]

DesignOpt = Annotated[
    str,
    typer.Option(
        help="study (one row per participant × timepoint) or n-of-1 (each participant's own "
        "block-randomised trial: map day and block; people pooled by random effects)."
    ),
]
DESIGNS = ("study", "n-of-1")
CgrcOpt = Annotated[
    bool,
    typer.Option(
        "--cgrc",
        help="Add the correct guess rate curve (Szigeti et al. 2023): the effect at "
        "correct-guess rates 0 to 1, and at chance (0.5). Needs a guess column.",
    ),
]
SeedOpt = Annotated[int, typer.Option(help="Seed of the --cgrc pseudo-trials (reproducible).")]


def study_request(
    file: Path,
    mapping: str,
    active: str,
    placebo: str,
    outcome: str | None,
    timepoints: list[str] | None,
    *,
    mid: float | None,
    lower_is_better: bool,
    prior: str,
    baseline: str | None,
    covariates: list[str] | None,
    design: str = "study",
    cgrc: bool = False,
    seed: int = 2023,
) -> StudyRequest:
    """The validated :class:`~microdose.services.study_data.StudyRequest`."""
    from microdose.domain.errors import InvalidInput
    from microdose.services.series_data import SERIES_REQUIRED
    from microdose.services.study_data import REQUIRED, StudyRequest, parse_mapping

    if seed < 0:
        raise InvalidInput("seed", f"{seed} is negative", "0 or more")
    if design not in DESIGNS:
        raise InvalidInput("design", f"{design!r} is not a design", ", ".join(DESIGNS))
    required = SERIES_REQUIRED if design == "n-of-1" else REQUIRED
    roles = parse_mapping(mapping, required)
    if design == "study" and {"day", "block"} & set(roles):
        raise InvalidInput("map", "day and block are roles of --design n-of-1", "--design n-of-1")
    return StudyRequest(
        file, roles, active, placebo, outcome, tuple(timepoints or ()),
        mid=mid, higher_is_better=not lower_is_better, prior=prior, baseline=baseline,
        covariates=tuple(covariates or ()), cgrc=cgrc, seed=seed,
    )  # fmt: skip


def run_series(request: StudyRequest) -> tuple[dict[str, Any], str]:
    """Analyse an N-of-1 series: the JSON-ready result and its text."""
    from microdose.reports.series_report import series_dict, series_text
    from microdose.services.series_data import analyse_series_csv

    data = series_dict(analyse_series_csv(request), request.prior)
    return data, series_text(data)


def run(request: StudyRequest) -> tuple[dict[str, Any], str]:
    """Analyse the study data: the JSON-ready result and its text."""
    from microdose.cli.study_text import study_text
    from microdose.reports.trial_report import study_dict
    from microdose.services.study_data import analyze_csv, study_posterior

    result, dropped = analyze_csv(request)
    data = study_dict(result, dropped, request.outcome, study_posterior(request, result))
    return data, study_text(data)
