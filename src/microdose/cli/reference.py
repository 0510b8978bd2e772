"""Generate the CLI reference (docs/cli.md) from the commands themselves.

Run ``python -m microdose.cli.reference > docs/cli.md``; a test fails when the file is stale.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import typer

HEADER = """# CLI reference

Generated from the commands' own help by `make docs`
(`python -m microdose.cli.reference > docs/cli.md`); do not edit by hand.
Every command that prints a result takes `--json`. Exit codes: 0 success, 1 other error,
2 invalid input (the message names the field and the allowed values), 3 refused for safety,
4 not found, 5 conflict.
"""


def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under ``command`` with its full name, depth first, in name order."""
    yield path, command
    for name in sorted(getattr(command, "commands", {})):
        yield from walk(command.commands[name], (*path, name))


def _param_line(param: Any) -> str:
    if param.param_type_name == "argument":
        text = f"- `{param.human_readable_name}` (argument)"
    else:
        text = "- " + ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
    help_text = getattr(param, "help", None)
    if help_text:
        text += f": {inspect.cleandoc(help_text)}"
    default = param.default
    if default not in (None, False, (), []) and not callable(default):
        text += f" (default: `{default}`)"
    if param.required:
        text += " **(required)**"
    return text


def section(path: tuple[str, ...], command: Any) -> str:
    """One command's markdown section."""
    title = " ".join(("microdose", *path))
    lines = [f"## `{title}`", ""]
    if command.help:
        lines += [inspect.cleandoc(command.help), ""]
    params = [p for p in command.params if p.name != "help"]
    lines += [_param_line(p) for p in params]
    return "\n".join(lines).rstrip() + "\n"


def render() -> str:
    """The whole reference as markdown."""
    from microdose.cli.app import app

    root = typer.main.get_command(app)
    parts = [HEADER]
    for path, command in walk(root, ()):
        parts.append(section(path, command))
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
