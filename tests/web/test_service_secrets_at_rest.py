"""No invitation code is stored in plain text anywhere, on SQLite and PostgreSQL.

Codes are made through every interface that makes them (the study and clinician APIs and
pages, each with an ``Idempotency-Key``) and used through every one that takes them
(preview, enrolment, link acceptance, also keyed); then every row of every table of the
real database is read back and searched for each code in any spelling.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient
from tests.web.service_world import World
from tests.web.test_service_studies_pages import CODES, page_client

from microdose.domain import studies as rules
from microdose.store.base import Base
from microdose.store.service_models import AccountIdempotencyRow, StudyInvitationRow
from microdose.web.platform.idempotency import fingerprint

CLINICIAN_CODE = re.compile(r'<p class="big"><code>([0-9A-Z]{5}-[0-9A-Z]{5})</code></p>')


def _post(client: TestClient, world: World, name: str, path: str, body: Any,
          key: str) -> Any:
    headers = {**world.headers(name), "Idempotency-Key": key}
    return client.post(path, json=body, headers=headers)


def _shown_once(response: Any) -> str:
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"] == "urn:microdose:problem:shown-once"
    detail: str = problem["detail"]
    return detail


def _every_stored_value(client: TestClient) -> str:
    """Every row of every table, as one text (the database as an attacker reads it)."""
    app: Any = client.app
    parts: list[str] = []
    with app.state.web.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def _spellings(code: str) -> list[str]:
    plain = code.replace("-", "")
    return [code, code.lower(), plain, plain.lower()]


def _invitations(client: TestClient, study_id: object) -> int:
    app: Any = client.app
    with app.state.web.sessions() as session:
        rows = session.scalars(select(StudyInvitationRow).where(
            StudyInvitationRow.study_id == study_id)).all()
        return len(rows)


def test_study_codes_by_api_are_not_stored_and_a_retry_says_so(
    service: tuple[TestClient, World],
) -> None:
    client, world = service
    s1 = world.studies["s1"]
    url, body = f"/api/v1/studies/{s1}/invitations", {"count": 2, "expires_days": 30}
    first = _post(client, world, "r1", url, body, "codes-at-rest")
    assert first.status_code == 201, first.text
    codes = first.json()["codes"]
    before = _invitations(client, s1)
    detail = _shown_once(_post(client, world, "r1", url, body, "codes-at-rest"))
    assert "codes" in detail and str(s1) in detail
    assert _invitations(client, s1) == before  # the retry made nothing
    app: Any = client.app
    with app.state.web.sessions() as session:
        stored = session.scalars(select(AccountIdempotencyRow).where(
            AccountIdempotencyRow.key == "codes-at-rest")).one()
    assert stored.status_code == 201 and stored.body["shown_once"] == ["codes"]
    assert "codes" not in stored.body and stored.body["study_id"] == str(s1)
    everything = _every_stored_value(client)
    assert "shown_once" in everything and "codes-at-rest" in everything  # it reads them
    assert not [s for code in codes for s in _spellings(code) if s in everything]


def test_clinician_code_by_api_is_not_stored_and_a_retry_names_the_link(
    service: tuple[TestClient, World],
) -> None:
    client, world = service
    first = _post(client, world, "c2", "/api/v1/clinician/invitations", {}, "invite-1")
    assert first.status_code == 201, first.text
    made = first.json()
    detail = _shown_once(_post(client, world, "c2", "/api/v1/clinician/invitations", {},
                               "invite-1"))
    assert made["link_id"] in detail and made["code"] not in detail
    links = client.get("/api/v1/clinician/links", headers=world.headers("c2")).json()
    assert [link["id"] for link in links] == [made["link_id"]]  # one code, not two
    everything = _every_stored_value(client)
    assert not [s for s in _spellings(made["code"]) if s in everything]


def test_codes_shown_by_pages_are_not_stored(service: tuple[TestClient, World]) -> None:
    client, world = service
    researcher, token = page_client(client, "r1")
    base = f"/studies/{world.studies['s1']}"
    form = {"count": "2", "csrf_token": token, "idempotency_key": "page-codes"}
    codes = CODES.findall(researcher.post(f"{base}/invitations", data=form).text)
    assert len(codes) == 2
    clinician, c_token = page_client(client, "c2")
    c_form = {"csrf_token": c_token, "idempotency_key": "page-invite"}
    page = clinician.post("/clinician/invitations", data=c_form)
    assert page.status_code == 200, page.text
    codes += CLINICIAN_CODE.findall(page.text)
    assert len(codes) == 3
    again = clinician.post("/clinician/invitations", data=c_form)
    assert again.status_code == 409 and "shown once" in again.text
    assert not CLINICIAN_CODE.findall(again.text)
    everything = _every_stored_value(client)
    assert not [s for code in codes for s in _spellings(code) if s in everything]


def test_codes_used_with_a_key_are_fingerprinted_under_the_secret(
    service: tuple[TestClient, World],
) -> None:
    client, world = service
    study_code = _post(client, world, "r1", f"/api/v1/studies/{world.studies['s1']}"
                       "/invitations", {"count": 1}, "one-code").json()["codes"][0]
    link_code = _post(client, world, "c2", "/api/v1/clinician/invitations", {},
                      "one-link").json()["code"]
    accept = {"code": link_code.lower()}
    accepted = _post(client, world, "p2", "/api/v1/links/accept", accept, "accept-1")
    assert accepted.status_code == 201, accepted.text
    replay = _post(client, world, "p2", "/api/v1/links/accept", accept, "accept-1")
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    preview = _post(client, world, "p2", "/api/v1/invitations/preview",
                    {"code": study_code}, "preview-1").json()
    enrol = {"code": study_code, "consent_version": preview["consent"]["version"],
             "consent_sha256": preview["consent"]["sha256"]}
    enrolled = _post(client, world, "p2", "/api/v1/enrolments", enrol, "enrol-1")
    assert enrolled.status_code == 201, enrolled.text
    app: Any = client.app
    with app.state.web.sessions() as session:
        prints = set(session.scalars(select(AccountIdempotencyRow.fingerprint)))
    guessable = fingerprint("POST", "/api/v1/links/accept", accept)  # plain SHA-256
    assert guessable not in prints
    everything = _every_stored_value(client)
    spellings = _spellings(study_code) + _spellings(link_code)
    assert not [s for s in spellings if s in everything]
    assert rules.normalise_code(study_code) == study_code
