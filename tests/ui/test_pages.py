"""Page discovery is done once per process, never by two threads at once (sessions that open together
after a server start once crashed with "SystemError: AST constructor recursion depth mismatch")."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ui import pages

ROOT = Path(__file__).resolve().parents[2]
THREADS = 32


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """A fresh discovery cache, and the number of times each view file is parsed."""
    calls: Counter[str] = Counter()
    real_parse = pages.ast.parse

    def parse(source: str, filename: str = "<unknown>", *args: object, **kwargs: object) -> object:
        calls[filename] += 1
        return real_parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(pages.ast, "parse", parse)
    pages._discover.cache_clear()
    yield calls
    pages._discover.cache_clear()


def _all_at_once(fn, n: int = THREADS) -> list[object]:
    """``fn()`` in ``n`` threads released together; every result (an exception raises here)."""
    barrier = threading.Barrier(n)

    def run() -> object:
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(run) for _ in range(n)]
        return [f.result(timeout=60) for f in futures]


def test_concurrent_first_calls_agree_and_parse_each_view_once(counted):
    results = _all_at_once(pages.discover)
    assert all(r == results[0] for r in results)
    assert [s.script for s in results[0]] == [s.script for s in pages.discover()]
    assert len(results[0]) == len(list(pages.VIEWS.glob("*.py")))
    # Each view parsed exactly once, however many sessions asked at the same moment.
    assert sorted(counted.values()) == [1] * len(results[0]), counted


def test_later_calls_parse_nothing(counted):
    first = pages.discover()
    parsed = sum(counted.values())
    assert parsed == len(first)
    assert _all_at_once(pages.discover, 8) == [first] * 8
    assert sum(counted.values()) == parsed


def test_the_import_discovers_the_pages():
    """Importing the module reads the views (in a fresh process: before any session asks)."""
    code = "from ui import pages; print(pages._discover.cache_info().currsize)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_only_the_page_statement_is_parsed(tmp_path: Path):
    """An app start reads every view before its first page: the PAGE literal is parsed, not the script
    (compiling every view cost over a second on the 2-core machine; issue 13)."""
    view = tmp_path / "report.py"
    view.write_text('"""A view."""\n\nimport streamlit as st\n\nPAGE = {"title": "nav.x", "icon": ":material/a:",\n'
                    '        "order": 7,\n        "section": "nav.section.views"}  # a comment\n\n'
                    'def broken(:\n    this is not Python\n', encoding="utf-8")
    spec = pages.read_spec(view)
    assert (spec.script, spec.title, spec.order, spec.section, spec.role) == ("views/report.py", "nav.x", 7,
                                                                             "nav.section.views", "viewer")
    (tmp_path / "none.py").write_text("import streamlit as st\nst.write('no PAGE here')\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no PAGE"):
        pages.read_spec(tmp_path / "none.py")
