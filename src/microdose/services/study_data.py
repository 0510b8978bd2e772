"""Read blinded study data from a CSV file for ``trial analyze``.

The file is long-format (one row per participant × timepoint × outcome). ``--map`` says
which column holds what; every problem is reported with the column's name, the row's
line number and what is allowed, before any statistics run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from microdose.analysis.cgrc import CgrcResult, correct_guess_rate_curve
from microdose.analysis.study import StudyData, StudyResult, analyze_study
from microdose.analysis.trial import PRIORS, Posterior, posterior_benefit
from microdose.domain.errors import InvalidInput

ROLES = ("participant", "timepoint", "outcome", "condition", "guess", "value", "day", "block")
REQUIRED = ("participant", "condition", "value")
#: the fewest participants a further arm (a condition label besides active and placebo) needs
MIN_ARM_PARTICIPANTS = 2
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
    baseline: str | None = None
    covariates: tuple[str, ...] = ()
    cgrc: bool = False
    seed: int = 2023


def parse_mapping(text: str, required: Sequence[str] = REQUIRED) -> dict[str, str]:
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
    missing = [role for role in required if role not in mapping]
    if missing:
        raise InvalidInput("map", f"{missing[0]} is not mapped", ", ".join(required))
    return mapping


def read_frame(
    path: Path, mapping: dict[str, str], covariates: Sequence[str] = ()
) -> tuple[object, list[str]]:
    """The CSV as text cells, and its columns; every mapped column and covariate checked."""
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
    for column in covariates:
        if column not in columns:
            raise InvalidInput(
                "covariate", f"{column!r} is not in {path.name}", "columns: " + ", ".join(columns)
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
    return frame


def _timepoints(frame: object, request: StudyRequest) -> object:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    if request.timepoints:
        column = request.mapping.get("timepoint")
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


def _split_baseline(frame: object, request: StudyRequest) -> tuple[object, object]:
    """The rows after the baseline timepoint, and the baseline rows (``--baseline``)."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame) and request.baseline is not None
    column = request.mapping.get("timepoint")
    if column is None:
        raise InvalidInput("map", "--baseline needs timepoint=COLUMN in --map", "timepoint=COL")
    points = frame[column].str.strip()
    known = sorted(set(points))
    if request.baseline not in known:
        raise InvalidInput(
            "baseline", f"{request.baseline!r} is not in column {column}", ", ".join(known[:30])
        )
    later = [p for p in known if p != request.baseline]
    if request.baseline in request.timepoints or not later:
        raise InvalidInput(
            "baseline", "the baseline timepoint cannot also be the one analysed",
            "a --timepoint other than the baseline: " + (", ".join(later[:30]) or "none"),
        )  # fmt: skip
    at = points == request.baseline
    return frame[~at], frame[at]


def _arms(
    values: Sequence[str], rows: Sequence[int], column: str, request: StudyRequest
) -> tuple[np.ndarray, np.ndarray]:
    """Active (1) / placebo (0) per row, and the label of a further arm ("" for those two)."""
    active = np.zeros(len(values), dtype=bool)
    extra = np.full(len(values), "", dtype=object)
    for i, (raw, line) in enumerate(zip(values, rows, strict=True)):
        text = raw.strip()
        if not text:
            raise InvalidInput(
                column, f"empty condition in line {line}",
                f"{request.active}, {request.placebo} or the label of a further arm",
            )  # fmt: skip
        active[i] = text == request.active
        extra[i] = "" if text in (request.active, request.placebo) else text
    return active, extra.astype(str)


def _check_arms(
    participant: np.ndarray, extra: np.ndarray | None, column: str, request: StudyRequest
) -> None:
    if extra is None:
        return
    for label in sorted(set(extra.tolist()) - {""}):
        people = len(set(participant[extra == label].tolist()))
        if people < MIN_ARM_PARTICIPANTS:
            raise InvalidInput(
                column,
                f"label {label!r} has only {people} participant(s): too few for a further arm",
                f"{request.active}, {request.placebo}, or a further arm with at least "
                f"{MIN_ARM_PARTICIPANTS} participants",
            )


def labels(
    values: Sequence[str], rows: Sequence[int], column: str, request: StudyRequest, guess: bool
) -> np.ndarray:
    """Active 1 / placebo 0 per cell (a guess may also be empty or unsure: NaN)."""
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


def numbers(values: Sequence[str], rows: Sequence[int], column: str) -> np.ndarray:
    """Each cell as a float (empty: NaN); a cell that is not a finite number is refused."""
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


def stripped_column(frame: object, request: StudyRequest, role: str, default: str) -> np.ndarray:
    """The column mapped to ``role``, stripped (``default`` everywhere when unmapped)."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    if role not in request.mapping:
        return np.full(len(frame), default, dtype=str)
    return np.asarray(frame[request.mapping[role]].str.strip(), dtype=str)


def _parse(frame: object, request: StudyRequest) -> tuple[StudyData, list[int]]:
    """Every row as numbers and labels (before any row is left out), and its line."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    m = request.mapping
    lines = [int(i) + 2 for i in frame.index]
    active, extra = _arms(list(frame[m["condition"]]), lines, m["condition"], request)
    guess = (
        labels(list(frame[m["guess"]]), lines, m["guess"], request, guess=True)
        if "guess" in m
        else np.full(len(lines), np.nan)
    )
    covariates = tuple((name, _covariate(frame, name, lines)) for name in request.covariates)
    data = StudyData(
        stripped_column(frame, request, "participant", ""),
        stripped_column(frame, request, "timepoint", "all"),
        numbers(list(frame[m["value"]]), lines, m["value"]), active, guess, extra=extra,
        covariates=covariates, has_guess="guess" in m, active_label=request.active,
    )  # fmt: skip
    return data, lines


def _covariate(frame: object, name: str, lines: list[int]) -> np.ndarray:
    """A covariate column as numbers; a cell that is not a number names the flag."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    try:
        return numbers(list(frame[name]), lines, name)
    except InvalidInput as exc:
        reason = exc.message.split(" (allowed:")[0]
        raise InvalidInput("covariate", f"column {reason}", "numeric columns") from None


def _baseline_of(rows: object, participant: np.ndarray, request: StudyRequest) -> np.ndarray:
    """Each row's baseline value (NaN when the participant has none)."""
    import pandas as pd

    assert isinstance(rows, pd.DataFrame)
    lines = [int(i) + 2 for i in rows.index]
    values = numbers(list(rows[request.mapping["value"]]), lines, request.mapping["value"])
    found: dict[str, tuple[float, int]] = {}
    people = stripped_column(rows, request, "participant", "")
    for who, value, line in zip(people, values, lines, strict=True):
        if who in found:
            raise InvalidInput(
                "participant",
                f"{who} has two rows at the baseline {request.baseline} "
                f"(lines {found[who][1]} and {line})",
                "one baseline row per participant: choose an outcome",
            )
        found[who] = (float(value), line)
    return np.array([found.get(str(p), (np.nan, 0))[0] for p in participant], dtype=float)


def _keep(data: StudyData, mask: np.ndarray) -> StudyData:
    return replace(
        data, participant=data.participant[mask], timepoint=data.timepoint[mask],
        value=data.value[mask], active=data.active[mask], guess=data.guess[mask],
        extra=None if data.extra is None else data.extra[mask],
        baseline=None if data.baseline is None else data.baseline[mask],
        covariates=tuple((name, values[mask]) for name, values in data.covariates),
    )  # fmt: skip


def _left_out(data: StudyData, keep: np.ndarray, notes: list[str]) -> np.ndarray:
    """Rows without a baseline value or a covariate: left out, each reason noted."""
    keep = keep.copy()
    missing = [("a baseline value", data.baseline)] if data.baseline is not None else []
    missing += [(f"a value of {name}", values) for name, values in data.covariates]
    for what, values in missing:
        lacking = keep & np.isnan(values)
        if lacking.any():
            notes.append(f"{int(lacking.sum())} rows without {what} left out")
        keep &= ~lacking
    return keep


def load_study(request: StudyRequest) -> tuple[StudyData, int, list[str]]:
    """Validated study data, the rows left out for an empty value, and notes on other
    rows left out (no baseline, no covariate)."""
    frame, _columns = read_frame(request.path, request.mapping, request.covariates)
    frame = _select(frame, request)
    baseline_rows = None
    if request.baseline is not None:
        frame, baseline_rows = _split_baseline(frame, request)
    data, lines = _parse(_timepoints(frame, request), request)
    if baseline_rows is not None:
        data = replace(data, baseline=_baseline_of(baseline_rows, data.participant, request))
    has_value = ~np.isnan(data.value)
    notes: list[str] = []
    keep = _left_out(data, has_value, notes)
    data = _keep(data, keep)
    _check_unique(data, [line for line, k in zip(lines, keep, strict=True) if k])
    _check_arms(data.participant, data.extra, request.mapping["condition"], request)
    return data, int((~has_value).sum()), notes


def repeated_pair(first: Iterable[object], second: Iterable[object], lines: list[int]
                  ) -> tuple[str, str, int, int] | None:
    """The first (first, second) pair seen twice, with both file lines; else None."""
    seen: dict[tuple[str, str], int] = {}
    for a, b, line in zip(first, second, lines, strict=True):
        key = (str(a), str(b))
        if key in seen:
            return key[0], key[1], seen[key], line
        seen[key] = line
    return None


def _check_unique(data: StudyData, lines: list[int]) -> None:
    if found := repeated_pair(data.participant, data.timepoint, lines):
        person, point, one, other = found
        raise InvalidInput(
            "participant",
            f"{person} has two rows for timepoint {point} (lines {one} and {other})",
            "one row per participant and timepoint: choose an outcome",
        )
    if len(data.value) < 3:
        raise InvalidInput("file", f"{len(data.value)} usable rows", "at least 3")
    placebo = ~data.active & (data.extra == "") if data.extra is not None else ~data.active
    if not data.active.any() or not placebo.any():
        raise InvalidInput(
            "condition", "the active or the placebo condition has no row",
            "rows of both conditions",
        )  # fmt: skip


def analyze_csv(request: StudyRequest) -> tuple[StudyResult, int]:
    """Load, validate and analyse; returns the result and the rows left out."""
    if request.prior not in PRIORS:
        raise InvalidInput("prior", f"{request.prior!r} is not a prior offered", ", ".join(PRIORS))
    data, dropped, notes = load_study(request)
    result = analyze_study(data)
    curve = study_cgrc(data, request.seed) if request.cgrc else None
    if curve is not None and len(result.timepoints) > 1:
        notes.append(
            "the correct guess rate curve treats every row as a separate person: with "
            "several rows per participant its spread is too narrow"
        )
    return replace(result, notes=(*notes, *result.notes), cgrc=curve), dropped


def study_cgrc(data: StudyData, seed: int) -> CgrcResult:
    """The correct guess rate curve over the active and placebo rows with a guess; on the
    change from baseline when there is a baseline."""
    if not data.has_guess:
        raise InvalidInput("cgrc", "needs a guess column", "guess=COLUMN in --map")
    main = data.extra == "" if data.extra is not None else np.ones(data.value.size, bool)
    value = data.value if data.baseline is None else data.value - data.baseline
    return correct_guess_rate_curve(
        value[main], data.active[main], data.guess[main], seed=seed
    )


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
