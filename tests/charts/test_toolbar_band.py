"""A chart's title starts under the band Plotly's toolbar covers while the mouse is over the chart (issue 19: the
toolbar, 26 px high at the chart's top right, hid the end of the win-win map's and 15 other titles at 1366 px).
The browser check is tests/browser/test_chart_chrome.py."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from charts import titles
from charts.theme import TOOLBAR_PX, base_layout

MODEBAR_PX = 26  # Plotly's toolbar: 22 px buttons and their padding


@pytest.mark.parametrize("text", ["Short", "Win-win map: delivered value × customer profit (2025-11-01 – 2026-10-31) "
                                             "and how it moves, month by month, for every segment"])
def test_the_title_lies_between_the_toolbar_and_the_plot(text):
    fig = titles.fit(base_layout(go.Figure(), text, height=400), 2)
    title = fig.layout.title
    lines = title.text.count("<br>") + 1
    assert title.yref == "container" and title.yanchor == "top" and title.pad.t == TOOLBAR_PX >= MODEBAR_PX
    # The anchor lowered by the lines titles.fit added: the first line's top is still TOOLBAR_PX from the top.
    first_top = (1 - title.y) * fig.layout.height + title.pad.t - titles.LINE_PX * (lines - 1)
    assert first_top == pytest.approx(TOOLBAR_PX)
    assert TOOLBAR_PX + titles.LINE_PX * lines <= fig.layout.margin.t  # the title ends above the plot


def test_an_untitled_chart_keeps_its_small_top_margin():
    assert base_layout(go.Figure(), None).layout.margin.t == 24
