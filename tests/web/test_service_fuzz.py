"""Hostile-input fuzz of every operation of the service's OpenAPI schema, logged in or not.

Schemathesis generates schema-valid requests for each operation; Hypothesis then spoils one
value of each (a NUL character in a text, a date at the calendar's edges, a number beyond
any column, text a megabyte long) or replaces the whole body with JSON nested 5,000 deep. On
SQLite and PostgreSQL every answer must be below 500 and every 4xx a problem+json; a 422
caused by the spoiled value names that value's field (or, for the nesting, ``body``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from starlette.testclient import TestClient
from tests.web.service_world import World

HOST = {"Host": "127.0.0.1"}
DEEP = '{"a":' * 5000 + "1" + "}" * 5000
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
#: values that have answered 500 somewhere before: NUL, calendar edges, huge numbers
HOSTILE_TEXT = ("a\x00b", "\x00", "x" * 1_000_000, "\ud800".encode("utf-8", "surrogatepass")
                .decode("utf-8", "replace"), "'; DROP TABLE checkin; --")
HOSTILE_DATES = ("0001-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00",
                 "9999-12-31T23:59:59-12:00", "1899-12-31")
HOSTILE_NUMBERS = (10**30, -(10**30), 2**63, -(2**63) - 1, 1e308, -1e308, 2**31)
#: whose token each part of the API is tried with (the rest: participant p1)
ROLE_BY_PREFIX = (("/api/v1/clinician", "c1"), ("/api/v1/people", "c1"),
                  ("/api/v1/alerts", "c1"), ("/api/v1/studies", "r1"), ("/api/v1/admin", "admin"))
#: ends the token the other operations use; its own behaviour has a test of its own
SKIPPED = {("POST", "/api/v1/auth/logout")}


@dataclass(frozen=True)
class Spoiled:
    """Where the hostile value went (a dotted field path) and what the request now is."""

    field: str
    body: Any
    query: dict[str, Any] | None
    raw: str | None = None
    path: dict[str, str] | None = None

    def url(self, case: Case) -> str:
        """The operation's path with its parameters (a spoiled one percent-encoded)."""
        values = {**(case.path_parameters or {}), **(self.path or {})}
        return case.path.format(**{k: quote(str(v), safe="") for k, v in values.items()})


def _leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, str(index)))
    elif path:
        yield path, value


def _replace(value: Any, path: tuple[str, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        copy = list(value)
        copy[int(head)] = _replace(copy[int(head)], rest, new)
        return copy
    return {**value, head: _replace(value[head], rest, new)}


def _hostile_for(old: Any, data: st.DataObject) -> Any:
    if isinstance(old, bool) or old is None:
        return data.draw(st.sampled_from(HOSTILE_TEXT + HOSTILE_NUMBERS))
    if isinstance(old, int | float):
        return data.draw(st.sampled_from(HOSTILE_NUMBERS))
    if isinstance(old, str) and DATE.match(old):
        return data.draw(st.sampled_from(HOSTILE_DATES))
    return data.draw(st.sampled_from(HOSTILE_TEXT))


def spoil(case: Case, data: st.DataObject) -> Spoiled | None:
    """One hostile change to a generated request (``None``: nothing to spoil)."""
    query = dict(case.query or {})
    spots = [(("body", *p), v) for p, v in _leaves(case.body)] if isinstance(
        case.body, dict | list) else []
    spots += [(("query", key), v) for key, v in query.items()]
    spots += [(("path", key), v) for key, v in (case.path_parameters or {}).items()]
    if isinstance(case.body, dict | list) and data.draw(st.booleans()):
        return Spoiled("body", None, query, raw=DEEP)
    if not spots:
        return None
    (where, *path), old = data.draw(st.sampled_from(spots))
    new = _hostile_for(old, data)
    if where == "query":  # a URL carries at most a few kilobytes
        return Spoiled(path[0], case.body, {**query, path[0]: str(new)[:2000]})
    if where == "path":
        return Spoiled(path[0], case.body, query, path={path[0]: str(new)[:2000]})
    return Spoiled(".".join(path), _replace(case.body, tuple(path), new), query)


def _names(response: Any) -> list[str]:
    return [str(error.get("field")) for error in response.json().get("errors", [])]


def _send(client: TestClient, case: Case, spoiled: Spoiled, headers: dict[str, str]) -> Any:
    path = spoiled.url(case)
    if spoiled.raw is not None:
        return client.request(case.method, path, content=spoiled.raw, params=spoiled.query,
                              headers={**headers, "content-type": "application/json"})
    if case.body is None or case.media_type != "application/json":
        return client.request(case.method, path, params=spoiled.query, headers=headers)
    content = json.dumps(spoiled.body, allow_nan=False)
    return client.request(case.method, path, content=content, params=spoiled.query,
                          headers={**headers, "content-type": "application/json"})


def check(client: TestClient, case: Case, spoiled: Spoiled, headers: dict[str, str]) -> None:
    """No 5xx; a 4xx is problem+json; a 422 for the spoiled value names its field."""
    response = _send(client, case, spoiled, headers)
    label = f"{case.method} {case.formatted_path} {spoiled.field}"
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:300]}"
    if response.status_code < 400:
        return
    assert response.headers["content-type"] == "application/problem+json", label
    if response.status_code != 422:
        return
    names = _names(response)
    named = any(spoiled.field == n or spoiled.field.startswith(n + ".") or
                n.startswith(spoiled.field + ".") for n in names)
    if not named:  # the unspoiled request may be refused for its own reasons (a future date)
        plain = Spoiled(spoiled.field, case.body, dict(case.query or {}))  # path unspoiled
        baseline = _send(client, case, plain, headers)
        assert baseline.status_code == 422, f"{label}: 422 naming {names}, not the field"


def fuzz_operation(client: TestClient, strategy: Any, headers: dict[str, str]) -> None:
    """Spoiled requests of one operation, each checked."""

    @given(case=strategy, data=st.data())
    @settings(max_examples=25, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case: Case, data: st.DataObject) -> None:
        spoiled = spoil(case, data)
        if spoiled is not None:
            check(client, case, spoiled, headers)

    run()


def _headers(world: World, path: str) -> dict[str, str]:
    name = next((who for prefix, who in ROLE_BY_PREFIX if path.startswith(prefix)), "p1")
    return {**HOST, **world.headers(name)}


@pytest.mark.slow
def test_no_input_answers_5xx(service: tuple[TestClient, World]) -> None:
    client, world = service
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app, headers=HOST)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 55  # every operation of the service, not a sample
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        strategy = operation.as_strategy()
        fuzz_operation(client, strategy, _headers(world, operation.path))
        if operation.path.startswith("/api/v1/auth"):
            fuzz_operation(client, strategy, HOST)  # and without logging in
