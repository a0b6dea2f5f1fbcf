"""A slide's Plotly figure as a native PowerPoint chart: a python-pptx chart object that carries the
data (its embedded workbook), so the deck's charts can be edited in PowerPoint or WPS.

:func:`native` reads the figure's traces into a :class:`Native` description (no python-pptx here, so
it is cheap to test); :func:`add_chart` draws that description on a slide. Which figures map to what:

* bars (``go.Bar``, vertical or horizontal; ``barmode`` stack/relative → stacked) → a column or bar
  chart; markers or lines over bars (net profit per segment, profit per month) → the same chart with
  a line series (a combo chart). PowerPoint cannot combine horizontal bars with a line, so such a
  figure turns into columns. Every series is drawn on one value axis: a second y-axis (Plotly's
  ``y2``) has no counterpart, and one axis keeps profit from looking larger than revenue.
* lines and markers over numbers (the whale curve, the complaint curve) → an XY scatter chart;
  over categories or dates (weekly tracking) → a line chart.
* a waterfall → the classic stacked-column waterfall: a transparent base series under the visible
  piece of each step (above and below zero as two series, so steps crossing zero are right), each
  step coloured as in the figure and labelled with the figure's text.

No native equivalent, so the slide keeps a picture (:func:`native` returns None): heatmaps and
density clouds (the win-win map: a heatmap under sampled points on a symmetric-log axis whose numbers
would be wrong on a plain axis), any other trace type, and an empty figure. Confidence bands (a
scatter filled to itself or to the next trace) are left out of the native chart: the fitted line
stays, the band is on the PDF's and the Present page's picture. Shapes and annotations (reference
lines, quadrant names) are not carried either.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from i18n import Translator, fmt

BAR_TYPES = frozenset({"bar"})
LINE_TYPES = frozenset({"scatter", "scattergl"})
BAND_FILLS = frozenset({"toself", "tonexty", "tonextx"})  # not tozeroy: the area under a real line


@dataclass(frozen=True)
class Series:
    """One series: ``values`` (None where missing), ``x`` for XY charts, how it is drawn (``kind``:
    bar, line, markers or lines+markers), its colour, per-point colours and data labels, and
    ``hidden`` for a waterfall's transparent base."""

    name: str
    values: tuple[float | None, ...]
    kind: str = "bar"
    x: tuple[float, ...] | None = None
    color: str | None = None
    point_colors: tuple[str | None, ...] | None = None
    labels: tuple[str, ...] | None = None
    hidden: bool = False
    in_legend: bool = True


@dataclass(frozen=True)
class Native:
    """A native chart: ``kind`` bar, line, xy or waterfall; categories (bar, line, waterfall), series,
    orientation, stacking, axis titles and the value axis's (and an XY chart's x-axis's) number format."""

    kind: str
    series: tuple[Series, ...]
    categories: tuple[str, ...] = ()
    horizontal: bool = False
    stacked: bool = False
    x_title: str | None = None
    y_title: str | None = None
    y_format: str = "General"
    x_format: str = "General"
    legend: bool = True
    y_range: tuple[float, float] | None = None  # the figure's own axis range, where it sets one
    x_range: tuple[float, float] | None = None


# ------------------------------------------------------------------------------ reading the figure
def array(v: object) -> list:
    """A trace's data as a list: numpy arrays, tuples, and Plotly's typed-array dicts (``bdata``)."""
    if v is None:
        return []
    if isinstance(v, dict) and "bdata" in v:  # a figure that went through JSON or pickle
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if "shape" in v:
            a = a.reshape([int(s) for s in str(v["shape"]).split(",")])
        return a.tolist()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def text(value: object) -> str:
    """Figure text as plain text: Plotly's markup (``<br>``, ``<b>``, ``&#37;``) undone."""
    s = re.sub(r"<br\s*/?>", " ", str(value), flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", "", s)).strip()


def _number(v: object) -> float | None:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _label(v: object) -> str:
    if isinstance(v, (dt.datetime, np.datetime64)):
        return str(v)[:10]
    if isinstance(v, dt.date):
        return v.isoformat()
    return text(str(v))


def _color(c: object) -> str | None:
    """``#rrggbb`` from a Plotly colour (``#rgb``, ``#rrggbb``, ``rgb()``/``rgba()``), else None."""
    if not isinstance(c, str):
        return None
    c = c.strip()
    if c.startswith("#") and len(c) in (4, 7):
        return "#" + "".join(ch * 2 for ch in c[1:]) if len(c) == 4 else c.lower()
    if c.startswith("rgb"):
        parts = c[c.find("(") + 1:c.find(")")].split(",")[:3]
        try:
            return "#{:02x}{:02x}{:02x}".format(*(round(float(p)) for p in parts))
        except ValueError:
            return None
    return None


def _trace_color(tr: go.basedatatypes.BaseTraceType) -> str | None:
    if tr.type in LINE_TYPES and "lines" in (tr.mode or "lines"):
        return _color(tr.line.color) or _color(tr.marker.color)
    return _color(tr.marker.color)


def _point_colors(tr: go.basedatatypes.BaseTraceType) -> tuple[str | None, ...] | None:
    colors = tr.marker.color
    if isinstance(colors, str) or colors is None:
        return None
    out = tuple(_color(c) for c in array(colors))
    return out if any(out) else None


def _point_labels(tr: go.basedatatypes.BaseTraceType) -> tuple[str, ...] | None:
    """The text drawn beside each point (``mode`` with ``text``: regions beside their markers)."""
    if "text" not in (tr.mode or "") or isinstance(tr.text, str) or tr.text is None:
        return None
    return tuple(text(v) for v in array(tr.text))


def _kind(tr: go.basedatatypes.BaseTraceType) -> str:
    if tr.type in BAR_TYPES:
        return "bar"
    mode = tr.mode or "lines"
    if "lines" in mode:
        return "lines+markers" if "markers" in mode else "line"
    return "markers"


def _title(axis: object) -> str | None:
    title = getattr(getattr(axis, "title", None), "text", None)
    return text(title) if title else None


def _number_format(axis: object, values: Sequence[float | None], t: Translator) -> str:
    """An Excel number format for an axis: money in the reader's compact units where the figure's
    ticks are money, percentages as the figure writes them, else separators for large numbers."""
    ticktext = [str(x) for x in array(getattr(axis, "ticktext", None))]
    tickvals = array(getattr(axis, "tickvals", None))
    present = [abs(v) for v in values if v is not None]
    top = max(present, default=0.0)
    if ticktext and tickvals and ticktext[-1] == t.money(_number(tickvals[-1]), compact=True):
        return money_format(t, top)
    suffix, tickformat = getattr(axis, "ticksuffix", None) or "", getattr(axis, "tickformat", None) or ""
    if suffix.strip() == "%":
        return '0"%"'
    if "%" in tickformat:
        return "0%"
    return "#,##0" if top >= 1000 or tickformat.startswith(",") else "General"


def money_format(t: Translator, top: float) -> str:
    """Money in Excel's number-format code, compact as the deck's text is (万/亿, K/M/B)."""
    sym = fmt.symbol(t.currency).replace('"', "")

    def signed(body: str) -> str:  # the minus before the symbol, as the app writes it (-¥5)
        return f'"{sym}"{body};-"{sym}"{body}'

    if t.lang == "zh":
        # A trailing comma divides by 1,000 and "\." is a literal point, so "0\.0," shows 12,345,678 as
        # 1234.6: 万 (and 亿) in a format code, which has no division by 10⁴ (\\ is Excel's escape; seen in LibreOffice).
        if top >= 1e8:
            return signed('0\\.00,,"亿"')
        if top >= 1e4:
            return signed('0\\.0,"万"')
        return signed("#,##0")
    if top >= 1e9:
        return signed('#,##0.0,,,"B"')
    if top >= 1e6:
        return signed('#,##0.0,,"M"')
    if top >= 1e3:
        return signed('#,##0.0,"K"')
    return signed("#,##0")


def _range(axis: object) -> tuple[float, float] | None:
    """An axis's fixed range (a bridge that does not start at zero, a share axis ending at 100 %)."""
    lo_hi = [_number(v) for v in array(getattr(axis, "range", None))]
    if len(lo_hi) != 2 or None in lo_hi or getattr(axis, "type", None) in ("log", "date", "category"):
        return None
    lo, hi = lo_hi
    return (lo, hi) if lo < hi else None  # type: ignore[return-value]


def _in_legend(tr: go.basedatatypes.BaseTraceType) -> bool:
    return tr.showlegend is not False and bool(text(tr.name or ""))


def _visible(fig: go.Figure) -> list:
    """The traces drawn, less confidence bands (see the module docstring)."""
    out = []
    for tr in fig.data:
        if tr.visible is False:
            continue
        if tr.type in LINE_TYPES and ((tr.fill or "none") in BAND_FILLS or tr.line.width == 0):
            continue  # a band, or the invisible edge a band is filled to
        out.append(tr)
    # A native chart's series order is its legend's: follow Plotly's legendrank where a chart draws in another
    # order than it lists (the models' tracking lines: the chosen one drawn last, listed in the usual order).
    return sorted(out, key=lambda tr: 1000 if tr.legendrank is None else tr.legendrank)


def native(fig: go.Figure, t: Translator) -> Native | None:
    """The native chart of ``fig``, or None where it has no sensible one (see the module docstring)."""
    traces = _visible(fig)
    if not traces:
        return None
    types = {tr.type for tr in traces}
    if types == {"waterfall"} and len(traces) == 1:
        return _waterfall(fig, traces[0], t)
    if not types <= BAR_TYPES | LINE_TYPES:
        return None
    if types & BAR_TYPES:
        return _bars(fig, traces, t)
    return _lines(fig, traces, t)


def _bars(fig: go.Figure, traces: list, t: Translator) -> Native | None:
    bars = [tr for tr in traces if tr.type in BAR_TYPES]
    horizontal = all(tr.orientation == "h" for tr in bars)
    if not horizontal and any(tr.orientation == "h" for tr in bars):
        return None  # mixed orientations: no single native chart
    lines = [tr for tr in traces if tr.type not in BAR_TYPES]
    cat_axis, val_axis = ("y", "x") if horizontal else ("x", "y")
    categories: list[str] = []
    rows = []
    for tr in traces:
        cats = [_label(c) for c in array(getattr(tr, cat_axis))]
        vals = [_number(v) for v in array(getattr(tr, val_axis))]
        if not cats or len(cats) != len(vals):
            return None
        for c in cats:
            if c not in categories:
                categories.append(c)
        rows.append((tr, dict(zip(cats, vals, strict=True))))
    series = tuple(Series(text(tr.name or ""), tuple(by.get(c) for c in categories), _kind(tr), color=_trace_color(tr),
                          point_colors=_point_colors(tr) if tr.type in BAR_TYPES else None, in_legend=_in_legend(tr))
                   for tr, by in rows)
    layout = fig.layout
    # A horizontal bar chart cannot hold a line series in PowerPoint: the combo is drawn as columns.
    horizontal = horizontal and not lines
    cat_title = _title(layout.yaxis if cat_axis == "y" else layout.xaxis)
    val_title = _title(layout.xaxis if val_axis == "x" else layout.yaxis)
    values = [v for s in series for v in s.values]
    if (layout.barmode or "group") in ("stack", "relative"):
        values = _stack_extremes(series)
    return Native("bar", series, tuple(categories), horizontal=horizontal,
                  stacked=(layout.barmode or "group") in ("stack", "relative"),
                  x_title=cat_title, y_title=val_title,
                  y_format=_number_format(layout.xaxis if val_axis == "x" else layout.yaxis, values, t),
                  legend=sum(s.in_legend for s in series) > 1,
                  y_range=_range(layout.xaxis if val_axis == "x" else layout.yaxis))


def _stack_extremes(series: Sequence[Series]) -> list[float | None]:
    """Per category, the highest and lowest stacked total (what a stacked axis must show)."""
    out: list[float | None] = []
    for i in range(len(series[0].values)):
        vals = [s.values[i] or 0.0 for s in series if s.kind == "bar"]
        out += [sum(v for v in vals if v > 0), sum(v for v in vals if v < 0)]
    return out


def _xy_series(tr: go.basedatatypes.BaseTraceType, x: list, y: list[float | None]) -> Series:
    """An XY series of the points that have a y (a scatter chart has no gaps to keep)."""
    labels = _point_labels(tr)
    keep = [i for i, v in enumerate(y) if v is not None]
    return Series(text(tr.name or ""), tuple(y[i] for i in keep), _kind(tr), x=tuple(float(x[i]) for i in keep),
                  color=_trace_color(tr), labels=tuple(labels[i] if i < len(labels) else "" for i in keep) if labels else None,
                  in_legend=_in_legend(tr))


def _lines(fig: go.Figure, traces: list, t: Translator) -> Native | None:
    layout = fig.layout
    xs = [array(tr.x) for tr in traces]
    ys = [[_number(v) for v in array(tr.y)] for tr in traces]
    if any(not x or len(x) != len(y) for x, y in zip(xs, ys, strict=True)):
        return None
    all_y = [v for y in ys for v in y]
    numeric = all(_is_number(v) for x in xs for v in x)
    if numeric:
        series = tuple(_xy_series(tr, x, y) for tr, x, y in zip(traces, xs, ys, strict=True))
        all_x = [float(v) for x in xs for v in x]
        return Native("xy", series, x_title=_title(layout.xaxis), y_title=_title(layout.yaxis),
                      y_format=_number_format(layout.yaxis, all_y, t), x_format=_number_format(layout.xaxis, all_x, t),
                      legend=sum(s.in_legend for s in series) > 1, y_range=_range(layout.yaxis),
                      x_range=_range(layout.xaxis))
    categories: list[str] = []
    for x in xs:
        for c in (_label(v) for v in x):
            if c not in categories:
                categories.append(c)
    series = tuple(Series(text(tr.name or ""), tuple(dict(zip((_label(v) for v in x), y, strict=True)).get(c)
                                                      for c in categories), _kind(tr), color=_trace_color(tr),
                          in_legend=_in_legend(tr))
                   for tr, x, y in zip(traces, xs, ys, strict=True))
    return Native("line", series, tuple(categories), x_title=_title(layout.xaxis), y_title=_title(layout.yaxis),
                  y_format=_number_format(layout.yaxis, all_y, t), legend=sum(s.in_legend for s in series) > 1,
                  y_range=_range(layout.yaxis))


def _waterfall(fig: go.Figure, tr: go.Waterfall, t: Translator) -> Native | None:
    cats = [_label(c) for c in array(tr.x)]
    vals = [_number(v) for v in array(tr.y)]
    if not cats or len(cats) != len(vals):
        return None
    measure = array(tr.measure) or ["relative"] * len(vals)
    texts = [text(x) for x in array(tr.text)]
    up, down, total = (_color(getattr(tr, k).marker.color) for k in ("increasing", "decreasing", "totals"))
    running = 0.0
    base, above, below, colors, labels = [], [], [], [], []
    for i, (m, v) in enumerate(zip(measure, vals, strict=True)):
        v = v or 0.0
        if m == "total":  # Plotly draws a total from zero to the running sum (its y is ignored)
            lo, hi, color, shown = min(0.0, running), max(0.0, running), total, running
        elif m == "absolute":
            running = v
            lo, hi, color, shown = min(0.0, v), max(0.0, v), total, v
        else:
            start, running = running, running + v
            lo, hi, color, shown = min(start, running), max(start, running), up if v >= 0 else down, v
        # The stack: a transparent base from zero to the near end, then the visible piece(s).
        if lo >= 0:
            base.append(lo), above.append(hi - lo), below.append(0.0)
        elif hi <= 0:
            base.append(hi), above.append(0.0), below.append(lo - hi)
        else:
            base.append(0.0), above.append(hi), below.append(lo)
        colors.append(color)
        labels.append(texts[i] if i < len(texts) and texts[i] else t.num(shown))
    pc = tuple(colors)
    # Each step's label once: on the piece above zero, or below it when there is none above.
    up_labels = tuple(lbl if a else "" for lbl, a in zip(labels, above, strict=True))
    down_labels = tuple(lbl if w and not a else "" for lbl, a, w in zip(labels, above, below, strict=True))
    series = (Series(t("pres.chart.base"), tuple(base), hidden=True),
              Series(t("pres.chart.above_zero"), tuple(above), point_colors=pc, labels=up_labels),
              Series(t("pres.chart.below_zero"), tuple(below), point_colors=pc, labels=down_labels))
    layout = fig.layout
    ends = [b + a for b, a in zip(base, above, strict=True)] + [b + w for b, w in zip(base, below, strict=True)]
    return Native("waterfall", series, tuple(cats), stacked=True, x_title=_title(layout.xaxis),
                  y_title=_title(layout.yaxis), y_format=_number_format(layout.yaxis, ends, t), legend=False,
                  y_range=_range(layout.yaxis))


# ------------------------------------------------------------------------------ drawing it
LATIN_FONT, EA_FONT = "Arial", "Microsoft YaHei"  # what PowerPoint has on Windows and macOS
INK, GRID = "#1f2933", "#e4e7eb"


def _rgb(hex_color: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_color.lstrip("#").upper())


def _east_asian_font(chart) -> None:
    """Chart text in Arial with Microsoft YaHei for Chinese (python-pptx sets only the Latin face)."""
    from lxml import etree
    from pptx.oxml.ns import qn

    chart.font.name = LATIN_FONT
    rpr = chart._chartSpace.find(qn("c:txPr")).find(".//" + qn("a:defRPr"))
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = etree.SubElement(rpr, qn("a:ea"))
    ea.set("typeface", EA_FONT)


def _to_line_plot(chart, names: set[str]) -> None:
    """Move the series named in ``names`` out of the bar plot into a line plot on the same axes
    (a combo chart: python-pptx makes single-type charts only)."""
    from lxml import etree
    from pptx.oxml.ns import qn

    plot_area = chart._chartSpace.find(".//" + qn("c:plotArea"))
    bar = plot_area.find(qn("c:barChart"))
    line = etree.Element(qn("c:lineChart"))
    etree.SubElement(line, qn("c:grouping")).set("val", "standard")
    etree.SubElement(line, qn("c:varyColors")).set("val", "0")
    for ser in bar.findall(qn("c:ser")):
        if ser.find(qn("c:tx")).findtext(".//" + qn("c:v")) in names:
            for tag in ("c:invertIfNegative",):  # bar-only elements the line schema refuses
                for el in ser.findall(qn(tag)):
                    ser.remove(el)
            line.append(ser)
    etree.SubElement(line, qn("c:marker")).set("val", "1")
    for ax in bar.findall(qn("c:axId")):
        etree.SubElement(line, qn("c:axId")).set("val", ax.get("val"))
    bar.addnext(line)


def _hide_legend_entries(chart, indices: Sequence[int]) -> None:
    """No legend entry for the series at ``indices`` (a peak marker, a band edge: hidden in the figure's legend)."""
    from lxml import etree
    from pptx.oxml.ns import qn

    legend = chart._chartSpace.find(".//" + qn("c:legend"))
    pos = legend.find(qn("c:legendPos"))
    for i in reversed(indices):  # legendEntry elements follow legendPos, in the schema's order
        entry = etree.Element(qn("c:legendEntry"))
        etree.SubElement(entry, qn("c:idx")).set("val", str(i))
        etree.SubElement(entry, qn("c:delete")).set("val", "1")
        pos.addnext(entry)


def _style_series(series, spec: Series) -> None:
    """Colour, markers and lines of one drawn series as in the figure."""
    from pptx.enum.chart import XL_MARKER_STYLE
    from pptx.util import Pt

    if spec.hidden:  # a waterfall's base: no fill, no outline
        series.format.fill.background()
        series.format.line.fill.background()
        return
    if spec.kind == "bar":
        if spec.color:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(spec.color)
        for i, c in enumerate(spec.point_colors or ()):
            if c:
                point = series.points[i]
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = _rgb(c)
        return
    series.smooth = False
    if spec.kind == "markers":
        series.format.line.fill.background()
    else:
        series.format.line.width = Pt(2.25)
        if spec.color:
            series.format.line.color.rgb = _rgb(spec.color)
    if spec.kind == "line":
        series.marker.style = XL_MARKER_STYLE.NONE
    else:
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.size = 7
        if spec.color:
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = _rgb(spec.color)
            series.marker.format.line.color.rgb = _rgb(spec.color)


def _labels(series, spec: Series, size: float) -> None:
    from pptx.enum.chart import XL_LABEL_POSITION
    from pptx.util import Pt

    for i, text in enumerate(spec.labels or ()):
        if not text:
            continue
        label = series.points[i].data_label
        label.has_text_frame = True
        label.text_frame.text = text
        label.position = XL_LABEL_POSITION.INSIDE_END
        label.font.size = Pt(size)


def _axis_title(axis, text: str | None, size: float) -> None:
    from pptx.util import Pt

    if not text:
        return
    axis.has_title = True
    axis.axis_title.text_frame.text = text
    axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(size)
    axis.axis_title.text_frame.paragraphs[0].runs[0].font.bold = False


def add_chart(slide, spec: Native, x: float, y: float, w: float, h: float, font_pt: float = 12):
    """Draw ``spec`` on ``slide`` at (x, y) inches, ``w`` × ``h``; returns the graphic frame."""
    from pptx.chart.data import CategoryChartData, XyChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.oxml.ns import qn
    from pptx.util import Inches, Pt

    if spec.kind == "xy":
        data = XyChartData()
        for s in spec.series:
            ser = data.add_series(s.name, number_format=spec.y_format)
            for xv, yv in zip(s.x or (), s.values, strict=True):
                ser.add_data_point(xv, yv)
        kind = XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS
    else:
        data = CategoryChartData(number_format=spec.y_format)
        data.categories = list(spec.categories)
        for s in spec.series:
            data.add_series(s.name, list(s.values))
        if spec.kind == "line":
            kind = XL_CHART_TYPE.LINE
        elif spec.horizontal:
            kind = XL_CHART_TYPE.BAR_STACKED if spec.stacked else XL_CHART_TYPE.BAR_CLUSTERED
        else:
            kind = XL_CHART_TYPE.COLUMN_STACKED if spec.stacked else XL_CHART_TYPE.COLUMN_CLUSTERED
    frame = slide.shapes.add_chart(kind, Inches(x), Inches(y), Inches(w), Inches(h), data)
    chart = frame.chart
    chart.font.size = Pt(font_pt)
    _east_asian_font(chart)
    if spec.kind in ("bar", "waterfall"):
        plot = chart.plots[0]
        plot.gap_width = 60 if spec.kind == "waterfall" else 80
        if spec.stacked:
            plot.overlap = 100
        if spec.horizontal:  # top to bottom as in the figure (PowerPoint draws the first category at the bottom),
            chart.category_axis.reverse_order = True  # with the value axis kept at the bottom: it crosses
            # the category axis at its last category (python-pptx sets only the other direction)
            chart._chartSpace.find(".//" + qn("c:valAx")).find(qn("c:crosses")).set("val", "max")
        lines = {s.name for s in spec.series if s.kind != "bar"}
        if lines:
            _to_line_plot(chart, lines)
    drawn = [ser for plot in chart.plots for ser in plot.series]
    by_name = {s.name: s for s in spec.series}
    for ser in drawn:
        spec_s = by_name[ser.name]
        _style_series(ser, spec_s)
        _labels(ser, spec_s, font_pt - 1)
    chart.has_legend = spec.legend
    if spec.legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(font_pt)
        _hide_legend_entries(chart, [i for i, s in enumerate(spec.series) if not s.in_legend])
    value_axis = chart.value_axis
    value_axis.tick_labels.number_format = spec.y_format
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = _rgb(GRID)
    _axis_title(value_axis, spec.y_title, font_pt)
    if spec.y_range:
        value_axis.minimum_scale, value_axis.maximum_scale = spec.y_range
    category_axis = chart.category_axis
    if spec.kind == "xy":
        category_axis.tick_labels.number_format = spec.x_format
        category_axis.tick_labels.number_format_is_linked = False
        category_axis.has_major_gridlines = False
        xs = [v for ser in spec.series for v in ser.x or ()]
        if spec.x_range:
            category_axis.minimum_scale, category_axis.maximum_scale = spec.x_range
        elif xs and min(xs) < max(xs):  # the data's range, not PowerPoint's rounded-up one
            category_axis.minimum_scale, category_axis.maximum_scale = min(xs), max(xs)
    _axis_title(category_axis, spec.x_title, font_pt)
    return frame
