"""The package's layout is its architecture: imports flow one way, no cycles, no test tooling in the product.

story (the model) <- draft, events <- render <- app <- the entry points (cli, streamlit_app, __init__).
Every import is read from the source (inside functions too), so a late import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mapapp import settings

PACKAGE = settings.PACKAGE_DIR
# A module's rank: it may import its own folder and anything of a lower rank, never higher; draft and
# events are peers that never import each other.
RANKS = {"settings": 0, "contract": 0, "story": 1, "draft": 2, "events": 2, "render": 3, "edit": 3, "app": 4}
ENTRY_POINTS = {"__init__", "__main__", "cli", "streamlit_app", "streamlit_editor"}
MAX_LINES = 450  # every module holds one concern; the largest today is story/manifest.py (~435)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if "static" in parts:
            continue
        found[".".join(("mapapp", *parts)).removesuffix(".__init__")] = path
    return found


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base != "mapapp":  # `from mapapp import settings` imports settings, not the public API
                names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _group(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


MODULES = _modules()
GRAPH = {
    module: {name for name in _imports(path, module) if name in MODULES and name != module} for module, path in MODULES.items()
}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_flow_one_way(module):
    group = _group(module)
    if group in ENTRY_POINTS:
        return
    rank = RANKS[group]
    upward = []
    for name in GRAPH[module]:
        other = _group(name)
        if other == group:
            continue
        if other in ENTRY_POINTS or RANKS[other] > rank or (RANKS[other] == rank and other != group):
            upward.append(name)
    assert upward == [], f"{module} imports {upward}"


def test_no_import_cycles():
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for name in sorted(GRAPH[module]):
            if state.get(name) == 1:
                cycles.append([*stack[stack.index(name) :], name])
            elif name not in state:
                visit(name, [*stack, name])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    # A package's __init__ importing its own modules is how it names its API: not a cycle between concerns.
    real = [c for c in cycles if not any(m == c[0].rsplit(".", 1)[0] for m in c)]
    assert real == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_app_imports_streamlit_and_nothing_imports_test_tooling(module):
    """Streamlit in app/ only; pytest and tests/ nowhere; Playwright only where print needs a browser."""
    imported = _imports(MODULES[module], module)
    assert not any(name == "tests" or name.startswith("tests.") for name in imported), module
    assert not any(name.split(".")[0] == "pytest" for name in imported), module
    if _group(module) not in ("render", "__init__"):  # print (render/snapshot) drives Chromium; nothing else does
        assert not any(name.split(".")[0] == "playwright" for name in imported), module
    if _group(module) != "app":
        assert not any(name.split(".")[0] in ("streamlit", "streamlit_folium") for name in imported), module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_says_its_concern_and_stays_readable(module):
    text = MODULES[module].read_text(encoding="utf-8")
    assert ast.get_docstring(ast.parse(text)), f"{module} has no docstring"
    assert len(text.splitlines()) <= MAX_LINES, module


def test_the_public_api_names_what_a_script_may_import(tmp_path):
    import mapapp

    assert set(mapapp.__all__) == {name for name in mapapp.__all__ if getattr(mapapp, name, None) is not None}
    assert mapapp.validate(settings.DEFAULT_DATA_DIR) == []
    assert mapapp.validate(tmp_path) != []  # not a story folder: a problem, not an exception
    with pytest.raises(AttributeError):
        _ = mapapp.not_a_name


@pytest.mark.parametrize(
    ("module", "heavy"),
    [
        ("mapapp", {"geopandas", "pandas", "folium", "streamlit", "playwright"}),
        ("mapapp.events", {"geopandas", "pandas", "shapely", "folium", "streamlit"}),
        ("mapapp.story.validate", {"geopandas", "pandas", "folium", "streamlit"}),
    ],
)
def test_importing_loads_only_what_the_command_needs(module, heavy):
    """`mapapp events` checks a CSV with DuckDB, pyarrow and NumPy: GeoPandas alone added 0.3 s to each run
    (a tenth of the 1,000,000-row check, measured in bench/events_read.py). Heavy libraries load on first use."""
    import subprocess
    import sys

    code = f"import sys, {module}; print(sorted(m for m in {sorted(heavy)!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=settings.REPO_DIR)
    assert loaded.stdout.strip() == "[]", f"importing {module} loads {loaded.stdout.strip()}"


def test_the_project_builds_as_one_installable_package(tmp_path):
    """`pip wheel .`: the package, its product folders and its browser scripts; no tests, no runtime cache."""
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(settings.REPO_DIR), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("mapapp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("story", "draft", "events", "render", "app", "edit"):
        assert f"mapapp/{folder}/__init__.py" in names
    assert "mapapp/static/mapapp/site.js" in names and "mapapp/static/mapapp/svg-export.js" in names
    assert not [n for n in names if n.startswith(("tests/", "mapapp/static/cache/", "geodata/"))]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "mapapp = mapapp.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
