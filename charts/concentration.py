"""Whale curve, profit bridges, group comparisons and loss drivers (DOMAIN.md §1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics import concentration as conc
from analytics.concentration import BOTTOM_SHARE, NO_GROUP, TOP_SHARE, ConcentrationFigures, LossDrivers
from charts.text import plain, plain_all
from charts.theme import ACCENT, GAIN, INK, LOSS, MUTED, NEUTRAL, base_layout, money_axis, money_title
from i18n import Translator, fmt

# Points of a selectable whale curve: a point every 0.17 % of customers, finer than a pixel of the page's chart
# (about 560 px wide at 1400 px); 2,000 markers took most of the browser's time on a warm page switch (issue 13).
SELECTABLE_POINTS = 600


def whale_curve(curve: pd.DataFrame, fig_data: ConcentrationFigures, t: Translator, title: str | None = None,
                height: int = 440, selectable: bool = False) -> go.Figure:
    """The whale curve with the 100 % line, 20 % / 30 % guides and the peak annotated.

    ``curve`` is :func:`analytics.concentration.whale_curve` (downsampled or not). When total
    profit is not positive, the y axis shows cumulative profit in money instead of shares.
    ``selectable`` draws small markers on the curve, so that a click on a point selects it and the toolbar's
    box tool a range of customers (horizontally); x is the customer share in %.
    Its markers are each an SVG element the browser draws and styles on every page switch, so a
    selectable curve is thinned to :data:`SELECTABLE_POINTS` (the exact peak, the ends and the guides kept).
    """
    if selectable:
        curve = conc.downsample(curve, SELECTABLE_POINTS)
    shares = fig_data.shares_defined
    y = curve["profit_share"] * 100 if shares else curve["cum_profit"]
    custom = np.stack([
        curve["rank"].to_numpy(),
        [t.pct(v) for v in curve["customer_share"]],
        [t.money(v, compact=True) for v in curve["cum_profit"]],
        [t.pct(v) for v in curve["profit_share"]] if shares else ["—"] * len(curve),
    ], axis=-1)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=curve["customer_share"] * 100, y=y, mode="lines+markers" if selectable else "lines", name=t("conc.curve"),
        marker={"size": 3, "color": NEUTRAL}, selected={"marker": {"color": ACCENT, "size": 5}},
        line={"color": NEUTRAL, "width": 3}, fill="tozeroy", fillcolor="rgba(69,117,180,0.10)",
        customdata=custom,
        hovertemplate=t("conc.hover", rank="%{customdata[0]}", share="%{customdata[1]}",
                        cum="%{customdata[2]}", pshare="%{customdata[3]}") + "<extra></extra>",
    ))
    if shares:
        fig.add_hline(y=100, line={"color": INK, "width": 1, "dash": "dot"},
                      annotation_text=t("conc.line100"), annotation_position="bottom right")
    for x, key, color in ((TOP_SHARE, "conc.guide20", GAIN), (1 - BOTTOM_SHARE, "conc.guide30", LOSS)):
        fig.add_vline(x=x * 100, line={"color": color, "width": 1.5, "dash": "dash"},
                      # at the foot of the guides: the peak and its label live near the top
                      annotation_text=t(key), annotation_position="bottom left" if key.endswith("20") else "bottom right",
                      annotation_font_color=color)
    if fig_data.customers:
        px = (fig_data.whale_peak_customer_share or 0) * 100
        py = (fig_data.whale_peak_share or 0) * 100 if shares else fig_data.peak_profit
        label = t("conc.peak", height=t.pct(fig_data.whale_peak_share, 0) if shares else t.money(fig_data.peak_profit, compact=True),
                  share=t.pct(fig_data.whale_peak_customer_share, 0))
        fig.add_trace(go.Scatter(x=[px], y=[py], mode="markers", marker={"color": ACCENT, "size": 11},
                                 name=label, hoverinfo="skip", showlegend=False))
        right_half = px > 50  # keep the label inside the plot: text to the left of a peak on the right
        # Below the peak (inside the area under the curve): above it sit the guides' labels.
        fig.add_annotation(x=px, y=py, text=label, showarrow=True, arrowhead=2, ax=-30 if right_half else 30, ay=44,
                           xanchor="right" if right_half else "left",
                           font={"color": ACCENT, "size": 13}, bgcolor="rgba(255,255,255,0.85)")
    base_layout(fig, title, height=height, legend=False)
    fig.update_xaxes(title=t("conc.axis.customer_share"), ticksuffix="%", range=[0, 100])
    fig.update_yaxes(title=t("conc.axis.profit_share") if shares else t("conc.axis.cum_profit"),
                     ticksuffix="%" if shares else "", rangemode="tozero")
    if not shares:
        money_axis(fig, curve["cum_profit"], t)
    if selectable:
        # No dragmode "select": under it Streamlit's frontend turns click selection off and a click on a point
        # selected nothing (issue 19, as on the win-win map in 06d372c). The box tool keeps selecting ranges.
        fig.update_layout(selectdirection="h")
    return fig


def profit_bridge(revenue: float, cogs: float, costs: pd.DataFrame, t: Translator, title: str | None = None,
                  height: int = 420, max_activities: int = 8) -> go.Figure:
    """Waterfall from revenue through cost of goods and each activity's cost to profit.

    ``costs`` has ``activity`` and ``cost`` (largest first); activities past ``max_activities``
    are summed into one bar so the chart stays legible.
    """
    costs = costs.sort_values("cost", ascending=False)
    labels = [t.metric("revenue"), t.metric("cost_of_goods")]
    values = [revenue, -cogs]
    shown = costs.head(max_activities)
    labels += [plain(t.value("activity", a)) for a in shown["activity"]]
    values += [-float(c) for c in shown["cost"]]
    rest = float(costs["cost"].iloc[max_activities:].sum()) if len(costs) > max_activities else 0.0
    if rest:
        labels.append(t.metric("cost_to_serve") + " …")
        values.append(-rest)
    profit = revenue - cogs - float(costs["cost"].sum())
    labels.append(t.metric("profit"))
    values.append(profit)
    # Revenue rises from zero as a "relative" bar: an "absolute" one would take the totals' colour,
    # red when the profit at the end is negative.
    measure = ["relative"] * (len(values) - 1) + ["total"]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=measure,
        text=[t.money(v, compact=True) for v in values], textposition="outside", textfont={"size": 11},
        increasing={"marker": {"color": NEUTRAL}}, decreasing={"marker": {"color": LOSS}},
        totals={"marker": {"color": GAIN if profit >= 0 else LOSS}},
        connector={"line": {"color": MUTED}},
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    base_layout(fig, title, height=height, legend=False)
    fig.update_yaxes(title=money_title(t))
    running = np.cumsum([v for v in values[:-1]])
    money_axis(fig, [*running, profit, revenue * 1.08], t)
    return fig


def group_label(t: Translator, dimension: str, value: object) -> str:
    """A comparison group in the reader's language: a category value, a product, or a period label
    (``2025-Q1`` → 2025年第1季度 / Q1 2025; ``2025`` → 2025年 / 2025)."""
    text = str(value)
    if text == NO_GROUP:
        return t("conc.group.no_product") if dimension == "product" else t("conc.group.none")
    if dimension == "period":
        year, _, quarter = text.partition("-Q")
        return t("conc.period.quarter", year=year, q=quarter) if quarter else t("conc.period.year", year=year)
    return t.value(dimension, text)


def _money_ticks(values: list[float], t: Translator) -> dict[str, list]:
    arr = [v for v in values if v is not None and np.isfinite(v)] or [0.0]
    ticks = fmt.nice_ticks(min(min(arr), 0.0), max(max(arr), 0.0), n=6)
    return {"tickvals": ticks, "ticktext": [t.money(v, compact=True) for v in ticks]}


def group_comparison(groups: pd.DataFrame, t: Translator, dimension: str, title: str | None = None,
                     height: int | None = None) -> go.Figure:
    """Small multiples per group, sharing one row per group: profit (gains of profitable customers,
    losses of loss-makers, net), the whale peak as % of the group's total profit, and the share of
    loss-making customers. Every bar carries the raw group value as ``customdata`` (for selections).

    ``groups`` is :func:`analytics.concentration.compare` output, in display order (first on top).
    """
    g = groups.reset_index(drop=True)
    names = plain_all(group_label(t, dimension, v) for v in g["group"])
    raw = [[v] for v in g["group"]]  # for selections: never displayed
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, horizontal_spacing=0.04, column_widths=[0.5, 0.25, 0.25],
                        subplot_titles=(t("conc.cmp.profit"), t("conc.cmp.peak"), t("conc.cmp.loss_share")))

    def money_text(values: pd.Series) -> list[str]:
        return [t.money(v, compact=True) for v in values]

    fig.add_trace(go.Bar(y=names, x=g["breakeven_profit"], orientation="h", name=t("conc.cmp.gains"), marker_color=GAIN,
                         customdata=raw, text=money_text(g["breakeven_profit"]), textposition="none",
                         hovertemplate="%{y}: %{text}<extra>" + t("conc.cmp.gains") + "</extra>"), row=1, col=1)
    fig.add_trace(go.Bar(y=names, x=g["loss_profit"], orientation="h", name=t("conc.cmp.losses"), marker_color=LOSS,
                         customdata=raw, text=money_text(g["loss_profit"]), textposition="none",
                         hovertemplate="%{y}: %{text}<extra>" + t("conc.cmp.losses") + "</extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(y=names, x=g["total_profit"], mode="markers", name=t("conc.cmp.net"),
                             marker={"symbol": "diamond", "size": 12, "color": NEUTRAL, "line": {"color": "white", "width": 1}},
                             customdata=raw, text=money_text(g["total_profit"]),
                             hovertemplate="%{y}: %{text}<extra>" + t("conc.cmp.net") + "</extra>"), row=1, col=1)
    peak = g["whale_peak_share"].astype(float) * 100
    fig.add_trace(go.Bar(y=names, x=peak.fillna(0), orientation="h", name=t("conc.cmp.peak"), marker_color=ACCENT,
                         customdata=raw, text=[t.pct(v / 100, 0) if np.isfinite(v) else t("conc.undefined_short") for v in peak],
                         textposition="auto", cliponaxis=False, showlegend=False,
                         hovertemplate="%{y}: %{text}<extra>" + t("conc.cmp.peak") + "</extra>"), row=1, col=2)
    loss_share = g["loss_customer_share"].astype(float) * 100
    fig.add_trace(go.Bar(y=names, x=loss_share, orientation="h", name=t("conc.cmp.loss_share"),
                         marker_color="rgba(215,48,39,0.55)", customdata=raw,
                         text=[t.pct(v / 100, 0) for v in loss_share], textposition="auto", showlegend=False,
                         hovertemplate="%{y}: %{text}<extra>" + t("conc.cmp.loss_share") + "</extra>"), row=1, col=3)
    base_layout(fig, title, height=height or max(300, 150 + 44 * len(g)))
    fig.update_layout(barmode="relative", bargap=0.3, clickmode="event+select")
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_xaxes(zerolinecolor=MUTED, row=1, col=1, **_money_ticks([*g["breakeven_profit"], *g["loss_profit"]], t))
    fig.update_xaxes(ticksuffix="%", rangemode="tozero", row=1, col=2)
    fig.update_xaxes(ticksuffix="%", rangemode="tozero", row=1, col=3)
    fig.add_vline(x=100, line={"color": INK, "width": 1, "dash": "dot"}, row=1, col=2)
    for ann, axis in zip(fig.layout.annotations[:3], ("xaxis", "xaxis2", "xaxis3"), strict=True):
        ann.update(x=fig.layout[axis].domain[0], xanchor="left", font={"size": 13})  # subplot titles, left-aligned
    return fig


def loss_drivers(drivers: LossDrivers, t: Translator, title: str | None = None, height: int | None = None) -> go.Figure:
    """Per activity: cost per loss-making customer against cost per other customer of the same group.

    ``drivers`` is :func:`analytics.concentration.loss_drivers`; activities in its order (largest
    loss-makers' cost first, drawn on top).
    """
    a = drivers.activities
    names = plain_all(t.value("activity", v) for v in a["activity"])
    share = [t.pct(v, 0) if np.isfinite(v) else "—" for v in a["loss_cost_share"].astype(float)]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=names, x=a["loss_cost_per_customer"], orientation="h", name=t("conc.drivers.loss"), marker_color=LOSS,
        customdata=np.stack([[t.money(v, compact=True) for v in a["loss_cost_per_customer"]],
                             [t.money(v, compact=True) for v in a["loss_cost"]], share], axis=-1) if len(a) else None,
        hovertemplate=t("conc.drivers.hover_loss", per="%{customdata[0]}", total="%{customdata[1]}",
                        share="%{customdata[2]}") + "<extra>%{y}</extra>"))
    fig.add_trace(go.Bar(
        y=names, x=a["other_cost_per_customer"], orientation="h", name=t("conc.drivers.other"), marker_color=MUTED,
        customdata=[[t.money(v, compact=True)] for v in a["other_cost_per_customer"]],
        hovertemplate=t("conc.drivers.hover_other", per="%{customdata[0]}") + "<extra>%{y}</extra>"))
    base_layout(fig, title, height=height or max(280, 140 + 46 * len(a)))
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=t("conc.drivers.axis"))
    money_axis(fig, [*a["loss_cost_per_customer"].fillna(0), *a["other_cost_per_customer"].fillna(0)], t, axis="x")
    return fig
