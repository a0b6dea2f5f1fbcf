"""Helpers to drive app.py with Streamlit's AppTest on a given store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
VIEWS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "views").glob("*.py"))


def start(lang: str = "en", page: str | None = None, timeout: float = 120, **params: str) -> AppTest:
    """app.py, first run done, with query parameters ``lang`` and ``params``; optionally on ``page``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.query_params["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def assert_ok(at: AppTest) -> None:
    errors = [e.value for e in at.exception]
    assert not errors, errors


def plotly_specs(at: AppTest) -> list[dict[str, Any]]:
    """The Plotly figures on the page, as dicts."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}
