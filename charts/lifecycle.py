"""Lifecycle charts: stages over time, stage transitions (Sankey), acquisition payback curves."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from analytics.lifecycle import NO_PURCHASE, OUTSIDE, STAGES
from charts.text import plain
from charts.theme import ACCENT, GAIN, INK, LOSS, MUTED, NEUTRAL, PALETTE, base_layout, money_axis
from i18n import Translator

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


def payback_curves(curves: pd.DataFrame, grain: str, t: Translator, measure: str = "net_profit",
                   title: str | None = None, height: int = 460) -> go.Figure:
    """Net cumulative profit per customer by month since acquisition, one line per cohort.

    ``curves`` is ``analytics.lifecycle.Payback.curves``; ``measure`` is ``net_profit`` (mean
    customer) or ``median_net_profit``. Cohorts run from blue (oldest) to orange (newest), so the
    eye follows time.
    """
    fig = go.Figure()
    cohorts = sorted(curves["cohort"].unique())
    n = len(cohorts)
    for i, c in enumerate(cohorts):
        rows = curves[curves["cohort"] == c]
        name = plain(quarter_label(c, t) if grain == "quarter" else t.month(c))
        fig.add_trace(go.Scatter(
            x=rows["month"], y=rows[measure], mode="lines+markers" if len(rows) == 1 else "lines", name=name,
            line={"color": _blend(NEUTRAL, ACCENT, i / max(n - 1, 1)), "width": 2},
            customdata=[t.money(v, compact=True) for v in rows[measure]],
            hovertemplate=t("lc.hover.payback", cohort=name, m="%{x}", v="%{customdata}") + "<extra></extra>",
        ))
    fig.add_hline(y=0, line={"color": LOSS, "width": 1.5, "dash": "dash"}, annotation_text=t("lc.breakeven"),
                  annotation_position="bottom right", annotation_font_color=LOSS)
    base_layout(fig, title, height=height, legend=n <= 16)
    fig.update_xaxes(title=t("lc.axis.month_n"), dtick=3 if curves["month"].max() > 12 else 1, rangemode="tozero")
    fig.update_yaxes(title=t("lc.axis.net_profit"))
    money_axis(fig, curves[measure], t)
    return fig
