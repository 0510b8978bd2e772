"""``POST /api/v1/checkins`` answers exactly as FastAPI's own handler would.

The route is served by :class:`microdose.web.platform.lean_route.LeanJsonRoute`. The reference is
FastAPI's standard handler for the very same endpoint function and login dependency,
mounted in a second app over a second, fresh journal. Both get the same requests (good,
near-miss and hostile bodies, content types, ``Idempotency-Key`` values, with and
without a login) and must give the same status, content type and body, bar the values
that differ by nature (ids, times, the request's own path).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from tests.web.conftest import BASE_URL, CHECKIN

from microdose.settings import Settings
from microdose.web.api import checkins as api
from microdose.web.app import create_app
from microdose.web.platform.deps import require_api_login
from microdose.web.platform.lean_route import LeanJsonRoute

PATH = "/api/v1/checkins"
REFERENCE = "/api/v1/reference-checkins"
#: values that differ between two journals by nature
VARYING = ("id", "created_at", "updated_at", "instance")


def _with_reference(app: FastAPI) -> FastAPI:
    """``app`` plus FastAPI's standard handler for the check-in endpoint at REFERENCE."""
    app.router.add_api_route(
        REFERENCE, api.create_checkin, methods=["POST"], status_code=201,
        dependencies=[Depends(require_api_login)],
    )
    return app


def _pair(tmp_path: Path, **options: Any) -> Iterator[tuple[TestClient, TestClient]]:
    apps = [
        create_app(Settings(database_url=f"sqlite:///{tmp_path / name}.sqlite3",
                            timezone="UTC"), secret=b"lean-route-test-" * 3, **options)
        for name in ("lean", "reference")
    ]
    with TestClient(apps[0], base_url=BASE_URL) as lean, \
            TestClient(_with_reference(apps[1]), base_url=BASE_URL) as reference:
        yield lean, reference


@pytest.fixture
def clients(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """A client of the lean route's app and one of the reference app (fresh journals)."""
    yield from _pair(tmp_path)


def _answer(response: Any) -> tuple[int, str, Any]:
    kind = response.headers.get("content-type", "")
    body = response.json() if "json" in kind else response.text
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in VARYING}
    return response.status_code, kind, body


def _same(clients: tuple[TestClient, TestClient], content: bytes,
          headers: dict[str, str]) -> tuple[int, str, Any]:
    lean, reference = clients
    got = _answer(lean.post(PATH, content=content, headers=headers))
    expected = _answer(reference.post(REFERENCE, content=content, headers=headers))
    assert got == expected, (content, headers)
    return got


def test_the_route_is_served_by_the_lean_handler() -> None:
    route = next(r for r in api.router.routes
                 if isinstance(r, APIRoute) and r.path == PATH and "POST" in r.methods)
    assert isinstance(route, LeanJsonRoute)


JSON = {"content-type": "application/json"}
FIXED_CASES: list[tuple[bytes, dict[str, str]]] = [
    (json.dumps(CHECKIN).encode(), JSON),  # created: 201
    (json.dumps(CHECKIN).encode(), JSON),  # the same day again: 200
    (json.dumps({**CHECKIN, "date": "2026-02-30"}).encode(), JSON),
    (json.dumps({**CHECKIN, "mood": 11}).encode(), JSON),
    (json.dumps({**CHECKIN, "mood": "5"}).encode(), JSON),
    (json.dumps({**CHECKIN, "mood": 5.0}).encode(), JSON),
    (json.dumps({**CHECKIN, "mood": True}).encode(), JSON),
    (json.dumps({**CHECKIN, "extra": 1}).encode(), JSON),
    (json.dumps({**CHECKIN, "side_effects": ["not-a-side-effect"]}).encode(), JSON),
    (json.dumps({**CHECKIN, "guess_confidence": 50}).encode(), JSON),
    (json.dumps({k: v for k, v in CHECKIN.items() if k != "sleep"}).encode(), JSON),
    (json.dumps([CHECKIN]).encode(), JSON),
    (b"null", JSON),
    (b"", JSON),
    (b"{", JSON),
    (b'{"date": "2026-01-05",}', JSON),
    (b"\xff\xfe not utf-8", JSON),
    (b'{"notes": "\xff"}', JSON),  # not UTF-8: FastAPI cannot read it (400)
    (json.dumps(CHECKIN).encode(), {}),
    (json.dumps(CHECKIN).encode(), {"content-type": "text/plain"}),
    (json.dumps(CHECKIN).encode(), {"content-type": "application/x-www-form-urlencoded"}),
    (json.dumps({**CHECKIN, "date": "2026-01-06"}).encode(),
     {"content-type": "application/json; charset=utf-8"}),
    (json.dumps({**CHECKIN, "date": "2026-01-07"}).encode(),
     {"content-type": "application/merge-patch+json"}),
    (json.dumps({**CHECKIN, "date": "2026-01-08"}).encode(),
     {**JSON, "Idempotency-Key": "key-1"}),
    (json.dumps({**CHECKIN, "date": "2026-01-08"}).encode(),
     {**JSON, "Idempotency-Key": "key-1"}),  # a replay
    (json.dumps({**CHECKIN, "date": "2026-01-09"}).encode(),
     {**JSON, "Idempotency-Key": "key-1"}),  # the key reused for another body
    (json.dumps(CHECKIN).encode(), {**JSON, "Idempotency-Key": "has space"}),
    (json.dumps(CHECKIN).encode(), {**JSON, "Idempotency-Key": "k" * 256}),
    (b"{", {**JSON, "Idempotency-Key": "has space"}),
]


def test_fixed_cases_answer_alike(clients: tuple[TestClient, TestClient]) -> None:
    statuses = [_same(clients, content, headers)[0] for content, headers in FIXED_CASES]
    # the cases reach every outcome: created, updated, replayed, refused, unreadable
    assert {200, 201, 400, 422} <= set(statuses)


def test_without_a_login_both_refuse_alike(tmp_path: Path) -> None:
    for pair in _pair(tmp_path, host="0.0.0.0", passphrase="correct horse battery"):
        status, kind, _ = _same(pair, json.dumps(CHECKIN).encode(), JSON)
        assert (status, kind) == (401, "application/problem+json")


ratings = st.one_of(st.integers(-3, 14), st.floats(allow_nan=False), st.text(max_size=3),
                    st.booleans(), st.none())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=3),
    max_leaves=6,
)
near_misses = st.fixed_dictionaries(
    {},
    optional={
        "date": st.sampled_from(["2026-03-01", "2026-3-1", "2026-13-01", "", "01/03/2026"])
        | json_values,
        **{name: ratings for name in ("mood", "anxiety", "energy", "focus", "sleep",
                                      "connectedness")},
        "side_effects": st.lists(st.sampled_from(["nausea", "headache", "x"]), max_size=3)
        | json_values,
        "notes": st.none() | st.text(max_size=20) | st.integers(),
        "guess": st.sampled_from(["active", "placebo", "unsure", "maybe"]) | st.none(),
        "guess_confidence": st.integers(-5, 105) | st.none(),
        "surplus": json_values,
    },
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=near_misses | json_values)
def test_any_json_body_answers_alike(clients: tuple[TestClient, TestClient],
                                     body: Any) -> None:
    _same(clients, json.dumps(body).encode(), JSON)


def test_a_route_it_could_not_serve_faithfully_is_refused_when_built() -> None:
    from fastapi import APIRouter

    from microdose.web.schemas.journal import CheckinCreate

    def blocking(body: CheckinCreate, request: Any, key: str | None = None) -> None:
        """Synchronous: FastAPI would run it in a thread; the lean handler cannot."""

    async def more_params(body: CheckinCreate, request: Any, key: str | None,
                          extra: int) -> None:
        """A parameter the lean handler would not fill."""

    for endpoint, dependencies in ((blocking, [Depends(require_api_login)]),
                                   (more_params, [Depends(require_api_login)]),
                                   (api.create_checkin, [])):
        with pytest.raises(TypeError, match="lean route"):
            APIRouter().add_api_route("/x", endpoint, methods=["POST"],
                                      dependencies=dependencies,
                                      route_class_override=LeanJsonRoute)
