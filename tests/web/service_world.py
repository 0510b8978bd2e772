"""A small multi-user world for the service's web tests, built through the services.

Two participants, two clinicians, two researchers and an admin. Clinician ``c1`` is linked
to participant ``p1`` (not ``p2``); researcher ``r1`` owns study ``s1``, in which ``p1`` is
enrolled; ``r2`` owns ``s2`` with nobody in it. Each account gets a login session from the
service that the login route uses (the route itself has tests of its own, and a login
through it re-hashes the tests' cheap password hash at the production cost, about 0.2 s
each); the tests use its bearer token (``world.headers("p1")``) or the page login.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from fastapi import FastAPI
from tests.service_support import account, study

from microdose.services import caseload, login_sessions, studies
from microdose.services.actor import Actor
from microdose.settings import Settings
from microdose.store.service_models import AccountRow
from microdose.web.app import create_app

ROLES = {
    "p1": "participant",
    "p2": "participant",
    "c1": "clinician",
    "c2": "clinician",
    "r1": "researcher",
    "r2": "researcher",
    "admin": "admin",
}


def email(name: str) -> str:
    """The email of a world account."""
    return f"{name}@example.org"


@dataclass
class World:
    """The accounts (by short name), their actors, tokens, and the two studies."""

    actors: dict[str, Actor] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    studies: dict[str, uuid.UUID] = field(default_factory=dict)

    def headers(self, name: str) -> dict[str, str]:
        """``Authorization`` for an account."""
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def person(self, name: str) -> uuid.UUID:
        """A participant's person id."""
        person = self.actors[name].person_id
        assert person is not None
        return person


def service_app(database_url: str) -> FastAPI:
    """The app in service mode over the test database."""
    settings = Settings(database_url=database_url, timezone="Europe/Berlin", region="GB")
    return create_app(settings, secret=b"service-secret-" * 3, service=True)


def build_world(app: FastAPI) -> World:
    """Create the accounts, the link and the studies in one transaction."""
    world = World()
    with app.state.web.sessions() as session, session.begin():
        for name, role in ROLES.items():
            world.actors[name] = account(session, email(name), role, name=name.upper())
        invitation = caseload.invite(session=session, actor=world.actors["c1"])
        caseload.accept(session=session, actor=world.actors["p1"], code=invitation.code)
        for owner in ("r1", "r2"):
            world.studies[f"s{owner[1]}"] = study(session, world.actors[owner]).id
        code = studies.create_invitations(
            session=session, actor=world.actors["r1"], study_id=world.studies["s1"]
        )[0]
        studies.enrol(session=session, actor=world.actors["p1"], code=code, consent_version=1)
    return world


def open_sessions(app: FastAPI, world: World) -> None:
    """Open a login session for every account of the world and keep its token."""
    with app.state.web.sessions() as session, session.begin():
        for name, actor in world.actors.items():
            account = session.get_one(AccountRow, actor.account_id)
            world.tokens[name] = login_sessions.start(session=session, account=account).token
