"""Lifecycle charts: stages over time, stage transitions (Sankey), acquisition payback curves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analytics.lifecycle import NO_PURCHASE, OUTSIDE, STAGES
from charts.text import plain
from charts.theme import ACCENT, GAIN, INK, LOSS, MUTED, NEUTRAL, PALETTE, base_layout, money_axis
from i18n import Translator

FAINT = "#c3cad3"  # cohorts not highlighted on the payback chart
BOLD_WIDTH = 3
# Highlighted cohorts, oldest to newest: hues far apart (a blend from blue to orange made two oranges),
# none red (the break-even line) or grey (the other cohorts); more than four picked run from blue to orange.
COHORT_COLORS = ("#4575b4", "#984ea3", "#17becf", "#f46d43")

# One colour per stage, the same on every chart: warm for trouble, green for health.
STAGE_COLORS = {
    "target": "#c3cad3",
    "prospect": PALETTE[5],
    "opportunity": PALETTE[3],
    "new": PALETTE[8],
    "active": GAIN,
    "reactivated": NEUTRAL,
    "dormant": PALETTE[4],
    "lost": LOSS,
    NO_PURCHASE: "#dfe3e8",  # never bought: pale, neither healthy nor in trouble
    OUTSIDE: MUTED,
}


def stage_name(t: Translator, stage: str) -> str:
    return t.value("lifecycle_stage", stage)


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _blend(a: str, b: str, x: float) -> str:
    """The colour a fraction ``x`` of the way from ``a`` to ``b`` (hex in, hex out)."""
    ca = [int(a.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    cb = [int(b.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(u + (v - u) * x):02x}" for u, v in zip(ca, cb, strict=True))


def quarter_label(d: dt.date, t: Translator) -> str:
    return t("lc.quarter", y=d.year, q=(d.month - 1) // 3 + 1)


def stage_history(history: pd.DataFrame, t: Translator, title: str | None = None, include_lost: bool = True,
                  height: int = 420) -> go.Figure:
    """Stacked bars: entities per stage at each month's end (``analytics.lifecycle.stage_history``)."""
    fig = go.Figure()
    # Customers who never bought swamp the chart as the lost do (a constant block): shown with them.
    stages = [s for s in STAGES if include_lost or s not in ("lost", NO_PURCHASE)]
    for stage in stages:
        rows = history[history["stage"] == stage]
        if rows.empty or not rows["count"].any():
            continue
        months = [t.month_short(d) for d in rows["date"]]
        name = plain(stage_name(t, stage))
        fig.add_trace(go.Bar(
            x=months, y=rows["count"], name=name, marker_color=STAGE_COLORS[stage],
            customdata=[[t.month(d), t.num(n)] for d, n in zip(rows["date"], rows["count"], strict=True)],
            hovertemplate=t("lc.hover.count", s=name, m="%{customdata[0]}", n="%{customdata[1]}")
            + "<extra></extra>",
        ))
    base_layout(fig, title, height=height)
    fig.update_layout(barmode="stack", bargap=0.15, legend={"traceorder": "normal"})
    fig.update_yaxes(title=t("lc.axis.count"), tickformat=",d")
    return fig


def transitions_sankey(trans: pd.DataFrame, t: Translator, title: str | None = None, height: int = 480) -> go.Figure:
    """Sankey of ``analytics.lifecycle.transitions``: stages on the first date (left) to the second (right)."""
    order = [OUTSIDE, *STAGES]
    left = [s for s in order if s in set(trans["from_stage"])]
    right = [s for s in order if s in set(trans["to_stage"])]

    def label(stage: str, side: str) -> str:
        if stage == OUTSIDE:
            return t("lc.sankey.none_left" if side == "left" else "lc.sankey.none_right")
        return plain(stage_name(t, stage))

    labels = [label(s, "left") for s in left] + [label(s, "right") for s in right]
    colors = [STAGE_COLORS[s] for s in left] + [STAGE_COLORS[s] for s in right]
    li = {s: i for i, s in enumerate(left)}
    ri = {s: len(left) + i for i, s in enumerate(right)}
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": labels, "color": colors, "pad": 14, "thickness": 16,
              "line": {"color": "white", "width": 0.5},
              "hovertemplate": "%{label}: %{value:,}<extra></extra>"},
        link={
            "source": [li[a] for a in trans["from_stage"]],
            "target": [ri[b] for b in trans["to_stage"]],
            "value": trans["count"].tolist(),
            "color": [_rgba(STAGE_COLORS[b], 0.35) for b in trans["to_stage"]],
            "customdata": [t("lc.sankey.hover", a=label(a, "left"), b=label(b, "right"), n=t.num(n))
                           for a, b, n in zip(trans["from_stage"], trans["to_stage"], trans["count"], strict=True)],
            "hovertemplate": "%{customdata}<extra></extra>",
        },
    ))
    base_layout(fig, title, height=height, legend=False)
    fig.update_layout(font={"size": 13, "color": INK})
    return fig


HIGHLIGHTED = 4  # cohorts highlighted by default on the payback chart
MIN_MONTHS = 6  # a cohort observed for fewer months has too short a curve to stand for its time


def default_highlight(curves: pd.DataFrame) -> list[dt.date]:
    """The cohorts a payback chart highlights unless the reader picks others: four spread evenly from
    the first to the latest observed for at least six months (how payback changed over time; the
    newest cohorts' curves are a few points long). All of them when there are four or fewer.

    ``curves`` is ``analytics.lifecycle.Payback.curves`` (``cohort, month, …``)."""
    months = curves.groupby("cohort")["month"].max().sort_index()
    if len(months) <= HIGHLIGHTED:
        return list(months.index)
    grown = months[months >= MIN_MONTHS]
    pool = list(months.index[: months.index.get_loc(grown.index[-1]) + 1]) if len(grown) else list(months.index)
    picks = sorted({round(i * (len(pool) - 1) / (HIGHLIGHTED - 1)) for i in range(HIGHLIGHTED)})
    return [pool[i] for i in picks]


def payback_curves(curves: pd.DataFrame, grain: str, t: Translator, measure: str = "net_profit",
                   title: str | None = None, height: int = 460,
                   highlight: Sequence[dt.date] | None = None) -> go.Figure:
    """Net cumulative profit per customer by month since acquisition, one line per cohort.

    ``curves`` is ``analytics.lifecycle.Payback.curves``; ``measure`` is ``net_profit`` (mean
    customer) or ``median_net_profit``. The ``highlight`` cohorts (default :func:`default_highlight`)
    are drawn bold, from blue (oldest) to orange (newest), with a legend entry each; the others thin
    and grey under them, with one legend entry for all, and a hover each: a dozen coloured lines
    cannot be told apart.
    """
    fig = go.Figure()
    cohorts = sorted(curves["cohort"].unique())
    chosen = set(default_highlight(curves) if highlight is None else highlight)
    bold = [c for c in cohorts if c in chosen]
    faint_named = False
    for c in [c for c in cohorts if c not in chosen]:  # first, so that the highlighted lines are drawn on top
        rows = curves[curves["cohort"] == c]
        name = plain(quarter_label(c, t) if grain == "quarter" else t.month(c))
        fig.add_trace(go.Scatter(
            x=rows["month"], y=rows[measure], mode="lines+markers" if len(rows) == 1 else "lines",
            name=t("lc.payback.others"), legendgroup="others", showlegend=not faint_named,
            line={"color": FAINT, "width": 1}, marker={"color": FAINT, "size": 4}, opacity=0.8,
            customdata=[t.money(v, compact=True) for v in rows[measure]],
            hovertemplate=t("lc.hover.payback", cohort=name, m="%{x}", v="%{customdata}") + "<extra></extra>",
        ))
        faint_named = True
    for i, c in enumerate(bold):
        rows = curves[curves["cohort"] == c]
        name = plain(quarter_label(c, t) if grain == "quarter" else t.month(c))
        fig.add_trace(go.Scatter(
            x=rows["month"], y=rows[measure], mode="lines+markers" if len(rows) == 1 else "lines", name=name,
            line={"color": COHORT_COLORS[i] if len(bold) <= len(COHORT_COLORS)
                  else _blend(NEUTRAL, ACCENT, i / max(len(bold) - 1, 1)), "width": BOLD_WIDTH},
            customdata=[t.money(v, compact=True) for v in rows[measure]],
            hovertemplate=t("lc.hover.payback", cohort=name, m="%{x}", v="%{customdata}") + "<extra></extra>",
        ))
    fig.add_hline(y=0, line={"color": LOSS, "width": 1.5, "dash": "dash"}, annotation_text=t("lc.breakeven"),
                  annotation_position="bottom right", annotation_font_color=LOSS)
    base_layout(fig, title, height=height)
    fig.update_xaxes(title=t("lc.axis.month_n"), dtick=3 if curves["month"].max() > 12 else 1, rangemode="tozero")
    fig.update_yaxes(title=t("lc.axis.net_profit"))
    money_axis(fig, curves[measure], t)
    return fig
