"""Schemathesis over the OpenAPI schema: no 5xx, and every response matches the schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import positive_data_acceptance
from starlette.testclient import TestClient
from tests.web.conftest import BASE_URL, screen_ok

from microdose.settings import Settings
from microdose.web.app import create_app

HOST = {"Host": "127.0.0.1"}


@pytest.fixture
def fuzz_app(tmp_path: Path) -> Iterator[FastAPI]:
    """The app over a journal that has a safety screen (so doses can be stored)."""
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'fuzz.sqlite3'}", timezone="UTC"),
        secret=b"fuzz" * 8,
    )
    with TestClient(app, base_url=BASE_URL) as client:
        screen_ok(client)
    yield app
    app.state.web.engine.dispose()


def check_operation(strategy: object) -> None:
    """Run generated cases of one operation through every default check."""

    @given(case=strategy)
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case: Case) -> None:
        # every default check (server errors, status codes, content types, response schemas,
        # headers, negative data rejected …) except positive-data acceptance: the domain
        # refuses some schema-valid bodies on purpose (a dose in the future, a blinded-guess
        # confidence without a guess, 5.0 where JSON Schema's "integer" allows it)
        case.call_and_validate(headers=HOST, excluded_checks=[positive_data_acceptance])

    run()


@pytest.mark.slow
def test_api_conforms_to_its_schema(fuzz_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app, headers=HOST)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        check_operation(operation.as_strategy())
