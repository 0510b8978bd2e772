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

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: str | None
    ) -> Settings:
        """Settings from the environment, with non-None ``overrides`` (CLI options) winning."""
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for name in ("database_url", "timezone", "region"):
            override = overrides.get(name)
            found = override if override is not None else env.get(PREFIX + name.upper())
            if found:
                values[name] = found
        return cls(**values)
