"""The authorisation matrix: every API endpoint × every role × own and another's resource.

Every operation in the service's OpenAPI document must have a row in :data:`MATRIX`
(a new endpoint without one fails :func:`test_every_endpoint_is_in_the_matrix`). A row
says which (role, relation) combinations are allowed; for each endpoint a fresh world is
built, the refused combinations are tried first (each must be answered 403 — the role
may never do this — or 404 — someone else's object, answered as if it did not exist),
then the allowed ones, which must succeed. Nothing else may succeed.

Relations: ``own`` is the acting account's own object (for a clinician or an admin, a
linked person's); ``other`` is somebody else's. Endpoints that name no object only have
``own``. The acting accounts are p1 (participant), c1 (clinician, linked to p1), r1
(researcher, owns s1 where p1 is enrolled) and admin (linked to p2).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from tests.web.conftest import BASE_URL, CHECKIN
from tests.web.service_world import World, build_world, open_sessions, service_app

from microdose.services import caseload, studies
from microdose.services.actor import Actor
from microdose.store.service_models import EnrolmentRow
from microdose.web.app import create_app  # noqa: F401  (the app under test, via service_app)

ROLE_ACCOUNTS = {"participant": "p1", "clinician": "c1", "researcher": "r1", "admin": "admin"}
ALL = {"participant", "clinician", "researcher", "admin"}
OWN = frozenset({"own"})
BOTH = frozenset({"own", "other"})
PHQ9_ITEM9 = {"answers": [0] * 8 + [1]}
#: the world has no blinded trial: the participant's own trial is "not found", not refused
NO_TRIAL = 404


@dataclass
class Ids:
    """The objects each path parameter can name, by role and relation."""

    world: World
    alerts: dict[str, uuid.UUID] = field(default_factory=dict)
    links: dict[str, uuid.UUID] = field(default_factory=dict)
    accounts: dict[str, uuid.UUID] = field(default_factory=dict)
    study_code: str = ""
    study_sha256: str = ""
    clinician_code: str = ""
    #: p1's pseudonym in study s1 (with s2 as the "other" study: not in it)
    pseudonym: str = ""
    #: (path parameter, person) → the id of that person's dose, journal entry or response
    records: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)

    def person_of(self, role: str, relation: str) -> str:
        """Whose person: own is p1, or the linked one (admin: p2); other is the rest."""
        own = "p2" if role == "admin" else "p1"
        return own if relation == "own" else ({"p1", "p2"} - {own}).pop()

    def fill(self, name: str, role: str, relation: str) -> str:
        """The value of a path parameter for this role and relation."""
        person = self.person_of(role, relation)
        if name == "person_id":
            return str(self.world.person(person))
        if name == "alert_id":
            return str(self.alerts[person])
        if name == "link_id":
            return str(self.links[person])
        if name == "study_id":
            return str(self.world.studies["s1" if relation == "own" else "s2"])
        if name == "account_id":
            return str(self.accounts["admin" if relation == "own" else "p2"])
        if name == "instrument":
            return "gad7"
        if name == "pseudonym":
            return self.pseudonym
        if (name, person) in self.records:
            return str(self.records[(name, person)])
        raise AssertionError(f"no value for {{{name}}}")


Body = Callable[[Ids], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    """One endpoint: who may call it, with what, and anything special about success."""

    allowed: dict[str, frozenset[str]]
    body: Body | None = None
    query: dict[str, str] = field(default_factory=dict)
    #: statuses for allowed combinations other than 2xx, e.g. an admin disabling themself
    special: dict[tuple[str, str], int] = field(default_factory=dict)

    def relations(self, path: str) -> tuple[str, ...]:
        """``own`` and ``other`` when the path names an object, else ``own`` only."""
        return ("own", "other") if "{" in path else ("own",)


def _participant(relations: frozenset[str] = OWN, body: Body | None = None, **kw: Any) -> Row:
    return Row({"participant": relations}, body, **kw)


def _const(value: dict[str, Any]) -> Body:
    return lambda _ids: value


_CARE = {"clinician": OWN, "admin": OWN}
_PERSON_READ = {"participant": OWN, "clinician": OWN, "admin": OWN}
_REMINDERS = {**_PERSON_READ, "researcher": OWN}
STUDY_BODY = {
    "title": "Matrix study",
    "arms": [{"name": "a", "kind": "open-label"}, {"name": "b", "kind": "comparator"}],
    "schedule": [{"day": 0, "instruments": ["phq9"]}],
    "duration_days": 28,
    "consent_text": "I agree to take part and can withdraw at any time.",
}

#: (method, path) → who may: the whole API of the service
MATRIX: dict[tuple[str, str], Row] = {
    # the participant's own journal: no object in the path, nobody else's reachable
    ("POST", "/api/v1/checkins"): _participant(body=_const({**CHECKIN, "date": "2026-03-09"})),
    ("GET", "/api/v1/checkins"): _participant(),
    ("POST", "/api/v1/doses"): _participant(
        body=_const({"material": "dried-cubensis", "grams": 0.2, "date": "2026-03-03"})),
    ("GET", "/api/v1/doses"): _participant(),
    ("GET", "/api/v1/status"): _participant(),
    ("GET", "/api/v1/plan"): _participant(),
    ("POST", "/api/v1/plan"): _participant(
        body=_const({"protocol": "stamets", "start": "2026-03-16", "weeks": 2,
                     "confirm_past": True})),
    ("GET", "/api/v1/plan/calendar.ics"): _participant(),
    ("GET", "/api/v1/questionnaires"): Row(dict.fromkeys(ALL, OWN)),  # the instruments
    ("POST", "/api/v1/questionnaires/{instrument}/responses"): Row(
        {"participant": BOTH}, _const({"answers": [1] * 7})),
    ("GET", "/api/v1/questionnaires/responses"): _participant(),
    ("POST", "/api/v1/journal"): _participant(body=_const({"kind": "note", "text": "x"})),
    ("GET", "/api/v1/journal"): _participant(),
    ("GET", "/api/v1/crisis"): _participant(),
    ("POST", "/api/v1/crisis/acknowledge"): _participant(),
    ("POST", "/api/v1/safety/screen"): _participant(body=_const({})),
    ("GET", "/api/v1/safety/screen"): _participant(),
    ("POST", "/api/v1/adverse-events"): _participant(
        body=_const({"category": "headache", "grade": 1, "start": "2026-03-02"})),
    ("GET", "/api/v1/adverse-events"): _participant(),
    ("GET", "/api/v1/insights"): _participant(),
    ("GET", "/api/v1/trial"): _participant(special={("participant", "own"): NO_TRIAL}),
    ("GET", "/api/v1/trial/report"): _participant(special={("participant", "own"): NO_TRIAL}),
    ("POST", "/api/v1/trial"): _participant(
        body=_const({"doses": 12, "start": "2026-03-16", "confirm_past": True})),
    ("POST", "/api/v1/trial/unblind"): _participant(  # nothing blind to open in the world
        body=_const({"confirm": "UNBLIND"}), special={("participant", "own"): 409}),
    # general information: any logged-in account
    ("GET", "/api/v1/evidence"): Row(dict.fromkeys(ALL, OWN)),
    ("GET", "/api/v1/auth/me"): Row(dict.fromkeys(ALL, OWN)),
    ("POST", "/api/v1/auth/logout"): Row(dict.fromkeys(ALL, OWN)),
    # clinicians (and admins, who may hold a caseload of their own)
    ("POST", "/api/v1/clinician/invitations"): Row(_CARE),
    ("GET", "/api/v1/clinician/links"): Row(_CARE),
    ("POST", "/api/v1/clinician/links/{link_id}/revoke"): Row(_CARE),
    ("GET", "/api/v1/clinician/caseload"): Row(_CARE),
    ("GET", "/api/v1/people/{person_id}/timeline"): Row(_PERSON_READ),
    ("GET", "/api/v1/people/{person_id}/alerts"): Row(_PERSON_READ),
    ("GET", "/api/v1/people/{person_id}/report.pdf"): Row(_PERSON_READ),
    ("GET", "/api/v1/people/{person_id}/charts"): Row(_PERSON_READ),
    # reminders: the person, their linked clinician (or admin), their study's researcher
    ("GET", "/api/v1/people/{person_id}/reminders"): Row(_REMINDERS),
    ("PUT", "/api/v1/people/{person_id}/reminders"): Row(
        _REMINDERS, _const({"checkin_time": "07:30", "questionnaires": {"phq9": 14}})),
    # … and by pseudonym, for the study's researcher
    ("GET", "/api/v1/studies/{study_id}/participants/{pseudonym}/reminders"): Row(
        {"researcher": OWN}),
    ("PUT", "/api/v1/studies/{study_id}/participants/{pseudonym}/reminders"): Row(
        {"researcher": OWN}, _const({"checkin_time": "07:45", "questionnaires": {}})),
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): Row(
        _CARE, _const({"note": "called; safe, plan agreed"})),
    # researchers; participants read the studies they are in
    ("POST", "/api/v1/studies"): Row({"researcher": OWN}, _const(STUDY_BODY)),
    ("GET", "/api/v1/studies"): Row({"researcher": OWN, "participant": OWN}),
    ("GET", "/api/v1/studies/{study_id}"): Row({"researcher": OWN, "participant": OWN}),
    ("POST", "/api/v1/studies/{study_id}/status"): Row(
        {"researcher": OWN}, _const({"status": "closed"})),
    ("POST", "/api/v1/studies/{study_id}/consent"): Row(
        {"researcher": OWN}, _const({"text": "Version two: I agree and can withdraw."})),
    ("POST", "/api/v1/studies/{study_id}/invitations"): Row({"researcher": OWN}, _const({})),
    ("GET", "/api/v1/studies/{study_id}/export"): Row({"researcher": OWN}),
    ("GET", "/api/v1/studies/{study_id}/analysis"): Row({"researcher": OWN}),
    # participants' sharing
    ("POST", "/api/v1/links/accept"): _participant(
        body=lambda ids: {"code": ids.clinician_code}),
    ("GET", "/api/v1/links"): Row({"participant": OWN, "clinician": OWN, "admin": OWN}),
    ("POST", "/api/v1/links/{link_id}/revoke"): Row(
        {"participant": OWN, "clinician": OWN, "admin": OWN}),
    ("POST", "/api/v1/invitations/preview"): Row(  # the code is the key
        dict.fromkeys(ALL, OWN), lambda ids: {"code": ids.study_code}),
    ("POST", "/api/v1/enrolments"): _participant(body=lambda ids: {
        "code": ids.study_code, "consent_version": 1, "consent_sha256": ids.study_sha256}),
    ("GET", "/api/v1/enrolments"): _participant(),
    ("GET", "/api/v1/enrolments/{study_id}/consent"): _participant(),
    ("POST", "/api/v1/enrolments/{study_id}/consent"): _participant(
        body=lambda ids: {"version": 1, "sha256": ids.study_sha256}),
    ("POST", "/api/v1/enrolments/{study_id}/withdraw"): _participant(
        body=_const({"delete_data": False})),
    ("GET", "/api/v1/audit"): _participant(),
    ("GET", "/api/v1/sharing"): _participant(),
    ("POST", "/api/v1/sharing"): _participant(body=_const({"notes_shared": True})),
    # admins
    ("GET", "/api/v1/admin/accounts"): Row({"admin": OWN}),
    ("POST", "/api/v1/admin/accounts"): Row({"admin": OWN}, _const({
        "email": "new@example.org", "role": "clinician", "password": "another long passphrase",
        "display_name": "New"})),
    ("POST", "/api/v1/admin/accounts/{account_id}/disable"): Row(
        {"admin": BOTH}, special={("admin", "own"): 409}),
    ("POST", "/api/v1/admin/accounts/{account_id}/enable"): Row({"admin": BOTH}),
    ("GET", "/api/v1/admin/audit"): Row({"admin": OWN}),
}
#: reached without a login (the login itself), so outside the matrix
PUBLIC = {("POST", "/api/v1/auth/login")}


def _operations(client: TestClient) -> set[tuple[str, str]]:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def _seed(client: TestClient, app: Any, world: World) -> Ids:
    """Records, alerts, links and codes for the matrix (as the participants themselves)."""
    ids = Ids(world)
    for name in ("p1", "p2"):
        headers = world.headers(name)
        assert client.post("/api/v1/safety/screen", json={}, headers=headers).status_code == 201
        assert client.post("/api/v1/checkins", json=CHECKIN, headers=headers).status_code == 201
        answered = client.post("/api/v1/questionnaires/phq9/responses", json=PHQ9_ITEM9,
                               headers=headers)
        assert answered.status_code == 201, answered.text
        ids.records[("response_id", name)] = uuid.UUID(answered.json()["id"])
        assert client.post("/api/v1/crisis/acknowledge", headers=headers).status_code < 300
        for param, path, body in (
            ("dose_id", "/api/v1/doses", {"material": "dried-cubensis", "grams": 0.2,
                                          "date": "2026-03-02"}),
            ("entry_id", "/api/v1/journal", {"kind": "note", "text": "a note",
                                             "date": "2026-03-02"})):
            made = client.post(path, json=body, headers=headers)
            assert made.status_code == 201, made.text
            ids.records[(param, name)] = uuid.UUID(made.json()["id"])
        alerts = client.get(f"/api/v1/people/{world.person(name)}/alerts", headers=headers)
        ids.alerts[name] = uuid.UUID(alerts.json()[0]["id"])
    plan = {"protocol": "fadiman", "start": "2026-03-02", "weeks": 2, "confirm_past": True}
    assert client.post("/api/v1/plan", json=plan, headers=world.headers("p1")).status_code == 201
    with app.state.web.sessions() as session, session.begin():
        admin_link = caseload.invite(session=session, actor=world.actors["admin"])
        caseload.accept(session=session, actor=world.actors["p2"], code=admin_link.code)
        ids.links["p2"] = admin_link.link.id
        ids.links["p1"] = next(
            link.id for link in caseload.links(session=session, actor=world.actors["c1"]))
        ids.clinician_code = caseload.invite(session=session, actor=world.actors["c2"]).code
        s2 = world.studies["s2"]
        ids.study_code = studies.create_invitations(
            session=session, actor=world.actors["r2"], study_id=s2)[0]
        ids.study_sha256 = studies.current_consent(session, world.studies["s1"]).sha256
        ids.pseudonym = session.scalars(select(EnrolmentRow.pseudonym).where(
            EnrolmentRow.study_id == world.studies["s1"],
            EnrolmentRow.person_id == world.person("p1"))).one()
        ids.accounts = {n: a.account_id for n, a in world.actors.items()
                        if isinstance(a, Actor) and a.account_id is not None}
    return ids


@pytest.fixture
def seeded(database_url: str) -> Iterator[tuple[TestClient, Ids]]:
    """A fresh service world with sessions and records."""
    app = service_app(database_url)
    world = build_world(app)
    open_sessions(app, world)
    with TestClient(app, base_url=BASE_URL) as client:
        yield client, _seed(client, app, world)
    app.state.web.engine.dispose()


def test_every_endpoint_is_in_the_matrix(seeded: tuple[TestClient, Ids]) -> None:
    client, _ids = seeded
    assert _operations(client) - PUBLIC == set(MATRIX)


def _call(client: TestClient, ids: Ids, method: str, path: str, row: Row, role: str,
          relation: str) -> Any:
    url = path
    while "{" in url:
        name = url[url.index("{") + 1:url.index("}")]
        url = url.replace("{" + name + "}", ids.fill(name, role, relation))
    name = ROLE_ACCOUNTS[role]
    body = row.body(ids) if row.body else None
    return client.request(method, url, json=body, params=row.query or None,
                          headers=ids.world.headers(name))


def _expected_refusal(row: Row, role: str) -> int:
    """403 when the role may never do this; 404 when it may, but not to this object."""
    return 404 if row.allowed.get(role) else 403


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX), ids=lambda x: str(x))
def test_only_the_allowed_combinations_succeed(
    seeded: tuple[TestClient, Ids], method: str, path: str
) -> None:
    client, ids = seeded
    row = MATRIX[(method, path)]
    combos = [(role, rel) for role in sorted(ALL) for rel in row.relations(path)]
    refused = [c for c in combos if c[1] not in row.allowed.get(c[0], frozenset())]
    allowed = [c for c in combos if c not in refused]
    for role, relation in refused:  # first, so that nothing they might change helps
        response = _call(client, ids, method, path, row, role, relation)
        expected = _expected_refusal(row, role)
        assert response.status_code == expected, (role, relation, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    for role, relation in sorted(allowed, key=lambda c: c[0] == "admin"):
        response = _call(client, ids, method, path, row, role, relation)
        wanted = row.special.get((role, relation))
        if wanted is not None:  # allowed, but the world holds nothing there (or a rule says no)
            assert response.status_code == wanted, (role, relation, response.text)
            assert "access-denied" not in response.text, response.text
        else:
            assert 200 <= response.status_code < 300, (role, relation, response.text)


def test_a_participant_never_sees_another_participants_records(
    seeded: tuple[TestClient, Ids],
) -> None:
    client, ids = seeded
    marker = "P2-ONLY-" + uuid.uuid4().hex
    p2 = ids.world.headers("p2")
    client.post("/api/v1/journal", json={"kind": "note", "text": marker}, headers=p2)
    client.post("/api/v1/checkins", json={**CHECKIN, "date": "2026-03-04", "notes": marker},
                headers=p2)
    for (method, path), row in MATRIX.items():
        if method != "GET" or "{" in path or "participant" not in row.allowed:
            continue
        response = client.get(path, headers=ids.world.headers("p1"))
        assert response.status_code == row.special.get(("participant", "own"), 200), path
        assert marker not in response.text, path
