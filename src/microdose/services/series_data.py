"""Read a series of self-blinded N-of-1 trials from a CSV (``trial analyze --design n-of-1``).

Long format, one row per participant × day × outcome; ``--map`` names the columns of
``participant``, ``day``, ``block``, ``condition``, ``value`` and optionally ``outcome``
and ``guess``. Each person's rows are put in the order of their days and analysed by the
personal report's code path (:mod:`microdose.analysis.series`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microdose.analysis.series import PersonTrial, SeriesResult, analyse_series
from microdose.analysis.trial import PRIORS
from microdose.domain.errors import InvalidInput
from microdose.services.study_data import (
    StudyRequest,
    labels,
    numbers,
    read_frame,
    repeated_pair,
)
from microdose.services.trial_report import DAILY_RATING_MID, OUTCOMES

__all__ = ["SERIES_REQUIRED", "SeriesOutcome", "analyse_series_csv"]

SERIES_REQUIRED = ("participant", "day", "block", "condition", "value")


@dataclass(frozen=True)
class SeriesOutcome:
    """One outcome of the series: its people, the pool, its scale and where it came from."""

    result: SeriesResult
    mid: float
    mid_source: str
    higher_is_better: bool


def _refuse_study_options(request: StudyRequest) -> None:
    for flag, given in (("timepoint", request.timepoints), ("baseline", request.baseline),
                        ("covariate", request.covariates), ("cgrc", request.cgrc)):  # fmt: skip
        if given:
            raise InvalidInput(flag, "applies to study data, not to --design n-of-1", "study")


def _outcomes(frame: object, request: StudyRequest) -> list[tuple[str, object]]:
    """(outcome, its rows) for the chosen outcome, or every outcome of the file."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    column = request.mapping.get("outcome")
    if column is None:
        if request.outcome is not None:
            raise InvalidInput("map", "--outcome needs outcome=COLUMN in --map", "outcome=COL")
        return [(request.mapping["value"], frame)]
    names = sorted(set(frame[column].str.strip()))
    if request.outcome is not None and request.outcome not in names:
        raise InvalidInput(
            "outcome", f"{request.outcome!r} is not in column {column}", ", ".join(names[:30])
        )
    chosen = [request.outcome] if request.outcome is not None else names
    return [(name, frame[frame[column].str.strip() == name]) for name in chosen]


def _day_order(days: np.ndarray) -> np.ndarray:
    """Indices that sort the days: as numbers when they all are, else as text (ISO dates)."""
    try:
        return np.argsort(days.astype(float), kind="stable")
    except ValueError:
        return np.argsort(days, kind="stable")


def _people(rows: object, request: StudyRequest) -> dict[str, PersonTrial]:
    import pandas as pd

    assert isinstance(rows, pd.DataFrame)
    m = request.mapping
    lines = [int(i) + 2 for i in rows.index]
    strip = {role: np.asarray(rows[m[role]].str.strip(), dtype=str)
             for role in ("participant", "day", "block")}  # fmt: skip
    value = numbers(list(rows[m["value"]]), lines, m["value"])
    active = labels(list(rows[m["condition"]]), lines, m["condition"], request, guess=False)
    guess = (
        labels(list(rows[m["guess"]]), lines, m["guess"], request, guess=True)
        if "guess" in m
        else np.full(len(lines), np.nan)
    )
    _check_days(strip["participant"], strip["day"], lines)
    trials = {}
    for who in sorted(set(strip["participant"].tolist())):
        mine = np.flatnonzero((strip["participant"] == who) & ~np.isnan(value))
        mine = mine[_day_order(strip["day"][mine])]
        _codes, block = np.unique(strip["block"][mine], return_inverse=True)
        trials[who] = PersonTrial(
            value[mine], active[mine] == 1.0, block.astype(np.int64), guess[mine]
        )
    return trials


def _check_days(participant: np.ndarray, day: np.ndarray, lines: list[int]) -> None:
    if found := repeated_pair(participant, day, lines):
        who, when, one, other = found
        raise InvalidInput(
            "day",
            f"{who} has two rows for day {when} (lines {one} and {other})",
            "one row per participant, day and outcome",
        )


def _scale(name: str, request: StudyRequest) -> tuple[float, str, bool]:
    """The outcome's meaningful difference, its source, and whether higher is better."""
    known = OUTCOMES.get(name)
    higher = request.higher_is_better and (known[0] if known else True)
    if request.mid is not None:
        return request.mid, "--mid", higher
    if known is not None:
        return known[1], known[2], higher
    return DAILY_RATING_MID, "1 point assumed (--mid sets it)", higher


def analyse_series_csv(request: StudyRequest) -> list[SeriesOutcome]:
    """Load, validate and analyse every chosen outcome of an N-of-1 series."""
    if request.prior not in PRIORS:
        raise InvalidInput("prior", f"{request.prior!r} is not a prior offered", ", ".join(PRIORS))
    _refuse_study_options(request)
    frame, _columns = read_frame(request.path, request.mapping)
    found = []
    for name, rows in _outcomes(frame, request):
        mid, source, higher = _scale(name, request)
        result = analyse_series(
            name, _people(rows, request), mid=mid, higher_is_better=higher, prior=request.prior
        )
        found.append(SeriesOutcome(result, mid, source, higher))
    return found
