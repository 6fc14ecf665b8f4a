"""The aliaudit package's modules import each other without a cycle (issue 16): every import counts, a
function's deferred one too (it is a dependency all the same), except those under `if TYPE_CHECKING:`."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT

PACKAGE = ROOT / "shared" / "aliaudit"
# a module's attributes Python sets before running it: importing one runs nothing of the module
_SET_BEFORE_EXECUTION = {"__doc__", "__name__", "__file__", "__path__", "__spec__"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules this module imports: `from X import y` is X.y when that is a module, else X."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking_only(child):
                for sub in child.orelse:  # (an else: branch runs)
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                for a in child.names:
                    if a.name in _SET_BEFORE_EXECUTION:
                        continue
                    found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base)
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {m for m in found if m in modules and m != name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_the_package_has_no_import_cycle():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert len(graph) > 50 and "aliaudit.cli.main" in graph["aliaudit.cli"]
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_is_found():
    """The walker itself: a deferred import closing a loop is a cycle."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


# the modules that parse a command line: the `aliaudit` command, and the generators' own `python -m` mains
COMMAND_LINES = ("aliaudit.cli", "aliaudit.deploy.cli", "aliaudit.docs")


def test_no_argparse_below_the_command_line():
    """The flows under the CLI take typed values (issue 16): only a command-line module imports argparse."""
    users = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(), str(path))
        names = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                 for a in node.names} | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        if "argparse" in names and not name.startswith(COMMAND_LINES):
            users.append(name)
    assert not users, f"argparse below the command line: {users}"


def test_the_functions_never_reach_the_deploy_package():
    """The function bundles leave aliaudit.deploy out (deploy/bundle.py): nothing a function's entry point imports,
    directly or not, may import it (a constant the dispatcher took from deploy/catalogue.py made every dispatcher
    fail with ModuleNotFoundError in FC; only the slow layer test saw it)."""
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    entries = [m for m in modules if m.startswith("aliaudit.runtime.")]
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph[name])
    assert entries and not {m for m in seen if m == "aliaudit.deploy" or m.startswith("aliaudit.deploy.")}, \
        sorted(m for m in seen if m.startswith("aliaudit.deploy"))
