"""A partial month marked on any chart that plots it: a shaded band and a note over it.

When the period a user chose ends in a month the data reach only in part (a weekly load a week into
November), that month's bar or point reads as a collapse. Every chart the app draws passes through
:func:`mark` (from ``ui.components.chart``), which finds the month on the x axes — dates, ISO text or
the month's label as the charts write it (``Nov 26``, ``26年11月``) — and marks it; charts without it
are returned as they were.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go

from i18n import Translator

_ISO = re.compile(r"^\d{4}-\d{2}(-\d{2})?([ T].*)?$")
BAND = "rgba(120,120,120,0.14)"


def _as_date(value: object) -> dt.date | None:
    """A date from a date-like value (datetime, Timestamp, datetime64, ISO text); None otherwise."""
    if isinstance(value, str):
        if not _ISO.match(value):
            return None
    elif not isinstance(value, (dt.date, pd.Timestamp)) and "datetime64" not in type(value).__name__:
        return None
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None
    return None if pd.isna(ts) else ts.date()


def labels(month: dt.date, t: Translator) -> set[str]:
    """The texts a chart may write the month as on a category axis."""
    return {t.month(month), t.month_short(month), month.strftime("%Y-%m")}


def _band(xs: Sequence[object], month: dt.date, names: set[str]) -> tuple[object, object, object] | None:
    """(x0, x1, centre) of the band over ``month`` on an axis showing ``xs``, or None when it is not there."""
    end = month.replace(day=28) + dt.timedelta(days=4)
    end = end - dt.timedelta(days=end.day)  # the month's last day
    dates = [_as_date(x) for x in xs]
    inside = [d for d in dates if d is not None and month <= d <= end]
    if inside:
        if all(d is None or d.day == 1 for d in dates):  # one point per month, drawn at its first day
            return ((month - dt.timedelta(days=15)).isoformat(), (month + dt.timedelta(days=15)).isoformat(),
                    month.isoformat())
        mid = month + (end - month) / 2
        return month.isoformat(), (end + dt.timedelta(days=1)).isoformat(), mid.isoformat()
    for i, x in enumerate(xs):
        if isinstance(x, str) and x in names:  # a category axis: the label's slot
            return i - 0.5, i + 0.5, i
    return None


def mark(fig: go.Figure, month: dt.date, as_of: dt.date | None, t: Translator,
         extra_labels: Iterable[str] = ()) -> go.Figure:
    """A copy of ``fig`` with ``month`` shaded and noted as partial (data through ``as_of``) on every x axis
    that shows it; ``fig`` itself when no axis does."""
    names = labels(month, t) | set(extra_labels)
    bands: dict[tuple[str, str], tuple[object, object, object]] = {}
    for trace in fig.data:
        xs = getattr(trace, "x", None)
        if xs is None or getattr(trace, "orientation", None) == "h":
            continue
        axes = (getattr(trace, "xaxis", None) or "x", getattr(trace, "yaxis", None) or "y")
        if axes in bands:
            continue
        band = _band(list(xs), month, names)
        if band is not None:
            bands[axes] = band
    if not bands:
        return fig
    out = go.Figure(fig)
    note = t("chart.partial_month", date=t.date(as_of)) if as_of else t("chart.partial_month_plain")
    for (xaxis, yaxis), (x0, x1, centre) in bands.items():
        out.add_shape(type="rect", xref=xaxis, yref=f"{yaxis} domain", x0=x0, x1=x1, y0=0, y1=1,
                      fillcolor=BAND, line_width=0, layer="below")
        out.add_annotation(x=centre, xref=xaxis, y=1, yref=f"{yaxis} domain", text=note, showarrow=False,
                           yanchor="bottom", font={"size": 11, "color": "#555"})
    return out
