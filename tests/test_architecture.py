"""The layout docs/architecture.md describes, checked: imports go one way
(no cycle, and no lazy import hiding one), and shared modules reach an API's
folder only for the typed shortcuts the contract fixes."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "authmock"
API_FOLDERS = ("authmock.sigma", "authmock.bigid")
# Shared modules that import an API folder, and why (docs/architecture.md).
SHORTCUTS = {
    "authmock": "registers the built-in APIs",
    "authmock.mock": "the typed mock.sigma / mock.bigid / bigid_url shortcuts",
    "authmock.remote": "the same shortcuts of RemoteAuthMock",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(module-level, in-function) authmock imports, TYPE_CHECKING ones left out."""
    top: set[str] = set()
    lazy: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            function = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            names: list[str] = []
            if isinstance(child, ast.ImportFrom) and child.module:
                # `from authmock.sigma import scenario, snapshot` imports both submodules;
                # `from authmock.journal import CallLog`, the module itself.
                names = [
                    f"{child.module}.{a.name}"
                    if f"{child.module}.{a.name}" in MODULES
                    else child.module
                    for a in child.names
                ]
            elif isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            (lazy if function else top).update(name for name in names if name in MODULES)
            visit(child, function)

    visit(ast.parse(path.read_text()), False)
    return top, lazy


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _reaches(start: str, goal: str, lazy_too: bool) -> bool:
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name == goal:
            return True
        if name in seen:
            continue
        seen.add(name)
        top, lazy = GRAPH.get(name, (set(), set()))
        todo.extend(top | lazy if lazy_too else top)
    return False


def test_module_level_imports_form_no_cycle() -> None:
    cycles = [
        f"{name} -> {dep}"
        for name, (top, _) in GRAPH.items()
        for dep in top
        if dep != name and _reaches(dep, name, lazy_too=False)
    ]
    assert cycles == []


def test_no_lazy_import_breaks_a_cycle() -> None:
    hidden = [
        f"{name} -> {dep}"
        for name, (_, lazy) in GRAPH.items()
        for dep in lazy
        if _reaches(dep, name, lazy_too=True)
    ]
    assert hidden == []


def test_shared_modules_reach_an_api_folder_only_for_the_fixed_shortcuts() -> None:
    reaching = {
        name
        for name, (top, lazy) in GRAPH.items()
        if not name.startswith(API_FOLDERS)
        and any(dep.startswith(API_FOLDERS) for dep in top | lazy)
    }
    assert reaching <= set(SHORTCUTS), reaching - set(SHORTCUTS)


def test_an_api_folder_never_imports_another() -> None:
    for folder in API_FOLDERS:
        others = [f for f in API_FOLDERS if f != folder]
        for name, (top, lazy) in GRAPH.items():
            if name.startswith(folder):
                assert not [d for d in top | lazy if d.startswith(tuple(others))], name
