"""The first page after a server start does only what it needs (issue 13: first page ≤ 3 s): in a fresh
process, opening the Overview imports no SciPy (the CLV models and the demo generator need it, the
Overview does not), hashes no password and compiles no view script but its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FIRST_PAGE = """
import ast, json, sys
import argon2
hashes, parsed = [], []
real_hash, real_parse = argon2.PasswordHasher.hash, ast.parse
argon2.PasswordHasher.hash = lambda self, *a, **k: hashes.append(1) or real_hash(self, *a, **k)
ast.parse = lambda source, filename="<unknown>", *a, **k: parsed.append((filename, len(source))) or real_parse(
    source, filename, *a, **k)
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=300)
at.query_params["lang"] = "en"
at.run()
views = {f: n for f, n in parsed if "views" in f}
print(json.dumps({"errors": [str(e.value) for e in at.exception], "charts": len(at.get("plotly_chart")),
                  "modules": sorted(m for m in ("scipy", "statsmodels") if m in sys.modules),
                  "hashes": len(hashes), "views": len(views),
                  "largest_parse": max(views.values(), default=0)}))
"""


def test_the_first_page_loads_only_what_it_needs(small_store: Path, tmp_path: Path):
    store = tmp_path / "app.duckdb"  # the app opens its store for writing
    shutil.copy(small_store, store)
    out = subprocess.run([sys.executable, "-c", FIRST_PAGE], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "CVM_DB": str(store)})
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["errors"] == [] and got["charts"] >= 3, got
    assert got["modules"] == [], got  # SciPy comes with the first page that fits a model
    assert got["hashes"] == 0, got  # no account signs in here
    views = len(list((ROOT / "views").glob("*.py")))
    assert got["views"] == views, got  # every view's PAGE is read for the navigation …
    assert got["largest_parse"] < 1000, got  # … from its PAGE statement, not the whole script
