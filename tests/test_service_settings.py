"""Service settings: environment and secret key, read from MICRODOSE_* and checked."""

from __future__ import annotations

import pytest

from microdose.domain.errors import InvalidInput
from microdose.settings import (
    MIN_SECRET_LENGTH,
    Settings,
    check_deployment,
    secret_key_bytes,
)

GOOD = "k3J9-pQ7x_Lm2vR8sT4wY6zA1bC5dE0fG"


def test_settings_read_environment_and_secret_key() -> None:
    settings = Settings.from_env({"MICRODOSE_ENVIRONMENT": "production",
                                  "MICRODOSE_SECRET_KEY": GOOD, "MICRODOSE_DATABASE_URL": "x"})
    assert settings.environment == "production" and settings.secret_key == GOOD
    assert GOOD not in repr(settings)  # never printed by accident
    assert Settings.from_env({}).environment == "development"


def test_development_accepts_no_secret_and_makes_a_random_one() -> None:
    settings = Settings(database_url="sqlite://")
    assert check_deployment(settings) is settings
    first, second = secret_key_bytes(settings), secret_key_bytes(settings)
    assert len(first) == 32 and first != second


@pytest.mark.parametrize("key", [None, "", "changeme", "CHANGE-ME", "secret", "dev"])
def test_production_refuses_default_secrets(key: str | None) -> None:
    settings = Settings(database_url="sqlite://", environment="production", secret_key=key)
    with pytest.raises(InvalidInput) as caught:
        check_deployment(settings)
    assert caught.value.field == "MICRODOSE_SECRET_KEY" and "default" in caught.value.message
    with pytest.raises(InvalidInput):
        secret_key_bytes(settings)


@pytest.mark.parametrize("key", ["short-but-random-9x", "a" * 64, "ab" * 40])
def test_production_refuses_short_or_repetitive_secrets(key: str) -> None:
    settings = Settings(database_url="sqlite://", environment="production", secret_key=key)
    with pytest.raises(InvalidInput, match=f"at least {MIN_SECRET_LENGTH}"):
        check_deployment(settings)


def test_production_accepts_a_long_random_secret() -> None:
    settings = Settings(database_url="sqlite://", environment="production", secret_key=GOOD)
    assert secret_key_bytes(check_deployment(settings)) == GOOD.encode()


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(InvalidInput, match="development, production"):
        check_deployment(Settings(database_url="sqlite://", environment="staging"))
