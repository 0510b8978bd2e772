"""The PostgreSQL pool size (and the web app's worker threads) from ``MICRODOSE_POOL_SIZE``."""

from __future__ import annotations

import pytest

from microdose.domain.errors import InvalidInput
from microdose.store.engine import DEFAULT_POOL_SIZE, make_engine, pool_size


def test_default_and_chosen_sizes() -> None:
    assert pool_size({}) == DEFAULT_POOL_SIZE == 4
    assert pool_size({"MICRODOSE_POOL_SIZE": " 12 "}) == 12


@pytest.mark.parametrize("bad", ["0", "65", "-1", "four", "2.5"])
def test_a_bad_size_names_the_variable(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        pool_size({"MICRODOSE_POOL_SIZE": bad})
    assert caught.value.field == "MICRODOSE_POOL_SIZE" and caught.value.allowed == "1-64"


def test_the_engine_keeps_that_many_connections(postgres_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICRODOSE_POOL_SIZE", "3")
    engine = make_engine(postgres_url)
    try:
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        assert type(engine.pool).__name__ == "TimedQueuePool"
    finally:
        engine.dispose()
