"""The researcher's study API on both databases: define, invite, follow, export, analyse.

Authorisation follows the policy table (docs/service.md): another researcher's study is
404 everywhere; clinicians and admins are refused (403); a participant lists and reads
only the studies they are enrolled in, never their data.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any, get_args

import pandas as pd
import pyarrow.parquet as pq
import pytest
import statsmodels.formula.api as smf
from sqlalchemy import func, select
from starlette.testclient import TestClient
from tests.web.service_world import World
from tests.web.study_cohort import Cohort, seed_cohort

from microdose.domain import studies as rules
from microdose.domain.checkins import RATINGS
from microdose.store.service_models import AuditRow, StudyInvitationRow
from microdose.web.schemas import studies as schemas_studies

BODY: dict[str, Any] = {
    "title": "Microdosing and mood",
    "arms": [{"name": "microdose", "kind": "open-label"},
             {"name": "comparison", "kind": "comparator"}],
    "schedule": [{"day": 0, "instruments": ["phq9", "dass21"]},
                 {"day": 14, "instruments": ["phq9"]},
                 {"day": 28, "instruments": ["phq9", "dass21"]}],
    "duration_days": 28,
    "consent_text": "I agree to take part. I can withdraw at any time.",
}
TABLES = ("participants", "questionnaires", "checkins", "doses", "adverse_events")


def _seed(client: TestClient, world: World) -> Cohort:
    app = client.app
    with app.state.web.sessions() as session, session.begin():  # type: ignore[attr-defined]
        return seed_cohort(session, world.actors["r1"])


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def test_vocabularies_are_the_domains() -> None:
    assert get_args(schemas_studies.ArmKind) == rules.ARM_KINDS
    assert get_args(schemas_studies.StudyProtocol) == rules.PROTOCOLS
    assert get_args(schemas_studies.StudyStatus) == rules.STATUSES
    assert get_args(schemas_studies.Outcome) == rules.OUTCOMES
    assert get_args(schemas_studies.DailyRating) == RATINGS
    from microdose.domain.instruments import INSTRUMENTS

    assert set(get_args(schemas_studies.StudyInstrument)) == set(INSTRUMENTS)


def test_a_researcher_creates_lists_and_reads_a_study(service: tuple[TestClient, World]
                                                      ) -> None:
    client, world = service
    created = client.post("/api/v1/studies", json=BODY, headers=world.headers("r1"))
    assert created.status_code == 201, created.text
    study = created.json()
    assert study["status"] == "recruiting" and study["consent"]["version"] == 1
    assert study["arms"] == BODY["arms"] and study["export_dates"] is False
    listed = client.get("/api/v1/studies", headers=world.headers("r1")).json()
    assert {s["id"] for s in listed} == {str(world.studies["s1"]), study["id"]}
    others = client.get("/api/v1/studies", headers=world.headers("r2")).json()
    assert study["id"] not in {s["id"] for s in others}
    detail = client.get(f"/api/v1/studies/{study['id']}", headers=world.headers("r1")).json()
    assert detail["progress"]["enrolled"] == 0
    assert [(a["day"], a["instrument"]) for a in detail["progress"]["assessments"]] == [
        (0, "phq9"), (0, "dass21"), (14, "phq9"), (28, "phq9"), (28, "dass21")]


@pytest.mark.parametrize(("change", "field", "allowed"), [
    ({"arms": [{"name": "md", "kind": "open"}]}, "arms.0.kind", "'open-label'"),
    ({"schedule": [{"day": 0, "instruments": ["bdi"]}]}, "schedule.0.instruments.0",
     "'phq9', 'gad7', 'who5' or 'dass21'"),
    ({"protocol": "daily"}, "protocol", "'observational'"),
    ({"window_days": 31}, "window_days", "at most 30"),
    ({"duration_days": "28"}, "duration_days", None),
    ({"arms": []}, "arms", None),
    ({"export_dates": "yes"}, "export_dates", None),
    ({"owner": "r2"}, "owner", None),
    ({"duration_days": 10}, "schedule", "0-duration"),  # day 28 after the last day (domain)
    ({"arms": [{"name": "a", "kind": "open-label"}, {"name": "a", "kind": "comparator"}]},
     "arms", None),
])
def test_bad_study_input_is_422_naming_the_field(
    service: tuple[TestClient, World], change: dict[str, Any], field: str,
    allowed: str | None,
) -> None:
    client, world = service
    response = client.post("/api/v1/studies", json={**BODY, **change},
                           headers=world.headers("r1"))
    problem = _problem(response, 422)
    errors = {e["field"]: e for e in problem["errors"]}
    assert field in errors, problem
    if allowed:
        assert allowed in (errors[field]["allowed"] or ""), errors[field]
    assert len(client.get("/api/v1/studies", headers=world.headers("r1")).json()) == 1


def test_another_researchers_study_is_404_everywhere(service: tuple[TestClient, World]
                                                     ) -> None:
    client, world = service
    s1 = world.studies["s1"]
    for target in (s1, uuid.uuid4()):  # someone else's study looks like no study at all
        base = f"/api/v1/studies/{target}"
        calls = [
            client.get(base, headers=world.headers("r2")),
            client.get(f"{base}/export?format=csv", headers=world.headers("r2")),
            client.get(f"{base}/analysis", headers=world.headers("r2")),
            client.post(f"{base}/status", json={"status": "closed"},
                        headers=world.headers("r2")),
            client.post(f"{base}/consent", json={"text": "new"}, headers=world.headers("r2")),
            client.post(f"{base}/invitations", json={"count": 2},
                        headers=world.headers("r2")),
        ]
        for response in calls:
            assert _problem(response, 404)["detail"].startswith(("study", "study_data")), \
                response.text
    detail = client.get(f"/api/v1/studies/{s1}", headers=world.headers("r1")).json()
    assert detail["status"] == "recruiting" and detail["consent"]["version"] == 1
    assert detail["progress"]["invitations_issued"] == 1


def test_clinicians_admins_and_participants_per_the_policy(
    service: tuple[TestClient, World],
) -> None:
    client, world = service
    s1 = world.studies["s1"]
    for name in ("c1", "admin", "p1"):
        assert _problem(client.post("/api/v1/studies", json=BODY,
                                    headers=world.headers(name)), 403)
    for name in ("c1", "admin"):
        assert _problem(client.get("/api/v1/studies", headers=world.headers(name)), 403)
        assert _problem(client.get(f"/api/v1/studies/{s1}", headers=world.headers(name)), 403)
    # participants read the studies they are enrolled in (policy: study read "enrolled")
    mine = client.get("/api/v1/studies", headers=world.headers("p1"))
    assert [s["id"] for s in mine.json()] == [str(s1)]
    assert client.get("/api/v1/studies", headers=world.headers("p2")).json() == []
    seen = client.get(f"/api/v1/studies/{s1}", headers=world.headers("p1"))
    assert seen.status_code == 200 and seen.json()["progress"] is None
    assert _problem(client.get(f"/api/v1/studies/{s1}", headers=world.headers("p2")), 404)
    # nobody but the owner touches the study's data or writes to it
    for name in ("p1", "c1", "admin"):
        for path in ("export", "analysis"):
            response = client.get(f"/api/v1/studies/{s1}/{path}", headers=world.headers(name))
            assert _problem(response, 403)
        response = client.post(f"/api/v1/studies/{s1}/invitations", json={"count": 1},
                               headers=world.headers(name))
        assert _problem(response, 403)
    assert client.get("/api/v1/studies").status_code == 401


def test_status_and_consent_versions(service: tuple[TestClient, World]) -> None:
    client, world = service
    base, headers = f"/api/v1/studies/{world.studies['s1']}", world.headers("r1")
    bad = _problem(client.post(f"{base}/status", json={"status": "open"}, headers=headers),
                   422)
    assert bad["errors"][0]["field"] == "status"
    assert "'recruiting'" in bad["errors"][0]["allowed"]
    closed = client.post(f"{base}/status", json={"status": "closed"}, headers=headers)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    consent = client.post(f"{base}/consent", json={"text": "Version two of the text."},
                          headers=headers)
    assert consent.status_code == 201 and consent.json()["version"] == 2
    detail = client.get(base, headers=headers).json()
    assert detail["status"] == "closed" and detail["consent"]["version"] == 2
    assert detail["consent"]["sha256"] == consent.json()["sha256"]
    blank = _problem(client.post(f"{base}/consent", json={"text": "   "}, headers=headers),
                     422)
    assert blank["errors"][0]["field"] == "consent"


def _codes_stored(client: TestClient, study_id: uuid.UUID) -> int:
    with client.app.state.web.sessions() as session:  # type: ignore[attr-defined]
        query = select(func.count()).select_from(StudyInvitationRow).where(
            StudyInvitationRow.study_id == study_id)
        return int(session.scalar(query) or 0)


def test_invitations_are_idempotent_and_shown_once(service: tuple[TestClient, World]
                                                   ) -> None:
    client, world = service
    s1 = world.studies["s1"]
    url = f"/api/v1/studies/{s1}/invitations"
    headers = {**world.headers("r1"), "Idempotency-Key": "codes-1"}
    before = _codes_stored(client, s1)
    body = {"count": 3, "arm": "microdose", "expires_days": 30}
    first = client.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.text
    codes = first.json()["codes"]
    assert len(codes) == 3 and all(rules.normalise_code(c) == c for c in codes)
    again = client.post(url, json=body, headers=headers)  # a retry: shown once, none new
    assert _problem(again, 409)["type"] == "urn:microdose:problem:shown-once"
    assert not any(code in again.text for code in codes)
    assert _codes_stored(client, s1) == before + 3
    reused = client.post(url, json={**body, "count": 4}, headers=headers)
    assert _problem(reused, 422)["errors"][0]["field"] == "Idempotency-Key"
    wrong_arm = client.post(url, json={"arm": "placebo"}, headers=world.headers("r1"))
    error = _problem(wrong_arm, 422)["errors"][0]
    assert error["field"] == "arm" and error["allowed"] == "microdose, comparison"
    too_many = client.post(url, json={"count": 1001}, headers=world.headers("r1"))
    assert _problem(too_many, 422)["errors"][0]["allowed"] == "at most 1000"
    assert _codes_stored(client, s1) == before + 3


def _read(name: str, data: bytes) -> pd.DataFrame:
    if name.endswith(".parquet"):
        return pq.read_table(io.BytesIO(data)).to_pandas()
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def _leaks(frame: pd.DataFrame, secrets: list[str]) -> list[str]:
    text = [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
    return [s for s in secrets if any(s.lower() in cell.lower() for cell in text)]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_zip_is_pseudonymised_with_a_complete_dictionary(
    service: tuple[TestClient, World], fmt: str,
) -> None:
    client, world = service
    cohort = _seed(client, world)
    response = client.get(f"/api/v1/studies/{cohort.study_id}/export", params={"format": fmt},
                          headers=world.headers("r1"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert names == sorted(f"{t}.{fmt}" for t in (*TABLES, "data_dictionary"))
    frames = {n.rsplit(".", 1)[0]: _read(n, archive.read(n)) for n in names}
    secrets = [*cohort.emails, *map(str, cohort.person_ids), *map(str, cohort.account_ids),
               "example.org", "Europe/Berlin"]
    for name, frame in frames.items():
        assert _leaks(frame, secrets) == [], name
    assert len(frames["participants"]) == 8
    assert len(frames["questionnaires"]) == 24 and len(frames["doses"]) == 40
    assert len(frames["adverse_events"]) == 8
    dictionary = frames["data_dictionary"]
    for table in TABLES:
        described = set(dictionary.loc[dictionary["table"] == table, "column"])
        assert described == set(frames[table].columns), table
    assert not any("notes" in frame.columns for frame in frames.values())
    with client.app.state.web.sessions() as session:  # type: ignore[attr-defined]
        audited = session.scalar(select(func.count()).select_from(AuditRow).where(
            AuditRow.action == "study.export", AuditRow.study_id == cohort.study_id))
    assert audited == 8  # one entry per participant whose data left the service


def test_export_format_must_be_csv_or_parquet(service: tuple[TestClient, World]) -> None:
    client, world = service
    response = client.get(f"/api/v1/studies/{world.studies['s1']}/export",
                          params={"format": "xlsx"}, headers=world.headers("r1"))
    error = _problem(response, 422)["errors"][0]
    assert error["field"] == "format" and error["allowed"] == "'csv' or 'parquet'"


def test_analysis_matches_statsmodels_on_the_same_frame(service: tuple[TestClient, World]
                                                        ) -> None:
    client, world = service
    cohort = _seed(client, world)
    response = client.get(f"/api/v1/studies/{cohort.study_id}/analysis",
                          params={"outcome": "phq9", "rating": "mood"},
                          headers=world.headers("r1"))
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["notes"] == []
    mixed, ancova, pooled = data["mixed_model"], data["ancova"], data["n_of_1"]
    for result in (mixed, ancova, pooled):
        assert result["method"] and result["caveat"]
    for term in (*mixed["terms"], *ancova["effects"], ancova["baseline_slope"]):
        low, high = term["ci95"]
        assert low < term["estimate"] < high
    # statsmodels: smf.mixedlm("value ~ weeks * C(arm, Treatment('comparison'))", frame,
    # groups=frame["participant"]).fit(reml=True) on the scores as they were entered
    frame = cohort.phq9.assign(weeks=cohort.phq9["study_day"] / 7)
    fit = smf.mixedlm("value ~ weeks * C(arm, Treatment('comparison'))", frame,
                      groups=frame["participant"]).fit(reml=True)
    weeks = next(t for t in mixed["terms"] if t["name"] == "weeks")
    assert weeks["estimate"] == pytest.approx(fit.fe_params["weeks"], rel=1e-6)
    assert weeks["se"] == pytest.approx(fit.bse_fe["weeks"], rel=1e-4)
    assert mixed["n"] == 24 and mixed["participants"] == 8
    assert ancova["reference"] == "comparison" and ancova["n_by_group"] == {
        "comparison": 4, "microdose": 4}
    assert pooled["pooled"]["k"] == 4 and pooled["left_out"] == 4
    low, high = pooled["pooled"]["ci95"]
    assert low < pooled["pooled"]["estimate"] < high


def test_analysis_says_why_it_was_skipped(service: tuple[TestClient, World]) -> None:
    client, world = service
    response = client.get(f"/api/v1/studies/{world.studies['s1']}/analysis",
                          params={"outcome": "gad7"}, headers=world.headers("r1"))
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["mixed_model"] is None and data["ancova"] is None
    assert any(n.startswith("mixed model not estimable") for n in data["notes"])
    bad = client.get(f"/api/v1/studies/{world.studies['s1']}/analysis",
                     params={"outcome": "bdi"}, headers=world.headers("r1"))
    assert "'phq9'" in _problem(bad, 422)["errors"][0]["allowed"]
    ref = client.get(f"/api/v1/studies/{world.studies['s1']}/analysis",
                     params={"reference": "placebo"}, headers=world.headers("r1"))
    assert _problem(ref, 422)["errors"][0]["allowed"] == "microdose, comparison"
