"""The package's import graph: no circles, and no layer importing one above it.

Every import counts, at module level or inside a function (a deferred import still ties two
modules together). Layers, lowest first: domain, analysis, store, services, reports, web,
cli (see docs/architecture.md). ``microdose.settings`` (which names its errors with the
domain's) ranks with the domain; ``microdose.__main__``, the entry point, above everything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "microdose"
#: a module may import its own layer and the layers before it in this list
LAYERS = ("domain", "analysis", "store", "services", "reports", "web", "cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, modules: Iterable[str]) -> set[str]:
    """The package's modules that ``path`` imports (``from a import b`` is ``a.b`` if a module)."""
    known = set(modules)
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in known else base)
    return {name for name in found if name in known and name != own}


def graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(path, modules) for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def layer_of(module: str) -> int:
    """The module's layer: its rank in LAYERS (settings with the domain, __main__ on top)."""
    parts = module.split(".")
    if module == "microdose.__main__":
        return len(LAYERS)
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else 0


def upward(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{src} imports {dst}"
        for src, targets in edges.items()
        for dst in targets
        if layer_of(dst) > layer_of(src)
    )


def test_the_package_has_no_import_circles() -> None:
    assert cycles(graph()) == []


def test_no_layer_imports_a_layer_above_it() -> None:
    assert upward(graph()) == []


def test_the_checks_see_a_circle_and_an_upward_import() -> None:
    edges = {
        "microdose.domain.a": {"microdose.domain.b"},
        "microdose.domain.b": {"microdose.domain.c"},
        "microdose.domain.c": {"microdose.domain.a", "microdose.web.app"},
        "microdose.web.app": set(),
    }
    assert cycles(edges) == [["microdose.domain.a", "microdose.domain.b", "microdose.domain.c"]]
    assert upward(edges) == ["microdose.domain.c imports microdose.web.app"]


def test_deferred_and_from_imports_are_edges() -> None:
    modules = all_modules()
    # a function-level import counts as much as one at the top
    app = imports_of(PACKAGE / "web" / "app.py", modules)
    assert {"microdose.web.pages", "microdose.store.engine"} <= app
    # ``from package import module`` is an edge to the module, not the package
    pages = imports_of(PACKAGE / "web" / "pages" / "__init__.py", modules)
    assert "microdose.web.pages.journal" in pages


#: inside web/: pages may use the API's modules, never the other way; the machinery and
#: the schemas use neither
WEB_RULES = {
    "microdose.web.api": ("microdose.web.pages",),
    "microdose.web.platform": ("microdose.web.api", "microdose.web.pages"),
    "microdose.web.schemas": ("microdose.web.api", "microdose.web.pages",
                              "microdose.web.platform"),
}


def test_inside_web_imports_point_one_way() -> None:
    offenders = sorted(
        f"{src} imports {dst}"
        for src, targets in graph().items()
        for dst in targets
        for part, banned in WEB_RULES.items()
        if src.startswith(part + ".") and dst.startswith(banned)
    )
    assert offenders == []
