"""Typed settings read from ``MICRODOSE_*`` variables, built explicitly and passed down.

A frozen dataclass rather than pydantic-settings: importing pydantic-settings costs about
0.3 s, which would make every CLI write twice as slow to start (see ``bench/``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "MICRODOSE_"


def default_data_dir() -> Path:
    """The user's data directory for microdose (platformdirs)."""
    from platformdirs import user_data_path

    return user_data_path("microdose", appauthor=False)


def default_database_url() -> str:
    """SQLite file in the user's data directory."""
    return f"sqlite:///{default_data_dir() / 'journal.sqlite3'}"


def demo_database_url() -> str:
    """The separate demo journal that ``microdose demo`` rebuilds (never your own)."""
    return f"sqlite:///{default_data_dir() / 'demo.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Everything configurable; each field reads ``MICRODOSE_<FIELD>`` in ``from_env``."""

    database_url: str = field(default_factory=default_database_url)
    timezone: str | None = None
    region: str | None = None
    #: ``development`` or ``production``; production refuses default or short secrets
    environment: str = "development"
    #: key that signs session cookies and CSRF tokens of the multi-user service
    secret_key: str | None = field(default=None, repr=False)
    #: the service's address as its users reach it, for links in reminder emails
    public_url: str | None = None
    #: SMTP server of the email reminders (``microdose reminders send``); none: no email
    smtp_host: str | None = None
    #: its port (default 587 for ``starttls``, 465 for ``tls``, 25 for ``none``)
    smtp_port: str | None = None
    #: ``starttls`` (default), ``tls`` (implicit TLS) or ``none`` (a local relay only)
    smtp_tls: str | None = None
    #: the From address of reminder emails
    smtp_sender: str | None = None
    #: login at the SMTP server, if it needs one
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: str | None
    ) -> Settings:
        """Settings from the environment, with non-None ``overrides`` (CLI options) winning."""
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for name in ("database_url", "timezone", "region", "environment", "secret_key",
                     *SMTP_FIELDS):
            override = overrides.get(name)
            found = override if override is not None else env.get(PREFIX + name.upper())
            if found:
                values[name] = found
        return cls(**values)


#: the settings of the email reminders
SMTP_FIELDS: tuple[str, ...] = (
    "public_url", "smtp_host", "smtp_port", "smtp_tls", "smtp_sender", "smtp_username",
    "smtp_password",
)
ENVIRONMENTS: tuple[str, ...] = ("development", "production")
#: shortest ``MICRODOSE_SECRET_KEY`` accepted outside development (characters)
MIN_SECRET_LENGTH = 32
#: placeholders that must never sign anything outside development
DEFAULT_SECRETS: frozenset[str] = frozenset(
    {"", "changeme", "change-me", "change_me", "secret", "secret-key", "dev", "development",
     "default", "microdose", "insecure", "password", "test"}
)


def check_deployment(settings: Settings) -> Settings:
    """Refuse an unknown environment, and default or short secrets outside development.

    Raises
    ------
    InvalidInput
        Naming ``MICRODOSE_ENVIRONMENT`` or ``MICRODOSE_SECRET_KEY`` and what is allowed.
    """
    from microdose.domain.errors import InvalidInput

    if settings.environment not in ENVIRONMENTS:
        raise InvalidInput(
            "MICRODOSE_ENVIRONMENT", f"unknown {settings.environment!r}", ", ".join(ENVIRONMENTS)
        )
    if settings.environment == "development":
        return settings
    key = settings.secret_key or ""
    allowed = f"a random string of at least {MIN_SECRET_LENGTH} characters, e.g. from " + (
        "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
    )
    if key.strip().lower() in DEFAULT_SECRETS:
        raise InvalidInput("MICRODOSE_SECRET_KEY", "is missing or a default value", allowed)
    if len(key) < MIN_SECRET_LENGTH or len(set(key)) < 8:
        raise InvalidInput("MICRODOSE_SECRET_KEY", "is too short or too repetitive", allowed)
    return settings


def secret_key_bytes(settings: Settings) -> bytes:
    """The signing key: ``MICRODOSE_SECRET_KEY``, or a random one per process in development."""
    import secrets

    check_deployment(settings)
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    return secrets.token_bytes(32)
