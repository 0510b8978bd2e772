"""The unblinded trial's result: daily ratings and weekly scores, active vs placebo.

Data used: the dose days on which an envelope of the trial was taken, the check-in of
that day (ratings and guess) as it stood before unblinding, the check-ins of the days
after dose days (the secondary comparison), and — in a ``weeks`` design — the
questionnaires answered inside each trial week before unblinding. The statistics are
:func:`microdose.analysis.n_of_1.analyse_outcome`'s; this module only gathers the rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from microdose.analysis.after_dose import DAYS_AFTER
from microdose.analysis.blinding_index import BangIndex, bang_index_from_guesses
from microdose.analysis.cgrc import CgrcResult, correct_guess_rate_curve
from microdose.analysis.meta import MetaResult, random_effects
from microdose.analysis.n_of_1 import OutcomeResult, analyse_outcome
from microdose.analysis.trial import PRIORS
from microdose.domain import blinding
from microdose.domain.checkins import RATINGS
from microdose.domain.errors import InvalidInput
from microdose.services import trials
from microdose.store.models import CheckinRow, DoseRow, ResponseRow
from microdose.store.trial_models import TrialRow

#: Smallest daily-rating difference treated as meaningful, in 0–10 points. **Unconfirmed
#: parameter**: no published MID exists for these ratings; 1 point sits at the low end of
#: the 1–2 points found for 0–10 pain ratings (Farrar et al. 2001, Pain 94:149).
DAILY_RATING_MID = 1.0
#: outcome → (higher is better, meaningful difference, source)
OUTCOMES: dict[str, tuple[bool, float, str]] = {
    **{name: (name != "anxiety", DAILY_RATING_MID, "parameter (unconfirmed)") for name in RATINGS},
    "phq9": (False, 5.0, "PHQ-9 MCID, Löwe et al. 2004"),
    "gad7": (False, 4.0, "GAD-7 MCID, Toussaint et al. 2020"),
    "who5": (True, 10.0, "WHO-5 10 percentage points, Topp et al. 2015"),
}
WEEKLY = ("phq9", "gad7", "who5")
#: The outcome whose verdict is the trial's verdict; the others are secondary.
PRIMARY_OUTCOME = "mood"
#: Seed of the correct guess rate curve's pseudo-trials: the same trial always gives the
#: same curve.
CGRC_SEED = 2023

__all__ = [
    "OUTCOMES",
    "PRIMARY_OUTCOME",
    "OutcomeResult",
    "TrialReport",
    "Unit",
    "pool_trials",
    "trial_report",
]


@dataclass(frozen=True)
class Unit:
    """One dose day of the trial: its envelope, content and the day's check-in."""

    day: date
    code: str
    block: int
    active: bool
    checkin: CheckinRow | None


@dataclass(frozen=True)
class TrialReport:
    """Everything ``trial report`` shows."""

    trial: TrialRow
    units: list[Unit]
    outcomes: list[OutcomeResult]
    blinding_index: dict[str, BangIndex]
    key: dict[str, str]
    prior: str = "sceptical"
    cgrc: CgrcResult | None = None
    cgrc_note: str | None = None

    @property
    def primary(self) -> OutcomeResult | None:
        """The primary outcome's result (its verdict is the trial's)."""
        return next((o for o in self.outcomes if o.name == PRIMARY_OUTCOME), None)


def _units(session: Session, trial: TrialRow) -> list[Unit]:
    envelopes = {e.code: e for e in trials.trial_envelopes(session=session, trial=trial)}
    taken = trials._taken(session, trial)
    cutoff = trial.unblinded_at
    days = [row.local_date for row in taken.values()]
    query = select(CheckinRow).where(
        CheckinRow.person_id == trial.person_id, CheckinRow.local_date.in_(days)
    )
    checkins = {
        c.local_date: c for c in session.scalars(query) if cutoff is None or c.updated_at < cutoff
    }
    units = []
    for code, dose in taken.items():
        if cutoff is not None and dose.taken_at >= cutoff:
            continue
        envelope = envelopes[code]
        units.append(
            Unit(
                dose.local_date,
                code,
                envelope.block,
                envelope.condition == "active",
                checkins.get(dose.local_date),
            )
        )
    return sorted(units, key=lambda u: u.day)


def _guess_value(checkin: CheckinRow | None) -> float:
    if checkin is None or checkin.guess not in ("active", "placebo"):
        return float("nan")
    return 1.0 if checkin.guess == "active" else 0.0


def _daily_series(
    session: Session, trial: TrialRow, units: list[Unit]
) -> tuple[list[CheckinRow | None], list[float], list[float]]:
    """Check-ins on every day from the start to the last dose + ``DAYS_AFTER`` (before
    unblinding), each day's envelope content (1 active, 0 placebo, NaN none) and its
    block (NaN none)."""
    if not units:
        return [], [], []
    first, last = trial.start_date, units[-1].day + timedelta(days=DAYS_AFTER)
    query = select(CheckinRow).where(
        CheckinRow.person_id == trial.person_id,
        CheckinRow.local_date >= first,
        CheckinRow.local_date <= last,
    )
    cutoff = trial.unblinded_at
    rows = {
        c.local_date: c for c in session.scalars(query) if cutoff is None or c.updated_at < cutoff
    }
    nan = float("nan")
    envelope = {u.day: (float(u.active), float(u.block)) for u in units}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    pairs = [envelope.get(d, (nan, nan)) for d in days]
    return [rows.get(d) for d in days], [c for c, _ in pairs], [b for _, b in pairs]


def _daily(
    units: list[Unit],
    series: tuple[list[CheckinRow | None], list[float], list[float]],
    prior: str,
) -> list[OutcomeResult]:
    rated = [u for u in units if u.checkin is not None]
    active = np.array([u.active for u in rated], dtype=bool)
    blocks = np.array([u.block for u in rated], dtype=np.int64)
    guess = np.array([_guess_value(u.checkin) for u in rated], dtype=float)
    checkins, dose_days, dose_blocks = series
    dose, dose_block = np.array(dose_days, dtype=float), np.array(dose_blocks, dtype=float)
    results = []
    for name in RATINGS:
        higher, mid, _source = OUTCOMES[name]
        values = np.array([getattr(u.checkin, name) for u in rated], dtype=float)
        by_day = np.array([np.nan if c is None else getattr(c, name) for c in checkins], float)
        results.append(
            analyse_outcome(
                name,
                "daily",
                values,
                active,
                blocks,
                guess,
                mid=mid,
                higher_is_better=higher,
                prior=prior,
                daily=(by_day, dose, dose_block),
            )
        )
    return results


def _weekly(
    session: Session, trial: TrialRow, units: list[Unit], prior: str
) -> list[OutcomeResult]:
    if trial.block_design != blinding.BlockDesign.WEEKS.value:
        return []
    week_active: dict[int, bool] = {}
    for unit in units:
        week_active[blinding.week_index(trial.start_date, unit.day)] = unit.active
    first, last = trials.week_window(trial)
    query = select(ResponseRow).where(
        ResponseRow.person_id == trial.person_id,
        ResponseRow.local_date >= first,
        ResponseRow.local_date <= last,
        ResponseRow.instrument.in_(WEEKLY),
    )
    rows = [
        r
        for r in session.scalars(query)
        if trial.unblinded_at is None or r.answered_at < trial.unblinded_at
    ]
    results = []
    for name in WEEKLY:
        values, active, blocks = _week_scores(trial, rows, name, week_active)
        higher, mid, _source = OUTCOMES[name]
        guess = np.full(values.size, np.nan)
        results.append(
            analyse_outcome(
                name,
                "weekly",
                values,
                active,
                blocks,
                guess,
                mid=mid,
                higher_is_better=higher,
                prior=prior,
            )
        )
    return results


def _week_scores(
    trial: TrialRow, rows: list[ResponseRow], name: str, week_active: dict[int, bool]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One instrument's scores inside trial weeks: values, week condition, block (week pair)."""
    chosen = [
        (r, blinding.week_index(trial.start_date, r.local_date))
        for r in rows
        if r.instrument == name
    ]
    chosen = [(r, w) for r, w in chosen if w in week_active]
    value = [r.score.get("percent") if name == "who5" else r.total for r, _w in chosen]
    kept = [(v, w) for v, (_r, w) in zip(value, chosen, strict=True) if v is not None]
    values = np.array([v for v, _w in kept], dtype=float)
    active = np.array([week_active[w] for _v, w in kept], dtype=bool)
    blocks = np.array([w // 2 for _v, w in kept], dtype=np.int64)
    return values, active, blocks


def trial_report(
    *, session: Session, person_id: uuid.UUID, prior: str = "sceptical"
) -> TrialReport:
    """Analyse the person's most recent trial; it must be unblinded.

    ``prior`` names the prior of the posterior probability of a meaningful benefit
    (``sceptical`` or ``neutral``); it never changes the verdict.
    """
    if prior not in PRIORS:
        raise InvalidInput("prior", f"{prior!r} is not a prior offered", ", ".join(PRIORS))
    trial = trials.require_unblinded(session=session, person_id=person_id)
    units = _units(session, trial)
    guessed = [u for u in units if u.checkin is not None and u.checkin.guess is not None]
    index = bang_index_from_guesses(
        np.array([u.active for u in guessed], dtype=bool),
        np.array([_guess_value(u.checkin) for u in guessed], dtype=float),
    )
    envelopes = trials.trial_envelopes(session=session, trial=trial)
    curve, curve_note = _cgrc(units)
    return TrialReport(
        trial=trial,
        units=units,
        outcomes=_daily(units, _daily_series(session, trial, units), prior)
        + _weekly(session, trial, units, prior),
        blinding_index=index,
        key={e.code: e.condition or "" for e in envelopes},
        prior=prior,
        cgrc=curve,
        cgrc_note=curve_note,
    )


def _cgrc(units: list[Unit]) -> tuple[CgrcResult | None, str | None]:
    """The correct guess rate curve of the primary outcome over the dose days (None and
    the reason when it cannot be drawn, e.g. no guesses on active or on placebo days)."""
    rated = [u for u in units if u.checkin is not None]
    values = np.array([getattr(u.checkin, PRIMARY_OUTCOME) for u in rated], dtype=float)
    active = np.array([u.active for u in rated], dtype=bool)
    guess = np.array([_guess_value(u.checkin) for u in rated], dtype=float)
    keep = ~np.isnan(values)
    try:
        curve = correct_guess_rate_curve(
            values[keep], active[keep], guess[keep], seed=CGRC_SEED
        )
    except InvalidInput as exc:
        return None, f"correct guess rate curve not drawn: {exc.message}"
    return curve, None


def pool_trials(*, session: Session, outcome: str = "mood", method: str = "REML") -> MetaResult:
    """Random-effects meta-analysis of every unblinded trial's daily effect on ``outcome``.

    Each trial contributes its design-matched effect (mean within-block difference) and
    its squared standard error.
    """
    if outcome not in RATINGS:
        raise InvalidInput("outcome", f"{outcome!r} is not a daily rating", ", ".join(RATINGS))
    effects, variances = [], []
    for trial in trials.past_trials(session=session):
        units = _units(session, trial)
        results = _daily(units, _daily_series(session, trial, units), "sceptical")
        result = next(o for o in results if o.name == outcome)
        if result.effect is not None and result.effect.se > 0:
            effects.append(result.effect.estimate)
            variances.append(result.effect.se**2)
    if len(effects) < 2:
        raise InvalidInput(
            "trials", f"{len(effects)} unblinded trials with enough data", "at least 2"
        )
    return random_effects(effects, variances, method=method)


def dose_rows(session: Session, trial: TrialRow) -> list[DoseRow]:
    """The trial's envelope doses (for exports and the PDF)."""
    return list(trials._taken(session, trial).values())
