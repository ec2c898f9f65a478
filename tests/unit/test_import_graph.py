"""No import cycle in ``bot/``, and no feature imports the app.

The graph is built from the source with ``ast`` (every ``import`` and ``from … import``, including
those only under ``TYPE_CHECKING``: a cycle there is still two modules that each need the other),
so it needs no import machinery and sees modules that are never imported at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "bot"
# The front ends and the app itself may import the app; no feature or shared module may.
MAY_IMPORT_APP = {"bot.__main__", "bot.client", "bot.console.session", "bot.console.outbox"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The ``bot`` modules one file imports (a ``from bot.x import y`` names ``bot.x.y`` when
    that is a module, else ``bot.x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import bot.x.y` depends on bot.x.y
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """module → the modules under ``root``'s package it imports."""
    files = {module_name(path, root.parent): path for path in root.rglob("*.py")}
    known = set(files)
    return {name: imports_of(path, name, known) for name, path in files.items()}


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def test_bot_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 50  # the whole package was read
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_no_feature_imports_the_app() -> None:
    graph = import_graph(PACKAGE)
    importers = sorted(name for name, targets in graph.items() if "bot.app" in targets)
    assert set(importers) <= MAY_IMPORT_APP, importers


def test_a_planted_cycle_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "feature").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "feature" / "__init__.py").write_text("")
    (package / "app.py").write_text("from pkg.feature.service import Service\n")
    (package / "feature" / "service.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.app import App\n")
    (package / "feature" / "store.py").write_text("from . import service\n")
    graph = import_graph(package)
    assert graph["pkg.feature.store"] == {"pkg.feature.service"}  # relative imports resolve
    assert find_cycle(graph) == ["pkg.app", "pkg.feature.service", "pkg.app"]
    (package / "feature" / "service.py").write_text("import json\n")
    assert find_cycle(import_graph(package)) is None
