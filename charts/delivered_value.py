"""Delivered value waterfalls, its trend, the perception-vs-expectation dumbbell and the win-win map (DOMAIN.md §2).

Inputs are results of :mod:`analytics.delivered_value`; scores are shown with two decimals,
profit and revenue in money.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.delivered_value import COST_PARTS, LEVELS, PARTS, QUADRANTS, VALUE_PARTS, Trend
from charts.text import plain
from charts.theme import ACCENT, GAIN, INK, LOSS, MUTED, NEUTRAL, PALETTE, base_layout, money_axis
from i18n import Translator

QUADRANT_COLORS = {"win_win": GAIN, "customer_only": NEUTRAL, "company_only": ACCENT, "lose_lose": LOSS}
_SHADE = {"win_win": "rgba(26,152,80,0.08)", "customer_only": "rgba(69,117,180,0.07)",
          "company_only": "rgba(244,109,67,0.07)", "lose_lose": "rgba(215,48,39,0.07)"}


def score(v: float | None, t: Translator, signed: bool = False) -> str:
    """An assessment score (or a difference of scores) with two decimals."""
    if v is None or pd.isna(v):
        return "—"
    text = t.num(v, 2)
    return f"+{text}" if signed and v > 0 else text


def group_label(dim: str, value: object, t: Translator) -> str:
    """A group's display name: translated category, or "no purchase" for customers without a product."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return t("dv.group.none")
    return t.value(dim, value)


def bucket_label(d: dt.date, freq: str, t: Translator) -> str:
    """A month or a calendar quarter for an axis."""
    if freq == "quarter":
        return t("dv.quarter_short", year=d.year, q=(d.month - 1) // 3 + 1)
    return t.month_short(d)


# ---------------------------------------------------------------------------- waterfalls
def _waterfall_trace(parts: Mapping[str, float | None], t: Translator, short: bool = False) -> go.Waterfall:
    value = sum(float(parts[p] or 0) for p in VALUE_PARTS)
    cost = sum(float(parts[p] or 0) for p in COST_PARTS)
    names = [*(t(f"dv.part.{p}") for p in VALUE_PARTS), t("dv.total_value"),
             *(t(f"dv.part.{p}") for p in COST_PARTS), t("dv.delivered")]
    keys = [*VALUE_PARTS, "total_value", *COST_PARTS, "delivered"]
    labels = [t(f"dv.short.{k}") for k in keys] if short else names
    values = [float(parts[p] or 0) for p in VALUE_PARTS] + [value]
    values += [-float(parts[p] or 0) for p in COST_PARTS] + [value - cost]
    measure = ["relative"] * 4 + ["total"] + ["relative"] * 4 + ["total"]
    text = [score(v, t, signed=m == "relative") for v, m in zip(values, measure, strict=True)]
    return go.Waterfall(
        x=labels, y=values, measure=measure, text=text, textposition="outside", textfont={"size": 11},
        increasing={"marker": {"color": GAIN}}, decreasing={"marker": {"color": LOSS}},
        totals={"marker": {"color": NEUTRAL if value - cost >= 0 else LOSS}},
        connector={"line": {"color": MUTED}}, cliponaxis=False, customdata=names,
        hovertemplate="%{customdata}: %{text}<extra></extra>",
    )


def _score_range(*part_sets: Mapping[str, float | None]) -> list[float]:
    tops = [sum(float(p[k] or 0) for k in VALUE_PARTS) for p in part_sets]
    lows = [min(0.0, sum(float(p[k] or 0) for k in VALUE_PARTS) - sum(float(p[k] or 0) for k in COST_PARTS))
            for p in part_sets]
    top, low = max([*tops, 1.0]), min(lows)
    return [low - 0.12 * (top - low) if low < 0 else 0.0, top * 1.15]


def waterfall(parts: Mapping[str, float | None], t: Translator, title: str | None = None,
              height: int = 440) -> go.Figure:
    """Value parts up to total customer value, cost parts down to delivered value.

    ``parts`` maps each of :data:`analytics.delivered_value.PARTS` to its (mean) score.
    """
    fig = go.Figure(_waterfall_trace(parts, t))
    base_layout(fig, title, height=height, legend=False)
    fig.update_yaxes(title=t("dv.axis.score"), range=_score_range(parts))
    fig.update_xaxes(tickangle=-30)
    return fig


def compare(a: Mapping[str, float | None], b: Mapping[str, float | None], a_label: str, b_label: str,
            t: Translator, title: str | None = None, height: int = 460) -> go.Figure:
    """Two waterfalls side by side on the same score axis (short part names; full names on hover)."""
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[plain(a_label), plain(b_label)])
    fig.add_trace(_waterfall_trace(a, t, short=True), row=1, col=1)
    fig.add_trace(_waterfall_trace(b, t, short=True), row=1, col=2)
    base_layout(fig, title, height=height, legend=False)
    fig.update_yaxes(range=_score_range(a, b))
    fig.update_yaxes(title=t("dv.axis.score"), row=1, col=1)
    fig.update_xaxes(tickangle=-45, tickfont={"size": 11})
    fig.update_annotations(font={"size": 13})
    return fig


# -------------------------------------------------------------------------------- trend
def trend(result: Trend, t: Translator, title: str | None = None, height: int = 620) -> go.Figure:
    """Top: mean total value, total cost and delivered value per bucket; bottom: the eight parts."""
    tab = result.table
    x = [bucket_label(d, result.freq, t) for d in tab["bucket"]]
    n = tab["customers"].tolist()
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1, row_heights=[0.5, 0.5],
                        subplot_titles=[t("dv.trend.top"), t("dv.trend.bottom")])

    def hover(series: str, values: Sequence[float]) -> list[str]:
        return [t("dv.trend.hover", bucket=b, series=series, value=score(v, t), n=f"{k:,}")
                for b, v, k in zip(x, values, n, strict=True)]

    for col, key, color, dash in (("customer_value", "dv.total_value", GAIN, "dot"),
                                  ("customer_cost", "dv.total_cost", LOSS, "dot")):
        fig.add_trace(go.Scatter(x=x, y=tab[col], name=t(key), mode="lines+markers",
                                 line={"color": color, "width": 2, "dash": dash}, text=hover(t(key), tab[col]),
                                 hovertemplate="%{text}<extra></extra>"), row=1, col=1)
    dv_hover = []
    for i, (b, v, k) in enumerate(zip(x, tab["delivered_value"], n, strict=True)):
        d = tab["driver"].iloc[i]
        if i and isinstance(d, str):
            dv_hover.append(t("dv.trend.hover_driver", bucket=b, value=score(v, t), n=f"{k:,}",
                              change=score(tab["change"].iloc[i], t, signed=True), part=t(f"dv.part.{d}"),
                              contribution=score(tab["driver_contribution"].iloc[i], t, signed=True)))
        else:
            dv_hover.append(t("dv.trend.hover", bucket=b, series=t("dv.delivered"), value=score(v, t), n=f"{k:,}"))
    fig.add_trace(go.Scatter(x=x, y=tab["delivered_value"], name=t("dv.delivered"), mode="lines+markers",
                             line={"color": NEUTRAL, "width": 4}, marker={"size": 8}, text=dv_hover,
                             hovertemplate="%{text}<extra></extra>"), row=1, col=1)
    for i, p in enumerate(PARTS):
        name = t(f"dv.part.{p}")
        fig.add_trace(go.Scatter(x=x, y=tab[p], name=name, mode="lines+markers",
                                 line={"color": PALETTE[i % len(PALETTE)], "width": 2,
                                       "dash": "solid" if p in VALUE_PARTS else "dash"},
                                 marker={"size": 5}, text=hover(name, tab[p]), hovertemplate="%{text}<extra></extra>"),
                      row=2, col=1)
    base_layout(fig, title, height=height)
    fig.update_layout(legend={"y": -0.1})
    fig.update_yaxes(title=t("dv.axis.score"))
    fig.update_annotations(font={"size": 13}, xanchor="left", x=0)
    return fig


# -------------------------------------------------------------------------- gap dumbbell
def gap_dumbbell(groups: pd.DataFrame, overall: Mapping[str, object], dim: str, t: Translator,
                 title: str | None = None, height: int | None = None) -> go.Figure:
    """Expectation (hollow) and perception (filled) per group and level, joined by a line.

    ``groups`` is :func:`analytics.delivered_value.by_group`; ``overall`` is
    :func:`analytics.delivered_value.aggregate` of every customer (drawn first, as "All customers").
    Lines and perception markers are red where the mean perception falls short of the mean
    expectation; the names of groups whose mean overall gap is < 0 are red and bold.
    """
    rows: list[tuple[str, Mapping[str, object], bool]] = [
        (t("common.all_customers"), overall, _short(overall.get("gap_overall")))]
    for _, g in groups.iterrows():
        rows.append((plain(group_label(dim, g["group"], t)), g, bool(g.get("falls_short"))))
    levels = [lvl for lvl in LEVELS if any((r[1].get(f"level_customers_{lvl}") or 0) > 0 for r in rows)]
    levels = levels or list(LEVELS[:1])
    labels = [(f"<b><span style='color:{LOSS}'>{name}</span></b>" if short else name) for name, _, short in rows]
    fig = make_subplots(rows=1, cols=len(levels), shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=[t(f"dv.level.{lvl}") for lvl in levels])
    shown: set[str] = set()
    for c, lvl in enumerate(levels, start=1):
        for (name, r, _), label in zip(rows, labels, strict=True):
            e, p = r.get(f"expectation_{lvl}"), r.get(f"perception_{lvl}")
            if e is None or p is None or pd.isna(e) or pd.isna(p):
                continue
            short = _short(r.get(f"gap_{lvl}"))
            color = LOSS if short else GAIN
            text = t("dv.gap.hover", group=name, level=t(f"dv.level.{lvl}"), e=score(e, t), p=score(p, t),
                     gap=score(r.get(f"gap_{lvl}"), t, signed=True), n=f"{int(r.get(f'level_customers_{lvl}') or 0):,}")
            fig.add_trace(go.Scatter(x=[e, p], y=[label, label], mode="lines", line={"color": color, "width": 4},
                                     hoverinfo="skip", showlegend=False), row=1, col=c)
            fig.add_trace(go.Scatter(x=[e], y=[label], mode="markers", name=t("dv.gap.expectation"),
                                     legendgroup="e", showlegend="e" not in shown,
                                     marker={"symbol": "circle-open", "size": 12, "color": INK, "line": {"width": 2}},
                                     text=[text], hovertemplate="%{text}<extra></extra>"), row=1, col=c)
            shown.add("e")
            key = "short" if short else "ok"
            fig.add_trace(go.Scatter(x=[p], y=[label], mode="markers",
                                     name=t("dv.gap.perception_short" if short else "dv.gap.perception_ok"),
                                     legendgroup=key, showlegend=key not in shown,
                                     marker={"size": 12, "color": color}, text=[text],
                                     hovertemplate="%{text}<extra></extra>"), row=1, col=c)
            shown.add(key)
    base_layout(fig, title, height=height or max(250, 150 + 34 * len(rows)))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    # One score range for every level, so that gaps compare across panels.
    values = [float(v) for _, r, _ in rows for lvl in levels for side in ("expectation", "perception")
              if (v := r.get(f"{side}_{lvl}")) is not None and not pd.isna(v)]
    if values:
        lo, hi = min(values), max(values)
        pad = max(0.1, 0.08 * (hi - lo))
        fig.update_xaxes(range=[lo - pad, hi + pad])
    fig.update_xaxes(title=t("dv.axis.score"), row=1, col=(len(levels) + 1) // 2)
    fig.update_annotations(font={"size": 13})
    return fig


def _short(gap: object) -> bool:
    return gap is not None and not pd.isna(gap) and float(gap) < 0


# ----------------------------------------------------------------------------- win-win map
def _padded(lo: float, hi: float, pad: float = 0.08) -> tuple[float, float]:
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    span = (hi - lo) or 1.0
    # Keep every quadrant visible even when no customer falls in it.
    return lo - max(pad * span, 0.06 * span), hi + max(pad * span, 0.06 * span)


def round_money(v: float, t: Translator) -> str:
    """Compact money for a power-of-ten tick without trailing zeros: ¥10万, not ¥10.0万; $1M, not $1.00M."""
    return re.sub(r"\.0+(?=\D*$)", "", t.money(v, compact=True))


def symlog_base(values: Sequence[float]) -> float:
    """The linear zone of a symmetric log axis: a power of ten near the median absolute value."""
    a = np.abs(np.asarray(values, dtype=float))
    a = a[np.isfinite(a) & (a > 0)]
    return float(10 ** np.floor(np.log10(max(float(np.median(a)) if a.size else 1.0, 1.0))))


def symlog(values: Sequence[float] | np.ndarray, base: float) -> np.ndarray:
    """sign(v) · log10(1 + |v| / base): keeps 0 at 0 and the sign of every value."""
    v = np.asarray(values, dtype=float)
    return np.sign(v) * np.log10(1 + np.abs(v) / base)


QUADRANT_FONT = 13  # px, the quadrant labels on the win-win map


def quadrant_label_lines(name: str) -> list[str]:
    """A quadrant's name on at most two lines, split after its comma ("Company gains,", "customer does
    not"; "公司获利，", "客户未得益"); a name without one stays on one line."""
    for sep in ("，", ", "):
        head, found, tail = name.partition(sep)
        if found and tail:
            return [head + sep.strip(), tail]
    return [name]


def winwin_map(points: pd.DataFrame, t: Translator, title: str | None = None, height: int = 600,
               scale: str = "symlog", everyone: pd.DataFrame | None = None) -> go.Figure:
    """Customers by delivered value (x) and customer profit (y), one WebGL trace per quadrant.

    ``points`` has ``customer_id, name, delivered_value, profit, revenue, quadrant`` (see
    :func:`analytics.delivered_value.winwin_points`). Point area grows with revenue; quadrants
    are shaded and labelled; each point carries its customer_id as the first item of its
    customdata, for selections (the rest is its hover text).
    ``scale="symlog"`` draws profit on a symmetric log axis (a few large accounts otherwise squash
    everyone else onto the zero line); the ticks and hover texts stay in money, and 0 stays 0, so
    every quadrant keeps its place.
    ``everyone``: every customer of the map when ``points`` is a sample of them
    (:func:`analytics.delivered_value.map_sample`); a shaded density of all of them is drawn under
    the points, the axes span all of them and each quadrant's label gives its exact count.
    """
    if scale not in ("symlog", "linear"):
        raise ValueError(f"unknown scale {scale!r}")
    sampled = everyone is not None and len(everyone) > len(points)
    every = everyone if sampled else points
    fig = go.Figure()
    profit = every["profit"].to_numpy(dtype=float) if len(every) else np.zeros(0)
    base = symlog_base(profit)
    y_of = (lambda v: symlog(v, base)) if scale == "symlog" else (lambda v: np.asarray(v, dtype=float))
    ys = y_of(profit)
    xs = every["delivered_value"].to_numpy(dtype=float) if len(every) else np.zeros(0)
    x0, x1 = _padded(float(xs.min()) if xs.size else -1.0, float(xs.max()) if xs.size else 1.0)
    y0, y1 = _padded(float(ys.min()) if ys.size else -1.0, float(ys.max()) if ys.size else 1.0)
    counts = every["quadrant"].value_counts() if sampled else None
    corners = {"win_win": (0, x1, 0, y1), "customer_only": (0, x1, y0, 0),
               "company_only": (x0, 0, 0, y1), "lose_lose": (x0, 0, y0, 0)}
    for q, (a, b, c, d) in corners.items():
        fig.add_shape(type="rect", x0=a, x1=b, y0=c, y1=d, fillcolor=_SHADE[q], line={"width": 0}, layer="below")
        right, top = a == 0, c == 0
        # In the plot's own corners, each name on two short lines (the count on a third): a quadrant can be
        # a sliver, and two long one-line labels side by side overlapped on a laptop (issue 19).
        lines = quadrant_label_lines(t(f"dv.quadrant.{q}"))
        if counts is not None:
            lines.append(t("dv.map.quadrant_count", n=f"{int(counts.get(q, 0)):,}"))
        fig.add_annotation(x=1.0 if right else 0.0, y=1.0 if top else 0.0, xref="x domain", yref="y domain",
                           text="<br>".join(f"<b>{plain(line)}</b>" for line in lines), align="right" if right else "left",
                           showarrow=False, xanchor="right" if right else "left", yanchor="top" if top else "bottom",
                           font={"color": QUADRANT_COLORS[q], "size": QUADRANT_FONT}, bgcolor="rgba(255,255,255,0.7)",
                           name=f"quadrant_{q}")
    if sampled:
        fig.add_trace(_density(xs, ys, (x0, x1), (y0, y1), t))
    rev = points["revenue"].clip(lower=0).to_numpy(dtype=float) if len(points) else np.zeros(0)
    top_rev = float(rev.max()) if rev.size and rev.max() > 0 else 1.0
    template = t("dv.map.hover", name="%{customdata[1]}", id="%{customdata[2]}", dv="%{customdata[3]}",
                 profit="%{customdata[4]}", revenue="%{customdata[5]}") + "<extra></extra>"
    for q in QUADRANTS:
        g = points.loc[points["quadrant"] == q]
        if g.empty:
            continue
        size = 5 + 31 * np.sqrt(g["revenue"].clip(lower=0).to_numpy(dtype=float) / top_rev)
        # One hover template for the trace and each point's values in customdata (its id first,
        # as selections hand it back): the full text per point made the map most of the page's bytes.
        custom = [[i, plain(n), plain(i), score(v, t), t.money(p, compact=True), t.money(r, compact=True)]
                  for i, n, v, p, r in zip(g["customer_id"], g["name"], g["delivered_value"], g["profit"],
                                           g["revenue"], strict=True)]
        fig.add_trace(go.Scattergl(
            # Single precision is exact to the pixel and halves the coordinates' bytes.
            x=g["delivered_value"].to_numpy(dtype=np.float32), y=y_of(g["profit"]).astype(np.float32),
            mode="markers", name=t(f"dv.quadrant.{q}"),
            marker={"size": size.astype(np.float32), "color": QUADRANT_COLORS[q], "opacity": 0.6,
                    "line": {"width": 0.5, "color": "white"}},
            customdata=custom, hovertemplate=template,
        ))
    fig.add_hline(y=0, line={"color": INK, "width": 1.5})
    fig.add_vline(x=0, line={"color": INK, "width": 1.5})
    base_layout(fig, title, height=height)
    # No dragmode of its own: under "select" or "lasso" Streamlit's frontend sets clickmode "event", so a click on a
    # customer selected nothing and never opened their Customer 360 (issue 19). Left unset, a drag pans and a click
    # selects the point; the toolbar's box and lasso tools still select many (selection_mode on the page).
    fig.update_layout(legend={"y": -0.14})
    fig.update_xaxes(title=t("dv.map.x"), range=[x0, x1], zeroline=False)
    if scale == "symlog":
        top = max(abs(float(profit.min())) if profit.size else 0.0, abs(float(profit.max())) if profit.size else 0.0)
        powers = [base * 10 ** j for j in range(int(np.ceil(np.log10(max(top / base, 1.0)))) + 1)]
        # ±base sits close to 0: label it only when the axis would otherwise have a single tick a side.
        inside = [v for v in powers if v <= top * 1.05]
        shown = inside[1:] if len(inside) > 2 else inside
        ticks = sorted({0.0, *shown, *(-v for v in shown)})
        fig.update_yaxes(title=t("dv.map.y") + t("dv.map.y_symlog"), zeroline=False, range=[y0, y1],
                         tickvals=symlog(ticks, base).tolist(), ticktext=[round_money(v, t) for v in ticks])
    else:
        fig.update_yaxes(title=t("dv.map.y"), zeroline=False)
        money_axis(fig, [y0, y1], t)
        fig.update_yaxes(range=[y0, y1])
    return fig


DENSITY_CELLS = 40  # across each axis of the win-win map's density layer


def _edges(lo: float, hi: float) -> np.ndarray:
    """Cell edges spanning [lo, hi] with one edge at 0, so that no cell straddles a quadrant line."""
    width = (hi - lo) / DENSITY_CELLS or 1.0
    return width * np.arange(np.floor(lo / width), np.ceil(hi / width) + 1)


def _density(xs: np.ndarray, ys: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float],
             t: Translator) -> go.Heatmap:
    """Customers per cell of the map (every customer, not only those drawn), as a light heatmap."""
    xe, ye = _edges(*x_range), _edges(*y_range)
    counts, _, _ = np.histogram2d(xs, ys, bins=[xe, ye])
    counts = counts.T  # rows are y cells
    text = [[t.num(c) if c else "" for c in row] for row in counts]
    return go.Heatmap(
        x=((xe[:-1] + xe[1:]) / 2).astype(np.float32), y=((ye[:-1] + ye[1:]) / 2).astype(np.float32),
        z=np.where(counts > 0, np.log1p(counts), np.nan).astype(np.float32), text=text,
        colorscale=[[0.0, "rgba(80,80,80,0.07)"], [1.0, "rgba(80,80,80,0.40)"]], showscale=False,
        hoverongaps=False, name=t("dv.map.density"),
        hovertemplate=t("dv.map.density_hover", n="%{text}") + "<extra></extra>",
    )


def quadrant_steps(steps: pd.DataFrame, labels: Sequence[str], t: Translator, title: str | None = None,
                   height: int = 340) -> go.Figure:
    """Stacked shares of customers per quadrant for each period step.

    ``steps`` is :func:`analytics.delivered_value.winwin_steps`; ``labels`` names its steps in order. Each bar
    carries its quadrant's code as customdata.
    """
    fig = go.Figure()
    starts = list(dict.fromkeys(steps["step_start"]))
    names = dict(zip(starts, labels, strict=True))
    for q in QUADRANTS:
        g = steps.loc[steps["quadrant"] == q]
        share = g["customer_share"].astype(float).fillna(0.0)
        text = [t("dv.steps.hover", step=names[s], quadrant=t(f"dv.quadrant.{q}"), share=t.pct(v), n=f"{int(k):,}")
                for s, v, k in zip(g["step_start"], share, g["customers"], strict=True)]
        fig.add_trace(go.Bar(x=[names[s] for s in g["step_start"]], y=share * 100, name=t(f"dv.quadrant.{q}"),
                             marker_color=QUADRANT_COLORS[q], text=text, textposition="none",
                             customdata=[q] * len(g),  # a click on a bar picks its quadrant (ui.drill.chart_pick)
                             hovertemplate="%{text}<extra></extra>"))
    base_layout(fig, title, height=height)
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_yaxes(title=t("dv.axis.customer_share"), ticksuffix="%", range=[0, 100])
    return fig
