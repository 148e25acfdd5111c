"""Dependencies point one way: core ← i18n ← jobs ← accounts ← media ← authoring ← learning ←
quizzes ← cohorts, with the API, the CLI, the demo and the wiring on top.

Read from the source with ``ast``: every import counts, at the top of a module or inside a
function (a function-level import hides a dependency, it does not remove it). A newcomer
who adds an upward import or a cycle is told the file, the line and the rule.
"""

from __future__ import annotations

import ast
import collections
from pathlib import Path

import elearn

ROOT = Path(elearn.__file__).parent
#: The domains, lowest first: a module may import its own domain and the ones before it.
ORDER = [
    "core",
    "i18n",
    "jobs",
    "accounts",
    "notifications",
    "media",
    "authoring",
    "learning",
    "quizzes",
    "cohorts",
]
#: Shared by every layer: the unbound extensions (they import only core).
BASE = {"extensions"}
#: On top of every domain: they may import any domain, and no domain imports them. The
#: settings are wiring: they read the environment and check it against what the domains
#: declare (the interface languages).
TOP = {"api", "cli", "commands", "config", "demo", "demo_cohort", "models", ""}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def domain(module: str) -> str:
    """``elearn.cohorts.views`` → ``cohorts``; the package itself → ``""`` (the wiring)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def group(module: str) -> str:
    """The domain, counting the unbound extensions as core's."""
    name = domain(module)
    return "core" if name in BASE else name or "elearn"


def rank(module: str) -> float:
    name = domain(module)
    if name in BASE:
        return 0
    if name in ORDER:
        return ORDER.index(name)
    assert name in TOP, f"{module}: say where {name!r} sits in tests/test_layering.py"
    return float("inf")


def imports(module: str) -> list[tuple[str, int]]:
    """The elearn modules ``module`` imports, with the line of each import."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from elearn.cohorts import exports`` imports the module exports
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        found += [(t, node.lineno) for t in targets if t in MODULES and t != module]
    return found


def _runtime_nodes(tree: ast.AST):
    """Every node but what ``if TYPE_CHECKING:`` hides (annotations only, never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


GRAPH = {m: imports(m) for m in MODULES}


def test_imports_point_down_the_layers():
    upward = [
        f"{MODULES[m].relative_to(ROOT.parent)}:{line}: {m} imports {t} "
        f"({domain(t)} sits above {domain(m) or 'the wiring'})"
        for m, targets in GRAPH.items()
        for t, line in targets
        if rank(t) > rank(m)
    ]
    assert not upward, "\n".join(
        [f"Dependencies point one way ({' ← '.join(ORDER)}):", *sorted(upward)]
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
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
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_module_imports_itself_back():
    graph = {m: {t for t, _line in targets} for m, targets in GRAPH.items()}
    found = cycles(graph)
    assert not found, "Import cycles between modules:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_no_domain_imports_itself_back():
    graph = collections.defaultdict(set)
    for m, targets in GRAPH.items():
        for t, _line in targets:
            if group(t) != group(m):
                graph[group(m)].add(group(t))
    found = cycles(graph)
    assert not found, "Import cycles between domains:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_the_checks_catch_what_they_name():
    """The rules above are worth something only if they would see a cycle or a climb."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert rank("elearn.cohorts.services") > rank("elearn.learning.policy") > rank("elearn.core")
    inside = [t for t, _line in GRAPH["elearn"]]
    assert "elearn.commands" in inside  # imported inside a function, counted all the same


def test_the_studio_is_served_by_authoring(app):
    studio = [r for r in app.url_map.iter_rules() if r.rule.startswith("/studio")]
    assert studio, "no /studio routes at all"
    elsewhere = []
    for rule in studio:
        view = app.view_functions[rule.endpoint]
        blueprint = app.blueprints[rule.endpoint.split(".")[0]]
        if not (
            view.__module__.startswith("elearn.authoring.")
            and blueprint.import_name.startswith("elearn.authoring.")
        ):
            elsewhere.append(f"{rule.rule} ({rule.endpoint}, {view.__module__})")
    assert not elsewhere, "The Studio's pages belong to authoring:\n" + "\n".join(elsewhere)
