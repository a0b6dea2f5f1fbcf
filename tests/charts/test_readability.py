"""Charts readable on a 1366 px laptop (issue 19): the payback chart highlights a few cohorts, the
win-win map's quadrant labels never overlap, long titles wrap instead of being cut."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics import delivered_value as dv
from charts import delivered_value as dvc
from charts import lifecycle as lcc
from charts import titles
from charts.theme import base_layout
from i18n import Translator


def payback(n: int) -> pd.DataFrame:
    """``n`` quarterly cohorts, each observed two months less than the one before, the last for one."""
    rows = []
    for i in range(n):
        cohort = dt.date(2023 + i // 4, 1 + 3 * (i % 4), 1)
        for m in range(1, 2 * (n - 1 - i) + 2):
            rows.append({"cohort": cohort, "month": m, "net_profit": -100.0 + 15 * m + i,
                         "median_net_profit": -90.0 + 12 * m})
    return pd.DataFrame(rows)


def test_payback_chart_highlights_four_cohorts_spread_over_time_and_fades_the_rest():
    t = Translator("en")
    curves = payback(13)  # the thirteen lines; the last three observed for fewer than six months
    cohorts = sorted(curves["cohort"].unique())
    months = curves.groupby("cohort")["month"].max()
    assert [months[c] for c in cohorts[-4:]] == [7, 5, 3, 1]
    fig = lcc.payback_curves(curves, "quarter", t, "net_profit", "t")
    bold = [tr for tr in fig.data if tr.line.width == lcc.BOLD_WIDTH]
    faint = [tr for tr in fig.data if tr.line.color == lcc.FAINT]
    assert len(fig.data) == 13 and len(bold) == 4 and len(faint) == 9
    # evenly from the first to the latest cohort observed for six months: a spread over time, no stub
    expected = [cohorts[0], cohorts[3], cohorts[6], cohorts[9]]
    assert [tr.name for tr in bold] == [lcc.quarter_label(c, t) for c in expected]
    assert [tr.line.color for tr in bold] == list(lcc.COHORT_COLORS)  # told apart by colour, none red or grey
    # one legend entry for all the faint ones, drawn first (under the highlighted lines)
    assert [tr.showlegend for tr in faint].count(True) == 1 and fig.data[0] in faint
    assert all(tr.name == "Other cohorts" for tr in faint)
    chosen = lcc.payback_curves(curves, "quarter", t, "net_profit", highlight=cohorts[5:7])
    assert [tr.name for tr in chosen.data if tr.line.width == lcc.BOLD_WIDTH] == [
        lcc.quarter_label(c, t) for c in cohorts[5:7]]
    few = curves[curves["cohort"].isin(cohorts[:3])]  # few cohorts: all of them highlighted
    assert lcc.default_highlight(few) == cohorts[:3]


def _box(a, width: float, height: float) -> tuple[float, float, float, float]:
    """An annotation's box in pixels on a plot area ``width`` × ``height``, from its anchor and its
    lines' estimated widths (charts.titles.text_px) at its font size."""
    lines = a.text.replace("<b>", "").replace("</b>", "").split("<br>")
    w = max(titles.text_px(line, a.font.size) for line in lines) + 6
    h = len(lines) * a.font.size * 1.3 + 4
    x = a.x * width - (w if a.xanchor == "right" else 0)
    y = (1 - a.y) * height - (h if a.yanchor == "bottom" else 0)
    return x, y, x + w, y + h


def _overlap(p: tuple[float, ...], q: tuple[float, ...]) -> bool:
    return p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("sampled", [False, True])
def test_win_win_quadrant_labels_sit_in_the_corners_without_overlapping(lang, sampled):
    t = Translator(lang)
    rng = np.random.default_rng(1)
    # a narrow left half (as on the demo data: almost everyone delivers value), the case that overlapped
    pts = pd.DataFrame({"customer_id": [f"c{i}" for i in range(300)], "name": "n",
                        "delivered_value": rng.normal(12, 4, 300).clip(-1.5, None), "profit": rng.normal(100, 800, 300),
                        "revenue": rng.gamma(2, 100, 300)})
    pts["quadrant"] = dv.quadrant(pts["delivered_value"], pts["profit"])
    fig = dvc.winwin_map(dv.map_sample(pts, 50) if sampled else pts, t, everyone=pts if sampled else None)
    labels = [a for a in fig.layout.annotations if (a.name or "").startswith("quadrant_")]
    assert len(labels) == 4
    corners = {a.name: (a.x, a.y, a.xref, a.yref) for a in labels}
    assert corners == {"quadrant_win_win": (1, 1, "x domain", "y domain"),
                       "quadrant_company_only": (0, 1, "x domain", "y domain"),
                       "quadrant_customer_only": (1, 0, "x domain", "y domain"),
                       "quadrant_lose_lose": (0, 0, "x domain", "y domain")}
    # the plot area of the map in its 3/5 column at 1366 px, and at 1280 px: no two labels touch
    for width in (titles.chart_px(5 / 3) - 90, titles.chart_px(5 / 3) - 150):
        boxes = [_box(a, width, 440) for a in labels]
        assert all(b[0] >= 0 and b[2] <= width for b in boxes), boxes
        assert not any(_overlap(p, q) for i, p in enumerate(boxes) for q in boxes[i + 1:]), boxes


def test_long_titles_wrap_to_the_chart_width():
    en = "Mean holdout purchases by calibration repeat purchases: actual and each model"
    zh = "留出期平均购买次数：实际与各模型（按校准期重复购买次数分组）"
    for text in (en, zh):
        lines = titles.wrap(text, titles.chart_px(2))
        assert len(lines) == 2 and "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(titles.text_px(line) <= titles.chart_px(2) for line in lines)
        assert max(map(titles.text_px, lines)) < 1.3 * min(map(titles.text_px, lines))  # balanced, no orphan word
    assert titles.wrap("Short title", titles.chart_px(2)) == ["Short title"]
    cut = titles.wrap("A &amp; B " * 20, 200)
    assert len(cut) > 1 and all(line.count("&") == line.count("&amp;") for line in cut)  # a reference is never cut
    fig = base_layout(go.Figure(), en, height=400)
    top = fig.layout.margin.t
    titles.fit(fig, 2)
    assert fig.layout.title.text.count("<br>") == 1
    assert fig.layout.height == 400 + titles.LINE_PX and fig.layout.margin.t == top + titles.LINE_PX
    titles.fit(fig, 2)  # a figure fitted again (a cached one, drawn on the next run) stays as it was
    assert fig.layout.title.text.count("<br>") == 1 and fig.layout.height == 400 + titles.LINE_PX
    one = titles.fit(base_layout(go.Figure(), "Short", height=400), 2)
    assert one.layout.title.text == "Short" and one.layout.height == 400
