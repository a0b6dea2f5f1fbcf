"""Colours, fonts and layout shared by every chart, on screen, on a projector and in exports."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go

from charts.text import plain
from i18n import Translator, fmt

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, Helvetica, Arial, sans-serif"
GAIN = "#1a9850"
LOSS = "#d73027"
NEUTRAL = "#4575b4"
MUTED = "#9aa5b1"
ACCENT = "#f46d43"
INK = "#1f2933"
GRID = "#e4e7eb"
# px at the top of a chart that Plotly's toolbar (modebar: 26 px high, a few px below the chart's top) covers while
# the mouse is over the chart (measured in Chromium: a title 28 px down still ran 5 px under it)
TOOLBAR_PX = 36
PALETTE = ["#4575b4", "#f46d43", "#1a9850", "#984ea3", "#ff9f1c", "#66c2a5", "#e7298a", "#8c6d31", "#17becf", "#7f7f7f"]


def base_layout(fig: go.Figure, title: str | None = None, height: int = 420, legend: bool = True) -> go.Figure:
    """Apply the house style: readable fonts, light grid, legend on top, room for titles.

    ``title`` is plain text (it often names a customer or a group from the data): never markup."""
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT, "size": 13, "color": INK},
        # The title starts under the band where Plotly's toolbar shows while the mouse is over the chart: at the
        # top it ran under the toolbar (issue 19: the win-win map's title, and 15 other charts at 1366 px).
        title=({"text": plain(title), "x": 0.0, "xanchor": "left", "y": 1.0, "yref": "container", "yanchor": "top",
                "pad": {"t": TOOLBAR_PX}, "font": {"size": 16}} if title else None),
        height=height,
        margin={"l": 10, "r": 10, "t": TOOLBAR_PX + 44 if title else 24, "b": 10},  # a title line and 23 px to the plot
        colorway=PALETTE,
        showlegend=legend,
        # Legends go under the plot: above it they collide with the title when they wrap.
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0.0},
        hoverlabel={"font": {"family": FONT}},
        separators=".,",
    )
    fig.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, automargin=True)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor="#cbd2d9", automargin=True)
    return fig


def sign_colors(values: list[float]) -> list[str]:
    return [GAIN if v >= 0 else LOSS for v in values]


def money_title(t: Translator, label: str | None = None) -> str:
    """A money axis's title in the reader's language: ``金额（元）`` / ``Amount (¥)``, or ``利润（单位：元）`` /
    ``Profit (¥)`` with ``label`` — never the ISO code (CNY) a Chinese reader does not say."""
    unit = fmt.unit(t.currency, t.lang)
    return t("chart.money_axis_of", label=label, unit=unit) if label else t("chart.money_axis", unit=unit)


def money_axis(fig: go.Figure, values: Iterable[float], t: Translator, axis: str = "y",
               secondary_y: bool | None = None, include_zero: bool = True, row: int | None = None) -> go.Figure:
    """Money ticks in the reader's units (¥4513万 / ¥45.1M) instead of Plotly's SI suffixes; ``row``: the
    y-axis of that panel of a one-column subplot grid."""
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return fig
    lo, hi = float(arr.min()), float(arr.max())
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    ticks = fmt.nice_ticks(lo, hi)
    spec = {"tickvals": ticks, "ticktext": [t.money(v, compact=True) for v in ticks]}
    if axis == "y":
        if row is not None:
            fig.update_yaxes(row=row, col=1, **spec)
        elif secondary_y is None:
            fig.update_yaxes(**spec)
        else:
            fig.update_yaxes(secondary_y=secondary_y, **spec)
    else:
        fig.update_xaxes(**spec)
    return fig
