"""Dependencies point down: an app imports only the apps below it, not even inside a function."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "profiles", "dossiers", "assessments", "credentials", "demo")

# Each app and the apps it may import besides itself (aipia's helpers import no app, and every app may use them).
BELOW = {
    "accounts": set(),
    "profiles": {"accounts"},
    "dossiers": {"accounts", "profiles"},
}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, relative imports made absolute."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            modules.add(module)
            modules.update(f"{module}.{alias.name}" for alias in node.names)
    return modules


def imported_apps(app: str) -> dict[str, set[str]]:
    imports = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        apps = {name.split(".")[0] for name in imported_modules(path)} & set(APPS)
        imports[str(path.relative_to(ROOT))] = apps - {app}
    return imports


@pytest.mark.parametrize("app", sorted(BELOW))
def test_an_app_imports_only_the_apps_below_it(app):
    upward = {path: apps - BELOW[app] for path, apps in imported_apps(app).items() if apps - BELOW[app]}

    assert upward == {}


@pytest.mark.parametrize("app", sorted(BELOW))
def test_only_a_task_module_imports_tasks(app):
    # Tasks sit above the services they call: a service asks for a task by its name (aipia/queue.py).
    importers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / app).rglob("*.py"))
        if path.name != "tasks.py" and any(name.split(".")[-1] == "tasks" for name in imported_modules(path))
    ]

    assert importers == []


def imports_inside_functions(path: Path) -> list[str]:
    """The project modules ``path`` imports inside a function, as ``function -> module``."""
    found = []
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] in APPS):
                found.append(f"{function.name} -> {'.' * node.level}{node.module or ''}")
            elif isinstance(node, ast.Import):
                found.extend(f"{function.name} -> {a.name}" for a in node.names if a.name.split(".")[0] in APPS)
    return found


@pytest.mark.parametrize("app", sorted(BELOW))
def test_project_modules_are_imported_at_the_top_except_in_app_ready(app):
    # AppConfig.ready is where an app's registrations run, once every model is loaded.
    inside = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / app).rglob("*.py"))
        if path.name != "apps.py" and (found := imports_inside_functions(path))
    }

    assert inside == {}
