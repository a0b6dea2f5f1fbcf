"""Word of mouth: praise, complaints and NPS over time, and their response to service quality (DOMAIN.md §3).

Definitions (the page's "method" box and docs/word_of_mouth.md repeat them)
--------------------------------------------------------------------------
* **NPS** = % promoters (scores 9–10) − % detractors (scores 0–6), over feedback rows that carry a
  score; passives (7–8) count in the denominator only. None without responses.
* **Exposure** (customers at risk): on day *d*, the customers of the filter with at least one
  transaction in the trailing 12 months, i.e. in (*d* − 365 days, *d*]. Summed over days it gives
  customer-days; rates are events per 1,000 customer-days. During the store's first 365 days the
  trailing window is cut off by the start of the data, so exposure is understated there; those
  days are flagged (``full_window`` False) and left out of the response curve and of rate-based
  turning points.
* **Trend**: LOWESS (statsmodels, one robustness iteration) over about a quarter of a year
  (13 weeks, 5 months); daily series use STL (period 7, robust) so that a weekday pattern does not
  leak into the trend. Partial periods at the ends of the filter (a week cut by the period) are
  shown but left out of every fit.
* **Forecast**: exponential smoothing (statsmodels ``ETSModel``: additive errors, damped additive
  trend; a daily series whose detrended values differ by weekday — one-way ANOVA, p < 0.01 — is
  forecast without its STL weekday pattern, which is added back), with a 90 % prediction interval. Counts are modelled on
  the log(1 + count) scale and transformed back (the band's centre is then the median), so bands
  stay positive and exponential growth is followed; NPS on its own scale, clipped to ±100.
* **Response curve**: daily region-level observations (events, customer-days, that day's quality
  index of the region) fitted with a Poisson GLM with offset log(customer-days / 1,000) and a
  hinge at threshold τ: log rate = β0 + β1·q + β2·max(τ − q, 0) for complaints (steep below τ),
  β2·max(q − τ, 0) for praise (steep above τ). τ is chosen by profile likelihood on a grid between
  the 5th and 95th exposure-weighted percentiles of quality; its 95 % interval is the set of τ whose
  profile deviance is within χ²₁(0.95) = 3.84 × φ of the minimum, φ = max(1, Pearson χ²/df)
  (quasi-Poisson scaling for overdispersion). Whether a threshold exists at all is tested against
  the log-linear curve (β2 = 0) with Davies' (1987) bound for a parameter absent under the null
  (the method of R's ``segmented::davies.test``); p > 0.05 means "no threshold".
* **Turning points**: on weekly series (rate per 1,000 customer-days when every week has a full
  exposure window, counts otherwise), a sup-F test for a break in level and slope of a linear
  trend (Andrews 1993), each segment at least 15 % of the series and 6 weeks, with a p-value from
  the exact null distribution under i.i.d. normal errors (9,999 seeded Monte Carlo draws), applied by
  binary segmentation at α = 0.01 (Bonferroni-divided by the segments tested in each round), at
  most 5 breaks per series. The driver of a break is, per
  dimension (region, feedback channel, topic, segment), the group whose weekly count changed most
  in the direction of the total change between the 8 weeks before and after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd

from analytics import filters, schema
from analytics.filters import Filters

GRANULARITIES = ("day", "week", "month")
SERIES = ("praise", "complaints", "other", "nps")
COUNT_SERIES = ("praise", "complaints", "other")
# Dimensions of the breakdowns: customer attributes (exposure can be split by them) and feedback attributes.
CUSTOMER_DIMENSIONS = {"region": "c.region", "segment": "c.segment"}
FEEDBACK_DIMENSIONS = {"feedback_channel": "fb.channel", "topic": "fb.topic"}
DIMENSIONS = (*CUSTOMER_DIMENSIONS, *FEEDBACK_DIMENSIONS)
CURVE_KINDS = ("complaint", "praise")
CURVE_WINDOWS = ("history", "period")

EXPOSURE_DAYS = 365
_NONE = "\x00"  # stands for a NULL group inside pandas reshapes
PER = 1000.0  # rates are per 1,000 customer-days
MONTH_DAYS = 30.4375
PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": MONTH_DAYS}
# Trend and forecast: minimum complete periods, forecast horizon, LOWESS span in periods.
MIN_TREND = {"day": 28, "week": 8, "month": 6}
MIN_FORECAST = {"day": 56, "week": 16, "month": 12}
HORIZON = {"day": 28, "week": 8, "month": 3}
TREND_SPAN = {"day": 61, "week": 13, "month": 5}
FORECAST_LEVEL = 0.90
SLOPE_DAYS = 91  # the trend slope is read over the last three months
# Response curve.
CURVE_LEVEL_CHI2 = 3.841458820694124  # χ²₁ 95 % quantile
CURVE_ALPHA = 0.05
MIN_CURVE_DAYS = 30
MIN_CURVE_EVENTS = 20
MIN_CURVE_RANGE = 5.0
CURVE_QUANTILES = (0.01, 0.99)
MIN_SIDE_DAYS = 10  # region-days on each side of every threshold tried
RECENT_QUALITY_DAYS = 14
RECENT_WINDOW_DAYS = 28
MIN_DAYS_BEYOND = 7  # days beyond the threshold (of the last 28) that raise an alert
NEAR_THRESHOLD = 3.0  # quality points above the complaint threshold that already warn
# Turning points.
BREAK_ALPHA = 0.01
BREAK_TRIM = 0.15
BREAK_MIN_SEGMENT = 6
BREAK_MAX = 5
BREAK_DRAWS = 9999  # enough for tail quantiles at α / m (999 draws misjudge the 0.3 % tail by 20 %)
BREAK_QUICK_DRAWS = 999
BREAK_SEED = 20240917
DRIVER_WEEKS = 8
RECENT_WEEKS = 13


# ----------------------------------------------------------------------------------- NPS
@dataclass(frozen=True)
class NpsResult:
    """NPS in points (−100 … 100; None without responses) and the counts behind it."""

    nps: float | None
    responses: int
    promoters: int
    passives: int
    detractors: int


def nps_from_counts(promoters: int, passives: int, detractors: int) -> NpsResult:
    """NPS from the three counts; None when there are no responses."""
    n = promoters + passives + detractors
    value = 100.0 * (promoters - detractors) / n if n else None
    return NpsResult(value, n, promoters, passives, detractors)


def feedback_scope_sql(f: Filters, columns: str = "fb.*") -> tuple[str, dict[str, object]]:
    """Feedback rows of the filter's customers and period, as SQL (alias ``fb``, customers ``c``) and parameters.

    ``columns`` is the select list (default every feedback column).
    """
    period, params = f.period_sql("fb.feedback_date")
    cust, p2 = f.customer_sql("c")
    params.update(p2)
    sql = (f"SELECT {columns} FROM {schema.FEEDBACK} fb JOIN {schema.CUSTOMERS} c USING (customer_id) "
           f"WHERE {period} AND {cust}")
    return sql, params


def nps(cur: duckdb.DuckDBPyConnection, f: Filters) -> NpsResult:
    """NPS of the feedback in the filter (see module docstring)."""
    scope, params = feedback_scope_sql(f)
    row = cur.execute(
        f"""SELECT count(*) FILTER (WHERE nps_score >= 9), count(*) FILTER (WHERE nps_score BETWEEN 7 AND 8),
                   count(*) FILTER (WHERE nps_score <= 6)
            FROM ({scope}) WHERE nps_score IS NOT NULL""",
        params,
    ).fetchone()
    return nps_from_counts(int(row[0]), int(row[1]), int(row[2]))


def nps_values(promoters: np.ndarray | pd.Series, detractors: np.ndarray | pd.Series,
               responses: np.ndarray | pd.Series) -> np.ndarray:
    """Vectorised NPS in points; NaN where there are no responses."""
    p, d, n = (np.asarray(a, dtype=float) for a in (promoters, detractors, responses))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, 100.0 * (p - d) / n, np.nan)


# ------------------------------------------------------------------------- daily data
def resolve(cur: duckdb.DuckDBPyConnection, f: Filters) -> Filters:
    """The filter with open period ends set to the data's first and last transaction dates (as the
    Overview does), or to the feedback's dates when there are no transactions."""
    bounds = filters.data_bounds(cur)
    if bounds is None:
        row = cur.execute(f"SELECT min(feedback_date), max(feedback_date) FROM {schema.FEEDBACK}").fetchone()
        bounds = None if row[0] is None else (row[0], row[1])
    return f.resolved(bounds)


def _check_dimension(by: str | None) -> None:
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}; use one of {', '.join(DIMENSIONS)}")


def _check_granularity(granularity: str) -> None:
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}; use one of {', '.join(GRANULARITIES)}")


def _days(f: Filters) -> pd.DatetimeIndex:
    if f.date_from is None or f.date_to is None:
        return pd.DatetimeIndex([], name="day")
    return pd.date_range(f.date_from, f.date_to, freq="D", name="day")


def feedback_daily(cur: duckdb.DuckDBPyConnection, f: Filters, by: str | None = None) -> pd.DataFrame:
    """Feedback counts per day (and group) for the filter.

    Returns ``day`` (datetime64), ``group`` (only with ``by``), ``praise, complaints, other,
    promoters, passives, detractors``. Days without feedback are absent.
    """
    _check_dimension(by)
    expr = {**CUSTOMER_DIMENSIONS, **FEEDBACK_DIMENSIONS}.get(by or "", "NULL")
    scope, params = feedback_scope_sql(f, f"fb.feedback_date, fb.kind, fb.nps_score, {expr} AS grp")
    df = cur.execute(f"""
        SELECT feedback_date AS day, grp,
               count(*) FILTER (WHERE kind = 'praise') AS praise,
               count(*) FILTER (WHERE kind = 'complaint') AS complaints,
               count(*) FILTER (WHERE kind = 'other') AS other,
               count(*) FILTER (WHERE nps_score >= 9) AS promoters,
               count(*) FILTER (WHERE nps_score BETWEEN 7 AND 8) AS passives,
               count(*) FILTER (WHERE nps_score <= 6) AS detractors
        FROM ({scope}) s GROUP BY ALL ORDER BY 1, 2""", params).df()
    df["day"] = pd.to_datetime(df["day"])
    for col in ("praise", "complaints", "other", "promoters", "passives", "detractors"):
        df[col] = df[col].astype("int64")
    if by is None:
        return df.drop(columns="grp")
    return df.rename(columns={"grp": "group"})


def exposure(cur: duckdb.DuckDBPyConnection, f: Filters, by: str | None = None) -> pd.DataFrame:
    """Customers at risk per day of the (resolved) period: a transaction in the trailing 365 days.

    Parameters
    ----------
    by : None, ``"region"`` or ``"segment"`` (a customer attribute).

    Returns ``day``, ``group`` (only with ``by``), ``customers`` (customers at risk that day) and
    ``full_window`` (False while the trailing window reaches before the store's first transaction,
    where exposure is understated). Every day of the period is present (0 customers where none).
    """
    if by is not None and by not in CUSTOMER_DIMENSIONS:
        raise ValueError(f"exposure can be split by {', '.join(CUSTOMER_DIMENSIONS)} only, not {by!r}")
    days = _days(f)
    cols = ["day", *(["group"] if by else []), "customers", "full_window"]
    bounds = filters.data_bounds(cur)
    if bounds is None or days.empty:
        empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
        return empty.astype({"day": days.dtype, "customers": "int64", "full_window": bool})
    lo = f.date_from - dt.timedelta(days=EXPOSURE_DAYS)
    cust, params = f.customer_sql("c")
    params.update({"wom_lo": lo, "wom_hi": f.date_to})
    grp = CUSTOMER_DIMENSIONS[by] if by else "NULL"
    # Each transaction covers [tx_date, tx_date + 365); cutting a customer's coverage at their next
    # transaction makes the spans disjoint, so +1/−1 events summed over days count customers once.
    ev = cur.execute(f"""
        WITH tx AS (
            SELECT DISTINCT t.customer_id, t.tx_date, {grp} AS grp
            FROM {schema.TRANSACTIONS} t JOIN {schema.CUSTOMERS} c USING (customer_id)
            WHERE t.tx_date > $wom_lo AND t.tx_date <= $wom_hi AND {cust}),
        spans AS (
            SELECT grp, tx_date AS s,
                   least(coalesce(lead(tx_date) OVER (PARTITION BY customer_id ORDER BY tx_date), tx_date + {EXPOSURE_DAYS}),
                         tx_date + {EXPOSURE_DAYS}) AS e
            FROM tx)
        SELECT grp, d AS day, sum(delta) AS delta
        FROM (SELECT grp, s AS d, 1 AS delta FROM spans UNION ALL SELECT grp, e AS d, -1 AS delta FROM spans) x
        GROUP BY ALL""", params).df()
    ev["day"] = pd.to_datetime(ev["day"])
    # NULL groups (customers without a region) keep a place of their own under a sentinel name.
    ev["grp"] = ev["grp"].astype(object).where(ev["grp"].notna(), _NONE) if by else _NONE
    full_from = pd.Timestamp(bounds[0]) + pd.Timedelta(days=EXPOSURE_DAYS - 1)
    all_days = pd.date_range(lo + dt.timedelta(days=1), f.date_to, freq="D")
    wide = (ev.groupby(["day", "grp"])["delta"].sum().unstack("grp", fill_value=0)
            .reindex(all_days, fill_value=0).cumsum().loc[days])
    if by is None:
        out = pd.DataFrame({"day": days, "customers": wide.sum(axis=1).to_numpy() if wide.shape[1] else 0})
    else:
        wide.index.name, wide.columns.name = "day", "group"
        out = wide.stack().rename("customers").reset_index()
        out["group"] = out["group"].astype(object).where(out["group"] != _NONE, None)
        out = out.sort_values(["day", "group"], kind="stable", ignore_index=True,
                              key=lambda c: c.astype(str) if c.name == "group" else c)
    out["customers"] = out["customers"].astype("int64")
    out["full_window"] = out["day"] >= full_from
    return out[cols]


def quality_daily(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Service-quality index per region and day of the period: ``day, region, quality``.

    Only regions of the filter's customers (and, with a region filter, those regions).
    """
    period, params = f.period_sql("q.quality_date")
    cust, p2 = f.customer_sql("c")
    params.update(p2)
    df = cur.execute(f"""
        SELECT q.quality_date AS day, q.region, q.quality_index AS quality
        FROM {schema.SERVICE_QUALITY} q
        WHERE {period} AND q.region IN (SELECT DISTINCT c.region FROM {schema.CUSTOMERS} c WHERE {cust})
        ORDER BY 1, 2""", params).df()
    df["day"] = pd.to_datetime(df["day"])
    return df


def region_days(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """One row per region and day of the resolved period: feedback counts, exposure and quality.

    Returns ``day, region, praise, complaints, other, promoters, passives, detractors, customers,
    full_window, quality`` (quality NaN where the region has no index that day). Regions come from
    the exposure, the feedback and the quality tables together.
    """
    f = resolve(cur, f)
    counts = ["praise", "complaints", "other", "promoters", "passives", "detractors"]
    fb = feedback_daily(cur, f, "region")
    ex = exposure(cur, f, "region")
    q = quality_daily(cur, f)
    days = _days(f)
    regions = sorted({*ex["group"].dropna(), *fb["group"].dropna(), *q["region"].dropna()})
    grid = pd.MultiIndex.from_product([days, regions], names=["day", "region"]).to_frame(index=False)
    out = grid.merge(fb.rename(columns={"group": "region"}), on=["day", "region"], how="left")
    out = out.merge(ex.rename(columns={"group": "region"}), on=["day", "region"], how="left")
    out = out.merge(q, on=["day", "region"], how="left")
    out[counts] = out[counts].fillna(0).astype("int64")
    out["customers"] = out["customers"].fillna(0).astype("int64")
    full_from = None
    bounds = filters.data_bounds(cur)
    if bounds is not None:
        full_from = pd.Timestamp(bounds[0]) + pd.Timedelta(days=EXPOSURE_DAYS - 1)
    out["full_window"] = out["day"] >= full_from if full_from is not None else False
    return out[["day", "region", *counts, "customers", "full_window", "quality"]]


# ----------------------------------------------------------------------------- series
def period_start(day: pd.Series, granularity: str) -> pd.Series:
    """The first day of the day's period: the day, its week's Monday, or the first of its month."""
    _check_granularity(granularity)
    day = pd.to_datetime(day)
    if granularity == "day":
        return day
    if granularity == "week":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    return day.dt.to_period("M").dt.start_time


def _period_length(start: pd.Series, granularity: str) -> pd.Series:
    if granularity == "month":
        return start.dt.days_in_month.astype("int64")
    return pd.Series(1 if granularity == "day" else 7, index=start.index, dtype="int64")


SERIES_COLUMNS = ("period", "days", "period_days", "partial", "praise", "complaints", "other", "promoters",
                  "passives", "detractors", "responses", "nps", "customer_days", "full_window",
                  "praise_rate", "complaint_rate", "other_rate")


def series(cur: duckdb.DuckDBPyConnection, f: Filters, granularity: str = "week", by: str | None = None) -> pd.DataFrame:
    """Praise, complaints, other feedback and NPS per day, week (Monday start) or month.

    Parameters
    ----------
    granularity : ``"day"``, ``"week"`` or ``"month"``.
    by : None or one of :data:`DIMENSIONS` (``region``, ``segment``, ``feedback_channel``, ``topic``).

    Returns
    -------
    DataFrame with ``period`` (first day, datetime64), ``group`` (with ``by``), ``days`` (days of
    the period inside the filter), ``period_days`` (its full length), ``partial`` (days <
    period_days), counts ``praise, complaints, other``, ``promoters, passives, detractors,
    responses`` (scored answers), ``nps`` (points, NaN without responses), ``customer_days``
    (exposure; for feedback dimensions the whole filter's, since a channel or topic has no
    customers of its own), ``full_window`` (every day had a full 12-month exposure window) and
    rates per 1,000 customer-days ``praise_rate, complaint_rate, other_rate`` (NaN without exposure).
    Every period of the filter appears, also without feedback; with ``by`` every group seen.
    """
    _check_granularity(granularity)
    _check_dimension(by)
    f = resolve(cur, f)
    days = _days(f)
    counts = ["praise", "complaints", "other", "promoters", "passives", "detractors"]
    fb = feedback_daily(cur, f, by)
    ex_by = by if by in CUSTOMER_DIMENSIONS else None
    ex = exposure(cur, f, ex_by)
    keys = ["day", "group"] if by else ["day"]
    if by:
        groups = sorted({*fb["group"].dropna(), *(ex["group"].dropna() if ex_by else [])}, key=str)
        if fb["group"].isna().any() or (ex_by and ex["group"].isna().any()):
            groups.append(None)
        grid = pd.MultiIndex.from_product([days, groups], names=keys).to_frame(index=False)
    else:
        grid = pd.DataFrame({"day": days})
    daily = grid.merge(fb, on=keys, how="left")
    daily[counts] = daily[counts].fillna(0).astype("int64")
    ex_keys = keys if ex_by else ["day"]
    daily = daily.merge(ex.rename(columns={"customers": "customer_days"}), on=ex_keys, how="left")
    daily["customer_days"] = daily["customer_days"].fillna(0).astype("int64")
    daily["full_window"] = daily["full_window"].eq(True)  # days without exposure rows: not full
    daily["period"] = period_start(daily["day"], granularity)
    gkeys = ["period", "group"] if by else ["period"]
    out = daily.groupby(gkeys, sort=True, dropna=False).agg(
        days=("day", "size"), **{c: (c, "sum") for c in [*counts, "customer_days"]},
        full_window=("full_window", "all"),
    ).reset_index()
    out["period_days"] = _period_length(out["period"], granularity)
    out["partial"] = out["days"] < out["period_days"]
    out["responses"] = out["promoters"] + out["passives"] + out["detractors"]
    out["nps"] = nps_values(out["promoters"], out["detractors"], out["responses"])
    cd = out["customer_days"].to_numpy(dtype=float)
    for kind, col in (("praise", "praise_rate"), ("complaints", "complaint_rate"), ("other", "other_rate")):
        with np.errstate(divide="ignore", invalid="ignore"):
            out[col] = np.where(cd > 0, PER * out[kind].to_numpy(dtype=float) / cd, np.nan)
    cols = list(SERIES_COLUMNS)
    if by:
        cols.insert(1, "group")
    return out[cols]


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


# ------------------------------------------------------------------------ response curve
@dataclass(frozen=True)
class ResponseCurve:
    """Praise or complaints per 1,000 customer-days against the service-quality index.

    ``status``: ``"ok"`` (a threshold, significant by Davies' test), ``"no_threshold"`` (the
    hinge does not improve on a log-linear curve: p > 0.05 or the slope turns the wrong way; the
    fitted curve is then log-linear), ``"too_few"`` (fewer than :data:`MIN_CURVE_DAYS` region-days,
    :data:`MIN_CURVE_EVENTS` events or :data:`MIN_CURVE_RANGE` points of quality range) or
    ``"no_quality"`` (no days with both a quality index and exposure).

    ``threshold, low, high``: τ̂ and its 95 % profile-likelihood interval (None unless ok);
    ``open_low``/``open_high``: the interval reaches the edge of the searched range.
    ``params``: (β0, β1, β2) on the log scale, rate per 1,000 customer-days (β2 = 0 when log-linear).
    ``steep_effect`` / ``flat_effect``: relative change of the rate per quality point moved towards
    the steep side (down for complaints, up for praise), beyond and before the threshold.
    ``observed``: ``quality`` (1-point bin, left edge), ``events``, ``customer_days``, ``days``,
    ``rate``. ``fitted``: ``quality, rate, lower, upper`` (95 % confidence band given τ̂).
    ``profile``: ``threshold, deviance, lr`` (lr = LR statistic against log-linear, scaled by φ).
    ``recent``: per region the recent quality (:data:`RECENT_COLUMNS`, see :func:`_recent_quality`);
    ``customers_now``: customers at risk on the window's last day; ``calibration``: actual ÷
    fitted events over the last 28 days (used by :meth:`per_month_shift`).
    """

    kind: str
    status: str
    window: tuple[dt.date | None, dt.date | None]
    threshold: float | None
    low: float | None
    high: float | None
    open_low: bool
    open_high: bool
    params: tuple[float, float, float] | None
    cov: tuple[tuple[float, ...], ...] | None
    dispersion: float | None
    lr: float | None
    p_value: float | None
    n_days: int
    events: int
    customer_days: float
    steep_effect: float | None
    flat_effect: float | None
    observed: pd.DataFrame
    fitted: pd.DataFrame
    profile: pd.DataFrame
    recent: pd.DataFrame = field(default_factory=pd.DataFrame)
    customers_now: int = 0
    calibration: float = 1.0

    @property
    def direction(self) -> int:
        """−1 when the rate turns steep below the threshold (complaints), +1 above it (praise)."""
        return -1 if self.kind == "complaint" else 1

    def rate_at(self, quality: float | np.ndarray) -> np.ndarray | float:
        """Fitted events per 1,000 customer-days at a quality level (NaN without a fit)."""
        q = np.asarray(quality, dtype=float)
        if self.params is None:
            return np.full_like(q, np.nan) if q.ndim else float("nan")
        b0, b1, b2 = self.params
        tau = self.threshold if self.threshold is not None else 0.0
        out = np.exp(b0 + b1 * q + b2 * _hinge(q, tau, self.direction))
        return out if q.ndim else float(out)

    def expected_change(self, q_from: float, q_to: float) -> tuple[float, float, float]:
        """(rate at ``q_from``, rate at ``q_to``, ratio) per 1,000 customer-days."""
        a, b = float(self.rate_at(q_from)), float(self.rate_at(q_to))
        return a, b, (b / a if a > 0 else float("nan"))

    def per_month(self, quality: float, customers: float | None = None) -> float:
        """Expected events per month at ``quality`` for ``customers`` at risk (default: today's)."""
        n = self.customers_now if customers is None else customers
        return float(self.rate_at(quality)) * n * MONTH_DAYS / PER

    def per_month_shift(self, delta: float = 0.0) -> float | None:
        """Expected events per month if every region's recent quality moved by ``delta`` points.

        Σ over regions of rate(recent quality + delta) × customers at risk × 30.4375 / 1,000,
        times :attr:`calibration` (actual ÷ fitted events over the last 28 days), so that
        ``delta = 0`` reproduces the recent level and the curve supplies the change.
        None without a fit or without recent quality.
        """
        r = self.recent
        if self.params is None or r.empty or not r["customers"].sum():
            return None
        rates = np.asarray(self.rate_at(r["quality"].to_numpy(dtype=float) + delta), dtype=float)
        return float((rates * r["customers"].to_numpy(dtype=float)).sum() * MONTH_DAYS / PER * self.calibration)

    @property
    def recent_quality(self) -> float | None:
        """Exposure-weighted quality of the recent days over the regions (None without data)."""
        r = self.recent
        if r.empty or not r["customers"].sum():
            return None if r.empty else float(r["quality"].mean())
        return float(np.average(r["quality"], weights=r["customers"]))


def _hinge(q: np.ndarray, tau: float, direction: int) -> np.ndarray:
    return np.maximum(tau - q, 0.0) if direction < 0 else np.maximum(q - tau, 0.0)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cw = np.cumsum(w) / w.sum()
    return [float(v[min(np.searchsorted(cw, q), len(v) - 1)]) for q in qs]


def davies_p(lr: np.ndarray) -> float:
    """Davies (1987) upper bound of the p-value of sup LR over a grid (1 df), as in R's segmented."""
    lr = np.clip(np.asarray(lr, dtype=float), 0, None)
    if lr.size == 0:
        return 1.0
    from scipy.stats import chi2

    m = float(lr.max())
    v = float(np.abs(np.diff(np.sqrt(lr))).sum())
    return float(min(1.0, chi2.sf(m, 1) + v * math.exp(-m / 2) / math.sqrt(2 * math.pi)))


def _empty_curve(kind: str, status: str, window: tuple, obs: pd.DataFrame | None = None, **kw: object) -> ResponseCurve:
    e = pd.DataFrame({"quality": [], "events": [], "customer_days": [], "days": [], "rate": []}) if obs is None else obs
    return ResponseCurve(
        kind=kind, status=status, window=window, threshold=None, low=None, high=None, open_low=False,
        open_high=False, params=None, cov=None, dispersion=None, lr=None, p_value=None,
        n_days=int(kw.pop("n_days", 0)), events=int(kw.pop("events", 0)), customer_days=float(kw.pop("customer_days", 0.0)),
        steep_effect=None, flat_effect=None, observed=e,
        fitted=pd.DataFrame({"quality": [], "rate": [], "lower": [], "upper": []}),
        profile=pd.DataFrame({"threshold": [], "deviance": [], "lr": []}), **kw)


def _observed_bins(obs: pd.DataFrame) -> pd.DataFrame:
    b = obs.assign(quality=np.floor(obs["quality"].to_numpy(dtype=float)))
    out = b.groupby("quality", as_index=False).agg(events=("events", "sum"), customer_days=("customer_days", "sum"),
                                                   days=("events", "size"))
    out["rate"] = PER * out["events"] / out["customer_days"]
    return out


def fit_response_curve(obs: pd.DataFrame, kind: str = "complaint", window: tuple = (None, None),
                       grid_step: float | None = None) -> ResponseCurve:
    """Fit the hinge Poisson GLM of events on quality with a profile-likelihood threshold (pure).

    Parameters
    ----------
    obs : one row per region-day with ``quality`` (0–100), ``events`` (count) and
        ``customer_days`` (exposure, > 0; rows without exposure or quality are dropped).
    kind : ``"complaint"`` (steep below the threshold) or ``"praise"`` (steep above it).
    window : the dates the observations cover, stored in the result.
    grid_step : threshold grid step in quality points (default 0.25, coarser for wide ranges).

    See the module docstring and :class:`ResponseCurve` for the model and the returned fields.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    if kind not in CURVE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CURVE_KINDS)}, got {kind!r}")
    missing = {"quality", "events", "customer_days"} - set(obs.columns)
    if missing:
        raise ValueError(f"observations lack column(s): {', '.join(sorted(missing))}")
    o = obs.loc[(obs["customer_days"] > 0) & obs["quality"].notna(), ["quality", "events", "customer_days"]]
    o = o.astype(float)
    if (o["events"] < 0).any():
        raise ValueError("event counts must not be negative")
    if o.empty:
        return _empty_curve(kind, "no_quality", window)
    observed = _observed_bins(o)
    stats = dict(n_days=len(o), events=int(o["events"].sum()), customer_days=float(o["customer_days"].sum()))
    q_all = o["quality"].to_numpy()
    if (len(o) < MIN_CURVE_DAYS or stats["events"] < MIN_CURVE_EVENTS
            or q_all.max() - q_all.min() < MIN_CURVE_RANGE):
        return _empty_curve(kind, "too_few", window, observed, **stats)
    # Cells of equal quality (to 0.1) have the same covariates: summing them leaves the Poisson
    # likelihood of the parameters unchanged and makes each fit a few hundred rows.
    cells = o.assign(quality=o["quality"].round(1)).groupby("quality", as_index=False).sum()
    q, y = cells["quality"].to_numpy(), cells["events"].to_numpy()
    offset = np.log(cells["customer_days"].to_numpy() / PER)
    direction = -1 if kind == "complaint" else 1
    lo, hi = _weighted_quantile(q_all, o["customer_days"].to_numpy(), CURVE_QUANTILES)
    ordered = np.sort(q_all)
    lo, hi = max(lo, float(ordered[MIN_SIDE_DAYS])), min(hi, float(ordered[-MIN_SIDE_DAYS - 1]))
    if hi - lo < 1.0:
        return _empty_curve(kind, "too_few", window, observed, **stats)
    step = grid_step or max(0.25, round((hi - lo) / 160, 2))
    grid = np.arange(lo, hi + step / 2, step)
    family = sm.families.Poisson()

    def glm(x: np.ndarray, start: np.ndarray | None = None, scale: float | None = None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            return sm.GLM(y, x, family=family, offset=offset).fit(start_params=start, scale=scale)

    x0 = np.column_stack([np.ones_like(q), q])
    null = glm(x0)
    rows, start = [], None
    for tau in grid:
        x = np.column_stack([x0, _hinge(q, tau, direction)])
        try:
            res = glm(x, start)
        except (ValueError, np.linalg.LinAlgError):
            try:  # a warm start from the neighbouring threshold can diverge; start afresh
                res = glm(x)
            except (ValueError, np.linalg.LinAlgError):
                continue
        if not np.isfinite(res.deviance):
            continue
        start = res.params
        rows.append((float(tau), float(res.deviance), float(res.params[2]), float(res.pearson_chi2), res.df_resid))
    if not rows:
        return _empty_curve(kind, "too_few", window, observed, **stats)
    prof = pd.DataFrame(rows, columns=["threshold", "deviance", "b2", "pearson", "df"])
    best_i = int(prof["deviance"].idxmin())
    best = prof.iloc[best_i]
    phi = max(1.0, float(best["pearson"] / best["df"])) if best["df"] > 0 else 1.0
    # One-sided: a hinge that bends the wrong way (flatter on the steep side) is no threshold.
    lr = np.where(prof["b2"] > 0, np.clip(null.deviance - prof["deviance"], 0, None) / phi, 0.0)
    prof["lr"] = lr
    p = davies_p(lr)
    tau = float(best["threshold"])
    significant = best["b2"] > 0 and p <= CURVE_ALPHA
    qs = np.linspace(q_all.min(), q_all.max(), 121)
    if significant:
        final = glm(np.column_stack([x0, _hinge(q, tau, direction)]), None, phi)
        params = np.asarray(final.params, dtype=float)
        cov = np.asarray(final.cov_params(), dtype=float)
        xs = np.column_stack([np.ones_like(qs), qs, _hinge(qs, tau, direction)])
    else:
        final = glm(x0, None, phi)
        params = np.append(np.asarray(final.params, dtype=float), 0.0)
        cov = np.zeros((3, 3))
        cov[:2, :2] = np.asarray(final.cov_params(), dtype=float)
        xs = np.column_stack([np.ones_like(qs), qs, np.zeros_like(qs)])
    eta = xs @ params
    se = np.sqrt(np.einsum("ij,jk,ik->i", xs, cov, xs))
    fitted = pd.DataFrame({"quality": qs, "rate": np.exp(eta), "lower": np.exp(eta - 1.959964 * se),
                           "upper": np.exp(eta + 1.959964 * se)})
    b1, b2 = params[1], params[2]
    # Effects per quality point moved towards the steep side (down for complaints, up for praise).
    flat = math.exp(direction * b1) - 1
    steep = math.exp(direction * b1 + b2) - 1
    low = high = None
    open_low = open_high = False
    if significant:
        within = ((prof["deviance"] - best["deviance"]) / phi <= CURVE_LEVEL_CHI2).to_numpy()
        i = best_i
        while i > 0 and within[i - 1]:
            i -= 1
        j = best_i
        while j < len(within) - 1 and within[j + 1]:
            j += 1
        crit = best["deviance"] + CURVE_LEVEL_CHI2 * phi
        dev, thr = prof["deviance"].to_numpy(), prof["threshold"].to_numpy()
        open_low, open_high = i == 0, j == len(within) - 1
        low = float(thr[i]) if open_low else float(np.interp(crit, [dev[i], dev[i - 1]], [thr[i], thr[i - 1]]))
        high = float(thr[j]) if open_high else float(np.interp(crit, [dev[j], dev[j + 1]], [thr[j], thr[j + 1]]))
    return ResponseCurve(
        kind=kind, status="ok" if significant else "no_threshold", window=window,
        threshold=tau if significant else None, low=low, high=high, open_low=open_low, open_high=open_high,
        params=(float(params[0]), float(b1), float(b2)), cov=tuple(tuple(float(v) for v in r) for r in cov),
        dispersion=phi, lr=float(lr.max()) if len(lr) else 0.0, p_value=p,
        steep_effect=steep if significant else None, flat_effect=flat, observed=observed, fitted=fitted,
        profile=prof[["threshold", "deviance", "lr"]], **stats)


def response_curves(cur: duckdb.DuckDBPyConnection, f: Filters, window: str = "history") -> dict[str, ResponseCurve]:
    """:func:`response_curve` of complaints and praise (keys :data:`CURVE_KINDS`), reading the data once."""
    if window not in CURVE_WINDOWS:
        raise ValueError(f"window must be one of {', '.join(CURVE_WINDOWS)}, got {window!r}")
    rd, span = _curve_data(cur, f, window)
    return {kind: _curve_from(rd, kind, span) for kind in CURVE_KINDS}


def _curve_data(cur: duckdb.DuckDBPyConnection, f: Filters, window: str) -> tuple[pd.DataFrame, tuple]:
    fr = resolve(cur, f)
    scope = fr if window == "period" else resolve(cur, fr.with_period(None, fr.date_to))
    return region_days(cur, scope), (scope.date_from, scope.date_to)


def _curve_from(rd: pd.DataFrame, kind: str, span: tuple) -> ResponseCurve:
    col = "complaints" if kind == "complaint" else "praise"
    obs = rd.loc[rd["full_window"], ["quality"]].assign(events=rd[col], customer_days=rd["customers"])
    curve = fit_response_curve(obs, kind, span)
    recent = _recent_quality(rd, curve.threshold, curve.direction)
    now = int(rd.loc[rd["day"] == rd["day"].max(), "customers"].sum()) if not rd.empty else 0
    return _with(curve, recent=recent, customers_now=now, calibration=_calibration(curve, rd, col))


def response_curve(cur: duckdb.DuckDBPyConnection, f: Filters, kind: str = "complaint",
                   window: str = "history") -> ResponseCurve:
    """The response curve of complaints or praise for the filter's customers.

    Parameters
    ----------
    kind : ``"complaint"`` or ``"praise"``.
    window : ``"history"`` (default: every day of data up to the period's end, so that past
        incidents inform the threshold) or ``"period"`` (the filter's period only).

    Observations are region-days with a full exposure window, exposure > 0 and a quality index;
    events are the filter's customers' complaints (or praise) that day, exposure their customers at risk.
    """
    if kind not in CURVE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CURVE_KINDS)}, got {kind!r}")
    if window not in CURVE_WINDOWS:
        raise ValueError(f"window must be one of {', '.join(CURVE_WINDOWS)}, got {window!r}")
    rd, span = _curve_data(cur, f, window)
    return _curve_from(rd, kind, span)


def _calibration(curve: ResponseCurve, rd: pd.DataFrame, col: str) -> float:
    """Actual ÷ fitted events over the last :data:`RECENT_WINDOW_DAYS` days (1 when undefined)."""
    if curve.params is None or rd.empty:
        return 1.0
    last = rd.loc[rd["day"] > rd["day"].max() - pd.Timedelta(days=RECENT_WINDOW_DAYS)].dropna(subset=["quality"])
    fitted = float((np.asarray(curve.rate_at(last["quality"].to_numpy(dtype=float))) * last["customers"]).sum() / PER)
    actual = float(last[col].sum())
    return actual / fitted if fitted > 0 and actual > 0 else 1.0


def _with(curve: ResponseCurve, **changes: object) -> ResponseCurve:
    from dataclasses import replace

    return replace(curve, **changes)


RECENT_COLUMNS = ("region", "quality", "low", "high", "days_beyond", "customers")


def _recent_quality(rd: pd.DataFrame, threshold: float | None, direction: int) -> pd.DataFrame:
    """Per region: exposure-weighted quality over the last :data:`RECENT_QUALITY_DAYS` days with
    data, its lowest and highest daily value and the days beyond the threshold (below it for
    complaints, above it for praise; 0 without a threshold) over the last
    :data:`RECENT_WINDOW_DAYS` days, and the customers at risk on the last day."""
    d = rd.dropna(subset=["quality"])
    if d.empty:
        return pd.DataFrame({c: [] for c in RECENT_COLUMNS})
    last = d["day"].max()
    d = d.loc[d["day"] > last - pd.Timedelta(days=RECENT_WINDOW_DAYS)]
    rows = []
    for region, g in d.groupby("region", sort=True):
        near = g.loc[g["day"] > last - pd.Timedelta(days=RECENT_QUALITY_DAYS)]
        w = near["customers"].to_numpy(dtype=float)
        qv = float(np.average(near["quality"], weights=w)) if w.sum() > 0 else float(near["quality"].mean())
        beyond = 0 if threshold is None else int(((g["quality"] < threshold) if direction < 0
                                                  else (g["quality"] >= threshold)).sum())
        rows.append((region, qv, float(g["quality"].min()), float(g["quality"].max()), beyond,
                     int(g.loc[g["day"] == g["day"].max(), "customers"].sum())))
    return pd.DataFrame(rows, columns=list(RECENT_COLUMNS))


# ------------------------------------------------------------------------ turning points
@dataclass(frozen=True)
class Break:
    """One break found by :func:`detect_breaks`: ``index`` is the first point of the new regime."""

    index: int
    f_stat: float
    p_value: float
    slope_before: float
    slope_after: float
    jump: float
    change: float  # fitted after − before-trend extended, :data:`DRIVER_WEEKS` points after the break
    start: int = 0  # the segment [start, end) the break was found in (lines fitted on either side within it)
    end: int = 0


def _null_basis(n: int) -> np.ndarray:
    x0 = np.column_stack([np.ones(n), np.arange(n, dtype=float)])
    q0, _ = np.linalg.qr(x0)
    return q0


@lru_cache(maxsize=64)
def _break_bases(n: int, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orthonormal bases: the null (level, slope) and, per candidate break k in [h, n − h], the two
    added columns (level shift, slope change) made orthogonal to the null, stacked (n × 2K)."""
    q0 = _null_basis(n)
    t = np.arange(n, dtype=float)[:, None]
    ks = np.arange(h, n - h + 1)
    level = (t >= ks[None, :]).astype(float)
    slope = np.clip(t - ks[None, :], 0, None)
    level -= q0 @ (q0.T @ level)
    slope -= q0 @ (q0.T @ slope)
    # Gram–Schmidt on each (level, slope) pair, all candidates at once.
    u1 = level / np.linalg.norm(level, axis=0)
    v = slope - u1 * (u1 * slope).sum(axis=0)
    u2 = v / np.linalg.norm(v, axis=0)
    qall = np.empty((n, 2 * len(ks)))
    qall[:, 0::2], qall[:, 1::2] = u1, u2
    return q0, ks, qall


def _sup_f(r0: np.ndarray, qall: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """F statistics per candidate (rows) for residual columns ``r0`` (n × R)."""
    ssr0 = (r0 ** 2).sum(axis=0)
    z = qall.T @ r0
    gain = (z[0::2] ** 2 + z[1::2] ** 2)
    ssr1 = np.maximum(ssr0[None, :] - gain, 1e-300)
    return (gain / 2.0) / (ssr1 / (n - 4)), gain


@lru_cache(maxsize=128)
def _null_sup_f(n: int, h: int, draws: int = 9999) -> np.ndarray:
    """Sorted sup-F draws under the null (linear trend + i.i.d. normal noise), fixed seed.

    The statistic does not depend on the trend's parameters or the noise variance, so these draws
    are its exact finite-sample null distribution for this n and trimming.
    """
    q0, _, qall = _break_bases(n, h)
    rng = np.random.default_rng([BREAK_SEED, n, h, draws])
    out = np.empty(draws)
    for i in range(0, draws, 2000):  # in chunks: memory stays small for long series
        m = min(2000, draws - i)
        e = rng.standard_normal((n, m))
        f, _ = _sup_f(e - q0 @ (q0.T @ e), qall, n)
        out[i:i + m] = f.max(axis=0)
    return np.sort(out)


def _min_segment(n: int, min_segment: int, trim: float) -> int:
    return max(min_segment, math.ceil(trim * n))


def _p_value(stat: float, null: np.ndarray) -> float:
    return (1 + (len(null) - np.searchsorted(null, stat, side="left"))) / (len(null) + 1)


def _sup_f_test(y: np.ndarray, min_segment: int, trim: float, level: float = BREAK_ALPHA) -> tuple[int, float, float] | None:
    """(break index, sup F, p-value) for one segment, or None when it is too short to test.

    A quick null of :data:`BREAK_QUICK_DRAWS` draws settles clear cases; when its p-value is
    within 5 × ``level``, the p-value comes from the full :data:`BREAK_DRAWS` draws.
    """
    n = len(y)
    h = _min_segment(n, min_segment, trim)
    if n - 2 * h < 0 or n < 8:
        return None
    q0, ks, qall = _break_bases(n, h)
    r0 = (y - q0 @ (q0.T @ y))[:, None]
    if float((r0 ** 2).sum()) <= 1e-12 * max(1.0, float((y ** 2).sum())):
        return None  # a perfect line: nothing to test
    f, _ = _sup_f(r0, qall, n)
    i = int(np.argmax(f[:, 0]))
    stat = float(f[i, 0])
    p = _p_value(stat, _null_sup_f(n, h, BREAK_QUICK_DRAWS))
    if p <= 5 * level:
        p = _p_value(stat, _null_sup_f(n, h, BREAK_DRAWS))
    return int(ks[i]), stat, float(p)


def _segment_lines(y: np.ndarray, k: int) -> tuple[float, float, float, float]:
    t = np.arange(len(y), dtype=float)
    b1, a1 = np.polyfit(t[:k], y[:k], 1) if k >= 2 else (0.0, float(y[:k].mean()))
    b2, a2 = np.polyfit(t[k:], y[k:], 1) if len(y) - k >= 2 else (0.0, float(y[k:].mean()))
    return float(a1), float(b1), float(a2), float(b2)


def detect_breaks(y: np.ndarray | pd.Series, alpha: float = BREAK_ALPHA, min_segment: int = BREAK_MIN_SEGMENT,
                  trim: float = BREAK_TRIM, max_breaks: int = BREAK_MAX) -> list[Break]:
    """Breaks in level and slope of a linear trend, by binary segmentation with a sup-F test (pure).

    Parameters
    ----------
    y : equally spaced values without gaps.
    alpha : significance level (p-value from the exact Monte Carlo null); a round that tests m
        segments tests each at alpha / m (Bonferroni), so that the first round is an α-level test
        of "no break at all" and later splits stay as strict.
    min_segment, trim : each side of a break has at least max(min_segment, ⌈trim·n⌉) points,
        n being the length of the segment tested.
    max_breaks : at most this many breaks (the most significant segments are split first).

    Returns the breaks in time order; the slopes and jump are those of separate OLS lines fitted
    on either side within the segment the break was found in.
    """
    arr = np.asarray(y, dtype=float)
    if not np.isfinite(arr).all():
        raise ValueError("the series has missing or infinite values")
    found: list[Break] = []
    pending = [(0, len(arr))]
    while pending and len(found) < max_breaks:
        tests = []
        level = alpha / len(pending)  # Bonferroni over the segments of this round
        for lo, hi in pending:
            r = _sup_f_test(arr[lo:hi], min_segment, trim, level)
            if r is not None and r[2] <= level:
                tests.append((r[2], -r[1], lo, hi, r[0]))
        if not tests:
            break
        tests.sort()
        _, neg_f, lo, hi, k = tests[0]
        seg = arr[lo:hi]
        a1, b1, a2, b2 = _segment_lines(seg, k)
        ahead = min(DRIVER_WEEKS, len(seg) - k)
        at = k + ahead - 1
        change = (a2 + b2 * at) - (a1 + b1 * at)
        p_value = next(t[0] for t in tests if t[2] == lo)
        found.append(Break(index=lo + k, f_stat=-neg_f, p_value=p_value, slope_before=b1, slope_after=b2,
                           jump=(a2 + b2 * k) - (a1 + b1 * k), change=change, start=lo, end=hi))
        pending = [s for s in pending if s != (lo, hi)] + [(lo, lo + k), (lo + k, hi)]
    return sorted(found, key=lambda b: b.index)


@dataclass(frozen=True)
class TurningPoints:
    """Turning points of the weekly praise and complaint series of a filter, overall and per region.

    ``status``: ``"ok"`` or ``"too_short"`` (fewer than ``min_weeks`` complete weeks). ``basis``:
    ``"rate"`` (per 1,000 customer-days) or ``"count"``. ``points``: one row per break with
    ``scope`` (None for all the filter's customers, else the region whose own series broke),
    ``series`` (praise/complaints), ``date`` (Monday of the first week of the new regime),
    ``direction`` (``"up"``: the series runs above its former trend after the break; ``"down"``),
    ``f_stat, p_value, slope_before, slope_after`` (per week, on the basis), ``jump``, ``change``
    (the gap to the former trend 8 weeks on), and per dimension ``region, segment,
    feedback_channel, topic`` the driving group, its change in weekly counts (``<dim>_change``)
    and its share of the total change (``<dim>_share``); newest first. ``weekly``: the overall
    series tested (``period, praise, complaints`` on the basis).
    """

    status: str
    basis: str
    weeks: int
    min_weeks: int
    points: pd.DataFrame
    weekly: pd.DataFrame

    @property
    def dates(self) -> list[dt.date]:
        """Distinct dates of every turning point, in time order."""
        if self.points.empty:
            return []
        return sorted({pd.Timestamp(d).date() for d in self.points["date"]})


POINT_COLUMNS = ("scope", "series", "date", "direction", "f_stat", "p_value", "slope_before", "slope_after", "jump",
                 "change", *(c for d in DIMENSIONS for c in (d, f"{d}_change", f"{d}_share")))


def _feedback_cube(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Praise and complaints per week (Monday) and region, segment, feedback channel and topic."""
    scope, params = feedback_scope_sql(f, "fb.feedback_date, fb.kind, fb.channel, fb.topic, c.region, c.segment")
    df = cur.execute(f"""
        SELECT CAST(date_trunc('week', feedback_date) AS DATE) AS period, region, segment,
               channel AS feedback_channel, topic,
               count(*) FILTER (WHERE kind = 'praise') AS praise, count(*) FILTER (WHERE kind = 'complaint') AS complaints
        FROM ({scope}) s WHERE kind IN ('praise', 'complaint') GROUP BY ALL""", params).df()
    df["period"] = pd.to_datetime(df["period"])
    for dim in DIMENSIONS:
        df[dim] = df[dim].astype(object).where(df[dim].notna(), _NONE)
    return df


def _line_weights(t: np.ndarray, at: float) -> np.ndarray:
    """Weights w with w·y = the OLS line through (t, y) evaluated at ``at`` (a linear functional of y)."""
    if len(t) == 1:
        return np.ones(1)
    d = t - t.mean()
    return 1.0 / len(t) + d * (at - t.mean()) / (d ** 2).sum()


def _change_weights(n: int, k: int) -> np.ndarray:
    """Weights giving :attr:`Break.change` of a segment of length n with a break at k, as w·y."""
    t = np.arange(n, dtype=float)
    at = k + min(DRIVER_WEEKS, n - k) - 1
    return np.concatenate([-_line_weights(t[:k], at), _line_weights(t[k:], at)])


def _drivers(cube: pd.DataFrame, col: str, weeks: pd.DatetimeIndex, k: int, lo: int, hi: int) -> dict[str, object]:
    """Per dimension, the group that moved most in the direction of the total change.

    The change of a group is the same statistic as :attr:`Break.change`, on the group's weekly
    counts within the segment [lo, hi) broken at week k; being linear in the counts, the groups'
    changes add up to the change of the total count, so ``<dim>_share`` is a share of it.
    """
    w = _change_weights(hi - lo, k - lo)
    span = weeks[lo:hi]
    out: dict[str, object] = {}
    for dim in DIMENSIONS:
        wide = cube.groupby(["period", dim])[col].sum().unstack(dim, fill_value=0).reindex(span, fill_value=0)
        if wide.shape[1] == 0:
            out.update({dim: None, f"{dim}_change": None, f"{dim}_share": None})
            continue
        change = pd.Series(w @ wide.to_numpy(dtype=float), index=wide.columns)
        total = float(change.sum())
        pick = change.idxmax() if total >= 0 else change.idxmin()
        value = float(change[pick])
        out.update({dim: None if pick == _NONE else pick, f"{dim}_change": value,
                    f"{dim}_share": value / total if abs(total) > 1e-9 else None})
    return out


def _weekly_basis(w: pd.DataFrame, use_rate: bool) -> pd.DataFrame:
    cols = {"praise": "praise_rate" if use_rate else "praise", "complaints": "complaint_rate" if use_rate else "complaints"}
    return pd.DataFrame({"period": w["period"].to_numpy(), **{k: w[c].astype(float).to_numpy() for k, c in cols.items()}})


def _dedupe(points: pd.DataFrame) -> pd.DataFrame:
    """Drop a region's own turning point when the overall series turned the same way within
    :data:`DRIVER_WEEKS` / 2 weeks and that region drove it: one event, listed once."""
    overall = points.loc[points["scope"].isna()]
    keep = []
    for p in points.itertuples(index=False):
        dup = p.scope is not None and not overall.loc[
            (overall["series"] == p.series) & (overall["direction"] == p.direction) & (overall["region"] == p.scope)
            & ((overall["date"] - p.date).abs() <= pd.Timedelta(weeks=DRIVER_WEEKS // 2))].empty
        keep.append(not dup)
    return points.loc[keep].reset_index(drop=True)


def turning_points(cur: duckdb.DuckDBPyConnection, f: Filters) -> TurningPoints:
    """Turning points of weekly praise and complaints in the filter's period (see module docstring).

    The series of all the filter's customers and the series of each region are tested (an
    incident in one region can be invisible in the total); each at α = :data:`BREAK_ALPHA`.
    """
    fr = resolve(cur, f)
    w = series(cur, fr, "week")
    w = w.loc[~w["partial"]].reset_index(drop=True)
    min_weeks = 2 * BREAK_MIN_SEGMENT + 2
    use_rate = bool(len(w)) and bool(w["full_window"].all()) and bool((w["customer_days"] > 0).all())
    basis = "rate" if use_rate else "count"
    weekly = _weekly_basis(w, use_rate)
    empty = pd.DataFrame({c: [] for c in POINT_COLUMNS})
    if len(w) < min_weeks:
        return TurningPoints("too_short", basis, len(w), min_weeks, empty, weekly)
    weeks = pd.DatetimeIndex(w["period"])
    scopes: list[tuple[str | None, pd.DataFrame]] = [(None, weekly)]
    by_region = series(cur, fr, "week", "region")
    by_region = by_region.loc[~by_region["partial"] & by_region["group"].notna()]
    for region, g in by_region.groupby("group", sort=True):
        if len(g) == len(weeks) and (not use_rate or (g["customer_days"] > 0).all()):
            scopes.append((str(region), _weekly_basis(g.reset_index(drop=True), use_rate)))
    rows = []
    cube: pd.DataFrame | None = None
    for scope, data in scopes:
        for name in ("complaints", "praise"):
            breaks = detect_breaks(data[name].to_numpy())
            if not breaks:
                continue
            if cube is None:
                cube = _feedback_cube(cur, fr)
            part = cube if scope is None else cube.loc[cube["region"] == scope]
            for b in breaks:
                row = {"scope": scope, "series": name, "date": weeks[b.index],
                       "direction": "up" if b.change > 0 else "down", "f_stat": b.f_stat, "p_value": b.p_value,
                       "slope_before": b.slope_before, "slope_after": b.slope_after, "jump": b.jump, "change": b.change}
                row.update(_drivers(part, name, weeks, b.index, b.start, b.end))
                rows.append(row)
    points = _dedupe(pd.DataFrame(rows, columns=list(POINT_COLUMNS))) if rows else empty
    if not points.empty:
        points["scope_order"] = points["scope"].fillna("")
        points = (points.sort_values(["date", "scope_order", "series"], ascending=[False, True, True], ignore_index=True)
                  .drop(columns="scope_order"))
    return TurningPoints("ok", basis, len(w), min_weeks, points, weekly)


# ---------------------------------------------------------------- customers and breakdowns
CUSTOMER_COLUMNS = ("customer_id", "name", "segment", "region", "complaints", "praise", "first_date", "last_date",
                    "topics", "last_text")


def feedback_customers(cur: duckdb.DuckDBPyConnection, f: Filters, since: dt.date | None = None,
                       kind: str = "complaint", limit: int = 200) -> pd.DataFrame:
    """The customers behind the complaints (or praise) from ``since`` to the end of the period.

    Returns :data:`CUSTOMER_COLUMNS`: counts of complaints and praise in that span, first and last
    date of the ``kind``, its topics (most frequent first, comma-separated) and the latest text;
    customers with at least one feedback of ``kind``, most of them first (then latest, then id).
    """
    if kind not in ("complaint", "praise"):
        raise ValueError(f"kind must be 'complaint' or 'praise', got {kind!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    fr = resolve(cur, f)
    if since is not None:
        fr = fr.with_period(max(since, fr.date_from) if fr.date_from else since, fr.date_to)
    scope, params = feedback_scope_sql(fr, "fb.*, c.name, c.segment, c.region")
    params.update({"wom_kind": kind, "wom_limit": int(limit)})
    df = cur.execute(f"""
        WITH s AS ({scope}),
        k AS (SELECT * FROM s WHERE kind = $wom_kind),
        topics AS (SELECT customer_id, string_agg(topic, ', ' ORDER BY n DESC, topic) AS topics
                   FROM (SELECT customer_id, topic, count(*) AS n FROM k WHERE topic IS NOT NULL GROUP BY ALL) t
                   GROUP BY 1),
        latest AS (SELECT customer_id, text AS last_text,
                          row_number() OVER (PARTITION BY customer_id ORDER BY feedback_date DESC, feedback_id DESC) AS rn
                   FROM k)
        SELECT s.customer_id, any_value(s.name) AS name, any_value(s.segment) AS segment, any_value(s.region) AS region,
               count(*) FILTER (WHERE s.kind = 'complaint') AS complaints,
               count(*) FILTER (WHERE s.kind = 'praise') AS praise,
               min(s.feedback_date) FILTER (WHERE s.kind = $wom_kind) AS first_date,
               max(s.feedback_date) FILTER (WHERE s.kind = $wom_kind) AS last_date,
               any_value(topics.topics) AS topics, any_value(latest.last_text) AS last_text
        FROM s JOIN (SELECT DISTINCT customer_id FROM k) kc USING (customer_id)
        LEFT JOIN topics USING (customer_id) LEFT JOIN latest ON latest.customer_id = s.customer_id AND latest.rn = 1
        GROUP BY s.customer_id
        ORDER BY (CASE WHEN $wom_kind = 'complaint' THEN complaints ELSE praise END) DESC, last_date DESC, s.customer_id
        LIMIT $wom_limit""", params).df()
    for c in ("complaints", "praise"):
        df[c] = df[c].astype("int64")
    return df[list(CUSTOMER_COLUMNS)]


def topic_channel(cur: duckdb.DuckDBPyConnection, f: Filters, kind: str = "complaint") -> pd.DataFrame:
    """Feedback of one kind per topic and feedback channel in the period: ``topic, feedback_channel, count``."""
    if kind not in ("complaint", "praise", "other"):
        raise ValueError(f"kind must be complaint, praise or other, got {kind!r}")
    fr = resolve(cur, f)
    scope, params = feedback_scope_sql(fr, "fb.kind, fb.topic, fb.channel")
    params["wom_kind"] = kind
    df = cur.execute(f"""SELECT topic, channel AS feedback_channel, count(*) AS count FROM ({scope}) s
                         WHERE kind = $wom_kind GROUP BY ALL ORDER BY 3 DESC, 1, 2""", params).df()
    df["count"] = df["count"].astype("int64")
    return df


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
    from analytics import cli, db

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
