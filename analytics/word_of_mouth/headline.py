"""Word of mouth, the headline: the page's :func:`summary`, its alerts and the ``report`` keys (part
of :mod:`analytics.word_of_mouth`; :mod:`analytics.report` lists :func:`report_section`, the
``word-of-mouth`` command is :mod:`cli.commands.word_of_mouth`).

* **Alerts**: see :func:`build_alerts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics import filters, query
from analytics.filters import Filters
from analytics.store import derived
from analytics.word_of_mouth.data import (
    DEFAULT_NPS_POPULATION,
    NpsResult,
    check_nps_population,
    feedback_scope,
    kind_counts,
    nps,
    resolve,
)
from analytics.word_of_mouth.response import ResponseCurve, response_curves
from analytics.word_of_mouth.trend import trends
from analytics.word_of_mouth.turning import TurningPoints, turning_points


# ------------------------------------------------------------------------------ summary
@dataclass(frozen=True)
class Summary:
    """The headline figures of the page and of ``report --json`` (same numbers, one function)."""

    period: tuple[dt.date | None, dt.date | None]
    nps: NpsResult
    praise: int
    complaints: int
    other: int
    complaint_trend_slope: float | None
    praise_trend_slope: float | None
    complaint_curve: ResponseCurve
    praise_curve: ResponseCurve
    turning_points: TurningPoints
    nps_population: str = DEFAULT_NPS_POPULATION


def summary(cur: Any, f: Filters, nps_population: str = DEFAULT_NPS_POPULATION) -> Summary:
    """Headline figures for the filter: NPS over ``nps_population`` (as on the Overview), counts,
    trend slopes (per month, from the daily trend over the last three months), the response curves
    and the turning points."""
    check_nps_population(nps_population)
    fr = resolve(cur, f)
    score = nps(cur, f.resolved(filters.data_bounds(cur)), nps_population)  # exactly as analytics.overview resolves it
    s = feedback_scope(fr)
    row = [0 if v is None else v for v in (query.row(cur, s.aggregate(**kind_counts(s))) or (0, 0, 0))]
    complaint_slope, praise_slope = _slopes(cur, fr)
    curves = response_curves(cur, fr)
    return Summary(
        period=(fr.date_from, fr.date_to), nps=score, praise=int(row[0]), complaints=int(row[1]), other=int(row[2]),
        complaint_trend_slope=complaint_slope, praise_trend_slope=praise_slope,
        complaint_curve=curves["complaint"], praise_curve=curves["praise"],
        turning_points=turning_points(cur, fr), nps_population=nps_population,
    )


# Stored by the refresh for the opening view (:mod:`analytics.precompute`): the daily trends' slopes, so that
# the page's cards and the report neither fit four STL trends nor import their libraries.
SLOPES_KIND = "wom_slopes"
_SLOPES_CODE = ("analytics.word_of_mouth.headline", "analytics.word_of_mouth.trend", "analytics.word_of_mouth.data",
                "analytics.filters")


def slopes_params(fr: Filters) -> dict[str, Any]:
    """The inputs stored slopes are kept under: the resolved filter (customers and period) and the code."""
    return {"filter": fr, "code": derived.code_version(*_SLOPES_CODE)}


def _fit_slopes(cur: Any, fr: Filters) -> tuple[float | None, float | None]:
    fits = trends(cur, fr, "day", forecast=False)
    return fits["complaints"].slope_per_month, fits["praise"].slope_per_month


def _slopes(cur: Any, fr: Filters) -> tuple[float | None, float | None]:
    """(complaints, praise) trend slopes per month from the daily trends: stored, else fitted."""
    stored = derived.get(cur, SLOPES_KIND, slopes_params(fr))
    return stored if isinstance(stored, tuple) else _fit_slopes(cur, fr)


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the opening view ``f``: its daily trend slopes, fitted afresh."""
    fr = resolve(cur, f)
    yield SLOPES_KIND, slopes_params(fr), _fit_slopes(cur, fr)


# ------------------------------------------------------------------------------- alerts
MIN_DAYS_BEYOND = 7  # days beyond the threshold (of the last 28) that raise an alert
NEAR_THRESHOLD = 3.0  # quality points above the complaint threshold that already warn
RECENT_WEEKS = 13
ALERT_COLUMNS = ("severity", "kind", "date", "series", "direction", "scope", "region", "feedback_channel", "topic",
                 "share", "quality", "low", "days", "threshold")
SEVERITY_ORDER = {"high": 0, "medium": 1, "info": 2}


def alerts(cur: Any, f: Filters) -> pd.DataFrame:
    """What the page warns about for a filter: :func:`build_alerts` of :func:`summary`."""
    return build_alerts(summary(cur, f))


def build_alerts(s: Summary) -> pd.DataFrame:
    """What the page warns about, most severe and most recent first (pure, from a :class:`Summary`).

    * ``turning_point``: every turning point of the period (:func:`turning_points`), with the
      driving ``region`` (and its ``share`` of the change), ``feedback_channel`` and ``topic``.
      Complaints turning up or praise turning down are ``high`` within the last
      :data:`RECENT_WEEKS` weeks and ``medium`` before; the other direction is ``info``.
    * ``below_threshold`` (high): a region whose recent quality (exposure-weighted, last 14 days)
      is under the complaint threshold, or that spent at least 7 of the last 28 days under it;
      ``near_threshold`` (medium): recent quality within 3 points above the threshold.
    * ``above_praise`` (info): a region at or above the praise threshold on at least 7 of the
      last 28 days.

    Columns: :data:`ALERT_COLUMNS` (``quality`` = recent quality, ``low`` = lowest daily value,
    ``days`` = days beyond the threshold, of the last 28).
    """
    end = s.period[1]
    rows: list[dict[str, object]] = []
    since = pd.Timestamp(end) - pd.Timedelta(weeks=RECENT_WEEKS) if end else None
    for p in s.turning_points.points.itertuples(index=False):
        bad = (p.series == "complaints") == (p.direction == "up")
        severity = ("high" if since is not None and p.date >= since else "medium") if bad else "info"
        rows.append({"severity": severity, "kind": "turning_point", "date": p.date, "series": p.series,
                     "direction": p.direction, "scope": p.scope, "region": p.region,
                     "feedback_channel": p.feedback_channel, "topic": p.topic, "share": p.region_share})
    day = pd.Timestamp(end) if end else None
    comp = s.complaint_curve
    if comp.threshold is not None:
        for r in comp.recent.itertuples(index=False):
            base = {"date": day, "series": "complaints", "region": r.region, "quality": r.quality, "low": r.low,
                    "days": r.days_beyond, "threshold": comp.threshold}
            if r.quality < comp.threshold or r.days_beyond >= MIN_DAYS_BEYOND:
                rows.append({"severity": "high", "kind": "below_threshold", **base})
            elif r.quality < comp.threshold + NEAR_THRESHOLD:
                rows.append({"severity": "medium", "kind": "near_threshold", **base})
    praise = s.praise_curve
    if praise.threshold is not None:
        for r in praise.recent.itertuples(index=False):
            if r.days_beyond >= MIN_DAYS_BEYOND:
                rows.append({"severity": "info", "kind": "above_praise", "date": day, "series": "praise",
                             "region": r.region, "quality": r.quality, "low": r.low, "days": r.days_beyond,
                             "threshold": praise.threshold})
    out = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
    if out.empty:
        return out
    out["rank"] = out["severity"].map(SEVERITY_ORDER)
    out = out.sort_values(["rank", "date", "region"], ascending=[True, False, True], ignore_index=True,
                          na_position="last")
    return out.drop(columns="rank")


def report_section(cur: Any, f: Filters,
                   nps_population: str = DEFAULT_NPS_POPULATION) -> dict[str, object]:
    """Word-of-mouth keys of ``python -m analytics report`` (docs/word_of_mouth.md)."""
    s = summary(cur, f, nps_population)
    c = s.complaint_curve
    return {
        "nps": s.nps.nps,
        "nps_responses": s.nps.responses,
        "nps_population": s.nps_population,
        "praise": s.praise,
        "complaints": s.complaints,
        "complaint_trend_slope": s.complaint_trend_slope,
        "quality_threshold": c.threshold,
        "quality_threshold_low": c.low,
        "quality_threshold_high": c.high,
        "turning_points": [d.isoformat() for d in s.turning_points.dates],
    }

