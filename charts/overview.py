"""The Overview's headline charts."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.text import plain_all
from charts.theme import GAIN, LOSS, MUTED, NEUTRAL, base_layout, money_axis
from i18n import Translator


def monthly(monthly_pnl: pd.DataFrame, t: Translator, title: str | None = None, height: int = 400) -> go.Figure:
    """Revenue (bars, left axis) and customer profit (line, right axis) per month."""
    m = monthly_pnl.copy()
    months = [t.month_short(d.date()) for d in pd.to_datetime(m["month"])]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=months, y=m["revenue"], name=t.metric("revenue"), marker_color="rgba(69,117,180,0.35)",
                         hovertemplate="%{x}: %{customdata}<extra></extra>",
                         customdata=[t.money(v, compact=True) for v in m["revenue"]]), secondary_y=False)
    fig.add_trace(go.Scatter(x=months, y=m["profit"], name=t.metric("profit"), mode="lines+markers",
                             line={"color": GAIN, "width": 3}, marker={"color": [GAIN if v >= 0 else LOSS for v in m["profit"]]},
                             hovertemplate="%{x}: %{customdata}<extra></extra>",
                             customdata=[t.money(v, compact=True) for v in m["profit"]]), secondary_y=True)
    base_layout(fig, title, height=height)
    fig.update_yaxes(title_text=t.metric("revenue"), secondary_y=False)
    fig.update_yaxes(title_text=t.metric("profit"), secondary_y=True, showgrid=False, rangemode="tozero")
    money_axis(fig, m["revenue"], t, secondary_y=False)
    money_axis(fig, m["profit"], t, secondary_y=True)
    return fig


def segment_profit(groups: pd.DataFrame, t: Translator, column: str = "segment", title: str | None = None,
                   height: int = 400) -> go.Figure:
    """Per group: profit from profitable customers (up), losses from loss-makers (down), net (marker).

    ``groups`` is :func:`analytics.concentration.by_group` output.
    """
    g = groups.sort_values("total_profit", ascending=True)
    names = plain_all(t.value(column, v) for v in g["group"])
    fig = go.Figure()
    fig.add_trace(go.Bar(y=names, x=g["breakeven_profit"], orientation="h", name=t("overview.legend.gains"),
                         marker_color=GAIN, customdata=[t.money(v, compact=True) for v in g["breakeven_profit"]],
                         hovertemplate="%{y}: %{customdata}<extra></extra>"))
    fig.add_trace(go.Bar(y=names, x=g["loss_profit"], orientation="h", name=t("overview.legend.losses"),
                         marker_color=LOSS, customdata=[t.money(v, compact=True) for v in g["loss_profit"]],
                         hovertemplate="%{y}: %{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(y=names, x=g["total_profit"], mode="markers", name=t("overview.legend.net"),
                             marker={"symbol": "diamond", "size": 12, "color": NEUTRAL, "line": {"color": "white", "width": 1}},
                             customdata=[t.money(v, compact=True) for v in g["total_profit"]],
                             hovertemplate="%{y}: %{customdata}<extra></extra>"))
    base_layout(fig, title, height=height)
    fig.update_layout(barmode="relative")
    fig.update_xaxes(title=t.currency, zerolinecolor=MUTED)
    money_axis(fig, [*g["breakeven_profit"], *g["loss_profit"]], t, axis="x")
    return fig
