"""The extra formats of ``microdose export``: tidy tables (Parquet or CSV), FHIR, ICS.

Each exporter has the signature of :class:`microdose.services.portability.Exporter`
(``session``, ``person``, ``output``) and returns the path it wrote. ``EXPORTERS`` maps the
format names to them; the CLI and the web import this module only when they export.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType

from sqlalchemy.orm import Session

from microdose.domain.errors import NotFound
from microdose.services.insight import gather
from microdose.services.portability import Exporter
from microdose.store.models import Person

__all__ = ["EXPORTERS", "export_fhir", "export_ics", "export_parquet", "export_tidy_csv"]


def _default(stem: str, suffix: str = "") -> Path:
    return Path(f"microdose-{stem}-{date.today():%Y%m%d}{suffix}")


def _tables(session: Session, person: Person, folder: Path, fmt: str) -> Path:
    from microdose.reports.tables import tidy_tables, write_tables

    write_tables(tidy_tables(gather(session=session, person=person)), folder, fmt)
    return folder


def export_parquet(*, session: Session, person: Person, output: Path | None) -> Path:
    """Tidy tables and their data dictionary as Parquet files in a folder."""
    return _tables(session, person, output or _default("tables-parquet"), "parquet")


def export_tidy_csv(*, session: Session, person: Person, output: Path | None) -> Path:
    """Tidy tables and their data dictionary as CSV files in a folder."""
    return _tables(session, person, output or _default("tables-csv"), "csv")


def export_fhir(*, session: Session, person: Person, output: Path | None) -> Path:
    """A FHIR R4 Bundle (JSON) of every questionnaire answered."""
    from microdose.reports.fhir import fhir_bundle

    path = output or _default("fhir", ".json")
    bundle = fhir_bundle(gather(session=session, person=person))
    path.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def export_ics(*, session: Session, person: Person, output: Path | None) -> Path:
    """The active plan's dose days and daily check-in reminders as an iCalendar file.

    While a crisis is not acknowledged, dose events are left out (check-ins stay), as in
    ``microdose plan --ics``.
    """
    from dataclasses import replace

    from microdose.reports.ics import plan_calendar
    from microdose.services.plans import active_plan
    from microdose.services.reminders import calendar_inputs
    from microdose.services.safety import reminders_paused

    plan = active_plan(session=session, person_id=person.id)
    if plan is None:
        raise NotFound("no active plan to put in a calendar: create one with `microdose plan`")
    if reminders_paused(session=session, person_id=person.id):
        plan = replace(plan, dose_days=())
    schedule, last = calendar_inputs(session=session, person_id=person.id)
    path = output or Path("microdose-plan.ics")
    path.write_bytes(plan_calendar(plan, tz=person.timezone, reminders=True, schedule=schedule,
                                   last_answered=last))
    return path


#: the formats beyond the raw JSON and CSV of ``services.portability``
EXPORTERS: Mapping[str, Exporter] = MappingProxyType(
    {"parquet": export_parquet, "tidy-csv": export_tidy_csv, "fhir": export_fhir,
     "ics": export_ics}
)
