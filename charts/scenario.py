"""Improvement plans (issue 18): whale curves before and after a plan on one money axis, and the bridge
from today's total profit to the projected one, lever by lever. No data access: the curves and effects
come from :class:`analytics.scenario.Projection`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.text import plain
from charts.theme import ACCENT, GAIN, LOSS, MUTED, NEUTRAL, PALETTE, base_layout, money_axis, money_title
from i18n import Translator

# The first curve is the store's (today): grey and dashed; plans take the house colours after it.
_PLAN_COLOURS = [ACCENT, NEUTRAL, GAIN, *PALETTE[3:]]


def whale_curves(curves: Sequence[tuple[str, pd.DataFrame]], t: Translator, title: str | None = None,
                 height: int = 460) -> go.Figure:
    """Whale curves overlaid: cumulative profit in money against the share of customers, most profitable first.

    ``curves`` holds ``(name, curve)`` pairs, today's curve first; each curve is
    :func:`analytics.concentration.whale_curve` output (downsampled or not). Money, not shares of
    total profit, is on the y axis because the curves' totals differ (a plan changes the total):
    each curve ends at its total profit and peaks at its potential profit. Names are drawn as text.
    """
    fig = go.Figure()
    tops: list[float] = [0.0]
    # Today's curve is drawn last, on top (a plan's curve covers it wherever the plan changes nothing),
    # and listed first in the legend.
    for i in [*range(1, len(curves)), 0][:len(curves)]:
        name, curve = curves[i]
        label = plain(name)
        colour = MUTED if i == 0 else _PLAN_COLOURS[(i - 1) % len(_PLAN_COLOURS)]
        cum = curve["cum_profit"].to_numpy(dtype=float)
        custom = np.stack([curve["rank"].to_numpy(), [t.pct(v) for v in curve["customer_share"]],
                           [t.money(v, compact=True) for v in cum]], axis=-1) if len(curve) else None
        fig.add_trace(go.Scatter(
            x=curve["customer_share"] * 100, y=cum, mode="lines", name=label, customdata=custom, legendrank=i,
            line={"color": colour, "width": 2 if i == 0 else 3, "dash": "dash" if i == 0 else "solid"},
            hovertemplate=t("plans.curve.hover", name=label, rank="%{customdata[0]}", share="%{customdata[1]}",
                            cum="%{customdata[2]}") + "<extra></extra>",
        ))
        if len(curve):
            peak = int(np.argmax(cum))
            fig.add_trace(go.Scatter(
                x=[float(curve["customer_share"].iloc[peak]) * 100], y=[cum[peak]], mode="markers",
                marker={"color": colour, "size": 10, "line": {"color": "white", "width": 1.5}}, showlegend=False,
                hovertemplate=plain(t("plans.curve.peak", name=name, peak=t.money(cum[peak], compact=True)))
                + "<extra></extra>"))
            tops += [float(cum.max()), float(cum.min())]
    base_layout(fig, title, height=height, legend=True)
    fig.update_xaxes(title=t("conc.axis.customer_share"), ticksuffix="%", range=[0, 100])
    fig.update_yaxes(title=t("conc.axis.cum_profit"))
    money_axis(fig, tops, t)
    return fig


def change_curves(series: Sequence[tuple[str, pd.DataFrame]], t: Translator, title: str | None = None,
                  height: int = 420) -> go.Figure:
    """Where a plan moves profit: the cumulative change of customer profit along today's ranking.

    ``series`` holds ``(name, frame)`` per plan; a frame has ``customer_share`` (0–1, customers in
    today's order, most profitable first) and ``cum_change`` (money). A flat stretch is customers the
    plan leaves alone; the end is the plan's total change. Names are drawn as text.
    """
    fig = go.Figure()
    values: list[float] = [0.0]
    for i, (name, frame) in enumerate(series):
        label = plain(name)
        fig.add_trace(go.Scatter(
            x=frame["customer_share"] * 100, y=frame["cum_change"], mode="lines", name=label,
            line={"color": _PLAN_COLOURS[i % len(_PLAN_COLOURS)], "width": 3},
            customdata=np.stack([[t.pct(v) for v in frame["customer_share"]],
                                 [t.money(v, compact=True, signed=True) for v in frame["cum_change"]]], axis=-1)
            if len(frame) else None,
            hovertemplate=t("plans.change.hover", name=label, share="%{customdata[0]}", cum="%{customdata[1]}")
            + "<extra></extra>"))
        values += [float(frame["cum_change"].min()), float(frame["cum_change"].max())] if len(frame) else []
    fig.add_hline(y=0, line={"color": MUTED, "width": 1})
    base_layout(fig, title, height=height, legend=True)
    fig.update_xaxes(title=t("plans.change.x"), ticksuffix="%", range=[0, 100])
    fig.update_yaxes(title=t("plans.change.y"))
    money_axis(fig, values, t)
    return fig


def lever_bridge(baseline_total: float, effects: Sequence[tuple[str, float]], scenario_total: float,
                 t: Translator, title: str | None = None, height: int = 380) -> go.Figure:
    """Waterfall from today's total profit through each lever's marginal effect to the projected total.

    ``effects`` holds ``(label, profit change)`` in lever order; labels are drawn as text.
    """
    labels = [t("plans.bridge.baseline"), *(plain(name) for name, _ in effects), t("plans.bridge.scenario")]
    values = [baseline_total, *(v for _, v in effects), scenario_total]
    measure = ["absolute", *(["relative"] * len(effects)), "total"]
    text = [t.money(baseline_total, compact=True), *(t.money(v, compact=True, signed=True) for _, v in effects),
            t.money(scenario_total, compact=True)]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=measure, text=text, textposition="outside", textfont={"size": 12},
        increasing={"marker": {"color": GAIN}}, decreasing={"marker": {"color": LOSS}},
        totals={"marker": {"color": NEUTRAL}}, connector={"line": {"color": MUTED}},
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    base_layout(fig, title, height=height, legend=False)
    # Lever effects are small beside the total: the axis shows the range the bridge moves through
    # (the two totals' bars are cut at the foot; the page says the axis does not start at zero).
    running = np.cumsum([baseline_total, *(v for _, v in effects)])
    lo, hi = float(min(running.min(), scenario_total)), float(max(running.max(), scenario_total))
    pad = max(hi - lo, abs(hi) * 0.01, 1.0)
    low, high = lo - pad * 0.8, hi + pad * 0.5
    money_axis(fig, [low, high], t, include_zero=False)
    fig.update_yaxes(title=money_title(t), range=[low, high])
    return fig
