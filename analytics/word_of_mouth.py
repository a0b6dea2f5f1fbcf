"""Word of mouth: praise, complaints and NPS over time, and their response to service quality (DOMAIN.md §3).

The page's module: every public name of the word-of-mouth analytics is importable from here. The
work is split by concept:

* :mod:`analytics.wom_data`: NPS, the feedback in scope, exposure, daily region data and the series
  per day, week or month (definitions of NPS and exposure there);
* :mod:`analytics.wom_response`: the threshold response curve (its model and test there);
* :mod:`analytics.wom_turning`: turning points and their drivers (the method there);
* this module: trend and forecast of the series, the headline :func:`summary`, the alerts, the
  ``report`` keys and the ``word-of-mouth`` command (``analytics.report`` and ``analytics.cli``
  discover them here).

Definitions (the page's "method" box and docs/word_of_mouth.md repeat them)
--------------------------------------------------------------------------
* **Trend**: LOWESS (statsmodels, one robustness iteration) over about a quarter of a year
  (13 weeks, 5 months); daily series use STL (period 7, robust) so that a weekday pattern does not
  leak into the trend. Partial periods at the ends of the filter (a week cut by the period) are
  shown but left out of every fit.
* **Forecast**: exponential smoothing (statsmodels ``ETSModel``: additive errors, damped additive
  trend; a daily series whose detrended values differ by weekday — one-way ANOVA, p < 0.01 — is
  forecast without its STL weekday pattern, which is added back), with a 90 % prediction interval. Counts are modelled on
  the log(1 + count) scale and transformed back (the band's centre is then the median), so bands
  stay positive and exponential growth is followed; NPS on its own scale, clipped to ±100.
* **Alerts**: see :func:`build_alerts`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import warnings
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics import filters
from analytics.filters import Filters
from analytics.wom_data import (
    COUNT_SERIES,
    CUSTOMER_COLUMNS,
    CUSTOMER_DIMENSIONS,
    DIMENSIONS,
    EXPOSURE_DAYS,
    FEEDBACK_DIMENSIONS,
    GRANULARITIES,
    MONTH_DAYS,
    PER,
    SERIES,
    SERIES_COLUMNS,
    NpsResult,
    _check_granularity,
    exposure,
    feedback_customers,
    feedback_daily,
    feedback_scope_sql,
    nps,
    nps_from_counts,
    nps_values,
    period_start,
    quality_daily,
    region_days,
    resolve,
    series,
    topic_channel,
)
from analytics.wom_response import (
    CURVE_ALPHA,
    CURVE_KINDS,
    CURVE_LEVEL_CHI2,
    CURVE_QUANTILES,
    CURVE_WINDOWS,
    MIN_CURVE_DAYS,
    MIN_CURVE_EVENTS,
    MIN_CURVE_RANGE,
    MIN_SIDE_DAYS,
    RECENT_COLUMNS,
    RECENT_QUALITY_DAYS,
    RECENT_WINDOW_DAYS,
    ResponseCurve,
    davies_p,
    fit_response_curve,
    response_curve,
    response_curves,
)
from analytics.wom_turning import (
    BREAK_ALPHA,
    BREAK_DRAWS,
    BREAK_MAX,
    BREAK_MIN_SEGMENT,
    BREAK_QUICK_DRAWS,
    BREAK_SEED,
    BREAK_TRIM,
    DRIVER_WEEKS,
    POINT_COLUMNS,
    Break,
    TurningPoints,
    detect_breaks,
    turning_points,
)

__all__ = [
    "ALERT_COLUMNS", "BREAK_ALPHA", "BREAK_DRAWS", "BREAK_MAX", "BREAK_MIN_SEGMENT", "BREAK_QUICK_DRAWS",
    "BREAK_SEED", "BREAK_TRIM", "COUNT_SERIES", "CURVE_ALPHA", "CURVE_KINDS", "CURVE_LEVEL_CHI2",
    "CURVE_QUANTILES", "CURVE_WINDOWS", "CUSTOMER_COLUMNS", "CUSTOMER_DIMENSIONS", "DIMENSIONS",
    "DRIVER_WEEKS", "EXPOSURE_DAYS", "FEEDBACK_DIMENSIONS", "FORECAST_LEVEL", "GRANULARITIES", "HORIZON",
    "MIN_CURVE_DAYS", "MIN_CURVE_EVENTS", "MIN_CURVE_RANGE", "MIN_DAYS_BEYOND", "MIN_FORECAST",
    "MIN_SIDE_DAYS", "MIN_TREND", "MONTH_DAYS", "NEAR_THRESHOLD", "PER", "PERIOD_DAYS", "POINT_COLUMNS",
    "RECENT_COLUMNS", "RECENT_QUALITY_DAYS", "RECENT_WEEKS", "RECENT_WINDOW_DAYS", "SERIES", "SERIES_COLUMNS",
    "SEVERITY_ORDER", "SLOPE_DAYS", "TREND_SPAN", "WEEKDAY_ALPHA", "Break", "NpsResult", "ResponseCurve",
    "Summary", "TrendFit", "TurningPoints", "alerts", "build_alerts", "davies_p", "detect_breaks", "exposure",
    "feedback_customers", "feedback_daily", "feedback_scope_sql", "fit_response_curve", "fit_trend", "nps",
    "nps_from_counts", "nps_values", "period_start", "quality_daily", "region_days", "register_cli",
    "report_section", "resolve", "response_curve", "response_curves", "series", "summary", "topic_channel",
    "trends", "turning_points",
]

PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": MONTH_DAYS}
# Trend and forecast: minimum complete periods, forecast horizon, LOWESS span in periods.
MIN_TREND = {"day": 28, "week": 8, "month": 6}
MIN_FORECAST = {"day": 56, "week": 16, "month": 12}
HORIZON = {"day": 28, "week": 8, "month": 3}
TREND_SPAN = {"day": 61, "week": 13, "month": 5}
FORECAST_LEVEL = 0.90
SLOPE_DAYS = 91  # the trend slope is read over the last three months


# ------------------------------------------------------------------- trend and forecast
@dataclass(frozen=True)
class TrendFit:
    """Trend and forecast of one series at one granularity.

    ``status``: ``"ok"``, ``"too_short"`` (fewer than ``min_trend`` complete periods) or
    ``"no_data"``; ``forecast_status`` likewise against ``min_forecast`` (``"failed"`` if the
    estimation did not converge to a usable model). ``history``: ``period, value, trend`` over the
    complete periods (trend NaN when not fitted). ``forecast``: ``period, forecast, lower, upper``
    (empty when not fitted). ``slope_per_month``: OLS slope of the trend over its last three months,
    in the series' monthly volume per month for counts (complaints per month, change per month) and
    in the value's units per month otherwise (points for NPS); None when not fitted.
    ``trend_method``: ``"lowess"`` or ``"stl"`` (window ``trend_window`` periods);
    ``forecast_method``: ``"ets"`` (ETS(A,Ad,N)) or ``"stl_ets"`` (ETS on the STL-adjusted series).
    """

    name: str
    granularity: str
    status: str
    forecast_status: str
    n: int
    min_trend: int
    min_forecast: int
    horizon: int
    level: float
    history: pd.DataFrame
    forecast: pd.DataFrame
    slope_per_month: float | None
    trend_method: str
    forecast_method: str
    trend_window: int = 0


def _lowess(values: np.ndarray, span: int) -> np.ndarray:
    from statsmodels.nonparametric.smoothers_lowess import lowess

    n = len(values)
    frac = min(1.0, max(span / n, 3.0 / n))
    return lowess(values, np.arange(n, dtype=float), frac=frac, it=1, return_sorted=False)


def _trend(values: np.ndarray, granularity: str) -> tuple[np.ndarray, np.ndarray | None, str, int]:
    """(trend, weekday component or None, method code, window in periods) of a regular series."""
    span = TREND_SPAN[granularity]
    if granularity == "day" and len(values) >= 2 * 7 + 1:
        from statsmodels.tsa.seasonal import STL

        window = min(span, len(values) - (1 - len(values) % 2))  # odd, not longer than the series
        window = max(window if window % 2 else window - 1, 9)
        res = STL(values, period=7, trend=window, robust=True).fit()
        return np.asarray(res.trend, dtype=float), np.asarray(res.seasonal, dtype=float), "stl", window
    return _lowess(values, span), None, "lowess", min(span, len(values))


WEEKDAY_ALPHA = 0.01


def _has_weekday_pattern(detrended: np.ndarray) -> bool:
    """One-way ANOVA F test of the detrended daily values by weekday, at :data:`WEEKDAY_ALPHA`."""
    from scipy.stats import f as f_dist

    x = np.asarray(detrended, dtype=float)
    n = len(x)
    if n < 14:
        return False
    weekday = np.arange(n) % 7
    means = np.array([x[weekday == i].mean() for i in range(7)])
    between = float(sum((weekday == i).sum() * (means[i] - x.mean()) ** 2 for i in range(7)))
    within = float(((x - means[weekday]) ** 2).sum())
    if between <= 1e-12 * max(1.0, float((x ** 2).sum())):
        return False
    if within <= 1e-12 * between:  # an exact pattern (no noise at all)
        return True
    return bool(f_dist.sf((between / 6) / (within / (n - 7)), 6, n - 7) < WEEKDAY_ALPHA)


def _future_periods(last: pd.Timestamp, granularity: str, horizon: int) -> pd.DatetimeIndex:
    if granularity == "day":
        return pd.date_range(last + pd.Timedelta(days=1), periods=horizon, freq="D")
    if granularity == "week":
        return pd.date_range(last + pd.Timedelta(days=7), periods=horizon, freq="7D")
    return pd.date_range(last + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")


def _ets_forecast(values: np.ndarray, horizon: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ETS(A,Ad,N) point forecast (mean) and prediction interval."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; a failed fit raises and is reported
        res = ETSModel(pd.Series(values), error="add", trend="add", damped_trend=True).fit(disp=False)
        sf = res.get_prediction(start=len(values), end=len(values) + horizon - 1).summary_frame(alpha=1 - level)
    out = (sf["mean"].to_numpy(), sf["pi_lower"].to_numpy(), sf["pi_upper"].to_numpy())
    if not all(np.isfinite(a).all() for a in out):
        raise ValueError("forecast is not finite")
    return out


def _slope_per_month(periods: pd.Series, trend: np.ndarray, granularity: str, count: bool) -> float | None:
    """OLS slope of the trend over its last :data:`SLOPE_DAYS` days, per month (see :class:`TrendFit`)."""
    if len(trend) < 2 or not np.isfinite(trend).all():
        return None
    x = (pd.to_datetime(periods) - pd.to_datetime(periods).iloc[-1]).dt.days.to_numpy(dtype=float)
    keep = x >= -SLOPE_DAYS
    if keep.sum() < 2:
        keep[-2:] = True
    y = trend * (MONTH_DAYS / PERIOD_DAYS[granularity]) if count and granularity != "month" else trend
    slope_per_day = np.polyfit(x[keep], y[keep], 1)[0]
    return float(slope_per_day * MONTH_DAYS)


def fit_trend(history: pd.DataFrame, granularity: str, name: str = "complaints", count: bool | None = None,
              level: float = FORECAST_LEVEL, forecast: bool = True) -> TrendFit:
    """Trend and forecast of one series (pure; see the module docstring for the methods).

    Parameters
    ----------
    history : ``period`` (first day of each period, consecutive), ``value`` (NaN allowed for NPS:
        interpolated for the fit), optional ``partial`` (True rows are left out).
    granularity : ``"day"``, ``"week"`` or ``"month"``.
    name : series name, stored in the result.
    count : whether values are counts (log scale, non-negative); default: every name but ``nps``.
    level : coverage of the prediction interval.
    forecast : False skips the forecast (``forecast_status`` ``"skipped"``), for the headline slope.
    """
    _check_granularity(granularity)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    count = name != "nps" if count is None else count
    h = history.copy()
    if "partial" in h.columns:
        h = h.loc[~h["partial"].astype(bool)]
    h = h[["period", "value"]].sort_values("period", ignore_index=True)
    h["period"] = pd.to_datetime(h["period"])
    # Leading and trailing periods without a value (NPS without responses) cannot be fitted.
    valid = h["value"].notna().to_numpy()
    if valid.any():
        first, last = int(np.argmax(valid)), len(valid) - int(np.argmax(valid[::-1]))
        h = h.iloc[first:last].reset_index(drop=True)
    else:
        h = h.iloc[0:0]
    h["trend"] = np.nan
    n = int(h["value"].notna().sum())
    horizon = HORIZON[granularity]
    empty_fc = pd.DataFrame({"period": pd.Series(dtype="datetime64[ns]"), "forecast": [], "lower": [], "upper": []})
    base = dict(name=name, granularity=granularity, n=n, min_trend=MIN_TREND[granularity],
                min_forecast=MIN_FORECAST[granularity], horizon=horizon, level=level)
    if n == 0:
        return TrendFit(status="no_data", forecast_status="no_data", history=h, forecast=empty_fc,
                        slope_per_month=None, trend_method="", forecast_method="", **base)
    if n < MIN_TREND[granularity]:
        return TrendFit(status="too_short", forecast_status="too_short", history=h, forecast=empty_fc,
                        slope_per_month=None, trend_method="", forecast_method="", **base)
    values = h["value"].astype(float).interpolate(limit_direction="both").to_numpy()
    scaled = np.log1p(np.clip(values, 0, None)) if count else values
    trend_scaled, seasonal, trend_method, window = _trend(scaled, granularity)
    trend = np.expm1(trend_scaled) if count else trend_scaled
    if count:
        trend = np.clip(trend, 0, None)
    h["trend"] = trend
    slope = _slope_per_month(h["period"], trend, granularity, count)
    fc, fc_status, fc_method = empty_fc, "too_short", ""
    if not forecast:
        fc_status = "skipped"
    elif n >= MIN_FORECAST[granularity]:
        # Daily series with a real weekday pattern: ETS on the STL-adjusted series, the last week's
        # pattern added back. Without one, STL's seasonal part is noise and would zigzag the band.
        if seasonal is not None and not _has_weekday_pattern(scaled - trend_scaled):
            seasonal = None
        adjusted = scaled - seasonal if seasonal is not None else scaled
        try:
            mean, lo, hi = _ets_forecast(adjusted, horizon, level)
        except (ValueError, np.linalg.LinAlgError):
            fc_status = "failed"
        else:
            if seasonal is not None:
                pattern = seasonal[len(seasonal) - 7 + np.arange(horizon) % 7]
                mean, lo, hi = mean + pattern, lo + pattern, hi + pattern
                fc_method = "stl_ets"
            else:
                fc_method = "ets"
            if count:
                mean, lo, hi = (np.clip(np.expm1(a), 0, None) for a in (mean, lo, hi))
            elif name == "nps":
                mean, lo, hi = (np.clip(a, -100, 100) for a in (mean, lo, hi))
            fc = pd.DataFrame({"period": _future_periods(h["period"].iloc[-1], granularity, horizon),
                                     "forecast": mean, "lower": lo, "upper": hi})
            fc_status = "ok"
    return TrendFit(status="ok", forecast_status=fc_status, history=h, forecast=fc, slope_per_month=slope,
                    trend_method=trend_method, trend_window=window, forecast_method=fc_method, **base)


def trends(cur: duckdb.DuckDBPyConnection, f: Filters, granularity: str = "week",
           forecast: bool = True) -> dict[str, TrendFit]:
    """:func:`fit_trend` of praise, complaints, other feedback and NPS for the filter (keys :data:`SERIES`)."""
    s = series(cur, f, granularity)
    out: dict[str, TrendFit] = {}
    for name in SERIES:
        hist = pd.DataFrame({"period": s["period"], "value": s[name].astype(float), "partial": s["partial"]})
        out[name] = fit_trend(hist, granularity, name, forecast=forecast)
    return out


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


def summary(cur: duckdb.DuckDBPyConnection, f: Filters) -> Summary:
    """Headline figures for the filter: NPS (as on the Overview), counts, trend slopes (per month,
    from the daily trend over the last three months), the response curves and the turning points."""
    fr = resolve(cur, f)
    score = nps(cur, f.resolved(filters.data_bounds(cur)))  # exactly as analytics.overview resolves it
    scope, params = feedback_scope_sql(fr, "fb.kind")
    row = cur.execute(f"""SELECT count(*) FILTER (WHERE kind = 'praise'), count(*) FILTER (WHERE kind = 'complaint'),
                                 count(*) FILTER (WHERE kind = 'other') FROM ({scope}) s""", params).fetchone()
    fits = trends(cur, fr, "day", forecast=False)
    curves = response_curves(cur, fr)
    return Summary(
        period=(fr.date_from, fr.date_to), nps=score, praise=int(row[0]), complaints=int(row[1]), other=int(row[2]),
        complaint_trend_slope=fits["complaints"].slope_per_month, praise_trend_slope=fits["praise"].slope_per_month,
        complaint_curve=curves["complaint"], praise_curve=curves["praise"],
        turning_points=turning_points(cur, fr),
    )


# ------------------------------------------------------------------------------- alerts
MIN_DAYS_BEYOND = 7  # days beyond the threshold (of the last 28) that raise an alert
NEAR_THRESHOLD = 3.0  # quality points above the complaint threshold that already warn
RECENT_WEEKS = 13
ALERT_COLUMNS = ("severity", "kind", "date", "series", "direction", "scope", "region", "feedback_channel", "topic",
                 "share", "quality", "low", "days", "threshold")
SEVERITY_ORDER = {"high": 0, "medium": 1, "info": 2}


def alerts(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
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


def report_section(cur: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, object]:
    """Word-of-mouth keys of ``python -m analytics report`` (docs/word_of_mouth.md)."""
    s = summary(cur, f)
    c = s.complaint_curve
    return {
        "nps": s.nps.nps,
        "nps_responses": s.nps.responses,
        "praise": s.praise,
        "complaints": s.complaints,
        "complaint_trend_slope": s.complaint_trend_slope,
        "quality_threshold": c.threshold,
        "quality_threshold_low": c.low,
        "quality_threshold_high": c.high,
        "turning_points": [d.isoformat() for d in s.turning_points.dates],
    }


# ---------------------------------------------------------------------------------- CLI
def _cli(args: argparse.Namespace) -> int:
    from analytics import cli
    from analytics.store import db

    con = db.connect(args.db, read_only=True)
    try:
        with db.cursor(con) as cur:
            f = cli.filters_from_args(args, cur)
            s = summary(cur, f)
            al = build_alerts(s)
    finally:
        con.close()

    def curve(c: ResponseCurve) -> dict[str, object]:
        return {"status": c.status, "threshold": c.threshold, "low": c.low, "high": c.high, "p_value": c.p_value,
                "dispersion": c.dispersion, "steep_effect_per_point": c.steep_effect,
                "flat_effect_per_point": c.flat_effect, "region_days": c.n_days, "events": c.events,
                "window_from": c.window[0], "window_to": c.window[1]}

    tp = s.turning_points
    out = {
        "period_from": s.period[0], "period_to": s.period[1],
        "nps": s.nps.nps, "nps_responses": s.nps.responses, "praise": s.praise, "complaints": s.complaints,
        "other": s.other, "complaint_trend_slope": s.complaint_trend_slope, "praise_trend_slope": s.praise_trend_slope,
        "complaint_curve": curve(s.complaint_curve), "praise_curve": curve(s.praise_curve),
        "turning_points": [
            {"scope": p["scope"], "series": p["series"], "date": pd.Timestamp(p["date"]).date(), "direction": p["direction"],
             "p_value": p["p_value"], "region": p["region"], "feedback_channel": p["feedback_channel"], "topic": p["topic"]}
            for p in tp.points.to_dict("records")],
        "turning_point_basis": tp.basis,
        "alerts": [{k: pd.Timestamp(v).date() if k == "date" else int(v) if k == "days" else v
                    for k, v in a.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
                   for a in al.to_dict("records")],
    }
    if args.json:
        cli.print_json(out)
    else:
        for k, v in out.items():
            if isinstance(v, list):
                print(f"{k}:")
                for item in v:
                    print("  " + ", ".join(f"{a}={b}" for a, b in item.items()))
            elif isinstance(v, dict):
                print(f"{k}: " + ", ".join(f"{a}={b}" for a, b in v.items()))
            else:
                print(f"{k}: {v}")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """``python -m analytics word-of-mouth``: NPS, trends, response curves, turning points, alerts."""
    from analytics import cli

    p = sub.add_parser("word-of-mouth", help="praise, complaints and NPS against service quality: thresholds, "
                                             "turning points and alerts")
    cli.add_db_arg(p)
    cli.add_filter_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_cli)
