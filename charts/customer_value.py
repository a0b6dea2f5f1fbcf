"""Customer value charts: value composition by group, P(alive) and CLV distributions, the backtest."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.clv.backtest import Backtest
from analytics.clv.tracking import Tracking
from analytics.clv.value import Histogram, symlog
from charts.text import plain, plain_all
from charts.theme import ACCENT, GAIN, LOSS, MUTED, NEUTRAL, PALETTE, base_layout, money_axis
from i18n import Translator

# Part colours carry no sign (a negative potential value must not look like a gain): blue, purple, orange.
PARTS = (("realized_value", NEUTRAL), ("potential_value", PALETTE[3]), ("influence_value", ACCENT))  # figures of analytics.metrics


def composition(groups: pd.DataFrame, column: str, t: Translator, title: str | None = None,
                height: int = 420) -> go.Figure:
    """Realized, potential and influence value per group, stacked (negative parts below zero).

    ``groups`` is :meth:`analytics.clv.value.CustomerValues.by_group` output; ``column``
    the attribute it was grouped by (for translating the group names).
    """
    names = plain_all(t.value(column, g) for g in groups["group"])
    fig = go.Figure()
    for col, color in PARTS:
        values = groups[col].to_numpy(dtype=float)
        fig.add_trace(go.Bar(
            x=names, y=values, name=t.metric(col), marker_color=color,
            customdata=[t("cv.hover.part", group=n, part=t.metric(col), value=t.money(v, compact=True))
                        for n, v in zip(names, values, strict=True)],
            hovertemplate="%{customdata}<extra></extra>",
        ))
    base_layout(fig, title, height=height)
    fig.update_layout(barmode="relative", bargap=0.35)
    fig.update_yaxes(title=t("cv.axis.value"), zerolinecolor=MUTED)
    money_axis(fig, [*_stack_extent(groups)], t)
    return fig


def _stack_extent(groups: pd.DataFrame) -> tuple[float, float]:
    """The lowest and highest points of the stacked bars (negative parts stack downwards)."""
    parts = groups[[p[0] for p in PARTS]].to_numpy(dtype=float)
    if parts.size == 0:
        return 0.0, 0.0
    return float(np.where(parts < 0, parts, 0).sum(axis=1).min()), float(np.where(parts > 0, parts, 0).sum(axis=1).max())


def _bars(h: Histogram, colors: list[str], labels: list[tuple[str, str]], t: Translator) -> go.Bar:
    edges = np.asarray(h.edges)
    if h.scale == "symlog":
        edges = symlog(edges)
    centers = (edges[:-1] + edges[1:]) / 2
    return go.Bar(
        x=centers, y=list(h.counts), width=np.diff(edges) * 0.92, marker_color=colors,
        customdata=[t("cv.hover.bin", lo=lo, hi=hi, n=t.num(n)) for (lo, hi), n in zip(labels, h.counts, strict=True)],
        hovertemplate="%{customdata}<extra></extra>",
    )


def _symlog_money_axis(fig: go.Figure, lo: float, hi: float, t: Translator) -> None:
    """Ticks at 0 and ±100, ±10,000, ±1,000,000 … (every other power of ten, so that labels never
    crowd near zero), placed on the signed log scale and labelled in money."""
    ticks = [0.0]
    k = 2
    while 10.0 ** k <= max(abs(lo), abs(hi)):
        ticks += [v for v in (-(10.0 ** k), 10.0 ** k) if lo <= v <= hi]
        k += 2
    ticks.sort()
    fig.update_xaxes(tickvals=[float(symlog(v)) for v in ticks], ticktext=[t.money(v, compact=True) for v in ticks],
                     tickangle=0)


def p_alive_histogram(h: Histogram, t: Translator, title: str | None = None, height: int = 360) -> go.Figure:
    """Customers per P(alive) band (:meth:`CustomerValues.p_alive_histogram`), coloured from red (likely
    gone) to green (likely active)."""
    fig = go.Figure()
    if h.counts:
        edges = list(h.edges)
        labels = [(t.pct(lo, 0), t.pct(hi, 0)) for lo, hi in pairwise(edges)]
        colors = [LOSS if hi <= 0.3 else GAIN if lo >= 0.7 else MUTED for lo, hi in pairwise(edges)]
        fig.add_trace(_bars(h, colors, labels, t))
    base_layout(fig, title, height=height, legend=False)
    fig.update_xaxes(title=t("cv.axis.palive"), range=[0, 1], tickformat=".0%")
    fig.update_yaxes(title=t("cv.axis.customers"), rangemode="tozero")
    return fig


def potential_histogram(h: Histogram, t: Translator, title: str | None = None, height: int = 360) -> go.Figure:
    """Customers per potential-value band (:meth:`CustomerValues.potential_histogram`, a signed log
    scale labelled in money); bands below zero (customers expected to lose money) in red."""
    fig = go.Figure()
    if h.counts:
        edges = list(h.edges)
        labels = [(t.money(lo, compact=True), t.money(hi, compact=True)) for lo, hi in pairwise(edges)]
        colors = [LOSS if hi <= 0 else GAIN if lo >= 0 else MUTED for lo, hi in pairwise(edges)]
        fig.add_trace(_bars(h, colors, labels, t))
        if h.scale == "symlog":
            _symlog_money_axis(fig, edges[0], edges[-1], t)
        else:
            money_axis(fig, [edges[0], edges[-1]], t, axis="x", include_zero=False)
    base_layout(fig, title, height=height, legend=False)
    fig.update_xaxes(title=t("cv.axis.clv_log") if h.scale == "symlog" else t("cv.axis.clv"))
    fig.update_yaxes(title=t("cv.axis.customers"), rangemode="tozero")
    return fig


def backtest(bt: Backtest, t: Translator, title: str | None = None, height: int = 400) -> go.Figure:
    """Mean holdout purchases per customer, actual (bars) and predicted (bars), by the number of
    repeat purchases in the calibration period (Fader, Hardie & Lee's conditional-expectation plot)."""
    by = bt.by_frequency
    fig = go.Figure()
    for col, key, color in (("actual", "cv.series.actual", MUTED), ("predicted", "cv.series.predicted", ACCENT)):
        fig.add_trace(go.Bar(
            x=list(by["bucket"]), y=by[col], name=t(key), marker_color=color,
            customdata=[t("cv.hover.backtest", bucket=b, series=t(key), value=t.num(v, 2), n=t.num(n))
                        for b, v, n in zip(by["bucket"], by[col], by["customers"], strict=True)],
            hovertemplate="%{customdata}<extra></extra>",
        ))
    base_layout(fig, title, height=height)
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(title=t("cv.axis.calibration_freq"), type="category")
    fig.update_yaxes(title=t("cv.axis.holdout_purchases"), rangemode="tozero")
    return fig


def contract_retention(curves: pd.DataFrame, t: Translator, title: str | None = None, height: int = 420) -> go.Figure:
    """The share of each plan's new contract customers still under contract, by months since their
    first contract: actual (markers, where enough customers had reached that renewal), the sBG fitted
    (solid) and projected beyond the longest history (dashed). ``curves`` is
    :attr:`analytics.contracts.retention.ContractValues.curves`."""
    fig = go.Figure()
    for i, (plan, c) in enumerate(curves.groupby("plan", sort=True)):
        color = PALETTE[i % len(PALETTE)]
        name = plain(t.value("plan", plan))
        fitted = c[~c["projected"]]
        ahead = c[c["period"] >= fitted["period"].max()] if len(fitted) else c
        for part, dash, key in ((fitted, "solid", "cv.contracts.series.fitted"),
                                (ahead, "dash", "cv.contracts.series.projected")):
            if part.empty or part["survival_fitted"].isna().all():
                continue
            fig.add_trace(go.Scatter(
                x=part["months"], y=part["survival_fitted"], mode="lines", line={"color": color, "dash": dash, "width": 2},
                name=plain(t(key, plan=t.value("plan", plan))), legendgroup=name,
                customdata=[plain(t("cv.contracts.hover.fitted", plan=t.value("plan", plan), months=t.num(m),
                                    renewals=t.num(k), share=t.pct(s, 0), series=t(key, plan="")))
                            for m, k, s in zip(part["months"], part["period"], part["survival_fitted"], strict=True)],
                hovertemplate="%{customdata}<extra></extra>",
            ))
        actual = c.dropna(subset=["survival_actual"])
        fig.add_trace(go.Scatter(
            x=actual["months"], y=actual["survival_actual"], mode="markers",
            marker={"color": color, "size": 9, "symbol": "circle-open", "line": {"width": 2}},
            name=plain(t("cv.contracts.series.actual", plan=t.value("plan", plan))), legendgroup=name,
            customdata=[plain(t("cv.contracts.hover.actual", plan=t.value("plan", plan), months=t.num(m),
                                renewals=t.num(k), share=t.pct(s, 0),
                                n=t.num(0 if pd.isna(n) else n)))
                        for m, k, s, n in zip(actual["months"], actual["period"], actual["survival_actual"],
                                              actual["at_risk"], strict=True)],
            hovertemplate="%{customdata}<extra></extra>",
        ))
    base_layout(fig, title, height=height)
    fig.update_xaxes(title=t("cv.contracts.axis.months"), rangemode="tozero")
    fig.update_yaxes(title=t("cv.contracts.axis.share"), tickformat=".0%", range=[0, 1.02])
    return fig


MODEL_COLORS = {"bgnbd": ACCENT, "pareto_nbd": GAIN, "mbg_nbd": NEUTRAL}
# The models' expectations often lie within a line's width of each other (BG/NBD and MBG/NBD on the demo differ by
# at most 1.4 purchases a week in 600): the chosen model is drawn last (solid, bold), the first other one as a wide
# translucent band beneath, the second thin with a dash of its own, so each stays visible where they coincide.
MODEL_DASHES = {"bgnbd": "dot", "pareto_nbd": "dash", "mbg_nbd": "dashdot"}


def _model_line(kind: str, chosen: str, order: list[str]) -> tuple[dict[str, object], float]:
    """The line (color, width, dash) and opacity of ``kind``'s expectation among the models in ``order``."""
    if kind == chosen:
        return {"color": MODEL_COLORS[kind], "width": 3, "dash": "solid"}, 1.0
    if kind == order[0]:
        return {"color": MODEL_COLORS[kind], "width": 6, "dash": "solid"}, 0.4
    return {"color": MODEL_COLORS[kind], "width": 1.5, "dash": MODEL_DASHES[kind]}, 1.0


def _models_in_drawing_order(chosen: str) -> list[str]:
    """The three purchase models, the chosen one last (on top)."""
    kinds = ["bgnbd", "pareto_nbd", "mbg_nbd"]
    return [k for k in kinds if k != chosen] + [k for k in kinds if k == chosen]


def _legend_rank(kind: str) -> int:
    """The legend keeps the models' usual order (BG/NBD, Pareto/NBD, MBG/NBD) whatever the drawing order."""
    return 1000 + ["bgnbd", "pareto_nbd", "mbg_nbd"].index(kind)


def _template(t: Translator, key: str, **values: str) -> str:
    """A hover template from the string ``key``: values that start with ``%{`` stay Plotly placeholders,
    the others (and the string's own text) go through :func:`plain`; one template per trace instead
    of a text per point keeps the page's chart JSON small."""
    marks = {k: f"\x00{i}\x00" for i, k in enumerate(values) if values[k].startswith("%{")}
    text = plain(t(key, **{k: marks.get(k, v) for k, v in values.items()}))
    for k, mark in marks.items():
        text = text.replace(mark, values[k])
    return text + "<extra></extra>"


def tracking(tr: Tracking, t: Translator, cumulative: bool = False, title: str | None = None,
             height: int = 380) -> go.Figure:
    """Weekly repeat purchases of the cohort, actual against each model's expectation (the chosen one
    bold), incremental or cumulative, with the calibration end marked (Fader, Hardie & Lee's tracking plot)."""
    w = tr.weeks
    if not cumulative and len(w) > 1 and (w["week_end"].iloc[-1] - w["week_end"].iloc[-2]).days < 7:
        w = w.iloc[:-1]  # a last week of a few days would read as a collapse of purchases
    suffix = "_cumulative" if cumulative else ""
    fig = go.Figure()
    x = [d.isoformat() for d in w["week_end"]]
    actual = w["actual"].cumsum() if cumulative else w["actual"]
    fig.add_trace(go.Scatter(
        x=x, y=actual, name=plain(t("cv.series.actual")), mode="lines", line={"color": MUTED, "width": 2},
        customdata=w["week"].to_numpy(), hovertemplate=_template(t, "cv.hover.tracking", series=t("cv.series.actual"),
                                                                week="%{customdata}", value="%{y:,.0f}")))
    order = [k for k in _models_in_drawing_order(tr.model) if f"expected_{k}" in w]
    for kind in order:
        col = f"expected_{kind}"
        y = w[col].cumsum() if cumulative else w[col]
        chosen = kind == tr.model
        name = t.model(tr.label(kind)) + (" · " + t("cv.compare.chosen_tag") if chosen else "")
        line, opacity = _model_line(kind, tr.model, order)
        fig.add_trace(go.Scatter(
            x=x, y=y, name=plain(name), mode="lines", legendrank=_legend_rank(kind), line=line, opacity=opacity,
            customdata=w["week"].to_numpy(),
            hovertemplate=_template(t, "cv.hover.tracking", series=t.model(tr.label(kind)), week="%{customdata}",
                                    value="%{y:,.1f}")))
    cal = tr.calibration_end.isoformat()
    fig.add_vline(x=cal, line={"color": LOSS, "dash": "dash", "width": 1})
    fig.add_annotation(x=cal, y=1, yref="paper", text=plain(t("cv.tracking.boundary")), showarrow=False,
                       xanchor="left", yanchor="top", font={"size": 11, "color": LOSS})
    base_layout(fig, title, height=height)
    fig.update_xaxes(title=t("cv.axis.week_end"))
    fig.update_yaxes(title=t("cv.axis.repeat_purchases" + suffix), rangemode="tozero")
    return fig


def conditional(tr: Tracking, t: Translator, title: str | None = None, height: int = 380) -> go.Figure:
    """Mean holdout purchases per calibration-frequency bucket: actual (bars) and each model (markers)."""
    by = tr.by_frequency
    fig = go.Figure()
    buckets = list(by["bucket"])
    fig.add_trace(go.Bar(
        x=buckets, y=by["actual"], name=plain(t("cv.series.actual")), marker_color=MUTED,
        customdata=plain_all(t("cv.hover.backtest", bucket=b, series=t("cv.series.actual"), value=t.num(v, 2), n=t.num(n))
                             for b, v, n in zip(buckets, by["actual"], by["customers"], strict=True)),
        hovertemplate="%{customdata}<extra></extra>"))
    order = [k for k in _models_in_drawing_order(tr.model) if f"expected_{k}" in by]
    for kind in order:
        col = f"expected_{kind}"
        name = t.model(tr.label(kind))
        line, opacity = _model_line(kind, tr.model, order)
        fig.add_trace(go.Scatter(
            x=buckets, y=by[col], name=plain(name), mode="lines+markers", legendrank=_legend_rank(kind), line=line,
            opacity=opacity,
            customdata=plain_all(t("cv.hover.backtest", bucket=b, series=name, value=t.num(v, 2), n=t.num(n))
                                 for b, v, n in zip(buckets, by[col], by["customers"], strict=True)),
            hovertemplate="%{customdata}<extra></extra>"))
    base_layout(fig, title, height=height)
    fig.update_xaxes(title=t("cv.axis.calibration_freq"), type="category")
    fig.update_yaxes(title=t("cv.axis.holdout_purchases"), rangemode="tozero")
    return fig


def p_alive_matrix(tr: Tracking, t: Translator, title: str | None = None, height: int = 420) -> go.Figure:
    """P(alive) of the chosen model by repeat purchases (rows) and recency (columns) at the cohort's
    longest age: the customers worth a call are the light cells on the right."""
    m = tr.p_alive
    unit = t(f"cv.unit.{tr.time_unit}")
    rec = [float(c) for c in m.columns]
    fig = go.Figure(go.Heatmap(
        z=m.to_numpy(), x=rec, y=list(m.index), zmin=0, zmax=1, colorscale="Viridis", customdata=m.to_numpy(),
        hovertemplate=_template(t, "cv.hover.palive_matrix", unit=unit, x="%{y}", recency="%{x:.1f}",
                                p="%{customdata:.0%}"),
        colorbar={"title": plain("P(alive)"), "tickformat": ".0%"}))
    base_layout(fig, title, height=height, legend=False)
    fig.update_xaxes(title=t("cv.axis.recency", unit=unit))
    fig.update_yaxes(title=t("cv.axis.calibration_freq"))
    return fig
