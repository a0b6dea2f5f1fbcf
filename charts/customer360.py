"""Charts of the Customer 360 page: profit trend, lifecycle stages over time, cost to serve, assessments."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from charts.lifecycle import STAGE_COLORS, stage_name
from charts.text import plain, plain_all
from charts.theme import ACCENT, GAIN, LOSS, NEUTRAL, base_layout, money_axis, money_title, sign_colors
from i18n import Translator


def _thin_ticks(fig: go.Figure, labels: list[str], most: int = 12) -> None:
    """Show at most about ``most`` month labels on a category axis, so long histories stay legible."""
    step = max(1, math.ceil(len(labels) / most))
    fig.update_xaxes(tickmode="array", tickvals=labels[::step], ticktext=labels[::step], tickangle=0)


def profit_trend(monthly: pd.DataFrame, t: Translator, title: str | None = None, height: int = 420) -> go.Figure:
    """Profit per month (bars, green/red by sign, upper panel) and cumulative profit (line, lower panel),
    one month axis.

    Two panels, each with its own scale in plain sight: on two overlaid y-axes the cumulative line, many
    times a month's profit, was drawn across the monthly bars as if of one size.
    ``monthly`` is ``analytics.customer360.Customer360.monthly``.
    """
    months = [t.month_short(pd.Timestamp(d).date()) for d in monthly["month"]]
    long = [t.month(pd.Timestamp(d).date()) for d in monthly["month"]]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.55, 0.45], vertical_spacing=0.08)
    fig.add_trace(go.Bar(x=months, y=monthly["profit"], name=t("c360.legend.profit"),
                         marker_color=sign_colors(monthly["profit"].tolist()),
                         customdata=[[m, t.money(v)] for m, v in zip(long, monthly["profit"], strict=True)],
                         hovertemplate=t("c360.hover.month", m="%{customdata[0]}", v="%{customdata[1]}")
                         + "<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=months, y=monthly["cumulative_profit"], name=t("c360.legend.cumulative"),
                             mode="lines", line={"color": NEUTRAL, "width": 3},
                             customdata=[[m, t.money(v)] for m, v in zip(long, monthly["cumulative_profit"], strict=True)],
                             hovertemplate=t("c360.hover.month", m="%{customdata[0]}", v="%{customdata[1]}")
                             + "<extra></extra>"), row=2, col=1)
    base_layout(fig, title, height=height)
    fig.update_yaxes(title_text=t("c360.legend.profit"), row=1, col=1)
    fig.update_yaxes(title_text=t("c360.legend.cumulative"), row=2, col=1)
    money_axis(fig, monthly["profit"], t, row=1)
    money_axis(fig, monthly["cumulative_profit"], t, row=2)
    _thin_ticks(fig, months, most=8)
    return fig


def stage_strip(stages: pd.DataFrame, t: Translator, title: str | None = None, height: int = 250) -> go.Figure:
    """One coloured cell per month's end, coloured by the customer's lifecycle stage."""
    fig = go.Figure()
    months = [t.month_short(d) for d in stages["date"]]
    for stage in dict.fromkeys(stages["stage"]):
        hit = stages["stage"] == stage
        name = plain(stage_name(t, stage))
        fig.add_trace(go.Bar(
            x=[m for m, h in zip(months, hit, strict=True) if h], y=[1] * int(hit.sum()), name=name,
            marker={"color": STAGE_COLORS.get(stage, NEUTRAL), "line": {"width": 0}}, width=1.0,
            customdata=[t.month(d) for d in stages.loc[hit, "date"]],
            hovertemplate="%{customdata}: " + name + "<extra></extra>",
        ))
    base_layout(fig, title, height=height)
    fig.update_layout(barmode="overlay", bargap=0, legend={"traceorder": "normal", "y": -0.4})
    fig.update_xaxes(categoryorder="array", categoryarray=months, showgrid=False)
    fig.update_yaxes(visible=False, range=[0, 1])
    _thin_ticks(fig, months)
    return fig


def activity_cost(totals: pd.DataFrame, t: Translator, title: str | None = None, height: int = 320) -> go.Figure:
    """Cost to serve per activity (horizontal bars, largest on top)."""
    d = totals.sort_values("cost", ascending=True)
    names = plain_all(t.value("activity", a) for a in d["activity"])
    fig = go.Figure(go.Bar(
        y=names, x=d["cost"], orientation="h", marker_color=LOSS,
        text=[t.money(v, compact=True) for v in d["cost"]], textposition="auto",
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    base_layout(fig, title, height=height, legend=False)
    fig.update_xaxes(title=money_title(t))
    money_axis(fig, d["cost"], t, axis="x")
    return fig


def delivered_value(assessments: pd.DataFrame, t: Translator, title: str | None = None,
                    height: int = 320) -> go.Figure:
    """Total customer value, total customer cost and delivered value per assessment date."""
    d = assessments.sort_values("assessed_on")
    x = [t.date(pd.Timestamp(v).date()) for v in d["assessed_on"]]
    fig = go.Figure()
    for col, key, color, dash in (("customer_value", "c360.legend.value", GAIN, "dot"),
                                  ("customer_cost", "c360.legend.cost", LOSS, "dot"),
                                  ("delivered_value", "c360.legend.delivered", ACCENT, "solid")):
        fig.add_trace(go.Scatter(x=x, y=d[col], name=t(key), mode="lines+markers",
                                 line={"color": color, "width": 3 if dash == "solid" else 2, "dash": dash},
                                 hovertemplate="%{x}: %{y:.1f}<extra>" + t(key) + "</extra>"))
    base_layout(fig, title, height=height)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=t("c360.axis.score"), rangemode="tozero")
    return fig
