"""Whale curve and profit bridges (DOMAIN.md §1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.concentration import BOTTOM_SHARE, TOP_SHARE, ConcentrationFigures
from charts.theme import ACCENT, GAIN, INK, LOSS, MUTED, NEUTRAL, base_layout, money_axis
from i18n import Translator


def whale_curve(curve: pd.DataFrame, fig_data: ConcentrationFigures, t: Translator, title: str | None = None,
                height: int = 440) -> go.Figure:
    """The whale curve with the 100 % line, 20 % / 30 % guides and the peak annotated.

    ``curve`` is :func:`analytics.concentration.whale_curve` (downsampled or not). When total
    profit is not positive, the y axis shows cumulative profit in money instead of shares.
    """
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
        x=curve["customer_share"] * 100, y=y, mode="lines", name=t("conc.curve"),
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
                      annotation_text=t(key), annotation_position="top left" if key.endswith("20") else "top right",
                      annotation_font_color=color)
    if fig_data.customers:
        px = (fig_data.whale_peak_customer_share or 0) * 100
        py = (fig_data.whale_peak_share or 0) * 100 if shares else fig_data.peak_profit
        label = t("conc.peak", height=t.pct(fig_data.whale_peak_share, 0) if shares else t.money(fig_data.peak_profit, compact=True),
                  share=t.pct(fig_data.whale_peak_customer_share, 0))
        fig.add_trace(go.Scatter(x=[px], y=[py], mode="markers", marker={"color": ACCENT, "size": 11},
                                 name=label, hoverinfo="skip", showlegend=False))
        right_half = px > 50  # keep the label inside the plot: text to the left of a peak on the right
        fig.add_annotation(x=px, y=py, text=label, showarrow=True, arrowhead=2, ax=-30 if right_half else 30, ay=-36,
                           xanchor="right" if right_half else "left",
                           font={"color": ACCENT, "size": 13}, bgcolor="rgba(255,255,255,0.85)")
    base_layout(fig, title, height=height, legend=False)
    fig.update_xaxes(title=t("conc.axis.customer_share"), ticksuffix="%", range=[0, 100])
    fig.update_yaxes(title=t("conc.axis.profit_share") if shares else t("conc.axis.cum_profit"),
                     ticksuffix="%" if shares else "", rangemode="tozero")
    if not shares:
        money_axis(fig, curve["cum_profit"], t)
    return fig


def profit_bridge(revenue: float, cogs: float, costs: pd.DataFrame, t: Translator, title: str | None = None,
                  height: int = 420, max_activities: int = 8) -> go.Figure:
    """Waterfall from revenue through cost of goods and each activity's cost to profit.

    ``costs`` has ``activity`` and ``cost`` (largest first); activities past ``max_activities``
    are summed into one bar so the chart stays legible.
    """
    costs = costs.sort_values("cost", ascending=False)
    labels = [t("common.revenue"), t("common.cogs")]
    values = [revenue, -cogs]
    shown = costs.head(max_activities)
    labels += [t.value("activity", a) for a in shown["activity"]]
    values += [-float(c) for c in shown["cost"]]
    rest = float(costs["cost"].iloc[max_activities:].sum()) if len(costs) > max_activities else 0.0
    if rest:
        labels.append(t("common.cost_to_serve") + " …")
        values.append(-rest)
    profit = revenue - cogs - float(costs["cost"].sum())
    labels.append(t("common.profit"))
    values.append(profit)
    measure = ["absolute"] + ["relative"] * (len(values) - 2) + ["total"]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=measure,
        text=[t.money(v, compact=True) for v in values], textposition="outside", textfont={"size": 11},
        increasing={"marker": {"color": GAIN}}, decreasing={"marker": {"color": LOSS}},
        totals={"marker": {"color": NEUTRAL if profit >= 0 else LOSS}},
        connector={"line": {"color": MUTED}},
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    base_layout(fig, title, height=height, legend=False)
    fig.update_yaxes(title=t.currency)
    running = np.cumsum([v for v in values[:-1]])
    money_axis(fig, [*running, profit, revenue * 1.08], t)
    return fig
