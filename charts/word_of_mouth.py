"""Word-of-mouth charts (DOMAIN.md §3): volumes and NPS over time with trend and forecast band, the
response curve of complaints and praise against service quality, quality by region, breakdowns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.word_of_mouth import NEAR_THRESHOLD, ResponseCurve, TrendFit
from charts.text import plain, plain_all
from charts.theme import ACCENT, GAIN, GRID, INK, LOSS, MUTED, NEUTRAL, PALETTE, base_layout
from i18n import Translator, fmt

COLORS = {"praise": GAIN, "complaints": LOSS, "other": MUTED, "nps": NEUTRAL}
# Regions get colours apart from the praise green and complaint red of the threshold lines.
REGION_COLORS = ["#4575b4", "#984ea3", "#17becf", "#8c6d31", "#e7298a", "#7f7f7f", "#ff9f1c", "#66c2a5"]
BANDS = {"praise": "rgba(26,152,80,0.15)", "complaints": "rgba(215,48,39,0.13)", "other": "rgba(154,165,177,0.2)",
         "nps": "rgba(69,117,180,0.15)"}


def period_label(d: pd.Timestamp, granularity: str, t: Translator) -> str:
    """A period for hover text: the day, ``week of <Monday>``, or the month."""
    day = pd.Timestamp(d).date()
    if granularity == "month":
        return t.month(day)
    if granularity == "week":
        return t("wom.week_of", date=t.date(day))
    return t.date(day)


def date_axis(fig: go.Figure, t: Translator, start: pd.Timestamp, end: pd.Timestamp, row: int | None = None,
              narrow: bool = False) -> None:
    """Month ticks in the reader's language (Plotly's own month names are English only); ``narrow``
    charts (half the page) get half as many ticks, so that labels stay horizontal."""
    months = max(1, (end.year - start.year) * 12 + end.month - start.month)
    step = 1 if months <= 14 else 2 if months <= 26 else 3 if months <= 40 else 6
    if narrow:
        step = {1: 2, 2: 3, 3: 6}.get(step, 12)
    spec = {"tickformat": "%y年%-m月" if t.lang == "zh" else "%b %y", "dtick": f"M{step}",
            "tick0": pd.Timestamp(start.year, 1, 1), "hoverformat": "%Y-%m-%d"}
    if row is None:
        fig.update_xaxes(**spec)
    else:
        fig.update_xaxes(row=row, col=1, **spec)


def _series_name(name: str, t: Translator) -> str:
    return t(f"wom.series.{name}")


def _band(fig: go.Figure, fit: TrendFit, name: str, t: Translator, granularity: str, secondary: bool | None = None) -> None:
    """Forecast median (dashed) and its prediction band."""
    fc = fit.forecast
    if fc.empty:
        return
    x = list(fc["period"]) + list(fc["period"][::-1])
    y = list(fc["upper"]) + list(fc["lower"][::-1])
    kw = {} if secondary is None else {"secondary_y": secondary}
    label = t("wom.legend.forecast", series=_series_name(name, t), level=f"{fit.level:.0%}")
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", fill="toself", fillcolor=BANDS[name], line={"width": 0}, hoverinfo="skip",
                             name=label, legendgroup=f"fc_{name}", showlegend=True), **kw)
    custom = np.stack([[period_label(p, granularity, t) for p in fc["period"]],
                       [t.num(v, 1) for v in fc["lower"]], [t.num(v, 1) for v in fc["upper"]],
                       [t.num(v, 1) for v in fc["forecast"]]], axis=-1)
    fig.add_trace(go.Scatter(x=fc["period"], y=fc["forecast"], mode="lines", line={"color": COLORS[name], "dash": "dash",
                                                                                   "width": 2},
                             name=label, legendgroup=f"fc_{name}", showlegend=False, customdata=custom,
                             hovertemplate=t("wom.hover.forecast", period="%{customdata[0]}", value="%{customdata[3]}",
                                             low="%{customdata[1]}", high="%{customdata[2]}") + "<extra></extra>"), **kw)


def _trend_line(fig: go.Figure, fit: TrendFit, name: str, t: Translator, granularity: str,
                secondary: bool | None = None) -> None:
    h = fit.history
    if fit.status != "ok" or h.empty:
        return
    kw = {} if secondary is None else {"secondary_y": secondary}
    custom = np.stack([[period_label(p, granularity, t) for p in h["period"]], [t.num(v, 1) for v in h["trend"]]], axis=-1)
    fig.add_trace(go.Scatter(x=h["period"], y=h["trend"], mode="lines", line={"color": COLORS[name], "width": 3.5},
                             name=t("wom.legend.trend", series=_series_name(name, t)), customdata=custom,
                             hovertemplate=t("wom.hover.trend", period="%{customdata[0]}", value="%{customdata[1]}")
                             + "<extra></extra>"), **kw)


def volumes(series: pd.DataFrame, fits: dict[str, TrendFit], points: pd.DataFrame, t: Translator, granularity: str,
            title: str | None = None, height: int = 460, names: tuple[str, ...] = ("complaints", "praise")) -> go.Figure:
    """Praise and complaints per period: observed counts, trend, forecast band, turning points.

    ``series`` is :func:`analytics.word_of_mouth.series`; ``fits`` its :func:`trends`; ``points``
    the turning points (``series, date, direction``). Partial periods are hollow markers.
    """
    fig = go.Figure()
    s = series
    for name in names:
        custom = np.stack([[period_label(p, granularity, t) for p in s["period"]], [f"{int(v):,}" for v in s[name]],
                           [t("wom.hover.partial", days=int(d), of=int(n)) if p else "" for p, d, n in
                            zip(s["partial"], s["days"], s["period_days"], strict=True)]], axis=-1)
        fig.add_trace(go.Scatter(
            x=s["period"], y=s[name], mode="lines+markers", name=_series_name(name, t),
            line={"color": COLORS[name], "width": 1}, opacity=0.75,
            marker={"color": ["white" if p else COLORS[name] for p in s["partial"]], "size": 6,
                    "line": {"color": COLORS[name], "width": 1.5}},
            customdata=custom,
            hovertemplate=t("wom.hover.count", period="%{customdata[0]}", series=_series_name(name, t),
                            value="%{customdata[1]}") + "%{customdata[2]}<extra></extra>"))
        _trend_line(fig, fits[name], name, t, granularity)
        _band(fig, fits[name], name, t, granularity)
    top = max([float(s[n].max()) for n in names if len(s)] + [float(fits[n].forecast["upper"].max())
                                                                for n in names if not fits[n].forecast.empty] + [1.0])
    _turning_points(fig, points, names, t, top)
    base_layout(fig, title, height=height)
    fig.update_yaxes(title=t(f"wom.axis.count_{granularity}"), rangemode="tozero")
    _x_range(fig, s, fits, names, t)
    return fig


def _x_range(fig: go.Figure, s: pd.DataFrame, fits: dict[str, TrendFit], names: tuple[str, ...], t: Translator) -> None:
    if s.empty:
        return
    end = max([s["period"].max()] + [fits[n].forecast["period"].max() for n in names if not fits[n].forecast.empty])
    date_axis(fig, t, s["period"].min(), end)


def _turning_points(fig: go.Figure, points: pd.DataFrame, names: tuple[str, ...], t: Translator, top: float) -> None:
    """Dotted lines at turning points, with an arrow marker and hover text on top."""
    if points is None or points.empty:
        return
    p = points.loc[points["series"].isin(names)]
    for row in p.itertuples(index=False):
        fig.add_vline(x=pd.Timestamp(row.date), line={"color": COLORS[row.series], "width": 1.5, "dash": "dot"})
    if p.empty:
        return
    labels = [t(f"wom.tp.{r.series}.{r.direction}") + (f" · {plain(t.value('region', r.scope))}" if r.scope else "")
              for r in p.itertuples(index=False)]
    fig.add_trace(go.Scatter(
        x=p["date"], y=[top * 1.04] * len(p), mode="markers", name=t("wom.legend.turning_point"),
        marker={"symbol": ["triangle-up" if d == "up" else "triangle-down" for d in p["direction"]], "size": 12,
                "color": [COLORS[s] for s in p["series"]], "line": {"color": "white", "width": 1}},
        customdata=np.stack([[t.date(pd.Timestamp(d).date()) for d in p["date"]], labels], axis=-1),
        hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>"))


def nps(series: pd.DataFrame, fit: TrendFit, t: Translator, granularity: str, title: str | None = None,
        height: int = 420) -> go.Figure:
    """NPS per period (line, left axis) with trend and forecast band; scored responses (bars, right axis)."""
    s = series
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    labels = [period_label(p, granularity, t) for p in s["period"]]
    fig.add_trace(go.Bar(x=s["period"], y=s["responses"], name=t("wom.legend.responses"), marker_color="rgba(154,165,177,0.35)",
                         customdata=np.stack([labels, [f"{int(v):,}" for v in s["responses"]]], axis=-1),
                         hovertemplate=t("wom.hover.responses", period="%{customdata[0]}", value="%{customdata[1]}")
                         + "<extra></extra>"), secondary_y=True)
    fig.add_trace(go.Scatter(x=s["period"], y=s["nps"], mode="lines+markers", name=_series_name("nps", t),
                             line={"color": NEUTRAL, "width": 1}, opacity=0.8,
                             marker={"size": 6, "color": ["white" if p else NEUTRAL for p in s["partial"]],
                                     "line": {"color": NEUTRAL, "width": 1.5}},
                             customdata=np.stack([labels, [t.num(v, 1) for v in s["nps"]],
                                                  [f"{int(v):,}" for v in s["responses"]]], axis=-1),
                             hovertemplate=t("wom.hover.nps", period="%{customdata[0]}", value="%{customdata[1]}",
                                             n="%{customdata[2]}") + "<extra></extra>"), secondary_y=False)
    _trend_line(fig, fit, "nps", t, granularity, secondary=False)
    _band(fig, fit, "nps", t, granularity, secondary=False)
    base_layout(fig, title, height=height)
    fig.add_hline(y=0, line={"color": MUTED, "width": 1}, secondary_y=False)
    fig.update_yaxes(title_text=t("wom.axis.nps"), secondary_y=False)
    fig.update_yaxes(title_text=t("wom.axis.responses"), secondary_y=True, showgrid=False, rangemode="tozero")
    # The bars stay in the lower third, under the NPS line, with round ticks.
    top = max(float(s["responses"].max()) if len(s) else 1.0, 1.0)
    ticks = [v for v in fmt.nice_ticks(0, top, 3) if v <= top * 1.3]
    fig.update_yaxes(range=[0, top * 3], tickvals=ticks, ticktext=[f"{v:,.0f}" for v in ticks], secondary_y=True)
    fig.update_layout(barmode="overlay")
    _x_range(fig, s, {"nps": fit}, ("nps",), t)
    return fig


def response_curve(curve: ResponseCurve, t: Translator, title: str | None = None, height: int = 440) -> go.Figure:
    """Events per 1,000 customer-days against quality: observed bins (size ∝ exposure), the fitted
    curve with its 95 % band, the threshold with its interval, and each region's recent quality."""
    name = "complaints" if curve.kind == "complaint" else "praise"
    color = COLORS[name]
    fig = go.Figure()
    ob = curve.observed
    if not ob.empty:
        size = 6 + 22 * np.sqrt(ob["customer_days"] / ob["customer_days"].max())
        fig.add_trace(go.Scatter(
            x=ob["quality"] + 0.5, y=ob["rate"], mode="markers", name=t("wom.legend.observed"),
            marker={"size": size, "color": color, "opacity": 0.45, "line": {"color": "white", "width": 1}},
            customdata=np.stack([[f"{q:.0f}–{q + 1:.0f}" for q in ob["quality"]], [t.num(v, 2) for v in ob["rate"]],
                                 [f"{int(v):,}" for v in ob["events"]], [t.num(v, 0) for v in ob["customer_days"]],
                                 [f"{int(v):,}" for v in ob["days"]]], axis=-1),
            hovertemplate=t("wom.hover.observed", q="%{customdata[0]}", rate="%{customdata[1]}", events="%{customdata[2]}",
                            exposure="%{customdata[3]}", days="%{customdata[4]}") + "<extra></extra>"))
    fit = curve.fitted
    if not fit.empty:
        fig.add_trace(go.Scatter(x=list(fit["quality"]) + list(fit["quality"][::-1]),
                                 y=list(fit["upper"]) + list(fit["lower"][::-1]), mode="lines", fill="toself",
                                 fillcolor=BANDS[name], line={"width": 0}, hoverinfo="skip",
                                 name=t("wom.legend.band95")))
        fig.add_trace(go.Scatter(
            x=fit["quality"], y=fit["rate"], mode="lines", line={"color": color, "width": 3.5},
            name=t("wom.legend.fitted" if curve.threshold is not None else "wom.legend.fitted_loglinear"),
            customdata=np.stack([[t.num(v, 1) for v in fit["quality"]], [t.num(v, 2) for v in fit["rate"]]], axis=-1),
            hovertemplate=t("wom.hover.fitted", q="%{customdata[0]}", rate="%{customdata[1]}") + "<extra></extra>"))
    top = max([float(ob["rate"].max()) if not ob.empty else 0.0, float(fit["upper"].max()) if not fit.empty else 0.0, 1e-9])
    if curve.threshold is not None:
        if curve.low is not None and curve.high is not None:
            fig.add_vrect(x0=curve.low, x1=curve.high, fillcolor="rgba(244,109,67,0.15)", line_width=0, layer="below")
        fig.add_vline(x=curve.threshold, line={"color": ACCENT, "width": 2, "dash": "dash"})
        interval = t("wom.interval", low=t.num(curve.low, 1), high=t.num(curve.high, 1))
        fig.add_annotation(x=curve.threshold, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                           text=t("wom.threshold_label", value=t.num(curve.threshold, 1), interval=interval),
                           font={"color": ACCENT, "size": 12}, bgcolor="rgba(255,255,255,0.85)",
                           xanchor="left" if curve.kind == "complaint" else "right")
    rec = curve.recent
    if curve.params is not None and not rec.empty:
        rates = np.asarray(curve.rate_at(rec["quality"].to_numpy()), dtype=float)
        # Only regions in (or next to) the steep zone get a label: the others crowd the flat part.
        steep = (rec["quality"] < curve.threshold + NEAR_THRESHOLD if curve.kind == "complaint"
                 else rec["quality"] >= curve.threshold - NEAR_THRESHOLD) if curve.threshold is not None else rec["quality"] < 0
        fig.add_trace(go.Scatter(
            x=rec["quality"], y=rates, mode="markers+text", name=t("wom.legend.regions_now"),
            text=[plain(t.value("region", r)) if hit else "" for r, hit in zip(rec["region"], steep, strict=True)],
            textposition="top center",
            textfont={"size": 11, "color": INK},
            marker={"symbol": "diamond", "size": 10, "color": INK, "line": {"color": "white", "width": 1}},
            customdata=np.stack([plain_all(t.value("region", r) for r in rec["region"]), [t.num(v, 1) for v in rec["quality"]],
                                 [t.num(v, 2) for v in rates]], axis=-1),
            hovertemplate=t("wom.hover.region_now", region="%{customdata[0]}", q="%{customdata[1]}",
                            rate="%{customdata[2]}") + "<extra></extra>"))
    base_layout(fig, title, height=height)
    fig.update_xaxes(title=t("wom.axis.quality"))
    fig.update_yaxes(title=t(f"wom.axis.rate_{name}"), rangemode="tozero", range=[0, top * 1.12])
    fig.update_layout(margin={"t": 80 if title else 40})
    return fig


def quality(region_days: pd.DataFrame, t: Translator, complaint: float | None, praise: float | None,
            title: str | None = None, height: int = 400) -> go.Figure:
    """Weekly mean service-quality index per region, with the complaint and praise thresholds."""
    d = region_days.dropna(subset=["quality"])
    fig = go.Figure()
    if not d.empty:
        d = d.assign(week=d["day"] - pd.to_timedelta(d["day"].dt.day_of_week, unit="D"))
        wk = d.groupby(["region", "week"], as_index=False)["quality"].mean()
        for i, (region, g) in enumerate(wk.groupby("region", sort=True)):
            name = plain(t.value("region", region))
            fig.add_trace(go.Scatter(
                x=g["week"], y=g["quality"], mode="lines", name=name,
                line={"color": REGION_COLORS[i % len(REGION_COLORS)], "width": 2},
                customdata=np.stack([[t("wom.week_of", date=t.date(w.date())) for w in g["week"]],
                                     [t.num(v, 1) for v in g["quality"]]], axis=-1),
                hovertemplate=name + " · %{customdata[0]}: %{customdata[1]}<extra></extra>"))
        date_axis(fig, t, d["day"].min(), d["day"].max())
    for value, key, color, pos in ((complaint, "wom.quality.complaint_line", LOSS, "bottom left"),
                                   (praise, "wom.quality.praise_line", GAIN, "top left")):
        if value is not None:
            fig.add_hline(y=value, line={"color": color, "width": 1.5, "dash": "dash"},
                          annotation_text=t(key, value=t.num(value, 1)), annotation_position=pos,
                          annotation_font_color=color)
    base_layout(fig, title, height=height)
    fig.update_yaxes(title=t("wom.axis.quality"))
    return fig


def breakdown(series_by: pd.DataFrame, t: Translator, dimension: str, kind: str, granularity: str,
              title: str | None = None, height: int = 420) -> go.Figure:
    """Stacked bars of ``kind`` (praise/complaints) per period and group of ``dimension``."""
    column = {"feedback_channel": "feedback_channel"}.get(dimension, dimension)
    s = series_by.loc[series_by["group"].notna() | (series_by[kind] > 0)]
    totals = s.groupby("group", dropna=False)[kind].sum().sort_values(ascending=False)
    fig = go.Figure()
    for i, (group, _) in enumerate(totals.items()):
        if totals[group] == 0:
            continue
        g = s.loc[s["group"].isna()] if pd.isna(group) else s.loc[s["group"] == group]
        name = plain(t.value(column, group)) if not pd.isna(group) else t("wom.unknown")
        fig.add_trace(go.Bar(
            x=g["period"], y=g[kind], name=name, marker_color=PALETTE[i % len(PALETTE)],
            customdata=np.stack([[period_label(p, granularity, t) for p in g["period"]], [f"{int(v):,}" for v in g[kind]]],
                                axis=-1),
            hovertemplate=name + " · %{customdata[0]}: %{customdata[1]}<extra></extra>"))
    base_layout(fig, title, height=height)
    fig.update_layout(barmode="stack", bargap=0.15)
    fig.update_yaxes(title=t(f"wom.axis.count_{granularity}"))
    if not s.empty:
        date_axis(fig, t, s["period"].min(), s["period"].max(), narrow=True)
    return fig


def heatmap(matrix: pd.DataFrame, t: Translator, kind: str, title: str | None = None, height: int = 420) -> go.Figure:
    """Counts per topic (rows) and feedback channel (columns), from :func:`topic_channel`."""
    fig = go.Figure()
    if not matrix.empty:
        wide = matrix.pivot_table(index="topic", columns="feedback_channel", values="count", aggfunc="sum", fill_value=0)
        wide = wide.loc[wide.sum(axis=1).sort_values().index, wide.sum(axis=0).sort_values(ascending=False).index]
        rows = plain_all(t.value("topic", v) for v in wide.index)
        # Long names wrap after their first word so that neighbouring labels do not collide.
        cols = [(lambda x: plain(x).replace(" ", "<br>", 1) if len(x) > 9 else plain(x))(t.value("feedback_channel", v))
                for v in wide.columns]
        scale = [[0, "#fff5f0"], [1, LOSS]] if kind == "complaints" else [[0, "#f7fcf5"], [1, GAIN]]
        z = wide.to_numpy()
        fig.add_trace(go.Heatmap(
            z=z, x=cols, y=rows, colorscale=scale, showscale=False, xgap=2, ygap=2,
            text=[[f"{int(v):,}" for v in r] for r in z], texttemplate="%{text}", textfont={"size": 12},
            customdata=[plain_all(t.value("feedback_channel", v) for v in wide.columns) for _ in wide.index],
            hovertemplate=t("wom.hover.heat", topic="%{y}", channel="%{customdata}", value="%{text}") + "<extra></extra>"))
    base_layout(fig, title, height=height, legend=False)
    fig.update_xaxes(showgrid=False, side="bottom", tickangle=0)
    fig.update_yaxes(showgrid=False, gridcolor=GRID)
    return fig
