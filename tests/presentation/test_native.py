"""Native PowerPoint charts (issue 19): each slide's figure becomes a python-pptx chart carrying the
figure's data, in the title placeholder's slide; figures without a native equivalent stay pictures.

The decks here are built by :mod:`presentation.deck` with no rendered pictures, so no browser runs.
"""

from __future__ import annotations

import html
import io
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Inches

from analytics.store import db
from i18n import Translator
from presentation import deck, meta, native, story
from presentation.story import Headline, Slide, Table
from tests.presentation.conftest import Y2024, make_story_store

ZH, EN = Translator("zh"), Translator("en")


def tiny_png() -> bytes:
    """A stand-in for a rendered chart (a figure without a native chart is placed as its picture)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buf, "PNG")
    return buf.getvalue()


PNG = tiny_png()


def unmarked(text: object) -> str:
    """A figure's text as a reader sees it (Plotly markup and entities undone)."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(text))).strip()


def floats(values) -> list[float | None]:
    out = []
    for v in values:
        out.append(None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v))
    return out


def xy_x(series) -> list[float]:
    return [float(v.text) for v in series._element.find(qn("c:xVal")).iter(qn("c:v"))]


def chart_of(page):
    charts = [sh for sh in page.shapes if sh.has_chart]
    assert len(charts) == 1, "one native chart per chart slide"
    return charts[0].chart


def waterfall_ends(fig: go.Figure) -> list[tuple[float, float]]:
    """Each step's (low, high) as Plotly draws it: relative steps from the running sum, totals from zero."""
    tr = fig.data[0]
    running, out = 0.0, []
    for m, v in zip(tr.measure, tr.y, strict=True):
        if m == "total":
            out.append((min(0.0, running), max(0.0, running)))
        elif m == "absolute":
            running = float(v)
            out.append((min(0.0, running), max(0.0, running)))
        else:
            start, running = running, running + float(v)
            out.append((min(start, running), max(start, running)))
    return out


def assert_chart_matches(chart, fig: go.Figure) -> None:
    """The native chart carries the figure's data: series names and values, categories, per trace kind."""
    series = [s for plot in chart.plots for s in plot.series]
    traces = [tr for tr in fig.data if (getattr(tr, "fill", None) or "none") not in ("toself", "tonexty")]
    kinds = {tr.type for tr in traces}
    if kinds == {"waterfall"}:
        tr = traces[0]
        assert list(chart.plots[0].categories) == [unmarked(x) for x in tr.x]
        base, above, below = (s.values for s in series)
        pieces = []
        for b, a, w in zip(base, above, below, strict=True):
            if a and w:  # a step across zero: the pieces meet at zero
                pieces.append((w, a))
            elif w:
                pieces.append((b + w, b))
            else:
                pieces.append((b, b + a))
        assert pieces == pytest.approx(waterfall_ends(fig))
        return
    by_name = {s.name: s for s in series}
    assert sorted(by_name) == sorted(unmarked(tr.name) for tr in traces)
    horizontal = any(tr.type == "bar" and tr.orientation == "h" for tr in traces)
    for tr in traces:
        s = by_name[unmarked(tr.name)]
        cats, vals = (tr.y, tr.x) if horizontal else (tr.x, tr.y)  # markers over horizontal bars too
        if chart.chart_type.name.startswith("XY"):
            assert xy_x(s) == pytest.approx(floats(cats))
            assert list(s.values) == pytest.approx(floats(vals))
        else:
            categories = list(chart.plots[0].categories)
            got = dict(zip(categories, s.values, strict=True))
            assert [got[unmarked(c)] for c in cats] == pytest.approx(floats(vals))


# ------------------------------------------------------------------------------ the story's slides
@pytest.fixture(scope="module")
def decks():
    """Every registered step on the hand-made store, in both languages, and its deck (no pictures)."""
    con = make_story_store()
    out = {}
    with db.cursor(con) as cur:
        m = meta.export_meta(cur, Y2024)
        for lang, t in (("zh", ZH), ("en", EN)):
            slides = story.slides(cur, m.filters, t, story.step_keys())
            pictures = [PNG if need else None for need in deck.needs_picture(slides, t)]
            pages = list(Presentation(io.BytesIO(deck.pptx_bytes(slides, m, t, pictures=pictures))).slides)
            out[lang] = slides, pages
    con.close()
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_chart_with_data_is_a_native_chart_carrying_the_slides_data(decks, lang):
    slides, pages = decks[lang]
    native_keys = []
    for s, page in zip(slides, pages[1:], strict=False):
        assert page.shapes.title is not None and page.shapes.title.text == s.title  # the title placeholder
        if not s.figure.data:  # nothing to chart on this store (no assessments, no feedback): the picture
            assert not [sh for sh in page.shapes if sh.has_chart]
            assert len([sh for sh in page.shapes if sh.shape_type == 13]) == 1
            continue
        assert not [sh for sh in page.shapes if sh.shape_type == 13], f"{s.key}: a picture, not a chart"
        assert_chart_matches(chart_of(page), s.figure)
        native_keys.append(s.key)
    assert {"concentration", "loss_makers", "loss_drivers", "delivered_value", "value_tiers", "lifecycle",
            "profit_bridge", "monthly"} <= set(native_keys)


def test_chart_kinds_follow_the_figures(decks):
    slides, pages = decks["en"]
    kinds = {s.key: chart_of(p).chart_type.name for s, p in zip(slides, pages[1:], strict=False) if s.figure.data}
    assert kinds["concentration"].startswith("XY_SCATTER")  # the whale curve over a numeric share
    assert kinds["loss_drivers"] == "BAR_CLUSTERED"  # horizontal, grouped, read top to bottom as in the figure
    drivers = chart_of(dict(zip([s.key for s in slides], pages[1:], strict=False))["loss_drivers"])
    assert drivers.category_axis.reverse_order
    assert drivers._chartSpace.find(".//" + qn("c:valAx")).find(qn("c:crosses")).get("val") == "max"  # axis below
    assert kinds["value_tiers"] == kinds["lifecycle"] == "COLUMN_STACKED"
    assert kinds["delivered_value"] == kinds["profit_bridge"] == "COLUMN_STACKED"  # waterfalls on a transparent base
    by_key = dict(zip([s.key for s in slides], pages[1:], strict=False))
    loss = chart_of(by_key["loss_makers"])  # bars and the net-profit markers: a combo, drawn as columns
    assert [type(p).__name__ for p in loss.plots] == ["BarPlot", "LinePlot"]
    assert [s.name for s in loss.plots[1].series] == ["Net profit"]
    assert not chart_of(by_key["concentration"]).has_legend  # one curve; the peak marker has no legend entry
    monthly = chart_of(by_key["monthly"])
    assert [type(p).__name__ for p in monthly.plots] == ["BarPlot", "LinePlot"]


def test_title_placeholders_on_every_slide(decks):
    slides, pages = decks["zh"]
    titles = [p.shapes.title.text for p in pages]
    assert titles[0] == "客户价值管理 · 会议材料"
    assert titles[1:1 + len(slides)] == [s.title for s in slides]
    assert all(t.startswith("附录：") for t in titles[1 + len(slides):])


# ------------------------------------------------------------------------------ figures by hand
def test_a_waterfall_crossing_zero_keeps_every_step():
    fig = go.Figure(go.Waterfall(x=["Start", "Cut", "Rise", "End"], y=[10, -25, 5, 0],
                                 measure=["absolute", "relative", "relative", "total"],
                                 text=["10", "-25", "+5", "-10"]))
    spec = native.native(fig, EN)
    assert spec is not None and spec.kind == "waterfall" and spec.stacked
    base, above, below = spec.series
    assert base.hidden and not above.hidden
    # Start 0…10; Cut 10 → -15 crosses zero; Rise -15 → -10 below zero; End 0 → -10.
    assert base.values == (0, 0, -10, 0) and above.values == (10, 10, 0, 0) and below.values == (0, -15, -5, -10)
    assert above.labels == ("10", "-25", "", "") and below.labels == ("", "", "+5", "-10")  # each step's once


def test_the_figures_axis_range_and_hidden_legend_entries_carry_over():
    """A bridge whose axis does not start at zero keeps its range; a trace hidden from the figure's
    legend (a peak marker, an unnamed helper) has no legend entry in the deck either."""
    bridge = go.Figure(go.Waterfall(x=["Now", "Lever", "After"], y=[100, 5, 0], measure=["absolute", "relative", "total"]))
    bridge.update_yaxes(range=[80, 110])
    lines = go.Figure([go.Scatter(x=[0, 50, 100], y=[0, 80, 60], name="Now"),
                       go.Scatter(x=[0, 50, 100], y=[0, 90, 70], name="Plan"),
                       go.Scatter(x=[50], y=[90], mode="markers", name="Peak", showlegend=False),
                       go.Scatter(x=[40], y=[70], mode="markers")])
    lines.update_xaxes(range=[0, 100])
    slides = [_slide("bridge", bridge), _slide("lines", lines)]
    pages = list(Presentation(io.BytesIO(deck.pptx_bytes(slides, _meta(), EN))).slides)
    axis = chart_of(pages[1]).value_axis
    assert (axis.minimum_scale, axis.maximum_scale) == (80, 110)
    chart = chart_of(pages[2])
    assert (chart.category_axis.minimum_scale, chart.category_axis.maximum_scale) == (0, 100)
    entries = chart._chartSpace.findall(".//" + qn("c:legendEntry"))
    assert sorted(int(e.find(qn("c:idx")).get("val")) for e in entries) == [2, 3]
    assert all(e.find(qn("c:delete")).get("val") == "1" for e in entries)


def test_heatmaps_and_empty_figures_have_no_native_chart():
    assert native.native(go.Figure(), EN) is None
    assert native.native(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])), EN) is None
    mixed = go.Figure([go.Heatmap(z=[[1, 2]]), go.Scatter(x=[1, 2], y=[3, 4])])
    assert native.native(mixed, EN) is None  # the win-win map: density under sampled points


def test_bands_are_left_out_and_lines_over_dates_are_a_line_chart():
    fig = go.Figure([
        go.Scatter(x=[1, 2, 2, 1], y=[0, 0, 1, 1], fill="toself", name="band"),
        go.Scatter(x=[1.0, 2.0], y=[3.0, np.nan], mode="lines", name="fit"),
        go.Scatter(x=[1.5], y=[2.0], mode="markers+text", text=["<b>East</b>"], name="now"),
    ])
    spec = native.native(fig, EN)
    assert spec.kind == "xy" and [s.name for s in spec.series] == ["fit", "now"]
    assert spec.series[0].x == (1.0,) and spec.series[0].values == (3.0,)  # a missing point is left out
    assert spec.series[1].labels == ("East",) and spec.series[1].kind == "markers"
    weeks = go.Figure([go.Scatter(x=["2024-01-07", "2024-01-14"], y=[1, 3], name="actual"),
                       go.Scatter(x=["2024-01-14"], y=[2], name="model")])
    spec = native.native(weeks, EN)
    assert spec.kind == "line" and spec.categories == ("2024-01-07", "2024-01-14")
    assert spec.series[1].values == (None, 2.0)  # a week the model does not cover stays a gap


def test_typed_arrays_from_json_are_read():
    fig = go.Figure(go.Bar(x=["a", "b"], y=np.array([1.5, -2.0])))
    again = go.Figure(fig.to_plotly_json())  # how a figure comes back from JSON or a cache
    assert native.native(again, EN).series[0].values == (1.5, -2.0)


def test_money_axes_use_compact_units_in_the_readers_language():
    assert native.money_format(ZH, 4.5e7) == '"¥"0\\.0,"万";-"¥"0\\.0,"万"'
    assert native.money_format(ZH, 3e8) == '"¥"0\\.00,,"亿";-"¥"0\\.00,,"亿"'
    assert native.money_format(EN, 4.5e7) == '"¥"#,##0.0,,"M";-"¥"#,##0.0,,"M"'
    assert native.money_format(EN, 50) == '"¥"#,##0;-"¥"#,##0'


# ------------------------------------------------------------------------------ a picture where there is no native chart
def _slide(key: str, figure: go.Figure, rows: int = 0) -> Slide:
    frame = pd.DataFrame({"id": [f"C{i:03d}" for i in range(rows)], "v": [float(i) for i in range(rows)]})
    return Slide(key=key, title=f"Title {key}", figure=figure, takeaway=f"Takeaway {key}",
                 headlines=(Headline("Figure", "1"),), appendix=Table(f"Table {key}", frame, ("text", "money")) if rows else None)


def test_a_figure_without_a_native_chart_keeps_its_picture():
    slides = [_slide("heat", go.Figure(go.Heatmap(z=[[1, 2]]))), _slide("bars", go.Figure(go.Bar(x=["a"], y=[1])))]
    m = _meta()
    assert deck.needs_picture(slides, EN) == [True, False]
    pages = list(Presentation(io.BytesIO(deck.pptx_bytes(slides, m, EN, pictures=[PNG, None]))).slides)
    assert [sh.shape_type for sh in pages[1].shapes if sh.shape_type == 13] == [13]
    assert not [sh for sh in pages[1].shapes if sh.has_chart]
    assert [sh for sh in pages[2].shapes if sh.has_chart] and not [sh for sh in pages[2].shapes if sh.shape_type == 13]


def _meta() -> meta.ExportMeta:
    con = make_story_store()
    with db.cursor(con) as cur:
        m = meta.export_meta(cur, Y2024)
    con.close()
    return m


# ------------------------------------------------------------------------------ full appendix tables
def appendix_rows(pages) -> list[list[str]]:
    """The rows under the header of every appendix slide's table, slide by slide."""
    out = []
    for p in pages:
        table = next(sh for sh in p.shapes if sh.has_table).table
        out.append([[table.cell(r, c).text for c in range(len(table.columns))] for r in range(1, len(table.rows))])
    return out


def test_a_long_appendix_table_continues_over_several_slides():
    rows = 50
    slides = [_slide("long", go.Figure(go.Bar(x=["a"], y=[1])), rows=rows)]
    pages = list(Presentation(io.BytesIO(deck.pptx_bytes(slides, _meta(), EN))).slides)
    appendix = pages[2:]
    n = len(appendix)
    assert n >= 2 and n == len(deck.table_parts(slides[0].appendix, EN))
    assert [p.shapes.title.text for p in appendix] == [f"Appendix: Table long ({k} of {n})" for k in range(1, n + 1)]
    for p in appendix:
        assert next(sh for sh in p.shapes if sh.has_table).table.cell(0, 0).text == "id"  # the header on every slide
    ids = [row[0] for part in appendix_rows(appendix) for row in part]
    assert ids == [f"C{i:03d}" for i in range(rows)]  # every row, once, in order
    assert f"Page {2 + n} of {2 + n}" in "\n".join(sh.text_frame.text for sh in pages[-1].shapes if sh.has_text_frame)


def test_rows_that_wrap_still_end_above_the_footer():
    """Long names wrap to two or three lines: a slide takes fewer rows, none runs into the footer."""
    frame = pd.DataFrame({"id": [f"C{i:03d}" for i in range(30)],
                          "name": ["南京嘉禾商贸有限公司医疗器械分公司华东大区" * (1 + i % 3) for i in range(30)],
                          "profit": [float(-i) for i in range(30)]})
    slide = Slide(key="names", title="Names", figure=go.Figure(go.Bar(x=["a"], y=[1])), takeaway="-",
                  headlines=(), appendix=Table("Loss-makers", frame, ("text", "text", "money")))
    pages = list(Presentation(io.BytesIO(deck.pptx_bytes([slide], _meta(), ZH))).slides)[2:]
    assert [row[0] for part in appendix_rows(pages) for row in part] == list(frame["id"])
    for p in pages:
        shape = next(sh for sh in p.shapes if sh.has_table)
        bottom = shape.top + sum(r.height for r in shape.table.rows)
        assert bottom <= Inches(deck.TABLE_BOTTOM_IN) < next(
            sh.top for sh in p.shapes if sh.has_text_frame and "第" in sh.text_frame.text and "页" in sh.text_frame.text)
        widths = [c.width for c in shape.table.columns]
        assert widths[1] > widths[0] and widths[1] > widths[2]  # the names get the room
