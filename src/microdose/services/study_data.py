"""Read blinded study data from a CSV file for ``trial analyze``.

The file is long-format (one row per participant × timepoint × outcome). ``--map`` says
which column holds what; every problem is reported with the column's name, the row's
line number and what is allowed, before any statistics run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from microdose.analysis.study import StudyData, StudyResult, analyze_study
from microdose.analysis.trial import PRIORS, Posterior, posterior_benefit
from microdose.domain.errors import InvalidInput

ROLES = ("participant", "timepoint", "outcome", "condition", "guess", "value")
REQUIRED = ("participant", "condition", "value")
#: guess answers read as "don't know" (besides an empty cell)
UNSURE = frozenset({"unsure", "dk", "don't know", "dont know", "unknown", "na"})


@dataclass(frozen=True)
class StudyRequest:
    """What ``trial analyze`` was asked."""

    path: Path
    mapping: dict[str, str]
    active: str
    placebo: str
    outcome: str | None = None
    timepoints: tuple[str, ...] = ()
    mid: float | None = None
    higher_is_better: bool = True
    prior: str = "sceptical"


def parse_mapping(text: str) -> dict[str, str]:
    """Read ``participant=COL,timepoint=COL,…`` into role → column.

    Examples
    --------
    >>> parse_mapping("participant=trial_id, value=value,condition=condition")
    {'participant': 'trial_id', 'value': 'value', 'condition': 'condition'}
    """
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        role, sep, column = part.partition("=")
        role, column = role.strip(), column.strip()
        if not sep or not column:
            raise InvalidInput("map", f"{part!r} is not ROLE=COLUMN", "e.g. value=score")
        if role not in ROLES:
            raise InvalidInput("map", f"{role!r} is not a role", ", ".join(ROLES))
        mapping[role] = column
    missing = [role for role in REQUIRED if role not in mapping]
    if missing:
        raise InvalidInput("map", f"{missing[0]} is not mapped", "participant, condition, value")
    return mapping


def _read(path: Path, mapping: dict[str, str]) -> tuple[object, list[str]]:
    import pandas as pd

    if not path.is_file():
        raise InvalidInput("file", f"{str(path)!r} does not exist", "a CSV file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput("file", f"{path.name} is not a readable CSV: {exc}") from exc
    columns = [str(c) for c in frame.columns]
    for role, column in mapping.items():
        if column not in columns:
            raise InvalidInput(
                column, f"column for {role} is not in {path.name}", "columns: " + ", ".join(columns)
            )
    return frame, columns


def _select(frame: object, request: StudyRequest) -> object:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    mapping = request.mapping
    if request.outcome is not None:
        column = mapping.get("outcome")
        if column is None:
            raise InvalidInput("map", "--outcome needs outcome=COLUMN in --map", "outcome=COL")
        names = sorted(set(frame[column].str.strip()))
        frame = frame[frame[column].str.strip() == request.outcome]
        if frame.empty:
            raise InvalidInput(
                "outcome", f"{request.outcome!r} is not in column {column}", ", ".join(names[:30])
            )
    elif "outcome" in mapping and frame[mapping["outcome"]].nunique() > 1:
        raise InvalidInput(
            "outcome",
            "the file holds several outcomes: choose one",
            ", ".join(sorted(set(frame[mapping["outcome"]]))[:30]),
        )
    if request.timepoints:
        column = mapping.get("timepoint")
        if column is None:
            raise InvalidInput("map", "--timepoint needs timepoint=COLUMN in --map")
        known = sorted(set(frame[column].str.strip()))
        for point in request.timepoints:
            if point not in known:
                raise InvalidInput(
                    "timepoint", f"{point!r} is not in column {column}", ", ".join(known[:30])
                )
        frame = frame[frame[column].str.strip().isin(request.timepoints)]
    return frame


def _labels(
    values: Sequence[str], rows: Sequence[int], column: str, request: StudyRequest, guess: bool
) -> np.ndarray:
    out = np.empty(len(values), dtype=float)
    allowed = f"{request.active}, {request.placebo}" + (", or empty/unsure" if guess else "")
    for i, (raw, line) in enumerate(zip(values, rows, strict=True)):
        text = raw.strip()
        if text == request.active:
            out[i] = 1.0
        elif text == request.placebo:
            out[i] = 0.0
        elif guess and (not text or text.lower() in UNSURE):
            out[i] = np.nan
        else:
            raise InvalidInput(column, f"unknown label {text!r} in line {line}", allowed)
    return out


def _numbers(values: Sequence[str], rows: Sequence[int], column: str) -> np.ndarray:
    out = np.empty(len(values), dtype=float)
    for i, (raw, line) in enumerate(zip(values, rows, strict=True)):
        try:
            out[i] = float(raw) if raw.strip() else np.nan
        except ValueError:
            raise InvalidInput(
                column,
                f"{raw!r} in line {line} is not a number",
                "numbers (empty cells are left out)",
            ) from None
        if np.isinf(out[i]):
            raise InvalidInput(column, f"{raw!r} in line {line} is not a finite number")
    return out


def load_study(request: StudyRequest) -> tuple[StudyData, int]:
    """Validated study data and the number of rows left out for an empty value."""
    frame, _columns = _read(request.path, request.mapping)
    frame = _select(frame, request)
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    m = request.mapping
    lines = [int(i) + 2 for i in frame.index]
    value = _numbers(list(frame[m["value"]]), lines, m["value"])
    active = _labels(list(frame[m["condition"]]), lines, m["condition"], request, guess=False)
    guess = (
        _labels(list(frame[m["guess"]]), lines, m["guess"], request, guess=True)
        if "guess" in m
        else np.full(len(lines), np.nan)
    )
    keep = ~np.isnan(value)
    participant = np.asarray(frame[m["participant"]].str.strip(), dtype=str)
    timepoint = (
        np.asarray(frame[m["timepoint"]].str.strip(), dtype=str)
        if "timepoint" in m
        else np.full(len(lines), "all", dtype=str)
    )
    data = StudyData(
        participant[keep], timepoint[keep], value[keep], active[keep] == 1.0, guess[keep]
    )
    _check_unique(data, [line for line, k in zip(lines, keep, strict=True) if k])
    return data, int((~keep).sum())


def _check_unique(data: StudyData, lines: list[int]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for person, point, line in zip(data.participant, data.timepoint, lines, strict=True):
        key = (str(person), str(point))
        if key in seen:
            raise InvalidInput(
                "participant",
                f"{key[0]} has two rows for timepoint {key[1]} (lines {seen[key]} and {line})",
                "one row per participant and timepoint: choose an outcome",
            )
        seen[key] = line
    if len(data.value) < 3:
        raise InvalidInput("file", f"{len(data.value)} usable rows", "at least 3")
    if data.active.all() or (~data.active).all():
        raise InvalidInput("condition", "every row has the same condition", "both conditions")


def analyze_csv(request: StudyRequest) -> tuple[StudyResult, int]:
    """Load, validate and analyse; returns the result and the rows left out."""
    if request.prior not in PRIORS:
        raise InvalidInput("prior", f"{request.prior!r} is not a prior offered", ", ".join(PRIORS))
    data, dropped = load_study(request)
    return analyze_study(data), dropped


def study_posterior(request: StudyRequest, result: StudyResult) -> Posterior | None:
    """The probability of a benefit of at least ``request.mid`` (None without a MID),
    normal likelihood (the effect and its SE) and the request's prior."""
    if request.mid is None:
        return None
    e = result.effect
    return posterior_benefit(
        e.estimate, e.se, request.mid, higher_is_better=request.higher_is_better,
        prior=request.prior,
    )  # fmt: skip
