"""The expectancy asked at design, in the services, on SQLite and PostgreSQL: checked before
anything is drawn, stored on the trial, carried by exports and imports without loss."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microdose.domain.errors import InvalidInput
from microdose.services import trials
from microdose.services.importer import import_file
from microdose.services.people import ensure_person
from microdose.services.portability import export_document, write_csv, write_json
from microdose.services.safety import record_screen
from microdose.store.models import PlanRow, ResponseRow
from microdose.store.trial_models import TrialRow


def create(expectancy: Any) -> trials.TrialCreate:
    return trials.TrialCreate(doses=4, protocol="fadiman", start=date(2026, 3, 2), seed=4,
                              past_confirmed=True, expectancy=expectancy)  # fmt: skip


def test_a_bad_answer_is_refused_before_anything_is_written(session: Session) -> None:
    person = ensure_person(session=session, timezone="Europe/Berlin")
    record_screen(session=session, person=person)
    session.commit()
    with pytest.raises(InvalidInput) as raised:
        trials.design_trial(session=session, person=person, create=create([6, 2, 5, 1, 6, 8]))
    assert raised.value.field == "sets item 6"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TrialRow)) == 0
    assert session.scalar(select(func.count()).select_from(PlanRow)) == 0


def test_the_answers_are_scored_from_the_trial_row(session: Session) -> None:
    person = ensure_person(session=session, timezone="Europe/Berlin")
    record_screen(session=session, person=person)
    row = trials.design_trial(session=session, person=person, create=create((1, 7, 1, 7, 2, 7)))
    session.commit()
    scored = trials.trial_expectancy(row)
    assert scored is not None
    assert (scored["positive"], scored["negative"]) == (pytest.approx(4 / 3), 7.0)
    assert scored["answered_at"] is not None
    assert session.scalar(select(func.count()).select_from(ResponseRow)) == 0
    summary = trials.design_summary(row, trials.blocks_of(row))
    assert summary["expectancy"] == scored


@pytest.mark.parametrize("form", ["json", "csv"])
def test_export_and_import_keep_the_expectancy(
    session: Session, tmp_path: Path, form: str
) -> None:
    person = ensure_person(session=session, timezone="Europe/Berlin")
    record_screen(session=session, person=person)
    trials.design_trial(session=session, person=person, create=create([6, 2, 5, 1, 6, 2]))
    session.commit()
    document = export_document(session=session, person=person)
    [exported] = document["tables"]["trial"]
    assert exported["expectancy_answers"] == [6, 2, 5, 1, 6, 2]
    path = tmp_path / "export.json"
    if form == "json":
        write_json(document, path)
    else:
        path = tmp_path / "csv"
        write_csv(document, path)
    import_file(session=session, person=person, path=path, replace=True)
    session.commit()
    row = session.scalars(select(TrialRow)).one()
    assert row.expectancy_answers == [6, 2, 5, 1, 6, 2] and row.expectancy_at is not None
    assert export_document(session=session, person=person)["tables"] == document["tables"]
