"""Imports every table module so that ``metadata`` holds the whole schema."""

from __future__ import annotations

from microdose.store import models  # noqa: F401
from microdose.store.base import Base

metadata = Base.metadata
