"""The authorisation matrix of the pages: every page route × every role × own and another's.

The page routes are read from the app itself (every route outside ``/api/`` and the static
files): a new page without a row in :data:`PAGES` fails
:func:`test_every_page_route_is_in_the_matrix`. Rows work as in the API's matrix
(``test_service_authz_matrix``): the refused (role, relation) combinations must answer
403 (the role may never) or 404 (another's object, answered as if it did not exist), and
are tried first; then the allowed ones must get through (below 400, or the status the
row names). Pages are called as a browser does: the session cookie, and for a form the
CSRF cookie and token. GET rows share one world; each form gets a fresh one. The trial
pages (design, envelope, kit, unblinding) also act on the caller's own trial only, which
:func:`test_trial_pages_act_on_the_own_trial_only` shows across two participants.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from starlette.testclient import TestClient
from tests.web.conftest import BASE_URL, CHECKIN
from tests.web.service_world import build_world, open_sessions, service_app
from tests.web.test_service_authz_matrix import ALL, BOTH, OWN, ROLE_ACCOUNTS, Ids, _seed

from microdose.services import trials
from microdose.store.models import DoseRow
from microdose.store.trial_models import TrialRow
from microdose.web.platform.security import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE

Form = Callable[[Ids], dict[str, Any]]
#: path parameters that name someone's object (the rest, like an instrument, do not)
OBJECTS = ("person_id", "alert_id", "link_id", "study_id", "account_id", "dose_id",
           "entry_id", "response_id")
PARTICIPANT = {"participant": OWN}
CARE = {"clinician": OWN, "admin": OWN}
EVERYONE = dict.fromkeys(ALL, OWN)
PERSON_READ = {"participant": OWN, "clinician": OWN, "admin": OWN}
#: the world has no blinded trial: the participant's own is "not found", not refused
NO_TRIAL = {("participant", "own"): 404}
#: … and a trial form is answered beside its field (no trial to act on)
NO_TRIAL_FORM = {("participant", "own"): 422}


@dataclass(frozen=True)
class Page:
    """One page route: who may, with what form, and what an allowed call answers."""

    allowed: dict[str, frozenset[str]]
    form: Form | None = None
    query: dict[str, str] = field(default_factory=dict)
    special: dict[tuple[str, str], int] = field(default_factory=dict)

    def relations(self, path: str) -> tuple[str, ...]:
        """``own`` and ``other`` when the path names someone's object, else ``own``."""
        return ("own", "other") if any(f"{{{o}}}" in path for o in OBJECTS) else ("own",)


def _form(value: dict[str, Any]) -> Form:
    return lambda _ids: value


def _mine(form: Form | None = None, **kw: Any) -> Page:
    return Page(PARTICIPANT, form, **kw)


def _research(form: Form | None = None, **kw: Any) -> Page:
    return Page({"researcher": OWN}, form, **kw)


STUDY_FORM = {"title": "Page study", "arms": "a=open-label,b=comparator",
              "schedule": "0:phq9", "duration_days": "28", "consent": "I agree."}
#: (method, path) → who may: every page of the service
PAGES: dict[tuple[str, str], Page] = {
    # the participant's own journal
    ("GET", "/"): _mine(),
    ("POST", "/checkin"): _mine(_form({**CHECKIN, "date": "2026-03-09"})),
    ("GET", "/checkins"): _mine(),
    ("GET", "/doses"): _mine(),
    ("GET", "/doses/estimate"): Page(EVERYONE, query={"material": "dried-cubensis",
                                                      "grams": "0.2"}),  # a calculator
    ("POST", "/doses"): _mine(_form({"material": "dried-cubensis", "grams": "0.2"})),
    ("GET", "/journal"): _mine(),
    ("POST", "/journal"): _mine(_form({"kind": "note", "text": "a page note"})),
    ("GET", "/questionnaires"): _mine(),
    ("GET", "/questionnaires/{key}"): _mine(),
    ("POST", "/questionnaires/{key}"): _mine(_form({"answers": "", "answer": "1"})),
    ("GET", "/questionnaires/{key}/latest"): _mine(),
    ("GET", "/plan"): _mine(),
    ("POST", "/plan"): _mine(_form({"protocol": "stamets", "start": "2026-03-16",
                                    "weeks": "2", "confirm_past": "1"})),
    ("GET", "/plan.ics"): _mine(),
    ("GET", "/safety"): _mine(),
    ("POST", "/safety/screen"): _mine(_form({})),
    ("POST", "/safety/adverse"): _mine(_form({"category": "headache", "grade": "1",
                                              "start": "2026-03-02"})),
    ("GET", "/crisis"): _mine(),
    ("POST", "/crisis/acknowledge"): _mine(_form({"next": "/"})),
    ("GET", "/evidence"): Page(EVERYONE),
    ("GET", "/insights"): _mine(),
    ("GET", "/insights/report.pdf"): _mine(),
    ("GET", "/trial"): _mine(),
    ("POST", "/trial/design"): _mine(_form({"doses": "12", "start": "2026-03-16",
                                            "confirm_past": "1"})),
    ("POST", "/trial/envelope"): _mine(_form({"code": "NOPE1"}), special=NO_TRIAL_FORM),
    ("POST", "/trial/unblind"): _mine(_form({"reason": "curious", "confirm": "unblind"}),
                                      special={("participant", "own"): 409}),  # no trial
    ("GET", "/trial/kit.pdf"): _mine(special=NO_TRIAL),
    ("GET", "/trial/report.pdf"): _mine(special=NO_TRIAL),
    ("GET", "/settings"): _mine(),
    ("POST", "/settings/region"): _mine(_form({"region": "GB"})),
    ("POST", "/settings/timezone"): _mine(_form({"timezone": "Europe/London"})),
    ("POST", "/settings/delete"): _mine(_form({"confirm": "DELETE"}),
                                        special={("participant", "own"): 303}),  # gone
    ("GET", "/settings/export/{fmt}"): _mine(),
    ("POST", "/settings/ratings"): _mine(_form({"ratings": ["energy"]})),
    ("POST", "/settings/appearance"): _mine(_form({"theme": "dark", "date_style": "iso"})),
    ("POST", "/settings/factors"): _mine(_form({"factors": "exercise"})),
    ("POST", "/settings/reminders"): _mine(_form({"checkin_time": "20:00"})),
    ("GET", "/calendar"): _mine(),
    # corrections: the seeded check-in's day; doses, entries and responses by id
    ("GET", "/history"): _mine(),
    ("GET", "/checkins/{day}/edit"): _mine(),
    ("POST", "/checkins/{day}/edit"): _mine(_form({k: str(v) for k, v in CHECKIN.items()
                                                   if k != "date"})),
    ("POST", "/checkins/{day}/delete"): _mine(_form({"confirm": "on"})),
    ("POST", "/doses/{dose_id}/delete"): _mine(_form({"confirm": "on"})),
    ("GET", "/journal/{entry_id}/edit"): _mine(),
    ("POST", "/journal/{entry_id}/edit"): _mine(_form({"kind": "note", "text": "corrected",
                                                       "date": "2026-03-02"})),
    ("POST", "/journal/{entry_id}/delete"): _mine(_form({"confirm": "on"})),
    ("POST", "/questionnaires/responses/{response_id}/delete"): _mine(
        _form({"confirm": "on"})),
    # any account that is logged in
    ("POST", "/logout"): Page(EVERYONE, _form({}),
                              special={(role, "own"): 303 for role in ALL}),  # to /login
    # clinicians (and admins with a caseload of their own)
    ("GET", "/clinician"): Page(CARE),
    ("POST", "/clinician/invitations"): Page(CARE, _form({})),
    ("GET", "/clinician/invitations"): Page(EVERYONE),  # only a redirect to /clinician
    ("POST", "/clinician/links/{link_id}/revoke"): Page(
        CARE, _form({})),
    ("GET", "/clinician/people/{person_id}"): Page(PERSON_READ),  # as the API's timeline
    ("POST", "/clinician/alerts/{alert_id}/acknowledge"): Page(
        CARE, _form({"note": "called; safe"})),
    # researchers
    ("GET", "/studies"): Page({"researcher": OWN}),
    ("POST", "/studies"): Page({"researcher": OWN}, _form(STUDY_FORM)),
    ("GET", "/studies/{study_id}"): _research(),
    ("POST", "/studies/{study_id}/status"): _research(_form({"status": "closed"})),
    ("POST", "/studies/{study_id}/consent"): _research(_form({"consent": "Version 2."})),
    ("POST", "/studies/{study_id}/invitations"): _research(_form({"count": "1"})),
    ("GET", "/studies/{study_id}/export"): _research(),
    ("GET", "/studies/{study_id}/analysis"): _research(),
    # participants' sharing
    ("GET", "/sharing"): _mine(),
    ("POST", "/sharing/links"): _mine(lambda ids: {"clinician_code": ids.clinician_code}),
    ("POST", "/sharing/notes"): _mine(_form({"notes_shared": "1"})),
    ("POST", "/sharing/links/{link_id}/revoke"): Page(PERSON_READ, _form({})),  # either side
    ("POST", "/sharing/invitation"): Page(  # the code is the key, as in the API
        EVERYONE, lambda ids: {"study_code": ids.study_code}),
    ("POST", "/sharing/enrol"): _mine(lambda ids: {
        "code": ids.study_code, "consent_version": "1", "consent_sha256": ids.study_sha256,
        "agree": "yes"}),
    ("GET", "/sharing/studies/{study_id}/consent"): Page(PARTICIPANT),
    ("POST", "/sharing/studies/{study_id}/consent"): Page(
        PARTICIPANT, lambda ids: {"version": "1", "sha256": ids.study_sha256,
                                            "agree": "yes"}),
    ("GET", "/sharing/studies/{study_id}/withdraw"): Page(PARTICIPANT),
    ("POST", "/sharing/studies/{study_id}/withdraw"): Page(
        PARTICIPANT, _form({"confirm": "yes"})),
    ("GET", "/sharing/audit"): _mine(),
    # admins
    ("GET", "/admin/accounts"): Page({"admin": OWN}),
    ("POST", "/admin/accounts"): Page({"admin": OWN}, _form({
        "email": "page@example.org", "role": "clinician", "display_name": "Page",
        "password": "another long passphrase"})),
    ("POST", "/admin/accounts/{account_id}/disable"): Page(
        {"admin": BOTH}, _form({}), special={("admin", "own"): 409}),
    ("POST", "/admin/accounts/{account_id}/enable"): Page({"admin": BOTH}, _form({})),
    ("GET", "/admin/audit"): Page({"admin": OWN}),
}
#: reached without a login, so outside the matrix (the installable app's files hold no
#: personal data)
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/manifest.webmanifest"),
          ("GET", "/sw.js"), ("GET", "/offline")}


def page_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app serves outside the API and the static files."""
    found = set()
    for route in iter_route_contexts(app.routes):
        path = getattr(route, "path_format", "")
        methods = getattr(route, "methods", None) or set()
        if path.startswith("/api/") or path.startswith("/static") or not methods:
            continue
        found |= {(method, path) for method in methods if method != "HEAD"}
    return found


@dataclass
class Browsers:
    """A cookie-holding client per role (and ``p2``), and the CSRF token of its cookie."""

    clients: dict[str, TestClient]
    csrf: str


@pytest.fixture
def world_and_browsers(database_url: str) -> Iterator[tuple[Ids, Browsers]]:
    """A fresh seeded world (as the API matrix seeds it) and a browser per role."""
    app = service_app(database_url)
    world = build_world(app)
    open_sessions(app, world)
    cookie = "page-matrix-csrf"
    csrf = app.state.web.security.csrf_token(cookie)
    with TestClient(app, base_url=BASE_URL) as api:
        ids = _seed(api, app, world)
        clients = {}
        for role, name in [*ROLE_ACCOUNTS.items(), ("p2", "p2")]:
            client = TestClient(app, base_url=BASE_URL, follow_redirects=False)
            client.cookies.set(SESSION_COOKIE, world.tokens[name])
            client.cookies.set(CSRF_COOKIE, cookie)
            clients[role] = client
        yield ids, Browsers(clients, csrf)
    app.state.web.engine.dispose()


def _fill(path: str, ids: Ids, role: str, relation: str) -> str:
    for name in re.findall(r"{(\w+)}", path):
        value = {"key": "phq9", "fmt": "csv", "day": CHECKIN["date"]}.get(name) or ids.fill(
            name, role, relation)
        path = path.replace("{" + name + "}", value)
    return path


def _call(browsers: Browsers, ids: Ids, method: str, path: str, role: str,
          relation: str) -> Any:
    page = PAGES[(method, path)]
    url = _fill(path, ids, role, relation)
    client = browsers.clients[role]
    if method == "GET":
        return client.get(url, params=page.query or None)
    form = {**(page.form(ids) if page.form else {}), CSRF_FIELD: browsers.csrf}
    return client.post(url, data=form)


def _combos(method: str, path: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    page = PAGES[(method, path)]
    combos = [(role, rel) for role in sorted(ALL) for rel in page.relations(path)]
    refused = [c for c in combos if c[1] not in page.allowed.get(c[0], frozenset())]
    return refused, [c for c in combos if c not in refused]


def _mismatch(method: str, path: str, role: str, relation: str, response: Any,
              refused: bool) -> str | None:
    page = PAGES[(method, path)]
    status = response.status_code
    if refused:
        expected = 404 if page.allowed.get(role) else 403
        return None if status == expected else f"{expected} expected"
    wanted = page.special.get((role, relation))
    if wanted is not None:
        return None if status == wanted else f"{wanted} expected"
    location = response.headers.get("location", "")
    if status >= 400 or location.startswith(("/login", "/crisis")):
        return "allowed, but refused or sent elsewhere"
    return None


def _check(browsers: Browsers, ids: Ids, method: str, path: str) -> list[str]:
    refused, allowed = _combos(method, path)
    problems = []
    order = [(c, True) for c in refused] + [(c, False) for c in sorted(
        allowed, key=lambda c: c[0] == "admin")]
    for (role, relation), is_refused in order:
        response = _call(browsers, ids, method, path, role, relation)
        why = _mismatch(method, path, role, relation, response, is_refused)
        if why:
            problems.append(f"{method} {path} as {role}/{relation}: "
                            f"{response.status_code} ({why})")
    return problems


def test_every_page_route_is_in_the_matrix(world_and_browsers: tuple[Ids, Browsers]) -> None:
    _ids, browsers = world_and_browsers
    app = browsers.clients["participant"].app
    assert page_routes(app) - PUBLIC == set(PAGES)


def test_every_page_read_answers_only_whom_it_may(
    world_and_browsers: tuple[Ids, Browsers],
) -> None:
    ids, browsers = world_and_browsers
    problems = [p for (method, path) in sorted(PAGES) if method == "GET"
                for p in _check(browsers, ids, method, path)]
    assert problems == []


@pytest.mark.parametrize(("method", "path"), sorted(k for k in PAGES if k[0] == "POST"),
                         ids=lambda x: str(x))
def test_every_page_form_answers_only_whom_it_may(
    world_and_browsers: tuple[Ids, Browsers], method: str, path: str,
) -> None:
    ids, browsers = world_and_browsers
    assert _check(browsers, ids, method, path) == []


def _trial_of(client: TestClient, person: object) -> tuple[TrialRow | None, list[str]]:
    app: Any = client.app
    with app.state.web.sessions() as session:
        trial = session.scalars(select(TrialRow).where(TrialRow.person_id == person)).first()
        if trial is None:
            return None, []
        session.expunge(trial)
        return trial, [e.code for e in trials.trial_envelopes(session=session, trial=trial)]


def _envelope_doses(client: TestClient) -> list[str | None]:
    app: Any = client.app
    with app.state.web.sessions() as session:
        query = select(DoseRow.envelope_code).where(DoseRow.envelope_code.is_not(None))
        return list(session.scalars(query))


def test_trial_pages_act_on_the_own_trial_only(world_and_browsers: tuple[Ids, Browsers]
                                               ) -> None:
    ids, browsers = world_and_browsers
    p1, p2, clinician = (browsers.clients[n] for n in ("participant", "p2", "clinician"))
    form = {CSRF_FIELD: browsers.csrf}
    designed = p1.post("/trial/design", data={**form, "doses": "8", "protocol": "fadiman",
                                              "block": "pairs"})
    assert designed.status_code < 400, designed.text
    trial, codes = _trial_of(p1, ids.world.person("p1"))
    assert trial is not None and codes
    assert p1.get("/trial/kit.pdf").headers["content-type"] == "application/pdf"
    assert not any(code in p2.get("/trial").text for code in codes)  # p2 sees no trial
    for path in ("/trial/kit.pdf", "/trial/report.pdf"):
        assert p2.get(path).status_code == 404, path  # none of their own; never p1's
        assert clinician.get(path).status_code == 403, path  # no journal: linked or not
    taken = p2.post("/trial/envelope", data={**form, "code": codes[0]})
    assert taken.status_code in (404, 422) and _envelope_doses(p2) == []
    for other in (p2, clinician):
        refused = other.post("/trial/unblind", data={**form, "reason": "peeking",
                                                     "confirm": "unblind"})
        assert refused.status_code in (403, 409)  # no journal; no trial of p2's own
    still, _ = _trial_of(p1, ids.world.person("p1"))
    assert still is not None and still.unblinded_at is None  # p1's trial stays blind
    assert _trial_of(p2, ids.world.person("p2"))[0] is None
