"""Crisis resources by region (a reviewed data file) and the crisis payload of every interface."""

from __future__ import annotations

import json
import locale
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

FALLBACK_REGION = "INTL"


@dataclass(frozen=True)
class Resource:
    """One place to get help now."""

    name: str
    contact: str
    region: str
    reviewed: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready resource."""
        return {"name": self.name, "contact": self.contact, "region": self.region}


@cache
def _data() -> dict[str, Any]:
    text = resources.files("microdose.data").joinpath("crisis_resources.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def today() -> date:
    """The local date (the one clock the review check reads; tests set it)."""
    return date.today()


def review_due() -> date:
    """The day the resources must be checked again: last review + the review interval."""
    data = _data()
    return date.fromisoformat(data["reviewed"]) + timedelta(days=data["review_every_days"])


def review_warning(on: date | None = None) -> str | None:
    """A line for the person and the operator once the review is overdue, else None.

    Crisis numbers change; wrong ones are a known failure of mental-health apps
    (Martinengo et al. 2019). Past the due date every crisis screen says so.
    """
    due = review_due()
    if (on or today()) <= due:
        return None
    return (f"These resources were last checked on {_data()['reviewed']} and were due to be "
            f"checked again by {due.isoformat()}. If a number does not work, call your local "
            "emergency number.")


def known_regions() -> list[str]:
    """Region codes that have their own resources."""
    return sorted(_data()["regions"])


def canonical_region(text: str) -> str | None:
    """The known region code for ``text`` (``uk`` → ``GB``), or None when it has none."""
    data = _data()
    code = data["aliases"].get(text.strip().upper(), text.strip().upper())
    return str(code) if code in data["regions"] else None


def region_from_locale() -> str | None:
    """The country part of the system locale (``en_GB.UTF-8`` → ``GB``), if any."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            break
    else:
        value = locale.getlocale()[0]
    if value and "_" in value:
        return value.split("_", 1)[1][:2].upper()
    return None


def resolve_region(journal_region: str | None, env_region: str | None = None) -> str:
    """Journal setting, else ``MICRODOSE_REGION``, else the system locale, else ``INTL``."""
    data = _data()
    for candidate in (
        journal_region,
        env_region or os.environ.get("MICRODOSE_REGION"),
        region_from_locale(),
    ):
        if candidate:
            code = data["aliases"].get(candidate.upper(), candidate.upper())
            if code in data["regions"]:
                return str(code)
    return FALLBACK_REGION


def resources_for(region: str) -> list[Resource]:
    """The region's resources, then one line for away from home (112, helplines by country).

    ``INTL`` (no region known) is the complete international set: emergency numbers, and
    three directories of helplines by country.
    """
    data = _data()
    if region == FALLBACK_REGION:
        return [Resource(**item) for item in data["regions"][FALLBACK_REGION]]
    items = [*data["regions"].get(region, []), *data["abroad"]]
    return [Resource(**item) for item in items]


def crisis_payload(
    region: str, *, message: str | None = None, triggers: Sequence[str] = ()
) -> dict[str, Any]:
    """The ``"crisis"`` object of every JSON output that raises a crisis flag.

    ``message`` and ``triggers`` come from ``domain.safety`` (``crisis_message``) when a
    stored crisis event is behind the payload.
    """
    payload: dict[str, Any] = {
        "message": message
        or (
            "Your answers say you may be having thoughts of being better off dead or of "
            "hurting yourself. Please reach out now: you do not have to face this alone."
        ),
        "resources": [r.to_dict() for r in resources_for(region)],
        "acknowledge_required": True,
        "reviewed": _data()["reviewed"],
        "review_due": review_due().isoformat(),
        "review_warning": review_warning(),
        "region": region,
        # no region known: the international options, and the interfaces say how to set one
        "region_unknown": region == FALLBACK_REGION,
    }
    if triggers:
        payload["triggers"] = list(triggers)
    return payload


def resources_line(region: str) -> str:
    """The region's resources on one line, for refusals and one-line messages."""
    return "; ".join(f"{r.name}: {r.contact}" for r in resources_for(region))
