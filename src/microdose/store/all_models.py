"""Imports every table module so that ``metadata`` holds the whole schema."""

from __future__ import annotations

from microdose.store import models  # noqa: F401
from microdose.store import safety_models  # noqa: F401
from microdose.store import service_models  # noqa: F401
from microdose.store import trial_models  # noqa: F401
from microdose.store import web_models  # noqa: F401
from microdose.store.base import Base

metadata = Base.metadata
