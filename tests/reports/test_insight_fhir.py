"""The FHIR Bundle: validated by the fhir.resources models, LOINC codes as published."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError
from tests.insight_support import fill_journal

from microdose.reports.fhir import LOINC, fhir_bundle
from microdose.services.insight import JournalData, gather

STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> JournalData:
    from sqlalchemy.orm import Session

    from microdose.store.engine import make_engine
    from microdose.store.migrate import ensure_schema

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fhir') / 'j.sqlite3'}")
    ensure_schema(engine)
    with Session(engine, expire_on_commit=False) as session:
        gathered = gather(session=session, person=fill_journal(session))
    engine.dispose()
    return gathered


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codes(resource: dict[str, Any]) -> set[str]:
    return {c["code"] for c in resource["code"]["coding"] if c["system"] == LOINC}


def test_bundle_validates_against_the_fhir_models(data: JournalData) -> None:
    bundle = fhir_bundle(data, timestamp=STAMP)
    # fhir.resources (R4B models: Bundle, QuestionnaireResponse and Observation are the
    # same as in R4 4.0.1) validates structure, types and required elements
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection" and parsed.entry is not None
    assert len(parsed.entry) == len(bundle["entry"])
    for resource in resources(bundle, "QuestionnaireResponse"):
        QuestionnaireResponse.model_validate(resource)
    for resource in resources(bundle, "Observation"):
        Observation.model_validate(resource)


def test_the_validator_would_refuse_a_broken_resource(data: JournalData) -> None:
    broken = resources(fhir_bundle(data, timestamp=STAMP), "Observation")[0]
    broken = {**broken, "valueQuantity": {"value": "twelve"}}
    with pytest.raises(ValidationError):
        Observation.model_validate(broken)


def test_one_questionnaire_response_per_response_with_every_answer(data: JournalData) -> None:
    bundle = fhir_bundle(data, timestamp=STAMP)
    answered = resources(bundle, "QuestionnaireResponse")
    assert len(answered) == len(data.responses)
    by_id = {r["id"]: r for r in answered}
    for record in data.responses:
        items = by_id[record.id]["item"]
        assert [i["answer"][0]["valueInteger"] for i in items] == list(record.answers)
    phq9 = next(r for r in answered if r.get("questionnaire", "").endswith("44249-1"))
    assert phq9["item"][8]["linkId"] == "44260-8"  # item 9 (LOINC)


def test_totals_and_items_carry_their_loinc_codes(data: JournalData) -> None:
    bundle = fhir_bundle(data, timestamp=STAMP)
    observations = resources(bundle, "Observation")
    totals = {
        code: [o for o in observations if code in codes(o)] for code in ("44261-6", "70274-6")
    }
    phq9 = [r for r in data.responses if r.instrument == "phq9"]
    gad7 = [r for r in data.responses if r.instrument == "gad7"]
    assert len(totals["44261-6"]) == len(phq9)  # PHQ-9 total score
    assert len(totals["70274-6"]) == len(gad7)  # GAD-7 total score
    assert sorted(o["valueQuantity"]["value"] for o in totals["44261-6"]) == sorted(
        r.score["total"] for r in phq9
    )
    panels = [o for o in observations if codes(o) == {"44249-1"}]
    assert len(panels) == len(phq9) and len(panels[0]["hasMember"]) == 10  # total + 9 items
    items = [o for o in observations if codes(o) == {"44260-8"}]  # PHQ-9 item 9
    assert len(items) == len(phq9)


def test_references_resolve_inside_the_bundle(data: JournalData) -> None:
    bundle = fhir_bundle(data, timestamp=STAMP)
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        refs = [resource.get("subject", {}).get("reference")]
        refs += [r["reference"] for r in resource.get("derivedFrom", [])]
        refs += [r["reference"] for r in resource.get("hasMember", [])]
        assert all(ref in urls for ref in refs if ref)


def test_stable_ids_for_the_same_journal(data: JournalData, tmp_path: Path) -> None:
    assert fhir_bundle(data, timestamp=STAMP) == fhir_bundle(data, timestamp=STAMP)
