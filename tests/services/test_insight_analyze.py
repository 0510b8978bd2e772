"""The insight service on the real test databases: gather, analyse, flags, adverse events."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session

from microdose.analysis.change import change_from_baseline
from microdose.analysis.daily import daily_effects
from microdose.domain.adverse import make_adverse
from microdose.domain.errors import InvalidInput, NotFound
from microdose.services.adverse import record_adverse
from microdose.services.checkins import checkins
from microdose.services.demo import build_demo
from microdose.services.doses import doses
from microdose.services.insight import OPEN_LABEL_CAVEAT, analyze, gather
from microdose.services.people import ensure_person
from microdose.services.questionnaires import record_response, responses
from microdose.store.models import Person

TODAY = date(2026, 3, 1)


def demo_journal(session: Session) -> Person:
    person = ensure_person(session=session, timezone="Europe/Berlin")
    build_demo(session=session, person=person, today=TODAY, weeks=10, seed=7)
    session.commit()
    return person


def test_analyze_document_has_the_documented_shape(session: Session) -> None:
    person = demo_journal(session)
    document = analyze(session=session, person=person).to_dict()
    assert {"change", "daily", "adherence", "side_effects", "flags", "caveat"} <= set(document)
    assert document["caveat"] == OPEN_LABEL_CAVEAT
    assert set(document["change"]) == {"phq9", "gad7", "who5"}
    mood = document["daily"]["mood"]
    assert set(mood) >= {"dose_day_effect", "day_after_effect", "n_days", "method"}
    effect = mood["dose_day_effect"]
    assert isinstance(effect["estimate"], float) and len(effect["ci95"]) == 2
    assert effect["ci95"][0] < effect["estimate"] < effect["ci95"][1]
    phq9 = document["change"]["phq9"]
    assert phq9["status"] == "ok" and phq9["reliable_change_threshold"] == 6 and phq9["label"]
    assert "ci95" not in phq9  # a reliable-change threshold is not a confidence interval
    assert document["adherence"]["adherence"]["ci95"] is not None


def test_change_uses_the_first_and_last_stored_scores(session: Session) -> None:
    person = demo_journal(session)
    stored = responses(session=session, person_id=person.id, instrument="phq9")
    change = analyze(session=session, person=person).scales["phq9"].change
    assert change is not None
    assert (change.baseline, change.follow_up) == (stored[0].total, stored[-1].total)
    assert change == change_from_baseline("phq9", stored[0].total or 0, stored[-1].total or 0)


def test_daily_effects_are_computed_from_the_stored_rows(session: Session) -> None:
    person = demo_journal(session)
    insight = analyze(session=session, person=person)
    rows = checkins(session=session, person_id=person.id)
    dosed = {row.local_date for row in doses(session=session, person_id=person.id)}
    first = min(min(r.local_date for r in rows), min(dosed))
    last = max(r.local_date for r in rows)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    mood = {row.local_date: row.mood for row in rows}
    expected = daily_effects([mood.get(d) for d in days], [d in dosed for d in days])
    found = insight.daily["mood"]
    assert found.n_days == len(rows)
    assert found.dose_day_effect is not None and expected.dose_day_effect is not None
    assert found.dose_day_effect.estimate == pytest.approx(expected.dose_day_effect.estimate)
    assert found.dose_day_effect.ci95 == pytest.approx(expected.dose_day_effect.ci95)


def test_a_period_limits_every_analysis(session: Session) -> None:
    person = demo_journal(session)
    start, end = TODAY - timedelta(days=42), TODAY - timedelta(days=15)
    data = gather(session=session, person=person, start=start, end=end)
    assert (data.start, data.end, len(data.days)) == (start, end, 28)
    assert all(start <= r.day <= end for r in data.responses)
    assert all(start <= d.day <= end for d in data.doses)
    insight = analyze(session=session, person=person, start=start, end=end)
    assert insight.daily["mood"].n_days <= 28
    assert insight.adherence.checkins.n == 28


def test_empty_journal_and_reversed_period_are_refused(session: Session) -> None:
    person = ensure_person(session=session, timezone="UTC")
    with pytest.raises(NotFound, match="nothing recorded"):
        analyze(session=session, person=person)
    with pytest.raises(InvalidInput, match="to:"):
        analyze(session=session, person=person, start=TODAY, end=TODAY - timedelta(days=1))


def test_not_enough_data_is_said_not_guessed(session: Session) -> None:
    person = ensure_person(session=session, timezone="UTC")
    record_response(
        session=session, person_id=person.id, instrument="phq9", answers=[1] * 9, day=TODAY
    )
    document = analyze(session=session, person=person).to_dict()
    assert document["change"]["phq9"]["status"] == "not enough data"
    assert document["daily"]["mood"]["status"] == "not enough data"
    assert document["daily"]["mood"]["dose_day_effect"] is None


def test_flags_and_adverse_events_reach_the_insight(session: Session) -> None:
    person = demo_journal(session)
    late = TODAY - timedelta(days=1)
    answers = [3, 3, 3, 3, 2, 2, 2, 2, 1]  # total 21, item 9 answered
    record_response(session=session, person_id=person.id, instrument="phq9", answers=answers,
                    day=late)  # fmt: skip
    event = make_adverse("headache", 3, today=TODAY, start=late, notes="migraine-like")
    record_adverse(session=session, person=person, event=event)
    insight = analyze(session=session, person=person)
    kinds = {(flag["kind"], flag["source"]) for flag in insight.flags}
    assert ("suicidal_ideation", "phq9") in kinds
    assert ("reliable_deterioration", "phq9") in kinds
    [adverse] = insight.data.adverse_events
    assert (adverse["category"], adverse["grade"], adverse["serious"]) == ("headache", 3, True)
    assert insight.scales["phq9"].change is not None
    assert insight.scales["phq9"].change.direction == "deteriorated"


def test_side_effects_compare_dose_days_with_other_days(session: Session) -> None:
    person = demo_journal(session)
    insight = analyze(session=session, person=person)
    dosed = set(np.array(insight.data.days)[np.array(insight.data.dosed)])
    headache = next(r for r in insight.side_effects if r.side_effect == "headache")
    on_dose = sum(
        1 for d, fx in insight.data.side_effects.items() if d in dosed and "headache" in fx
    )
    assert headache.dose_days.count == on_dose
    assert headache.dose_days.n == sum(1 for d in insight.data.side_effects if d in dosed)
