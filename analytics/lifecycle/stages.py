"""Lifecycle stages of customers and prospects on any date (part of :mod:`analytics.lifecycle`;
DOMAIN.md §4): the rules, the stage grid over a set of dates, and the BG/NBD model behind P(alive).

Stages
------
Every customer and every prospect of the sales pipeline has one stage on any date ``d``:

* **target / prospect / opportunity** — not (yet) a customer, with an opportunity open on ``d``
  (``created_on <= d`` and no ``closed_on`` or ``closed_on > d``). An opportunity still open today
  has its stored stage; one that was open on ``d`` but has since been won or lost was being worked
  on ``d`` and counts as ``opportunity`` (the store keeps no stage history). With several open
  opportunities, the most advanced stage wins. Prospects without a customer id are counted once
  per opportunity.
* Once the relationship has started (``start`` = the earlier of ``acquired_on`` and the first
  purchase), the customer's stage follows from its purchases. A *purchase* is a day with a
  transaction line of revenue ≥ 0 (returns are not purchases). *Recency* is the number of days
  from the last purchase on or before ``d`` to ``d``; before the first purchase it is counted from
  the acquisition date (a customer acquired long ago with no recorded purchase is silent since
  then). In this order of precedence:

  - **no_purchase** (no purchase yet): past the new window without any purchase — a customer
    who never bought is neither dormant nor lost (it never bought to stop), and says so;
  - **lost**: recency ≥ ``lost_days`` (default 365), or recency ≥ ``dormant_days`` and the
    BG/NBD probability of being alive, where known, is below ``p_alive_lost`` (default 0.05);
  - **dormant**: recency ≥ ``dormant_days`` (default 90) — silent, but neither the time nor
    P(alive) says the customer is gone;
  - **new**: ``d − start < new_days`` (default 90);
  - **reactivated**: within ``reactivated_days`` (default 90) of a purchase that ended a silence of
    at least ``dormant_days`` (a dormant or lost spell), counted from the previous purchase or,
    for the first purchase, from the acquisition date;
  - **active**: everything else (bought within ``dormant_days``).

  Customers with neither an acquisition date nor a purchase up to ``d`` and no open opportunity
  are outside the lifecycle on ``d`` (stage ``none``), as are prospects whose opportunities are
  all closed.

Why these defaults: in the demo data half of all gaps between purchase days are under 4 days,
97.5 % under 42 days and 99 % under 65 days, so 90 days without a purchase is out of character
for every segment (only about one gap in 200 is longer) — dormant. Of the silences that reach
90 days a third still end in a purchase (so dormant is not lost); of those that reach 365 days
fewer than 5 % do — lost. Among customers silent for 90–365 days on 2025-10-31, those with
P(alive) below 5 % bought again in the following year about half as often (11 %) as the other
silent ones (25 %), so the model may call them lost early. New and reactivated customers are
watched for a quarter.

P(alive) comes from the purchase model of the customer valuation (:mod:`analytics.clv`: the one the
holdout comparison chose — BG/NBD, Pareto/NBD or MBG/NBD) fitted on purchases up to the as-of
date; on earlier dates of a history the same parameters are applied to each customer's purchases
up to that date. A purchase is a day with a transaction line of revenue ≥ 0, as in
:mod:`analytics.clv`; under BG/NBD a customer without a repeat purchase has P(alive) = 1, so
one-time buyers become lost by the day threshold only (Pareto/NBD and MBG/NBD give them less).

Filters: customer attributes select customers; a prospect without a customer id has a region and
a channel only, so it is kept when the filter restricts only regions and channels and it matches
them, and left out when the filter restricts segments, plans or customer types.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import filters, query
from analytics.clv import comparison
from analytics.clv import value as customer_value
from analytics.clv.comparison import PurchaseModel
from analytics.clv.units import from_days
from analytics.filters import Filters, as_date
from analytics.query import relations
from analytics.store import derived, schema
from analytics.store.memo import Memo

PIPELINE_STAGES = ("target", "prospect", "opportunity")
CUSTOMER_STAGES = ("new", "active", "reactivated", "dormant", "lost")
# A customer past the new window who has never bought: apart from the purchase stages above (whose
# shares and cards are about customers who buy), so that it is never counted or shown as lost.
NO_PURCHASE = "no_purchase"
STAGES = (*PIPELINE_STAGES, *CUSTOMER_STAGES, NO_PURCHASE)
OUTSIDE = "none"  # not in the lifecycle on that date (not yet known, or left the pipeline)
_EARLIEST = dt.date(1900, 1, 1)



@dataclass(frozen=True)
class Rules:
    """The stage thresholds (see the module docstring); all in days except ``p_alive_lost``.

    Raises ValueError unless every day count is a positive whole number, ``dormant_days <
    lost_days`` and ``0 <= p_alive_lost <= 1``.
    """

    new_days: int = 90
    dormant_days: int = 90
    lost_days: int = 365
    reactivated_days: int = 90
    p_alive_lost: float = 0.05

    def __post_init__(self) -> None:
        for name in ("new_days", "dormant_days", "lost_days", "reactivated_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a whole number of days of at least 1, got {value!r}")
            object.__setattr__(self, name, int(value))
        if self.dormant_days >= self.lost_days:
            raise ValueError(f"dormant_days ({self.dormant_days}) must be less than lost_days ({self.lost_days})")
        p = float(self.p_alive_lost)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p_alive_lost must be between 0 and 1, got {self.p_alive_lost!r}")
        object.__setattr__(self, "p_alive_lost", p)


# ------------------------------------------------------------------------------ classification
def classify(
    started: np.ndarray,
    recency_days: np.ndarray,
    days_since_start: np.ndarray,
    days_since_reactivation: np.ndarray,
    rules: Rules,
    p_alive: np.ndarray | None = None,
    pipeline: np.ndarray | None = None,
    bought: np.ndarray | None = None,
) -> np.ndarray:
    """Stage codes from the state of each customer on one date (arrays of equal shape).

    ``started``: the relationship has started; ``recency_days``: days since the last purchase
    (or the recency anchor, see the module docstring); ``days_since_start``; ``days_since_reactivation``:
    days since the last purchase that ended a silence of ``dormant_days`` or more (NaN if none);
    ``p_alive``: NaN where unknown; ``pipeline``: the open-opportunity stage or None, used when
    the relationship has not started; ``bought``: whether the customer has purchased by then
    (default: all have) — a customer who has not, and is no longer new, is :data:`NO_PURCHASE`
    (never active, dormant or lost). Returns an object array of stage codes (``none`` outside).
    """
    rec = np.asarray(recency_days, dtype=float)
    since_start = np.asarray(days_since_start, dtype=float)
    since_react = np.asarray(days_since_reactivation, dtype=float)
    alive = np.full(rec.shape, np.nan) if p_alive is None else np.asarray(p_alive, dtype=float)
    never = np.zeros(rec.shape, dtype=bool) if bought is None else ~np.asarray(bought, dtype=bool)
    with np.errstate(invalid="ignore"):
        silent = rec >= rules.dormant_days
        gone = (rec >= rules.lost_days) | (silent & (alive < rules.p_alive_lost))
        is_new = since_start < rules.new_days
        stage = np.select(
            [never & ~is_new, gone, silent, is_new, since_react < rules.reactivated_days],
            [NO_PURCHASE, "lost", "dormant", "new", "reactivated"],
            default="active",
        ).astype(object)
    pipe = np.full(rec.shape, None, dtype=object) if pipeline is None else np.asarray(pipeline, dtype=object)
    before = np.where(pd.isna(pipe), OUTSIDE, pipe)
    return np.where(np.asarray(started, dtype=bool), stage, before)


# ------------------------------------------------------------------------------ data
def _days(values: Sequence[object] | pd.Series) -> np.ndarray:
    """Dates as float days since 1970-01-01 (NaN for missing), for vectorised arithmetic."""
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if not pd.api.types.is_datetime64_dtype(s.dtype):  # dates as objects or text: a short list
        s = pd.to_datetime(s.astype(object), errors="coerce")
    # Integer days straight from datetime64 (the query's dates): going through Timestamp objects
    # took seconds at 100,000 customers.
    d = s.to_numpy(dtype="datetime64[D]")
    out = d.astype("int64").astype(float)
    out[np.isnat(d)] = np.nan
    return out


def as_of_date(cur: Any, f: Filters) -> dt.date | None:
    """The date stages are reported on: the period's end, else the last transaction date."""
    bounds = filters.data_bounds(cur)
    if bounds is None:
        return None
    return f.date_to or bounds[1]


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of every month from ``start``'s month to ``end``'s; the last one is ``end`` itself."""
    if start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")
    out, m = [], start.replace(day=1)
    while m <= end:
        out.append(min(filters.month_end(m), end))
        m = filters.add_months(m, 1)
    return out


def _prospect_predicate(o: ir.Table, f: Filters) -> ir.BooleanValue:
    """Predicate on opportunities without a customer (``o``), per the module's filter rule."""
    if f.segments or f.plans or f.customer_types:
        return ibis.literal(False)
    preds = relations.customer_predicates(o, Filters(regions=f.regions, channels=f.channels))
    return functools.reduce(operator.and_, preds, ibis.literal(True))


def _customer_scope(f: Filters, customer_ids: Sequence[str] | None) -> ir.Table:
    """The filter's customers, restricted to ``customer_ids`` when given."""
    c = relations.customers(f)
    return c if customer_ids is None else c.filter(c.customer_id.isin([str(i) for i in customer_ids]))


def _bucket(day: ir.DateValue, ds: Sequence[dt.date]) -> ir.DateValue:
    """The first of the sorted dates ``ds`` on or after ``day`` (``day`` ≤ the last of them): a
    balanced tree of comparisons, log2(len(ds)) per row, on any engine."""
    if len(ds) == 1:
        return ibis.literal(ds[0], type="date")
    mid = len(ds) // 2
    return ibis.ifelse(day <= ds[mid - 1], _bucket(day, ds[:mid]), _bucket(day, ds[mid:]))


def _buckets(scope: ir.Table, ds: Sequence[dt.date], dormant_days: int) -> ir.Table:
    """Per customer of ``scope`` and date of ``ds`` with purchases since the previous date:
    ``customer_id, bucket, first_day, last_day, react_day, purchases`` (see :func:`stage_grid`)."""
    t = query.table(schema.TRANSACTIONS)
    t = t.filter(t.revenue >= 0, t.tx_date > _EARLIEST, t.tx_date <= ds[-1], t.customer_id.isin(scope.customer_id))
    days = t.select("customer_id", "tx_date").distinct()
    days = days.mutate(bucket=_bucket(days.tx_date, ds))
    span = relations.month_of(days.tx_date) if dormant_days > 30 else days.tx_date
    p = days.group_by("customer_id", "bucket", span=span).aggregate(
        f=days.tx_date.min(), l=days.tx_date.max(), n=days.count())
    acq = scope.select(a_cid=scope.customer_id, acquired_on=scope.acquired_on)
    g = p.join(acq, p.customer_id == acq.a_cid)
    prev = g.l.lag().over(ibis.window(group_by=g.customer_id, order_by=g.f))
    g = g.mutate(gap=g.f.delta(prev.fill_null(g.acquired_on), unit="day"))
    return g.group_by("customer_id", "bucket").aggregate(
        first_day=g.f.min(), last_day=g.l.max(), react_day=g.f.max(where=g.gap >= dormant_days),
        purchases=g.n.sum().cast("int64"))


def _bucket_arrays(b: pd.DataFrame) -> dict[str, Any]:
    """:func:`_buckets`' rows as the arrays :func:`stage_grid` reads (computed or stored alike): customer ids,
    and the bucket, first, last and reactivation days as float days since 1970-01-01, purchases as floats;
    in customer and bucket order (the query's order varies between runs)."""
    b = b.sort_values(["customer_id", "bucket"], kind="stable", ignore_index=True)
    return {"customer_id": [str(c) for c in b["customer_id"]], "bucket": _days(b["bucket"]),
            **{c: _days(b[c]) for c in ("first_day", "last_day", "react_day")},
            "purchases": b["purchases"].to_numpy(dtype=float)}


# Stored by the refresh for the opening view on its as-of date (:mod:`analytics.precompute`): the stage
# counts of the report and the page's cards then skip the scan of every purchase day.
BUCKETS_KIND = "lc_buckets"
_BUCKETS_CODE = ("analytics.lifecycle.stages", "analytics.query.relations", "analytics.filters")


def buckets_params(f: Filters, ds: Sequence[dt.date], dormant_days: int) -> dict[str, Any]:
    """The inputs stored purchase buckets are kept under: the customers, the dates, the rule and the code."""
    return {"customers": f.without_period(), "dates": tuple(ds), "dormant_days": int(dormant_days),
            "code": derived.code_version(*_BUCKETS_CODE)}


def precompute(cur: Any, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the opening view ``f``: the purchase buckets of its
    customers on its as-of date with the default rules, with the customers and their opportunities
    (:func:`_customers`, :func:`_opportunities`), computed afresh."""
    on = as_of_date(cur, f)
    if on is None:
        return
    ds, dormant = [on], Rules().dormant_days
    yield BUCKETS_KIND, buckets_params(f, ds, dormant), {
        **_bucket_arrays(query.df(cur, _buckets(_customer_scope(f, None), ds, dormant))),
        "customers": _customers(cur, f, None), "opportunities": _opportunities(cur, f, None)}


def _stored_buckets(cur: Any, f: Filters, ds: Sequence[dt.date], dormant_days: int) -> dict[str, Any] | None:
    """The refresh's :data:`BUCKETS_KIND` for these inputs and the current data (None when not stored),
    decoded once per store file and data version: decoding 100,000 customers' ids from JSON took about a
    fifth of a second, on every visit of the page and in the report."""
    stored = derived.get_decoded(cur, BUCKETS_KIND, buckets_params(f, ds, dormant_days), _DECODED)
    if not isinstance(stored, dict) or "customers" not in stored:
        return None
    if not isinstance(stored["customer_id"], pd.Index):  # once per decoding; read-only from here on
        stored["customer_id"] = pd.Index(stored["customer_id"], dtype=str)
    return stored


_DECODED: Memo[dict[str, Any]] = Memo(4)


def _customers(cur: Any, f: Filters, customer_ids: Sequence[str] | None) -> pd.DataFrame:
    """The filter's customers (restricted to ``customer_ids``): ``customer_id, name, segment, acquired_on``."""
    scope = _customer_scope(f, customer_ids)
    return query.df(cur, scope.select("customer_id", "name", "segment", "acquired_on").order_by("customer_id"))


@dataclass(frozen=True)
class StageGrid:
    """Stages of every entity on each of ``dates``.

    ``entities``: ``entity_id, customer_id, name, segment, kind`` (``customer`` or ``prospect``; a prospect's
    entity_id is ``opportunity:<opportunity_id>`` and its customer_id is missing);
    ``stages``: one row per entity (same order), one column per date (ISO text), stage codes;
    ``state``: per customer on the last date: ``customer_id, acquired_on, first_purchase,
    last_purchase, recency_days, p_alive`` (NaN without a model or a purchase).
    """

    dates: tuple[dt.date, ...]
    entities: pd.DataFrame
    stages: pd.DataFrame
    state: pd.DataFrame


def stage_grid(
    cur: Any,
    f: Filters,
    dates: Sequence[dt.date],
    rules: Rules | None = None,
    model: PurchaseModel | None = None,
    customer_ids: Sequence[str] | None = None,
) -> StageGrid:
    """The stage of every customer and prospect of the filter on each date (see the module docstring).

    Parameters
    ----------
    f : customer attributes select customers (the period is not used: stages look at all history
        up to each date).
    dates : evaluation dates, in any order (sorted and de-duplicated).
    model : optional fitted purchase model (BG/NBD, Pareto/NBD or MBG/NBD); P(alive) on each date is
        then computed from each customer's purchases up to that date (:func:`analytics.clv.comparison.p_alive`);
        without it, the day thresholds alone decide.
    customer_ids : optional restriction to these customers (prospects are then left out).
    """
    rules = rules or Rules()
    ds = sorted({as_date(d, "date") for d in dates})
    if not ds:
        raise ValueError("at least one date is needed")
    stored = None if customer_ids is not None else _stored_buckets(cur, f, ds, rules.dormant_days)
    cust = stored["customers"] if stored is not None else _customers(cur, f, customer_ids)
    # Purchase days are gathered into spans of one customer, one date's bucket and one calendar
    # month before the gaps between purchases are taken (a window over every purchase day took
    # twice as long at 10 million transactions). Purchases inside a month are at most 30 days
    # apart, so only a span's first day can end a silence of dormant_days > 30: its gap runs from
    # the previous span's last day. With shorter dormant_days the spans are single days.
    buckets = stored if stored is not None else _bucket_arrays(
        query.df(cur, _buckets(_customer_scope(f, customer_ids), ds, rules.dormant_days)))
    n, m = len(cust), len(ds)
    row = pd.Index(cust["customer_id"].astype(str)).get_indexer(pd.Index(buckets["customer_id"], dtype=str))
    col = pd.Index(_days(ds)).get_indexer(buckets["bucket"])

    def grid(column: str, accumulate: np.ufunc) -> np.ndarray:
        out = np.full((n, m), np.nan)
        out[row, col] = buckets[column]
        return accumulate.accumulate(out, axis=1) if m else out

    counts = np.zeros((n, m))
    counts[row, col] = buckets["purchases"]
    counts = np.cumsum(counts, axis=1)
    last = grid("last_day", np.fmax)
    react = grid("react_day", np.fmax)
    first_grid = grid("first_day", np.fmin)
    first_any = first_grid[:, -1]
    acquired = _days(cust["acquired_on"])
    start = np.fmin(acquired, first_any)
    d = _days(ds)[None, :]
    anchor = np.where(np.isnan(last), acquired[:, None], last)

    opp = stored["opportunities"] if stored is not None else _opportunities(cur, f, customer_ids)
    pipe_cust, prospects, pipe_prospects = _pipeline(opp, ds)
    pipe = np.full((n, m), None, dtype=object)
    if not pipe_cust.empty:
        r = pd.Index(cust["customer_id"].astype(str)).get_indexer(pipe_cust.index.astype(str))
        keep = r >= 0
        pipe[r[keep]] = pipe_cust.to_numpy(dtype=object)[keep]
    cols: dict[str, np.ndarray] = {}
    for j, day in enumerate(ds):
        alive = np.full(n, np.nan)
        if model is not None:
            buyer = counts[:, j] > 0
            unit = from_days(1.0, model.time_unit)
            alive[buyer] = comparison.p_alive(model, counts[buyer, j] - 1, (last[buyer, j] - first_grid[buyer, j]) * unit,
                                       (d[0, j] - first_grid[buyer, j]) * unit)
        cols[day.isoformat()] = classify(
            started=start <= d[0, j], recency_days=d[0, j] - anchor[:, j], days_since_start=d[0, j] - start,
            days_since_reactivation=d[0, j] - react[:, j], rules=rules, p_alive=alive, pipeline=pipe[:, j],
            bought=counts[:, j] > 0)
    stages = pd.DataFrame(cols)
    entities = pd.DataFrame({"entity_id": cust["customer_id"].astype(str), "customer_id": cust["customer_id"].astype(str),
                             "name": cust["name"], "segment": cust["segment"], "kind": "customer"})
    if len(prospects):
        entities = pd.concat([entities, prospects], ignore_index=True)
        stages = pd.concat([stages, pipe_prospects.set_axis(list(cols), axis=1)], ignore_index=True)
    last_day = last[:, -1]
    state = pd.DataFrame({
        "customer_id": cust["customer_id"].astype(str),
        "acquired_on": cust["acquired_on"],
        "first_purchase": _dates(first_any),
        "last_purchase": _dates(last_day),
        "recency_days": np.where(np.isnan(last_day), np.nan, d[0, -1] - last_day),
        "p_alive": alive,
    })
    return StageGrid(dates=tuple(ds), entities=entities, stages=stages, state=state)


def _dates(days: np.ndarray) -> pd.Series:
    """Float days since 1970-01-01 back to ``datetime.date`` objects (None for NaN)."""
    out = np.full(len(days), None, dtype=object)
    known = ~np.isnan(days)
    out[known] = days[known].astype("int64").astype("datetime64[D]").astype(object)
    return pd.Series(out, dtype=object)


def _opportunities(cur: Any, f: Filters, customer_ids: Sequence[str] | None) -> pd.DataFrame:
    """The opportunities of the filter's customers (restricted to ``customer_ids``) and of its prospects:
    ``opportunity_id, customer_id, prospect_name, stage, created_on, closed_on``."""
    o = query.table(schema.OPPORTUNITIES)
    scope = _customer_scope(f, customer_ids)
    prospects_kept = _prospect_predicate(o, f) if customer_ids is None else ibis.literal(False)
    kept = (o.customer_id.notnull() & o.customer_id.isin(scope.customer_id)) | (o.customer_id.isnull() & prospects_kept)
    return query.df(cur, o.filter(kept).select("opportunity_id", "customer_id", "prospect_name", "stage", "created_on",
                                               "closed_on").order_by("opportunity_id"))


def _pipeline(opp: pd.DataFrame, ds: list[dt.date]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Open-opportunity stages per date of the :func:`_opportunities` rows ``opp``: for customers (indexed
    by customer_id) and for prospects.

    Returns (customer stages with one column per date, prospect entities, prospect stages).
    """
    empty = pd.DataFrame(columns=[d.isoformat() for d in ds])
    no_entities = pd.DataFrame(columns=["entity_id", "customer_id", "name", "segment", "kind"])
    if opp.empty:
        return empty, no_entities, empty
    opp = opp.assign(entity_id=np.where(opp["customer_id"].isna(), "opportunity:" + opp["opportunity_id"].astype(str),
                                        opp["customer_id"].astype(str)))  # a copy: stored rows are shared
    # Rank stages so the most advanced open opportunity wins; won/lost ones were being worked.
    rank = {s: i + 1 for i, s in enumerate(PIPELINE_STAGES)}
    stage_rank = opp["stage"].map(rank).fillna(rank["opportunity"]).to_numpy()
    created, closed = _days(opp["created_on"]), _days(opp["closed_on"])
    per_date = {}
    for day, x in zip(ds, _days(ds), strict=True):
        open_now = (created <= x) & (np.isnan(closed) | (closed > x))
        per_date[day.isoformat()] = np.where(open_now, stage_rank, 0)
    wide = pd.DataFrame(per_date)
    wide["entity_id"] = opp["entity_id"].to_numpy()
    best = wide.groupby("entity_id", sort=True).max()
    names = {0: None, **{v: k for k, v in rank.items()}}
    codes = best.apply(lambda c: c.map(names))
    is_prospect = best.index.str.startswith("opportunity:")
    cust_stages = codes[~is_prospect]
    pros_stages = codes[is_prospect].fillna(OUTSIDE).reset_index(drop=True)
    first_name = opp.drop_duplicates("entity_id").set_index("entity_id")["prospect_name"]
    pros_ids = best.index[is_prospect]
    prospects = pd.DataFrame({"entity_id": pros_ids, "customer_id": None,
                              "name": first_name.reindex(pros_ids).to_numpy(), "segment": None, "kind": "prospect"})
    return cust_stages, prospects, pros_stages


# ------------------------------------------------------------------------------ P(alive)
@dataclass(frozen=True)
class AliveModel:
    """The purchase model whose P(alive) the stage rules use (``kind``: "bgnbd", "pareto_nbd",
    "mbg_nbd"), or None with the reason (a note key)."""

    model: PurchaseModel | None
    as_of: dt.date | None
    note: str | None = None
    kind: str | None = None


def alive_model(cur: Any, f: Filters) -> AliveModel:
    """The purchase model of the customer valuation (:func:`analytics.clv.value.purchase_model`: the
    holdout comparison's choice), fitted on the filter's customers' purchases up to the as-of date,
    or BG/NBD on every customer's when the filter's are too few (note ``lc.note.pooled``). Without
    a model the day thresholds decide alone (note ``lc.note.no_model``). The same parameters are
    applied on every date of a history, each customer's P(alive) computed from its own purchases
    up to that date.
    """
    as_of = as_of_date(cur, f)
    if as_of is None:
        return AliveModel(None, None, "lc.note.no_model")
    models = customer_value.fit_models(cur, f).models
    if models.bgnbd is None or models.purchase_method not in ("bgnbd", "pooled"):
        return AliveModel(None, as_of, "lc.note.no_model")
    model, kind, _ = customer_value.purchase_model(cur, f)
    return AliveModel(model, as_of, "lc.note.pooled" if models.purchase_method == "pooled" else None, kind)


def p_alive_model(cur: Any, f: Filters, use_p_alive: bool) -> PurchaseModel | None:
    """:func:`alive_model`'s model when the P(alive) rule applies, else None (day thresholds alone)."""
    return alive_model(cur, f).model if use_p_alive else None
