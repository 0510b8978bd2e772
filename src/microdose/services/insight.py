"""Insight: gather a journal into plain analysis inputs, and analyse them.

:func:`gather` reads a period of the journal into a :class:`JournalData` (plain dates,
numbers and strings, no rows); :func:`analyze` turns that into an :class:`Insight`: change
on every questionnaire, dose-day and carry-over effects on every daily rating, adherence,
side effects on dose vs off days, flags and adverse events — each number with its
uncertainty, and the open-label caveat. Reports, the CLI and the web page all present an
:class:`Insight`; none of them computes anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from microdose.analysis.adherence import (
    Adherence,
    SideEffectRate,
    adherence,
    side_effect_rates,
)
from microdose.analysis.change import SCALES, Change, change_from_baseline
from microdose.analysis.daily import DailyEffects, daily_effects
from microdose.domain.checkins import RATINGS
from microdose.domain.errors import InvalidInput, NotFound
from microdose.domain.plan_history import PlanPeriod, planned_days
from microdose.domain.protocols import Plan
from microdose.services.checkins import checkins
from microdose.services.doses import doses
from microdose.services.entries import entries
from microdose.services.plans import active_plan, plan_history_of
from microdose.services.questionnaires import responses
from microdose.store.models import CheckinRow, Person, ResponseRow

__all__ = [
    "OPEN_LABEL_CAVEAT",
    "DoseRecord",
    "Insight",
    "JournalData",
    "ResponseRecord",
    "ScaleHistory",
    "ScorePoint",
    "analyze",
    "analyze_data",
    "gather",
]

#: What every analysis of an open-label journal must say.
OPEN_LABEL_CAVEAT = (
    "Open-label results: the person knew when they took a dose. These numbers cannot "
    "separate the effect of the substance from expectation (placebo response), from change "
    "that would have happened anyway, or from regression to the mean. Only a blinded, "
    "placebo-controlled comparison can."
)


@dataclass(frozen=True)
class DoseRecord:
    """One dose as the reports need it."""

    day: date
    taken_at: datetime
    material: str | None
    grams: float | None
    mg_low: float | None
    mg_typical: float | None
    mg_high: float | None
    classification: str | None
    envelope_code: str | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ResponseRecord:
    """One stored questionnaire response."""

    id: str
    day: date
    answered_at: datetime
    instrument: str
    answers: tuple[int | None, ...]
    score: Mapping[str, Any]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class JournalData:
    """A period of one journal as plain values (the input of every analysis and export).

    ``days`` runs from ``start`` to ``end``; ``ratings[name][i]``, ``dosed[i]`` and
    ``planned[i]`` belong to ``days[i]`` (a rating is None on a day without a check-in).
    """

    person_id: str
    display_name: str
    timezone: str
    start: date
    end: date
    days: tuple[date, ...]
    ratings: Mapping[str, tuple[float | None, ...]]
    dosed: tuple[bool, ...]
    planned: tuple[bool, ...]
    side_effects: Mapping[date, tuple[str, ...]]
    doses: tuple[DoseRecord, ...]
    responses: tuple[ResponseRecord, ...]
    entries: tuple[tuple[date, str, str], ...]
    plan: Plan | None
    adverse_events: tuple[Mapping[str, Any], ...] = ()
    #: every plan with the days it governed; a day is planned by the plan then in effect
    plans: tuple[PlanPeriod, ...] = ()


@dataclass(frozen=True)
class ScorePoint:
    """One score of one scale on one day, with its band."""

    day: date
    value: float
    band: str | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScaleHistory:
    """All scores of one scale in the period and the change from the first to the last."""

    key: str
    name: str
    points: tuple[ScorePoint, ...]
    change: Change | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the change fields plus dates, bands and the number of responses."""
        first, last = self.points[0], self.points[-1]
        out: dict[str, Any] = {
            "status": "ok" if self.change else "not enough data",
            "n_responses": len(self.points),
            "baseline_date": first.day.isoformat(),
            "baseline_band": first.band,
            "follow_up_date": last.day.isoformat(),
            "follow_up_band": last.band,
        }
        if self.change is None:
            out["note"] = "only one response in the period: change needs two"
            out["baseline"] = first.value
            return out
        return {**self.change.to_dict(), **out}


@dataclass(frozen=True)
class Insight:
    """Everything the analyses say about a period of a journal."""

    data: JournalData
    scales: Mapping[str, ScaleHistory]
    daily: Mapping[str, DailyEffects]
    adherence: Adherence
    side_effects: tuple[SideEffectRate, ...]
    flags: tuple[Mapping[str, str], ...]
    caveat: str = OPEN_LABEL_CAVEAT
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``analyze --json`` document (floats rounded to 4 decimals)."""
        data = self.data
        out = {
            "period": {"from": data.start.isoformat(), "to": data.end.isoformat()},
            "protocol": data.plan.spec.protocol.value if data.plan else None,
            "plans": [period.to_dict() for period in data.plans],
            "change": {key: history.to_dict() for key, history in self.scales.items()},
            "daily": {name: result.to_dict() for name, result in self.daily.items()},
            "adherence": self.adherence.to_dict(),
            "side_effects": [rate.to_dict() for rate in self.side_effects],
            "flags": [dict(flag) for flag in self.flags],
            "adverse_events": [dict(event) for event in data.adverse_events],
            "caveat": self.caveat,
        }
        rounded: dict[str, Any] = _rounded(out)
        return rounded


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------
# Gathering.
# --------------------------------------------------------------------------------------------


def _period(
    session: Session, person: Person, start: date | None, end: date | None
) -> tuple[date, date]:
    """The requested period, or the span of everything recorded."""
    if start and end and end < start:
        raise InvalidInput(
            "to", f"{end} is before the first day, {start}", allowed=f"{start} or later"
        )
    pid = person.id
    recorded = [c.local_date for c in checkins(session=session, person_id=pid)]
    recorded += [d.local_date for d in doses(session=session, person_id=pid)]
    recorded += [r.local_date for r in responses(session=session, person_id=pid)]
    inside = [d for d in recorded if (start is None or d >= start) and (end is None or d <= end)]
    if not inside:
        window = f" between {start or 'the beginning'} and {end or 'today'}" if start or end else ""
        raise NotFound(f"nothing recorded{window}: add check-ins first", next_step="checkin")
    return start or min(inside), end or max(inside)


def _response_record(row: ResponseRow) -> ResponseRecord:
    return ResponseRecord(
        id=str(row.id),
        day=row.local_date,
        answered_at=row.answered_at,
        instrument=row.instrument,
        answers=tuple(row.answers),
        score=dict(row.score),
        flags=tuple(row.flags),
    )


def _dose_record(row: Any) -> DoseRecord:
    return DoseRecord(
        row.local_date, row.taken_at, row.material, row.grams, row.mg_low, row.mg_typical,
        row.mg_high, row.classification, row.envelope_code, tuple(row.warnings or ()),
    )  # fmt: skip


def _adverse(
    session: Session, person: Person, start: date, end: date
) -> tuple[dict[str, Any], ...]:
    """Adverse events overlapping the period (the safety area's table)."""
    from microdose.domain.adverse import GRADES
    from microdose.services.adverse import adverse_events

    found = []
    for row in adverse_events(session=session, person_id=person.id):
        last = row.end_date or row.start_date
        if row.start_date <= end and last >= start:
            found.append(
                {
                    "category": row.category,
                    "grade": row.grade,
                    "grade_label": GRADES.get(row.grade, str(row.grade)),
                    "start": row.start_date.isoformat(),
                    "end": row.end_date.isoformat() if row.end_date else None,
                    "serious": bool(row.serious),
                    "action": row.action,
                    "notes": row.notes,
                }
            )
    return tuple(found)


def gather(
    *, session: Session, person: Person, start: date | None = None, end: date | None = None
) -> JournalData:
    """Read ``[start, end]`` of the journal (default: everything recorded) as plain values.

    Raises
    ------
    InvalidInput
        When ``end`` is before ``start`` (field ``"to"``).
    NotFound
        When nothing was recorded in the period.
    """
    first, last = _period(session, person, start, end)
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    pid = person.id
    rows = checkins(session=session, person_id=pid, start=first, end=last)
    dose_rows = [r for r in doses(session=session, person_id=pid) if first <= r.local_date <= last]
    dosed_days = {r.local_date for r in dose_rows}
    plan = active_plan(session=session, person_id=pid)
    periods = plan_history_of(session=session, person_id=pid)
    planned = set(planned_days(periods))
    return JournalData(
        person_id=str(pid),
        display_name=person.display_name,
        timezone=person.timezone,
        start=first,
        end=last,
        days=days,
        ratings=_daily_ratings(rows, days),
        dosed=tuple(d in dosed_days for d in days),
        planned=tuple(d in planned for d in days),
        side_effects={row.local_date: tuple(row.side_effects or ()) for row in rows},
        doses=tuple(_dose_record(r) for r in dose_rows),
        responses=_responses_between(session, pid, first, last),
        entries=_entries_between(session, pid, first, last),
        plan=plan,
        adverse_events=_adverse(session, person, first, last),
        plans=tuple(p for p in periods if _overlaps(p, first, last)),
    )


def _daily_ratings(
    rows: list[CheckinRow], days: tuple[date, ...]
) -> dict[str, tuple[float | None, ...]]:
    """Each rating on each day, None on a day without it."""
    by_day = {row.local_date: row for row in rows}
    return {name: tuple(_rating(by_day.get(d), name) for d in days) for name in RATINGS}


def _rating(row: CheckinRow | None, name: str) -> float | None:
    """One rating of one day's check-in; None without a check-in or an untracked rating."""
    value = None if row is None else getattr(row, name)
    return None if value is None else float(value)


def _responses_between(
    session: Session, person_id: uuid.UUID, first: date, last: date
) -> tuple[ResponseRecord, ...]:
    """The questionnaires answered from ``first`` to ``last``."""
    answered = [_response_record(r) for r in responses(session=session, person_id=person_id)]
    return tuple(r for r in answered if first <= r.day <= last)


def _entries_between(
    session: Session, person_id: uuid.UUID, first: date, last: date
) -> tuple[tuple[date, str, str], ...]:
    """The journal notes (day, kind, text) written for days from ``first`` to ``last``."""
    notes = [(e.local_date, e.kind, e.text) for e in entries(session=session, person_id=person_id)]
    return tuple(n for n in notes if first <= n[0] <= last)


def _overlaps(period: PlanPeriod, first: date, last: date) -> bool:
    """Whether a plan was in effect on any day of [first, last]."""
    begins = period.first or period.plan.start
    return begins <= last and (period.last is None or period.last >= first)


# --------------------------------------------------------------------------------------------
# Analysis.
# --------------------------------------------------------------------------------------------


def score_points(record: ResponseRecord) -> dict[str, ScorePoint]:
    """The scale values of one response: PHQ-9/GAD-7 totals, WHO-5 percent, DASS-21 subscales."""
    score, flags = record.score, record.flags
    if record.instrument == "who5":
        return {
            "who5": ScorePoint(record.day, float(score["percent"]), score.get("severity"), flags)
        }
    if record.instrument == "dass21":
        return {
            f"dass21_{name}": ScorePoint(record.day, float(sub["score"]), sub["severity"], flags)
            for name, sub in score.get("subscales", {}).items()
            if sub.get("score") is not None
        }
    if score.get("total") is None:
        return {}
    return {
        record.instrument: ScorePoint(
            record.day, float(score["total"]), score.get("severity"), flags
        )
    }


def scale_histories(records: tuple[ResponseRecord, ...]) -> dict[str, ScaleHistory]:
    """Scores of every scale in date order, with the change from the first to the last."""
    points: dict[str, list[ScorePoint]] = {}
    for record in sorted(records, key=lambda r: (r.day, r.answered_at)):
        for key, point in score_points(record).items():
            points.setdefault(key, []).append(point)
    histories = {}
    for key in [k for k in SCALES if k in points]:
        series = tuple(points[key])
        change = None
        if len(series) >= 2:
            change = change_from_baseline(key, series[0].value, series[-1].value)
        histories[key] = ScaleHistory(key, SCALES[key].name, series, change)
    return histories


def _flags(data: JournalData, scales: Mapping[str, ScaleHistory]) -> tuple[dict[str, str], ...]:
    found = [
        {"date": r.day.isoformat(), "kind": flag, "source": r.instrument}
        for r in data.responses
        for flag in r.flags
    ]
    for key, history in scales.items():
        change = history.change
        if change is not None and change.direction == "deteriorated" and change.reliable:
            found.append(
                {
                    "date": history.points[-1].day.isoformat(),
                    "kind": "reliable_deterioration",
                    "source": key,
                }
            )
    for dose in data.doses:
        for warning in dose.warnings:
            found.append({"date": dose.day.isoformat(), "kind": "dose_warning", "source": warning})
    return tuple(sorted(found, key=lambda f: (f["date"], f["kind"])))


def analyze_data(data: JournalData) -> Insight:
    """Run every analysis on gathered data (pure; no database)."""
    scales = scale_histories(data.responses)
    daily = {
        name: daily_effects(list(values), list(data.dosed), rating=name)
        for name, values in data.ratings.items()
    }
    plan_days = planned_days(data.plans) if data.plans else (
        data.plan.dose_days if data.plan else ()
    )
    taken = [dose.day for dose in data.doses]
    followed = adherence(
        planned=plan_days,
        taken=taken,
        checkin_days=data.side_effects.keys(),
        start=data.start,
        end=data.end,
    )
    dosed = dict(zip(data.days, data.dosed, strict=True))
    rates = side_effect_rates(
        [(dosed.get(day, False), effects) for day, effects in sorted(data.side_effects.items())]
    )
    return Insight(data, scales, daily, followed, tuple(rates), _flags(data, scales))


def analyze(
    *, session: Session, person: Person, start: date | None = None, end: date | None = None
) -> Insight:
    """Gather ``[start, end]`` of the journal and analyse it (see :func:`gather`)."""
    return analyze_data(gather(session=session, person=person, start=start, end=end))
