"""Imports every table module so that ``metadata`` holds the whole schema."""

from __future__ import annotations

from microdose.store import (
    models,  # noqa: F401
    reminder_models,  # noqa: F401
    safety_models,  # noqa: F401
    service_models,  # noqa: F401
    trial_models,  # noqa: F401
    web_models,  # noqa: F401
)
from microdose.store.base import Base

metadata = Base.metadata
