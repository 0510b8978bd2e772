"""What a participant shares (links, studies, consent, withdrawal, who looked) and the admin.

Through the in-process client in service mode over SQLite and PostgreSQL; the world (see
``tests/web/service_world.py``): ``c1`` is linked to ``p1``; ``p1`` is enrolled in ``s1``
(owned by ``r1``); ``s2`` belongs to ``r2``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from tests.service_support import PASSWORD
from tests.web.conftest import BASE_URL, CHECKIN, csrf_token
from tests.web.service_world import World, email

from microdose.domain.errors import Conflict, NotFound
from microdose.domain.roles import AccessDenied, Resource
from microdose.services import caseload, studies
from microdose.services.actor import Actor
from microdose.store.models import CheckinRow, Person
from microdose.store.service_models import AccountIdempotencyRow, AccountRow, AuditRow
from microdose.web.platform.audit_refusals import refusal_of

Service = tuple[TestClient, World]
NEW_CONSENT = "Version two: we also ask about sleep. You can withdraw at any time."
TIMELINE = "/api/v1/people/{person_id}/timeline"
ADMIN_PATHS = [
    ("get", "/api/v1/admin/accounts"),
    ("post", "/api/v1/admin/accounts"),
    ("post", f"/api/v1/admin/accounts/{uuid.uuid4()}/disable"),
    ("post", f"/api/v1/admin/accounts/{uuid.uuid4()}/enable"),
    ("get", "/api/v1/admin/audit"),
]


@contextmanager
def transaction(client: TestClient) -> Iterator[Session]:
    """A write transaction on the app's database."""
    with client.app.state.web.sessions() as session, session.begin():  # type: ignore[attr-defined]
        yield session


def clinician_code(client: TestClient, world: World, name: str) -> str:
    with transaction(client) as session:
        return caseload.invite(session=session, actor=world.actors[name]).code


def study_code(client: TestClient, world: World, study: str = "s1") -> str:
    owner = world.actors["r1" if study == "s1" else "r2"]
    with transaction(client) as session:
        return studies.create_invitations(session=session, actor=owner,
                                          study_id=world.studies[study])[0]


def new_consent(client: TestClient, world: World) -> None:
    with transaction(client) as session:
        studies.add_consent_version(session=session, actor=world.actors["r1"],
                                    study_id=world.studies["s1"], text=NEW_CONSENT)


def post(client: TestClient, world: World, name: str, path: str, body: Any = None,
         key: str | None = None) -> Any:
    headers = world.headers(name)
    if key:
        headers["Idempotency-Key"] = key
    return client.post(path, json=body if body is not None else {}, headers=headers)


def get(client: TestClient, world: World, name: str, path: str) -> Any:
    return client.get(path, headers=world.headers(name))


def has_route(client: TestClient, path: str) -> bool:
    """Whether the app serves this API path (as its OpenAPI schema lists it)."""
    return path in client.app.openapi()["paths"]  # type: ignore[attr-defined]


def timeline_status(client: TestClient, world: World, viewer: str, person: str) -> int:
    """The status of ``viewer`` reading ``person``'s timeline: over HTTP when the route is
    built, else through the service with the viewer's actor."""
    if has_route(client, TIMELINE):
        url = TIMELINE.format(person_id=world.person(person))
        return int(get(client, world, viewer, url).status_code)
    try:
        with transaction(client) as session:
            caseload.timeline(session=session, actor=world.actors[viewer],
                              person_id=world.person(person))
    except NotFound:
        return 404
    return 200


# --- clinician links -------------------------------------------------------------------


def test_accepting_a_code_links_the_clinician_once_per_key(service: Service) -> None:
    client, world = service
    code = clinician_code(client, world, "c2")
    first = post(client, world, "p2", "/api/v1/links/accept", {"code": code.lower()}, key="k1")
    again = post(client, world, "p2", "/api/v1/links/accept", {"code": code.lower()}, key="k1")
    assert first.status_code == 201, first.text
    assert first.json()["clinician"] == "C2" and first.json()["state"] == "active"
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    mine = get(client, world, "p2", "/api/v1/links").json()
    assert [(x["clinician"], x["state"]) for x in mine] == [("C2", "active")]
    assert [x["clinician"] for x in get(client, world, "p1", "/api/v1/links").json()] == ["C1"]
    used = post(client, world, "p1", "/api/v1/links/accept", {"code": code})
    assert used.status_code == 404 and "no such code" in used.json()["detail"]


def test_revoking_a_link_ends_the_clinicians_access(service: Service) -> None:
    client, world = service
    assert timeline_status(client, world, "c1", "p1") == 200
    link = get(client, world, "p1", "/api/v1/links").json()[0]
    other = post(client, world, "p2", f"/api/v1/links/{link['id']}/revoke")
    assert other.status_code == 404  # p2 cannot learn that p1's link exists
    revoked = post(client, world, "p1", f"/api/v1/links/{link['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["state"] == "revoked" and revoked.json()["revoked_at"]
    assert timeline_status(client, world, "c1", "p1") == 404
    assert post(client, world, "r1", f"/api/v1/links/{link['id']}/revoke").status_code == 403


# --- studies: preview, consent, enrolment, withdrawal ------------------------------------


def test_enrolling_with_a_stale_consent_version_is_409_naming_the_current(
    service: Service,
) -> None:
    client, world = service
    code = study_code(client, world)
    preview = post(client, world, "p2", "/api/v1/invitations/preview", {"code": code})
    assert preview.status_code == 200, preview.text
    unknown = post(client, world, "p2", "/api/v1/invitations/preview", {"code": "ZZZZZ-ZZZZZ"})
    assert unknown.status_code == 404, unknown.text
    shown = preview.json()["consent"]
    assert shown["version"] == 1 and "withdraw at any time" in shown["text"]
    new_consent(client, world)  # the researcher publishes version 2 meanwhile
    body = {"code": code, "consent_version": shown["version"], "consent_sha256": shown["sha256"]}
    stale = post(client, world, "p2", "/api/v1/enrolments", body)
    assert stale.status_code == 409
    assert "read and accept version 2" in stale.json()["detail"]
    current = post(client, world, "p2", "/api/v1/invitations/preview",
                   {"code": code}).json()["consent"]
    body.update(consent_version=2, consent_sha256=current["sha256"])
    enrolled = post(client, world, "p2", "/api/v1/enrolments", body)
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["title"] == "Mood study" and enrolled.json()["consent_current"]
    assert [e["title"] for e in get(client, world, "p2", "/api/v1/enrolments").json()] == [
        "Mood study"]


def test_a_new_consent_version_must_be_accepted_again(service: Service) -> None:
    client, world = service
    new_consent(client, world)
    study = world.studies["s1"]
    (mine,) = get(client, world, "p1", "/api/v1/enrolments").json()
    assert mine["consent_current"] is False and mine["consent_version"] == 2
    consent = get(client, world, "p1", f"/api/v1/enrolments/{study}/consent").json()
    assert consent["text"] == NEW_CONSENT and consent["accepted"] is False
    wrong = post(client, world, "p1", f"/api/v1/enrolments/{study}/consent",
                 {"version": 1, "sha256": consent["sha256"]})
    assert wrong.status_code == 409 and "version 2" in wrong.json()["detail"]
    done = post(client, world, "p1", f"/api/v1/enrolments/{study}/consent",
                {"version": 2, "sha256": consent["sha256"]})
    assert done.status_code == 200, done.text
    assert get(client, world, "p1", "/api/v1/enrolments").json()[0]["consent_current"] is True
    other = get(client, world, "p2", f"/api/v1/enrolments/{study}/consent")
    assert other.status_code == 404


def test_withdrawing_keeps_the_data_and_stops_study_assessments(service: Service) -> None:
    client, world = service
    assert post(client, world, "p1", "/api/v1/checkins", CHECKIN).status_code == 201
    study = world.studies["s1"]
    withdrawn = post(client, world, "p1", f"/api/v1/enrolments/{study}/withdraw",
                     {"delete_data": False})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["data_deleted"] is False
    assert len(get(client, world, "p1", "/api/v1/checkins").json()) == 1
    assert get(client, world, "p1", "/api/v1/enrolments").json()[0]["withdrawn_at"]
    with pytest.raises(Conflict, match="you withdrew"), transaction(client) as session:
        studies.submit_assessment(session=session, actor=world.actors["p1"], study_id=study,
                                  instrument="phq9", answers=[0] * 9)


def test_withdrawing_with_deletion_removes_the_person_and_ends_the_login(
    service: Service,
) -> None:
    client, world = service
    assert post(client, world, "p1", "/api/v1/checkins", CHECKIN).status_code == 201
    person = world.person("p1")
    done = post(client, world, "p1", f"/api/v1/enrolments/{world.studies['s1']}/withdraw",
                {"delete_data": True}, key="bye")
    assert done.status_code == 200, done.text
    assert done.json()["data_deleted"] is True
    assert get(client, world, "p1", "/api/v1/auth/me").status_code == 401
    with transaction(client) as session:
        assert session.get(Person, person) is None
        assert session.scalars(select(CheckinRow).where(CheckinRow.person_id == person)).all() == []
        assert session.scalars(select(AccountRow).where(AccountRow.email == email("p1"))).all() == [
        ]
        kept = session.scalars(select(AuditRow).where(AuditRow.subject_person_id == person,
                                                      AuditRow.action == "study.withdraw")).one()
    assert kept.detail == "data deleted on request"


# --- who looked at my data ---------------------------------------------------------------


def test_the_audit_shows_the_clinicians_reads_by_name(service: Service) -> None:
    client, world = service
    assert timeline_status(client, world, "c1", "p1") == 200
    entries = get(client, world, "p1", "/api/v1/audit").json()
    reads = [e for e in entries if e["action"] == "journal.timeline"]
    assert reads and reads[0]["actor"] == "clinician C1" and reads[0]["allowed"] is True
    assert reads[0]["description"] == "opened your timeline"
    assert get(client, world, "p2", "/api/v1/audit").json() == []
    assert get(client, world, "c1", "/api/v1/audit").status_code == 403


# --- refused accesses ----------------------------------------------------------------------


def test_refusals_under_watched_paths_are_recorded_without_naming_participants(
    service: Service,
) -> None:
    client, world = service
    p1 = world.person("p1")
    assert timeline_status(client, world, "c2", "p1") == 404  # c2 is not linked to p1
    assert get(client, world, "p1", "/api/v1/admin/accounts").status_code == 403
    probe = f"/api/v1/people/{p1}/timeline"
    assert get(client, world, "p2", probe).status_code in (403, 404)
    assert get(client, world, "p2", "/api/v1/checkins").status_code == 200  # not watched
    with transaction(client) as session:
        refused = session.scalars(select(AuditRow).where(AuditRow.allowed.is_(False))).all()
    by_role = {(r.actor_role, r.resource, r.subject_person_id) for r in refused}
    assert ("participant", "account", None) in by_role
    assert {r.action for r in refused} == {"access.refused"}
    about_p1 = get(client, world, "p1", "/api/v1/audit").json()
    refusals = [e for e in about_p1 if not e["allowed"]]
    assert {e["actor"] for e in refusals} >= {"another participant"}
    assert all("P2" not in json.dumps(e) and email("p2") not in json.dumps(e) for e in about_p1)
    everything = get(client, world, "admin", "/api/v1/admin/audit?limit=50").json()
    assert any(e["action"] == "access.refused" and email("p1") in e["actor"]
               for e in everything)


def test_a_clinicians_refusal_names_the_person_from_the_path(service: Service) -> None:
    client, world = service
    if not has_route(client, TIMELINE):
        pytest.skip("the people routes are not built")
    p1 = world.person("p1")
    assert get(client, world, "c2", f"/api/v1/people/{p1}/timeline").status_code == 404
    refusals = [e for e in get(client, world, "p1", "/api/v1/audit").json() if not e["allowed"]]
    assert [e["actor"] for e in refusals] == ["clinician C2"]
    assert f"/api/v1/people/{p1}/timeline" in refusals[0]["detail"]


def test_which_errors_and_paths_make_a_refusal_entry() -> None:
    person, study = uuid.uuid4(), uuid.uuid4()
    found = refusal_of("GET", f"/api/v1/people/{person}/alerts", NotFound("x"))
    assert found is not None and found.subject_person_id == person
    assert found.detail == f"GET /api/v1/people/{person}/alerts -> 404 NotFound"
    in_study = refusal_of("POST", f"/api/v1/studies/{study}/export", AccessDenied("x"))
    assert in_study is not None and in_study.study_id == study
    assert refusal_of("GET", "/api/v1/people/not-a-uuid/x", NotFound("x")) is not None
    assert refusal_of("GET", "/api/v1/checkins", NotFound("x")) is None
    assert refusal_of("GET", "/api/v1/admin/accounts", Conflict("x")) is None
    page = refusal_of("GET", f"/clinician/people/{person}", NotFound("x"))  # the pages too
    assert page is not None and (page.resource, page.subject_person_id) == (
        Resource.JOURNAL, person)
    on_study = refusal_of("GET", f"/studies/{study}/analysis", AccessDenied("x"))
    assert on_study is not None and (on_study.resource, on_study.study_id) == (
        Resource.STUDY, study)
    on_audit = refusal_of("GET", "/admin/audit", AccessDenied("x"))
    assert on_audit is not None and on_audit.resource == Resource.AUDIT
    assert refusal_of("GET", "/checkins", NotFound("x")) is None


def test_refused_pages_are_recorded_like_refused_api_calls(service: Service) -> None:
    client, world = service
    p1 = world.person("p1")
    clinician = page_login(client, "c2")  # not linked to p1
    assert clinician.get(f"/clinician/people/{p1}").status_code == 404
    participant = page_login(client, "p2")
    assert participant.get("/admin/audit").status_code == 403
    refusals = [e for e in get(client, world, "p1", "/api/v1/audit").json() if not e["allowed"]]
    assert [(e["actor"], e["detail"]) for e in refusals] == [
        ("clinician C2", f"GET /clinician/people/{p1} -> 404 NotFound")]
    with transaction(client) as session:
        rows = session.scalars(select(AuditRow).where(
            AuditRow.actor_account_id == world.actors["p2"].account_id,
            AuditRow.allowed.is_(False))).all()
    assert [(r.resource, r.detail) for r in rows] == [
        ("audit", "GET /admin/audit -> 403 AccessDenied")]


# --- admin ---------------------------------------------------------------------------------


def test_admin_lists_creates_disables_and_enables_accounts(service: Service) -> None:
    client, world = service
    clinicians = get(client, world, "admin", "/api/v1/admin/accounts?role=clinician").json()
    assert [a["email"] for a in clinicians] == [email("c1"), email("c2")]
    password = "quiet river lantern 42"
    body = {"email": "New.Guide@example.org", "role": "clinician", "display_name": "Sam Okafor",
            "password": password, "timezone": "Europe/Berlin"}
    created = post(client, world, "admin", "/api/v1/admin/accounts", body, key="acct-1")
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["email"] == "new.guide@example.org" and "password" not in created.text
    replay = post(client, world, "admin", "/api/v1/admin/accounts", body, key="acct-1")
    assert replay.status_code == 201 and replay.json() == account
    changed = post(client, world, "admin", "/api/v1/admin/accounts",
                   {**body, "password": password + "!"}, key="acct-1")
    assert changed.status_code == 422  # a different password is a different request
    with transaction(client) as session:
        stored = session.scalars(select(AccountIdempotencyRow)).all()
    assert stored and all(password not in json.dumps(r.body) + r.fingerprint for r in stored)
    login = client.post("/api/v1/auth/login", json={"email": body["email"], "password": password})
    assert login.status_code == 200
    token = {"Authorization": f"Bearer {login.json()['token']}"}
    disabled = post(client, world, "admin", f"/api/v1/admin/accounts/{account['id']}/disable")
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert client.get("/api/v1/auth/me", headers=token).status_code == 401
    enabled = post(client, world, "admin", f"/api/v1/admin/accounts/{account['id']}/enable")
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    again = client.post("/api/v1/auth/login", json={"email": body["email"], "password": password})
    assert again.status_code == 200


def test_admin_account_errors_name_the_field(service: Service) -> None:
    client, world = service
    body = {"email": "x@example.org", "role": "clinician", "password": "short"}
    weak = post(client, world, "admin", "/api/v1/admin/accounts", body)
    assert weak.status_code == 422 and "password: is shorter than 12" in weak.json()["detail"]
    taken = post(client, world, "admin", "/api/v1/admin/accounts",
                 {**body, "email": email("c1").upper(), "password": "quiet river lantern"})
    assert taken.status_code == 409
    role = post(client, world, "admin", "/api/v1/admin/accounts", {**body, "role": "root"})
    assert role.status_code == 422 and role.json()["errors"][0]["field"] == "role"
    me = world.actors["admin"].account_id
    assert post(client, world, "admin", f"/api/v1/admin/accounts/{me}/disable").status_code == 409
    missing = post(client, world, "admin", f"/api/v1/admin/accounts/{uuid.uuid4()}/disable")
    assert missing.status_code == 404


@pytest.mark.parametrize("name", ["p1", "c1", "r1"])
def test_other_roles_get_403_on_every_admin_route(service: Service, name: str) -> None:
    client, world = service
    body = {"email": "y@example.org", "role": "admin", "password": "quiet river lantern"}
    for method, path in ADMIN_PATHS:
        response = getattr(client, method)(path, headers=world.headers(name),
                                           **({"json": body} if method == "post" else {}))
        assert response.status_code == 403, (name, path, response.text)
    with transaction(client) as session:
        assert session.scalars(select(AccountRow).where(AccountRow.email == "y@example.org")
                               ).all() == []


# --- pages ---------------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def page_login(client: TestClient, name: str) -> TestClient:
    """A browser-like client of the same app, logged in through the login page."""
    browser = TestClient(client.app, base_url=BASE_URL)
    token = csrf_token(browser, "/login")
    response = browser.post("/login", data={"email": email(name), "password": PASSWORD,
                                            "csrf_token": token, "next": "/"},
                            follow_redirects=False)
    assert response.status_code == 303, response.text
    return browser


def form(browser: TestClient, page: str, action: str, data: dict[str, str]) -> Any:
    """Send a form the way the page does (CSRF token from the page)."""
    token = CSRF_FIELD.search(browser.get(page).text)
    assert token, page
    return browser.post(action, data={"csrf_token": token.group(1), **data},
                        follow_redirects=False)


def test_sharing_pages_link_enrol_and_show_who_looked(service: Service) -> None:
    client, world = service
    browser = page_login(client, "p2")
    assert "Nobody has looked at your data" in browser.get("/sharing").text
    bad = form(browser, "/sharing", "/sharing/links", {"clinician_code": "AAAAA-AAAAA"})
    assert bad.status_code == 404
    assert 'id="clinician_code-error"' in bad.text and 'aria-invalid="true"' in bad.text
    code = clinician_code(client, world, "c2")
    linked = form(browser, "/sharing", "/sharing/links", {"clinician_code": code})
    assert linked.status_code == 303 and linked.headers["location"] == "/sharing?saved=linked"
    assert "C2" in browser.get("/sharing").text
    scode = study_code(client, world)
    preview = form(browser, "/sharing", "/sharing/invitation", {"study_code": scode})
    assert preview.status_code == 200 and "Consent, version 1" in preview.text
    assert "withdraw at any time" in preview.text
    data = {"code": scode, "consent_version": "1",
            "consent_sha256": re.findall(r"<code>([0-9a-f]{64})</code>", preview.text)[0]}
    unticked = form(browser, "/sharing", "/sharing/enrol", data)
    assert unticked.status_code == 422 and 'id="agree-error"' in unticked.text
    enrolled = form(browser, "/sharing", "/sharing/enrol", {**data, "agree": "yes"})
    assert enrolled.status_code == 303, enrolled.text
    page = browser.get("/sharing").text
    assert "Mood study" in page and "version 1 accepted" in page
    assert timeline_status(client, world, "c2", "p2") == 200
    audit_page = browser.get("/sharing/audit").text
    assert "clinician C2" in audit_page and "opened your timeline" in audit_page


def test_consent_page_and_withdrawal_with_deletion(service: Service) -> None:
    client, world = service
    new_consent(client, world)
    study = world.studies["s1"]
    browser = page_login(client, "p1")
    assert "Read and accept version 2" in browser.get("/sharing").text
    consent_url = f"/sharing/studies/{study}/consent"
    assert NEW_CONSENT in browser.get(consent_url).text
    sha = re.findall(r'name="sha256" value="([0-9a-f]{64})"', browser.get(consent_url).text)[0]
    accepted = form(browser, consent_url, consent_url,
                    {"version": "2", "sha256": sha, "agree": "yes"})
    assert accepted.status_code == 303
    assert "version 2 accepted" in browser.get("/sharing").text
    url = f"/sharing/studies/{study}/withdraw"
    untyped = form(browser, url, url, {"confirm": "yes", "delete_data": "yes"})
    assert untyped.status_code == 422 and 'id="delete_confirm-error"' in untyped.text
    gone = form(browser, url, url,
                {"confirm": "yes", "delete_data": "yes", "delete_confirm": "DELETE"})
    assert gone.status_code == 200 and "Your data was deleted" in gone.text
    assert browser.get("/sharing", follow_redirects=False).status_code == 303
    with transaction(client) as session:
        assert session.get(Person, world.person("p1")) is None


def test_admin_pages_create_disable_and_show_the_log(service: Service) -> None:
    client, _world = service
    browser = page_login(client, "admin")
    page = browser.get("/admin/accounts")
    assert page.status_code == 200 and email("r2") in page.text
    data = {"email": "guide@example.org", "role": "clinician", "display_name": "Guide",
            "password": "short", "timezone": "UTC"}
    weak = form(browser, "/admin/accounts", "/admin/accounts", data)
    assert weak.status_code == 422 and 'id="password-error"' in weak.text
    assert 'value="guide@example.org"' in weak.text and 'value="short"' not in weak.text
    made = form(browser, "/admin/accounts", "/admin/accounts",
                {**data, "password": "quiet river lantern"})
    assert made.status_code == 303 and made.headers["location"].endswith("saved=created")
    with transaction(client) as session:
        new = session.scalars(select(AccountRow).where(AccountRow.email == data["email"])).one()
    off = form(browser, "/admin/accounts", f"/admin/accounts/{new.id}/disable", {})
    assert off.status_code == 303
    assert "disabled" in browser.get("/admin/accounts?role=clinician").text
    assert browser.get("/admin/audit?limit=50").status_code == 200
    participant = page_login(client, "p1")
    assert participant.get("/admin/accounts").status_code == 403
    assert participant.get("/admin/audit").status_code == 403
    assert page_login(client, "c1").get("/sharing").status_code == 403  # no journal


def test_the_refusal_is_recorded_for_a_probe_of_the_service(service: Service) -> None:
    client, world = service
    actor: Actor = world.actors["r1"]
    assert get(client, world, "r1", "/api/v1/admin/audit").status_code == 403
    with transaction(client) as session:
        rows = session.scalars(select(AuditRow).where(
            AuditRow.actor_account_id == actor.account_id, AuditRow.allowed.is_(False))).all()
    assert [(r.action, r.resource, r.actor_role) for r in rows] == [
        ("access.refused", "audit", "researcher")]
    assert rows[0].detail == "GET /api/v1/admin/audit -> 403 AccessDenied"


def test_role_matrix_of_the_participant_routes(service: Service) -> None:
    """Each role on each participant route: 2xx for own, 404 for another's, 403 never."""
    client, world = service
    s1 = world.studies["s1"]
    link = get(client, world, "p1", "/api/v1/links").json()[0]["id"]
    reads = ["/api/v1/links", "/api/v1/enrolments", f"/api/v1/enrolments/{s1}/consent",
             "/api/v1/audit"]
    expected = {
        "p1": [200, 200, 200, 200], "p2": [200, 200, 404, 200],
        "c1": [200, 403, 403, 403], "r1": [403, 403, 403, 403], "admin": [200, 403, 403, 403],
    }
    for name, statuses in expected.items():
        assert [get(client, world, name, path).status_code for path in reads] == statuses, name
    code = {"code": "AAAAA-AAAAA"}
    accepts = {name: post(client, world, name, "/api/v1/links/accept", code).status_code
               for name in ("p2", "c1", "r1", "admin")}
    assert accepts == {"p2": 404, "c1": 403, "r1": 403, "admin": 403}
    enrols = {name: post(client, world, name, "/api/v1/enrolments",
                         {**code, "consent_version": 1, "consent_sha256": "0" * 64}).status_code
              for name in ("p2", "c1", "r1", "admin")}
    assert enrols == {"p2": 404, "c1": 403, "r1": 403, "admin": 403}
    revokes = {name: post(client, world, name, f"/api/v1/links/{link}/revoke").status_code
               for name in ("p2", "c2", "r1", "admin", "c1")}
    assert revokes == {"p2": 404, "c2": 404, "r1": 403, "admin": 404, "c1": 200}
    withdraws = {name: post(client, world, name, f"/api/v1/enrolments/{s1}/withdraw").status_code
                 for name in ("p2", "c1", "r1", "admin", "p1")}
    assert withdraws == {"p2": 404, "c1": 403, "r1": 403, "admin": 403, "p1": 200}
