"""No page sends more than 300 KB of chart JSON at demo size (issue 13): what each page's Plotly
charts weigh on the demo store, as the browser receives them (the summed length of their specs)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.apptest import assert_ok, start

BUDGET = 300_000  # characters of chart JSON per page
PAGES = ("overview", "concentration", "delivered_value", "word_of_mouth", "customer_value", "lifecycle")


def chart_bytes(at: Any) -> dict[str, int]:
    """Each chart's spec length on the page, by its element id."""
    return {str(el.proto.id): len(el.proto.spec) for el in at.get("plotly_chart")}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_sends_at_most_300_kb_of_charts(app_db, lang):
    at = start(lang)
    sizes: dict[str, int] = {}
    for page in PAGES:
        at.switch_page(f"views/{page}.py")
        at.run()
        assert_ok(at)
        charts = chart_bytes(at)
        assert charts, page  # the page drew its charts: an empty page would pass for the wrong reason
        sizes[page] = sum(charts.values())
    over = {p: n for p, n in sizes.items() if n > BUDGET}
    assert not over, f"chart JSON over {BUDGET:,} characters: {over} (all: {sizes})"


def test_a_long_period_samples_the_win_win_map_within_the_budget(app_db):
    """Over the demo's three years more customers are assessed than the map draws: the page stays
    within the budget, draws a sample over a density of all of them and says so."""
    at = start("en", page="views/delivered_value.py", **{"from": "2023-11-01", "to": "2026-10-31"})
    assert_ok(at)
    assert sum(chart_bytes(at).values()) <= BUDGET
    maps = [el for el in at.get("plotly_chart") if "dv_map_" in str(el.proto.id)]
    assert len(maps) == 1 and '"type":"heatmap"' in maps[0].proto.spec.replace(" ", "")
    assert any("the map draws 2,000 of" in c.value for c in at.caption)
