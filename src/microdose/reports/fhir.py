"""Questionnaire results as a FHIR R4 Bundle for health records.

One ``collection`` Bundle holding a ``Patient`` (no name or other identifying detail: the
receiving system links it), one ``QuestionnaireResponse`` per questionnaire answered and
LOINC-coded ``Observation`` resources where LOINC has codes: for PHQ-9 a panel (44249-1)
whose members are the total score (44261-6) and the nine items (44250-9 ...); for GAD-7 a
panel (69737-5), the total (70274-6) and the seven items. WHO-5 and DASS-21 travel as
QuestionnaireResponses only. Resources reference each other by ``urn:uuid`` inside the
Bundle; the ids are stable (derived from the stored response ids), so exporting twice gives
the same resources.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from microdose.domain.instruments import get_instrument
from microdose.services.insight import JournalData, ResponseRecord

__all__ = ["LOINC", "UCUM", "fhir_bundle"]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_NAMESPACE = uuid.UUID("6f1d3b0e-5c1a-4c55-9d1e-6d6963726f64")


def _urn(value: str) -> str:
    return f"urn:uuid:{value}"


def _derived_id(response_id: str, part: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{response_id}/{part}"))


def _when(record: ResponseRecord) -> str:
    return record.answered_at.astimezone(UTC).isoformat()


def questionnaire_response(record: ResponseRecord, patient: str) -> dict[str, Any]:
    """A completed QuestionnaireResponse, one item per question, integer answers."""
    instrument = get_instrument(record.instrument)
    items = []
    for number, (text, answer) in enumerate(zip(instrument.items, record.answers, strict=True), 1):
        code = instrument.item_loinc[number - 1]
        item: dict[str, Any] = {"linkId": code or f"{instrument.key}-{number}", "text": text}
        if answer is not None:
            item["answer"] = [{"valueInteger": int(answer)}]
        items.append(item)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": record.id,
        "status": "completed",
        "subject": {"reference": _urn(patient)},
        "authored": _when(record),
        "item": items,
    }
    if instrument.loinc_panel:
        resource["questionnaire"] = f"{LOINC}/q/{instrument.loinc_panel}"
    return resource


def _observation(
    record: ResponseRecord, patient: str, part: str, code: str, text: str
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": _derived_id(record.id, part),
        "status": "final",
        "category": [{"coding": [{"system": _CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [{"system": LOINC, "code": code}], "text": text},
        "subject": {"reference": _urn(patient)},
        "effectiveDateTime": _when(record),
        "derivedFrom": [{"reference": _urn(record.id)}],
    }


def observations(record: ResponseRecord, patient: str) -> list[dict[str, Any]]:
    """The panel, total and item Observations of a response (empty without LOINC codes)."""
    instrument = get_instrument(record.instrument)
    if not instrument.loinc_panel or not instrument.loinc_total:
        return []
    total = _observation(
        record, patient, "total", instrument.loinc_total, f"{instrument.name} total score"
    )
    total["valueQuantity"] = {
        "value": int(record.score["total"]),
        "unit": "{score}",
        "system": UCUM,
        "code": "{score}",
    }
    if record.score.get("severity"):
        total["interpretation"] = [{"text": str(record.score["severity"])}]
    items = []
    for number, (code, answer) in enumerate(
        zip(instrument.item_loinc, record.answers, strict=True), 1
    ):
        if code is None or answer is None:
            continue
        item = _observation(record, patient, f"item{number}", code, instrument.items[number - 1])
        item["valueInteger"] = int(answer)
        items.append(item)
    panel = _observation(record, patient, "panel", instrument.loinc_panel, instrument.title)
    panel["hasMember"] = [{"reference": _urn(o["id"])} for o in (total, *items)]
    return [panel, total, *items]


def fhir_bundle(data: JournalData, *, timestamp: datetime | None = None) -> dict[str, Any]:
    """A FHIR R4 ``collection`` Bundle of the period's questionnaires (JSON-ready dict).

    Parameters
    ----------
    data : JournalData
        The gathered journal (see :func:`microdose.services.insight.gather`).
    timestamp : datetime, optional
        The Bundle's timestamp (aware); now when omitted.
    """
    patient = data.person_id
    resources: list[dict[str, Any]] = [{"resourceType": "Patient", "id": patient}]
    for record in data.responses:
        resources.append(questionnaire_response(record, patient))
        resources.extend(observations(record, patient))
    when = (timestamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "resourceType": "Bundle",
        "id": _derived_id(patient, f"bundle/{data.start}/{data.end}"),
        "type": "collection",
        "timestamp": when.isoformat(),
        "entry": [{"fullUrl": _urn(r["id"]), "resource": r} for r in resources],
    }
