"""Helpers to drive app.py with Streamlit's AppTest on a given store."""

from __future__ import annotations

import json
import re
import unicodedata
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


def title(spec: dict[str, Any]) -> str:
    """A chart's title as written, its line breaks undone (charts.titles wraps a title too long for its
    chart: a break replaced a space between words, and nothing between two wide characters)."""
    text = (spec.get("layout", {}).get("title") or {}).get("text") or ""
    return re.sub(r"(.)?<br>(.)?", lambda m: (m.group(1) or "") + (
        "" if m.group(1) and m.group(2) and _wide(m.group(1)) and _wide(m.group(2)) else " ") + (m.group(2) or ""), text)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def chart_titled(at: AppTest, text: str) -> dict[str, Any]:
    """The page's chart whose title (:func:`title`) is ``text``."""
    specs = plotly_specs(at)
    found = [s for s in specs if title(s) == text]
    assert found, f"no chart titled {text!r}; titles: {[title(s) for s in specs]}"
    return found[0]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def select(at: AppTest, key: str, points: list[dict[str, Any]], box: list[dict[str, Any]] | None = None) -> AppTest:
    """Rerun ``at`` as the browser does after a selection on the chart drawn under ``key``: its state holds
    ``points`` (each as Plotly hands them back: ``x``, ``y``, ``curve_number``, ``customdata`` …) and ``box``."""
    charts = [el for el in at.get("plotly_chart") if str(el.proto.id).endswith(f"-{key}")]
    assert charts, f"no chart keyed {key!r}: {[el.proto.id for el in at.get('plotly_chart')]}"
    states = at._tree.get_widget_states()  # the other widgets' values, as a rerun sends them
    state = states.widgets.add()
    state.id = charts[0].proto.id
    state.string_value = json.dumps({"selection": {"points": points, "point_indices": [p.get("point_index", 0) for p in points],
                                                   "box": box or [], "lasso": []}})
    return at._run(states)
