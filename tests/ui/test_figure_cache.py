"""Figures are built once per distinct arguments (ui.cache.figure, issue 13): a warm page switch
re-runs the page from cached results and cached figures, and a cached figure is the figure the
builder makes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from charts import concentration as conc_charts
from charts import delivered_value as dv_charts
from charts import lifecycle as lc_charts
from charts import overview as ov_charts
from charts import word_of_mouth as wom_charts
from charts.theme import base_layout
from tests.ui.apptest import assert_ok, start
from ui import cache


def spec(fig: go.Figure) -> dict[str, Any]:
    """What the browser receives for ``fig`` (key order aside)."""
    return json.loads(pio.to_json(fig, validate=False))


def points(frame: pd.DataFrame, title: str) -> go.Figure:
    """A small builder for the tests: every row of ``frame`` as a point."""
    return base_layout(go.Figure(go.Scattergl(x=frame["x"], y=frame["y"], mode="markers")), title)


def test_a_cached_figure_is_the_builders_figure_and_callers_cannot_change_the_cache():
    cache.clear()
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [-1.0, 0.5, 2.0]})
    direct = points(frame, "利润")
    first = cache.figure(points, frame, "利润")
    assert spec(first) == spec(direct)
    first.update_layout(title_text="changed by a caller", height=999)  # e.g. titles.fit, partial.mark
    again = cache.figure(points, frame, "利润")
    assert spec(again) == spec(direct)
    assert again.layout.title.text == "利润" and again.layout.height == 420
    # A different argument is a different figure.
    doubled = frame.assign(y=frame["y"] * 2)
    assert spec(cache.figure(points, doubled, "利润")) == spec(points(doubled, "利润")) != spec(direct)
    assert frame["y"].tolist() == [-1.0, 0.5, 2.0]  # the argument is left as it was


def test_large_frames_are_keyed_by_every_row():
    """Streamlit's own hash samples frames of 50,000 rows and more: a figure of one large frame must
    never be handed out for another that differs only in rows left out of the sample."""
    cache.clear()
    n = 60_000
    a = pd.DataFrame({"x": np.arange(n, dtype=float), "y": np.zeros(n)})
    b = a.copy()
    b.loc[n // 2, "y"] = 7.0
    assert spec(cache.figure(points, a, "map")) == spec(points(a, "map"))
    assert spec(cache.figure(points, b, "map")) == spec(points(b, "map")) != spec(points(a, "map"))


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, calls: Counter[str]) -> None:
    real: Callable[..., go.Figure] = module.base_layout

    def counted(*args: Any, **kwargs: Any) -> go.Figure:
        calls[module.__name__] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "base_layout", counted)


@pytest.mark.parametrize("page, module, away", [
    ("concentration", conc_charts, "overview"), ("lifecycle", lc_charts, "overview"),
    ("delivered_value", dv_charts, "overview"), ("overview", ov_charts, "lifecycle"),
    ("word_of_mouth", wom_charts, "overview")])
def test_a_warm_page_switch_builds_no_figure_again(app_db, monkeypatch, page, module, away):
    """Back on a page with every result cached, its charts come from the figure cache: Plotly's
    validation of every figure was most of the 1.1-1.5 s such a switch took at demo size."""
    calls: Counter[str] = Counter()
    _counting(monkeypatch, module, calls)
    at = start("en", page=f"views/{away}.py")  # the app opens on the Overview first
    cache.clear()
    before = calls[module.__name__]
    at.switch_page(f"views/{page}.py")
    at.run()
    assert_ok(at)
    assert calls[module.__name__] - before >= 2  # the page drew its charts through the builders
    drawn = [el.proto.spec for el in at.get("plotly_chart")]
    at.switch_page(f"views/{away}.py")
    at.run()
    before = calls[module.__name__]
    at.switch_page(f"views/{page}.py")
    at.run()
    assert_ok(at)
    assert calls[module.__name__] == before, "a warm switch built the page's figures again"
    assert [el.proto.spec for el in at.get("plotly_chart")] == drawn  # the same charts, to the byte
