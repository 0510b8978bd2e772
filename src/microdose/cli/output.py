"""Printing results: JSON for machines, plain text for people, crisis resources first."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import typer

from microdose.cli.context import AppState


def state(ctx: typer.Context) -> AppState:
    """The invocation's shared state."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppState)
    return obj


def print_json(data: Any) -> None:
    """Pretty JSON on stdout."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def region_hint() -> str:
    """How to see a country's own helplines when no region is known (CLI words)."""
    from microdose.services.crisis import FALLBACK_REGION, known_regions

    codes = ", ".join(code for code in known_regions() if code != FALLBACK_REGION)
    return ("These are international options. To see your country's "
            f"helplines: `microdose crisis region CODE` (one of {codes}).")


def crisis_text(payload: dict[str, Any]) -> str:
    """The crisis resources as text, shown before anything else."""
    lines = ["", "!" * 72, "  " + payload["message"], ""]
    lines += [f"  • {r['name']}: {r['contact']}" for r in payload["resources"]]
    if payload.get("region_unknown"):
        lines += ["", "  " + region_hint()]
    if payload.get("review_warning"):
        lines += ["", "  " + payload["review_warning"]]
    lines += ["", "  Run `microdose crisis ack` once you have seen this.", "!" * 72, ""]
    return "\n".join(lines)


def with_crisis(
    ctx: typer.Context, data: dict[str, Any], flags: Iterable[str], region: str | None = None
) -> dict[str, Any]:
    """Add the ``"crisis"`` object to ``data`` when any flag is a crisis flag.

    A ``"crisis"`` object already in ``data`` (from a stored crisis event) is kept.
    """
    from microdose.domain.instruments import CRISIS_FLAGS
    from microdose.services.crisis import crisis_payload, resolve_region

    if "crisis" in data or CRISIS_FLAGS.isdisjoint(flags):
        return data
    code = resolve_region(region, state(ctx).settings.region)
    return {**data, "crisis": crisis_payload(code)}


def emit(data: dict[str, Any], as_json: bool, text: str) -> None:
    """Print ``data`` as JSON, or ``text`` with any crisis resources above it."""
    if as_json:
        print_json(data)
        return
    if "crisis" in data:
        typer.secho(crisis_text(data["crisis"]), fg=typer.colors.RED, bold=True, err=False)
    typer.echo(text)


def warn(lines: Iterable[str]) -> None:
    """Warnings in yellow on stderr."""
    for line in lines:
        typer.secho(f"warning: {line}", fg=typer.colors.YELLOW, err=True)
