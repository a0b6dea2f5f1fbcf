"""Word of mouth, the data: NPS, the feedback in scope, exposure, daily region data and the
series per day, week or month (DOMAIN.md §3).

The names the pages use are re-exported by :mod:`analytics.word_of_mouth`; the response curve (:mod:`analytics.word_of_mouth.response`) and the turning points
(:mod:`analytics.word_of_mouth.turning`) build on these functions.

Definitions
-----------
* **NPS** = % promoters (scores 9–10) − % detractors (scores 0–6), over the feedback rows of the
  NPS population that carry a score; passives (7–8) count in the denominator only. None without
  responses.
* **NPS population** (:data:`NPS_POPULATIONS`, default :data:`DEFAULT_NPS_POPULATION`):
  ``"survey"`` counts survey answers only — scored feedback of kind ``other``, i.e. neither a
  praise nor a complaint; ``"all"`` counts every scored feedback row. Why the kind and not the
  channel: the kind is one of three fixed values the store checks, while the channel is free text
  (the demo writes "Survey", a file may say 问卷, NPS or nothing). Why survey answers by default: a
  score given with a complaint or a praise is selected on what the customer came to say (the
  complaint's score is a detractor's almost by construction), so counting it makes NPS echo the
  complaint and praise volumes the page already shows, and moves NPS whenever complaint handling
  starts or stops asking for a score. The recommend question asked of customers who were not
  selected by a complaint or praise is what NPS means.
* **Exposure** (customers at risk): on day *d*, the customers of the filter with at least one
  transaction in the trailing 12 months, i.e. in (*d* − 365 days, *d*]. Summed over days it gives
  customer-days; rates are events per 1,000 customer-days. During the store's first 365 days the
  trailing window is cut off by the start of the data, so exposure is understated there; those
  days are flagged (``full_window`` False) and left out of the response curve and of rate-based
  turning points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import filters, query
from analytics.filters import Filters
from analytics.query import relations
from analytics.store import db, derived, schema
from analytics.store.memo import Memo

GRANULARITIES = ("day", "week", "month")
SERIES = ("praise", "complaints", "other", "nps")
COUNT_SERIES = ("praise", "complaints", "other")
# Dimensions of the breakdowns: customer attributes (exposure can be split by them) and feedback
# attributes, each with its column in :func:`feedback_scope` (region and segment also in customers).
CUSTOMER_DIMENSIONS = {"region": "region", "segment": "segment"}
FEEDBACK_DIMENSIONS = {"feedback_channel": "channel", "topic": "topic"}
DIMENSIONS = (*CUSTOMER_DIMENSIONS, *FEEDBACK_DIMENSIONS)

EXPOSURE_DAYS = 365
NULL_GROUP = "\x00"  # stands for a NULL group inside pandas reshapes (here and in .turning)
PER = 1000.0  # rates are per 1,000 customer-days
MONTH_DAYS = 30.4375


# ----------------------------------------------------------------------------------- NPS
NPS_POPULATIONS = ("survey", "all")
DEFAULT_NPS_POPULATION = "survey"
# The rows each population counts (alias-free: the columns of the feedback table).
_NPS_ROWS = {"survey": "nps_score IS NOT NULL AND kind = 'other'", "all": "nps_score IS NOT NULL"}


def check_nps_population(population: str) -> str:
    """``population`` when it is one of :data:`NPS_POPULATIONS`, else ValueError."""
    if population not in NPS_POPULATIONS:
        raise ValueError(f"unknown NPS population {population!r}; use one of {', '.join(NPS_POPULATIONS)}")
    return population


def nps_rows_sql(population: str = DEFAULT_NPS_POPULATION) -> str:
    """SQL condition (on the feedback table's columns, unqualified) of the rows NPS counts."""
    return _NPS_ROWS[check_nps_population(population)]


def nps_rows(fb: ir.Table, population: str = DEFAULT_NPS_POPULATION) -> ir.BooleanValue:
    """The rows NPS counts, as a predicate on a feedback relation ``fb`` (see :func:`nps_rows_sql`)."""
    scored = fb.nps_score.notnull()
    return scored & (fb.kind == "other") if check_nps_population(population) == "survey" else scored


def nps_counts(fb: ir.Table, population: str = DEFAULT_NPS_POPULATION) -> dict[str, ir.IntegerScalar]:
    """``promoters, passives, detractors`` of a feedback relation as aggregates (for
    ``aggregate``/``group_by``) over ``population``."""
    rows = nps_rows(fb, population)
    return {"promoters": fb.count(where=rows & (fb.nps_score >= 9)),
            "passives": fb.count(where=rows & fb.nps_score.between(7, 8)),
            "detractors": fb.count(where=rows & (fb.nps_score <= 6))}


def kind_counts(fb: ir.Table) -> dict[str, ir.IntegerScalar]:
    """``praise, complaints, other``: the feedback rows of each kind, as aggregates."""
    return {"praise": fb.count(where=fb.kind == "praise"), "complaints": fb.count(where=fb.kind == "complaint"),
            "other": fb.count(where=fb.kind == "other")}


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


def feedback_scope(f: Filters, customer_columns: bool = False) -> ir.Table:
    """Feedback rows of the filter's customers and period (read layer; the relation of
    :func:`feedback_scope_sql`): every feedback column, and with ``customer_columns`` the customer's
    ``name, segment, region``.

    Always restricted to the customers, as the SQL is: feedback naming no known customer is out of
    scope. Without customer columns a semi-join does it (half the compile time of the join).
    """
    fb = query.table(schema.FEEDBACK)
    c = relations.customers(f)
    preds = relations.period_predicates(fb.feedback_date, f)
    if not customer_columns:
        return fb.filter(*preds, fb.customer_id.isin(c.customer_id))
    if preds:
        fb = fb.filter(*preds)
    c = c.select(c_id=c.customer_id, name=c.name, segment=c.segment, region=c.region)
    j = fb.join(c, fb.customer_id == c.c_id)
    return j.drop("c_id")


def _count(value: Any) -> int:
    # Spark sums a predicate for a filtered count: NULL, not 0, over no rows.
    return 0 if value is None or value != value else int(value)


def nps(cur: Any, f: Filters, population: str = DEFAULT_NPS_POPULATION) -> NpsResult:
    """NPS of the feedback in the filter, over ``population`` (see module docstring)."""
    row = query.row(cur, _nps_relation(f, population)) or (0, 0, 0)
    return nps_from_counts(_count(row[0]), _count(row[1]), _count(row[2]))


@relations.memo
def _nps_relation(f: Filters, population: str) -> ir.Table:
    s = feedback_scope(f)
    return s.aggregate(**nps_counts(s, population))


def nps_values(promoters: np.ndarray | pd.Series, detractors: np.ndarray | pd.Series,
               responses: np.ndarray | pd.Series) -> np.ndarray:
    """Vectorised NPS in points; NaN where there are no responses."""
    p, d, n = (np.asarray(a, dtype=float) for a in (promoters, detractors, responses))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, 100.0 * (p - d) / n, np.nan)


# ------------------------------------------------------------------------- daily data
def resolve(cur: Any, f: Filters) -> Filters:
    """The filter with open period ends set to the data's first and last transaction dates (as the
    Overview does), or to the feedback's dates when there are no transactions."""
    bounds = filters.data_bounds(cur)
    if bounds is None:
        fb = query.table(schema.FEEDBACK)
        row = query.row(cur, fb.aggregate(lo=fb.feedback_date.min(), hi=fb.feedback_date.max()))
        bounds = None if row is None or row[0] is None else (query.date_value(row[0]), query.date_value(row[1]))
    return f.resolved(bounds)


def _check_dimension(by: str | None) -> None:
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}; use one of {', '.join(DIMENSIONS)}")


def check_granularity(granularity: str) -> None:
    """ValueError unless ``granularity`` is one of :data:`GRANULARITIES`."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}; use one of {', '.join(GRANULARITIES)}")


def _days(f: Filters) -> pd.DatetimeIndex:
    if f.date_from is None or f.date_to is None:
        return pd.DatetimeIndex([], name="day")
    return pd.date_range(f.date_from, f.date_to, freq="D", name="day")


def feedback_daily(cur: Any, f: Filters, by: str | None = None,
                   nps_population: str = DEFAULT_NPS_POPULATION) -> pd.DataFrame:
    """Feedback counts per day (and group) for the filter.

    Returns ``day`` (datetime64), ``group`` (only with ``by``), ``praise, complaints, other,
    promoters, passives, detractors`` (the last three over ``nps_population``). Days without
    feedback are absent.
    """
    _check_dimension(by)
    s = feedback_scope(f, by in CUSTOMER_DIMENSIONS)
    keys: dict[str, ir.Value] = {"day": s.feedback_date}
    if by is not None:
        keys["group"] = s[{**CUSTOMER_DIMENSIONS, **FEEDBACK_DIMENSIONS}[by]]
    g = s.group_by(**keys).aggregate(**kind_counts(s), **nps_counts(s, nps_population))
    df = query.df(cur, g.order_by(*keys))
    df["day"] = pd.to_datetime(df["day"])
    for col in ("praise", "complaints", "other", "promoters", "passives", "detractors"):
        df[col] = df[col].astype("int64")
    return df


def exposure(cur: Any, f: Filters, by: str | None = None) -> pd.DataFrame:
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
    full_from = pd.Timestamp(bounds[0]) + pd.Timedelta(days=EXPOSURE_DAYS - 1)
    # The unsplit exposure is the sum over regions: one stored split serves both.
    wide = _cover(cur, f, by or "region", bounds[0]).loc[days]
    if by is None:
        out = pd.DataFrame({"day": days, "customers": wide.sum(axis=1).to_numpy() if wide.shape[1] else 0})
    else:
        out = wide.rename_axis(index="day", columns="group").stack().rename("customers").reset_index()
        out["group"] = out["group"].astype(object).where(out["group"] != NULL_GROUP, None)
        out = out.sort_values(["day", "group"], kind="stable", ignore_index=True,
                              key=lambda c: c.astype(str) if c.name == "group" else c)
    out["customers"] = out["customers"].astype("int64")
    out["full_window"] = out["day"] >= full_from
    return out[cols]


# Exposure is asked for up to five times per filter by one page (the trend, the turning points
# overall and by region, the response curve's history, the breakdown), each time over the same
# customers up to the same end date. It is computed once, from the store's first transaction on,
# and kept per store file and data version (every write bumps the version), as the CLV fits are.
_COVER_MEMO: Memo[pd.DataFrame] = Memo(16)


def _cover(cur: Any, f: Filters, by: str, first: dt.date) -> pd.DataFrame:
    """Customers at risk on every day from (start − 365 days) + 1 to ``f.date_to``, one int64 column
    per group of ``by`` (:data:`NULL_GROUP` for customers without one), where start is the earlier
    of the period's start and ``first`` (the store's first transaction). Do not modify the result.

    A day's count depends only on the transactions of the 365 days up to it, so any earlier start
    gives the same counts on the period's days: one table serves every period ending on ``f.date_to``.
    """
    lo = min(f.date_from, first) - dt.timedelta(days=EXPOSURE_DAYS)
    content = db.content_key(cur)
    key = None if content is None else (*content, f.with_period(None, None), f.date_to, lo, by)
    if key is not None and (hit := _COVER_MEMO.get(key)) is not None:
        return hit
    stored = derived.get(cur, COVER_KIND, cover_params(f, by, lo))
    wide = _cover_frame(stored if isinstance(stored, dict) else _cover_counts(cur, f, by, lo), lo, f.date_to)
    if key is not None:
        _COVER_MEMO.put(key, wide)
    return wide


def _cover_counts(cur: Any, f: Filters, by: str, lo: dt.date) -> dict[str, Any]:
    """The customers at risk of :func:`_cover` as plain values (what the refresh stores): ``groups`` (names,
    :data:`NULL_GROUP` for none) and ``counts`` (int64, one row per day from lo + 1 to ``f.date_to``)."""
    ev = query.df(cur, cover_events(f, by, lo))
    ev["day"] = pd.to_datetime(ev.pop("epoch_day"), unit="D")
    # NULL groups (customers without a region) keep a place of their own under a sentinel name.
    ev["grp"] = ev["grp"].astype(object).where(ev["grp"].notna(), NULL_GROUP)
    all_days = pd.date_range(lo + dt.timedelta(days=1), f.date_to, freq="D")
    wide = (ev.groupby(["day", "grp"])["delta"].sum().unstack("grp", fill_value=0)
            .reindex(all_days, fill_value=0).cumsum())
    return {"groups": [str(g) for g in wide.columns], "counts": wide.to_numpy(dtype="int64")}


def _cover_frame(cover: dict[str, Any], lo: dt.date, end: dt.date) -> pd.DataFrame:
    """:func:`_cover`'s table from :func:`_cover_counts` (computed or stored: the same frame either way)."""
    days = pd.date_range(lo + dt.timedelta(days=1), end, freq="D")
    counts = np.asarray(cover["counts"], dtype="int64").reshape(len(days), len(cover["groups"]))
    return pd.DataFrame(counts, index=days, columns=pd.Index(cover["groups"], dtype=object, name="grp"))


# Stored by the refresh for the opening view (:mod:`analytics.precompute`): the Word of mouth page and the
# report then read every day's exposure instead of scanning two years of transactions.
COVER_KIND = "wom_cover"
_COVER_CODE = ("analytics.word_of_mouth.data", "analytics.query.relations", "analytics.filters")


def cover_params(f: Filters, by: str, lo: dt.date) -> dict[str, Any]:
    """The inputs a stored exposure table is kept under: the customers, the last day, the first day's
    window start, the split and the code."""
    return {"customers": f.with_period(None, None), "date_to": f.date_to, "lo": lo, "by": by,
            "code": derived.code_version(*_COVER_CODE)}


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the opening view ``f``: the customers at risk per day
    and region (the unsplit exposure is their sum), computed afresh."""
    fr = resolve(cur, f)
    bounds = filters.data_bounds(cur)
    if bounds is None or fr.date_from is None or fr.date_to is None:
        return
    lo = min(fr.date_from, bounds[0]) - dt.timedelta(days=EXPOSURE_DAYS)
    yield COVER_KIND, cover_params(fr, "region", lo), _cover_counts(cur, fr, "region", lo)


def cover_events(f: Filters, by: str, lo: dt.date) -> ir.Table:
    """The +1/−1 events of :func:`_cover`: ``grp, epoch_day, delta`` — the change in customers at
    risk of group ``grp`` (the customers' ``by`` column) on that day (days since 1970-01-01), from
    the filter's customers' transactions in (``lo``, ``f.date_to``].

    Each purchase covers [tx_date, tx_date + 365). Within a calendar month a customer's purchases
    are less than 365 days apart, so their cover is one span, [first, last + 365): grouping by month
    first gives the same cover from far fewer rows than one row per purchase day. Cutting each span
    at the customer's next one makes the spans disjoint, so +1/−1 events summed over days count
    customers once. Days are whole numbers (epoch days) so that ``+ 365`` is the same day arithmetic
    on every engine (a DATE plus an INTERVAL is a TIMESTAMP in DuckDB).
    """
    t = query.table(schema.TRANSACTIONS)
    t = t.filter(t.tx_date > lo, t.tx_date <= f.date_to)
    c = relations.customers(f)
    c = c.select(c_id=c.customer_id, grp=c[CUSTOMER_DIMENSIONS[by]])
    j = t.join(c, t.customer_id == c.c_id)
    m = j.group_by(customer_id=j.customer_id, grp=j.grp, month=relations.month_of(j.tx_date)).aggregate(
        s=j.tx_date.min().epoch_days(), last=j.tx_date.max().epoch_days())
    end = m.last + EXPOSURE_DAYS
    spans = m.select(grp=m.grp, s=m.s, e=ibis.least(
        m.s.lead().over(ibis.window(group_by=m.customer_id, order_by=m.s)).fill_null(end), end))
    starts = spans.select(grp=spans.grp, epoch_day=spans.s, delta=ibis.literal(1, "int64"))
    ends = spans.select(grp=spans.grp, epoch_day=spans.e, delta=ibis.literal(-1, "int64"))
    ev = starts.union(ends, distinct=False)
    return ev.group_by("grp", "epoch_day").aggregate(delta=ev.delta.sum())


def quality_daily(cur: Any, f: Filters) -> pd.DataFrame:
    """Service-quality index per region and day of the period: ``day, region, quality``.

    Only regions of the filter's customers (and, with a region filter, those regions).
    """
    q = query.table(schema.SERVICE_QUALITY)
    q = q.filter(*relations.period_predicates(q.quality_date, f), q.region.isin(relations.customers(f).region))
    df = query.df(cur, q.select(day=q.quality_date, region=q.region, quality=q.quality_index).order_by("day", "region"))
    df["day"] = pd.to_datetime(df["day"])
    return df


def region_days(cur: Any, f: Filters) -> pd.DataFrame:
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
    check_granularity(granularity)
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


def series(cur: Any, f: Filters, granularity: str = "week", by: str | None = None,
           nps_population: str = DEFAULT_NPS_POPULATION) -> pd.DataFrame:
    """Praise, complaints, other feedback and NPS per day, week (Monday start) or month.

    Parameters
    ----------
    granularity : ``"day"``, ``"week"`` or ``"month"``.
    by : None or one of :data:`DIMENSIONS` (``region``, ``segment``, ``feedback_channel``, ``topic``).
    nps_population : the rows NPS counts (:data:`NPS_POPULATIONS`).

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
    check_granularity(granularity)
    _check_dimension(by)
    check_nps_population(nps_population)
    f = resolve(cur, f)
    days = _days(f)
    counts = ["praise", "complaints", "other", "promoters", "passives", "detractors"]
    fb = feedback_daily(cur, f, by, nps_population)
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


# ---------------------------------------------------------------- customers and breakdowns
CUSTOMER_COLUMNS = ("customer_id", "name", "segment", "region", "complaints", "praise", "first_date", "last_date",
                    "topics", "last_text")


def feedback_customers(cur: Any, f: Filters, since: dt.date | None = None,
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
    s = feedback_scope(fr, customer_columns=True)
    k = s.filter(s.kind == kind)
    # The customers with a feedback of the kind, most of them first: name, segment and region are
    # the customer's own (one per id), so grouping by them too keeps one row per customer.
    mine = s.filter(s.customer_id.isin(k.customer_id))
    per = mine.group_by("customer_id", "name", "segment", "region").aggregate(
        complaints=mine.count(where=mine.kind == "complaint"), praise=mine.count(where=mine.kind == "praise"),
        first_date=mine.feedback_date.min(where=mine.kind == kind),
        last_date=mine.feedback_date.max(where=mine.kind == kind))
    most = per.complaints if kind == "complaint" else per.praise
    top = per.order_by(most.desc(), per.last_date.desc(), per.customer_id).limit(int(limit))
    df = query.df(cur, top)
    for c in ("complaints", "praise"):
        df[c] = df[c].astype("int64")
    # Their topics (most frequent first, then by name) and latest text, put together in pandas (an
    # ordered string_agg has no form on every engine): one row per customer and topic, the latest
    # feedback's text on the row of its topic.
    kk = k.filter(k.customer_id.isin(top.customer_id))
    w = ibis.window(group_by=kk.customer_id, order_by=[kk.feedback_date.desc(), kk.feedback_id.desc()])
    kk = kk.mutate(rn=ibis.row_number().over(w))
    detail = query.df(cur, kk.group_by("customer_id", "topic").aggregate(
        n=kk.count(), last_text=kk.text.max(where=kk.rn == 0))) if len(df) else None
    topics = pd.Series(dtype=object)
    latest = pd.Series(dtype=object)
    if detail is not None and len(detail):
        named = detail.loc[detail["topic"].notna()].sort_values(
            ["customer_id", "n", "topic"], ascending=[True, False, True], kind="stable")
        topics = named.groupby("customer_id", sort=False)["topic"].agg(", ".join)
        latest = detail.dropna(subset=["last_text"]).groupby("customer_id")["last_text"].first()
    df["topics"] = df["customer_id"].map(topics).astype("str")  # the engine's string type, NaN where none
    df["last_text"] = df["customer_id"].map(latest).astype("str")
    return df[list(CUSTOMER_COLUMNS)]


def topic_channel(cur: Any, f: Filters, kind: str = "complaint") -> pd.DataFrame:
    """Feedback of one kind per topic and feedback channel in the period: ``topic, feedback_channel, count``."""
    if kind not in ("complaint", "praise", "other"):
        raise ValueError(f"kind must be complaint, praise or other, got {kind!r}")
    fr = resolve(cur, f)
    s = feedback_scope(fr)
    s = s.filter(s.kind == kind)
    g = s.group_by(topic=s.topic, feedback_channel=s.channel).aggregate(count=s.count())
    df = query.df(cur, g.order_by(g["count"].desc(), g.topic, g.feedback_channel))
    df["count"] = df["count"].astype("int64")
    return df
