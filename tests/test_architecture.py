"""The folder tree is the architecture (issue 14): what these checks keep true.

* the import graph of ``analytics/`` (every ``import``, at module level or inside a function) has no
  cycle through modules of different packages;
* no module imports another package's private name (``from x import _y`` or ``x._y``);
* Streamlit is imported only by ``app.py``, ``views/`` and ``ui/`` (and by the tests and the
  benchmark harness, which drive the app from outside);
* no module of ``analytics/`` is longer than :data:`MAX_LINES` lines;
* no name-prefix families (``ingest_read.py`` beside ``ingest_binary.py``): a family is a package;
* README's architecture tree names every package of ``analytics/`` and the command line ``cli/``;
* the command line is a layer of its own: ``argparse`` only in ``cli/`` (and the benchmark harness's
  own command lines), ``cli`` imported by nothing but ``analytics/__main__.py`` (``python -m
  analytics``), the tests and the benchmarks; ``analytics/`` imports no ``i18n`` (user-facing text is
  written by the layers above); every module of ``cli/commands/`` declares ``NAME``, ``HELP``,
  ``add_arguments`` and ``run``;
* tests mirror the layers: the browser tests open every page through one helper,
  ``tests.browser.driver.open_page`` (go to the page, wait until it is drawn).

A *package* here is a top-level part of the project (``views``, ``ui``, …) or, inside ``analytics``,
a subpackage (``analytics.ingest``, with everything under it) or a top-level module
(``analytics.filters``). Only the standard library is used: the graph comes from ``ast``.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANALYTICS = ROOT / "analytics"
MAX_LINES = 650
LAYERS = ("analytics", "views", "ui", "presentation", "charts", "i18n", "cli")  # the project's own packages
# tests and the benchmark harness drive the app from outside (AppTest, a server), as a browser would
STREAMLIT_ALLOWED = ("app.py", "views/", "ui/", "tests/", "bench/")
# argparse: the command line, and the benchmark harness's own command lines (python -m bench …)
ARGPARSE_ALLOWED = ("cli/", "bench/")
# cli: its entry point users know (python -m analytics), and what drives it from outside
CLI_ALLOWED = ("cli/", "analytics/__main__.py", "tests/", "bench/")
# i18n in analytics/: ingest accepts a category value spelled as the app shows it (华东 for East),
# which it reads from i18n.values, the one table of those names
I18N_IN_ANALYTICS = ("analytics/ingest/normalize.py",)
SKIP_DIRS = {".git", "data", "artifacts", "__pycache__", ".venv", "node_modules"}


def module_name(path: Path) -> str:
    """``analytics/ingest/read/text.py`` → ``analytics.ingest.read.text``; a package's ``__init__``
    is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    """The package a module belongs to (see the module docstring)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "analytics" and len(parts) > 1 else parts[0]


def python_files() -> list[Path]:
    """Every Python file of the project (not data, artifacts or caches)."""
    return sorted(p for p in ROOT.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(ROOT).parts))


def analytics_modules() -> dict[str, Path]:
    return {module_name(p): p for p in ANALYTICS.rglob("*.py") if "__pycache__" not in p.parts}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is a known module."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def imported_modules(path: Path, known: dict[str, Path]) -> set[str]:
    """The known modules a file imports anywhere in it, plus the packages around them (importing
    ``analytics.clv.models`` runs ``analytics/clv/__init__.py`` first)."""
    me = module_name(path)
    here = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package upwards
                anchor = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for target in targets:
            module = _resolve(target, known)
            while module:
                found.add(module)
                module = module.rpartition(".")[0] if "." in module else None
    found.discard(me)
    found.discard("analytics")  # the root package's __init__ imports nothing
    return found


def import_graph() -> dict[str, set[str]]:
    known = analytics_modules()
    return {m: imported_modules(p, known) for m, p in known.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


# ---------------------------------------------------------------------------- the checks
def test_the_graph_sees_function_level_imports():
    graph = import_graph()
    assert "analytics.store.db" in graph["analytics.ingest.engine"]
    # analytics.ingest.templates imports analytics.tabular inside template_bytes only
    assert "analytics.tabular" in graph["analytics.ingest.templates"]
    assert "analytics.clv" in graph["analytics.lifecycle.stages"]  # the package around analytics.clv.models


def test_no_import_cycle_crosses_packages():
    graph = import_graph()
    crossing = [c for c in strongly_connected(graph) if len({package_of(m) for m in c}) > 1]
    assert crossing == [], "import cycles through several packages: " + "; ".join(" ↔ ".join(c) for c in crossing)


def test_the_cycle_check_finds_a_planted_cycle():
    graph = {"analytics.a": {"analytics.b.x"}, "analytics.b.x": {"analytics.b"}, "analytics.b": {"analytics.a"},
             "analytics.c": set()}
    assert strongly_connected(graph) == [["analytics.a", "analytics.b", "analytics.b.x"]]


def private_imports(path: Path) -> list[str]:
    """``from x import _y`` and ``x._y`` where ``x`` is a module of another of the project's packages."""
    me = package_of(module_name(path))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    modules: dict[str, str] = {}  # local name → the project module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in LAYERS:
                continue
            for a in node.names:
                modules[a.asname or a.name] = f"{node.module}.{a.name}"
                private = a.name.startswith("_") and not a.name.startswith("__")
                if private and package_of(node.module) != me:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module} import {a.name}")
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in LAYERS and a.asname:
                    modules[a.asname] = a.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and node.attr.startswith("_") and not node.attr.startswith("__")
                and package_of(modules[node.value.id]) != me):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_private_name_crosses_packages():
    offenders = [hit for p in python_files() if p.relative_to(ROOT).parts[0] in (*LAYERS, "app.py")
                 for hit in private_imports(p)]
    assert offenders == []


def test_the_private_check_sees_both_forms(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "views").mkdir()
    page = tmp_path / "views" / "page.py"
    page.write_text("from analytics import report\nfrom analytics.filters import _secret\nreport._clean(1)\n")
    assert private_imports(page) == ["views/page.py:2: from analytics.filters import _secret",
                                     "views/page.py:3: report._clean"]


def test_streamlit_only_in_the_app_views_and_ui():
    pattern = re.compile(r"^\s*(import streamlit|from streamlit[ .])", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in python_files()
                 if not p.relative_to(ROOT).as_posix().startswith(STREAMLIT_ALLOWED)
                 and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_no_analytics_module_is_too_long():
    long = {m: n for m, p in analytics_modules().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these modules by concern (at most {MAX_LINES} lines): {long}"


def prefix_families(folder: Path) -> dict[str, list[str]]:
    """Modules and packages of ``folder`` that share a name prefix (``wom_data``, ``wom_turning``;
    ``ingest`` and ``ingest_read``)."""
    names = [p.stem for p in folder.glob("*.py") if not p.stem.startswith("__")]
    names += [p.name for p in folder.iterdir() if (p / "__init__.py").exists()]
    groups: dict[str, list[str]] = defaultdict(list)
    for name in names:
        groups[name.split("_")[0]].append(name)
    return {k: sorted(v) for k, v in groups.items() if len(v) > 1 and any("_" in n for n in v)}


def test_no_name_prefix_families_in_analytics():
    folders = [ANALYTICS, *(p.parent for p in ANALYTICS.rglob("__init__.py") if p.parent != ANALYTICS)]
    families = {str(f.relative_to(ROOT)): fam for f in folders if (fam := prefix_families(f))}
    assert families == {}, f"make each family a package: {families}"


def test_the_family_check_finds_the_old_layout(tmp_path):
    for name in ("ingest", "ingest_read", "ingest_binary", "wom_data", "word_of_mouth", "profit"):
        (tmp_path / f"{name}.py").write_text("")
    assert prefix_families(tmp_path) == {"ingest": ["ingest", "ingest_binary", "ingest_read"]}


def readme_tree() -> str:
    """The first code block of README.md's Architecture section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Architecture", 1)[1]
    return section.split("```", 2)[1]


def test_the_readme_tree_names_every_analytics_package_and_the_command_line():
    tree = readme_tree()
    packages = sorted(str(p.parent.relative_to(ROOT)) for p in ANALYTICS.rglob("__init__.py") if p.parent != ANALYTICS)
    missing = [p for p in packages if not re.search(rf"(^|\s){re.escape(Path(p).name)}/", tree, re.MULTILINE)]
    assert missing == [], f"README's architecture tree does not name {missing}"
    assert re.search(r"(^|\s)cli/", tree, re.MULTILINE), "README's architecture tree does not name cli/"


# ---------------------------------------------------------------------------- the command-line layer
def absolute_imports(path: Path) -> set[str]:
    """The dotted names a file imports with absolute imports, anywhere in it (``from a.b import c``
    gives ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def importers(top: str) -> list[str]:
    """The project's files that import the package ``top`` or anything in it."""
    return [p.relative_to(ROOT).as_posix() for p in python_files()
            if any(name == top or name.startswith(f"{top}.") for name in absolute_imports(p))]


def test_argparse_only_in_the_command_line():
    assert [f for f in importers("argparse") if not f.startswith(ARGPARSE_ALLOWED)] == []


def test_only_the_entry_point_imports_the_command_line():
    assert [f for f in importers("cli") if not f.startswith(CLI_ALLOWED)] == []


def test_analytics_imports_no_i18n():
    offenders = [f for f in importers("i18n") if f.startswith("analytics/") and f not in I18N_IN_ANALYTICS]
    assert offenders == [], "analytics/ returns keys and numbers; the views, presentation and cli/ write the text"


def test_the_import_checks_see_function_level_imports(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "analytics").mkdir()
    (tmp_path / "analytics" / "headline.py").write_text("def run():\n    from i18n import Translator\n    import argparse\n")
    assert importers("i18n") == importers("argparse") == ["analytics/headline.py"]


def test_every_command_module_declares_the_contract():
    import cli

    modules = cli.command_modules()
    files = sorted(p.stem for p in (ROOT / "cli" / "commands").glob("*.py") if p.stem != "__init__")
    assert [m.__name__.rpartition(".")[2] for m in modules] == files  # every file is found
    for m in modules:
        missing = [a for a in cli.CONTRACT if not hasattr(m, a)]
        assert missing == [], f"{m.__name__} lacks {missing}"
        assert isinstance(m.NAME, str) and isinstance(m.HELP, str) and m.HELP
        assert callable(m.add_arguments) and callable(m.run)
    names = [m.NAME for m in modules]
    assert len(names) == len(set(names)), f"a command is defined twice: {names}"


def test_browser_tests_open_pages_through_one_helper():
    """No browser test goes to a URL and waits its own way: ``driver.open_page`` is the one place that does."""
    own_way = [f"{p.name}:{i}" for p in sorted((ROOT / "tests" / "browser").glob("test_*.py"))
               for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if ".goto(" in line]
    assert own_way == [], own_way
    assert ".goto(" in (ROOT / "tests" / "browser" / "driver.py").read_text(encoding="utf-8")
