"""Delivered value and satisfaction per customer from their latest assessment, and the quadrant of
the win-win map (part of :mod:`analytics.delivered_value`; DOMAIN.md §2).

Definitions used everywhere (the page's help texts and docs/delivered_value.md repeat them):

* **Which assessment.** A customer's figures come from their *latest assessment in the period*:
  the one with the latest ``assessed_on``; on the same day, the one with the highest
  ``assessment_id`` (text order). Customers must match the filter's attributes.
* **Delivered value** = total customer value − total customer cost, where total customer value =
  product + service + personnel + image value and total customer cost = money + time + energy +
  psychic cost (all on the assessments' common scale, 0–10 in the demo).
  **Value/cost ratio** = total value ÷ total cost (undefined when the cost is 0). For a group it
  is the ratio of the group's mean value to its mean cost, which stays finite when a single
  customer reports a cost near zero.
* **Satisfaction gap** per level (material, spiritual, social) = perception − expectation, for
  levels where the assessment has both scores. The **overall gap** is the mean of the levels that
  are available (a customer with only material and spiritual scores averages those two); it is
  undefined when no level is. A customer is **below expectation** when the overall gap is < 0
  (a gap of exactly 0 meets the expectation). Shares are over customers with an overall gap.
  A group **falls short** when its mean overall gap is < 0 (per level: its mean level gap < 0).
* **Groups**: segment, region and customer type from the customers table; **product** = the
  product with the most revenue in the period (ties: the product name first in text order);
  customers without a transaction in the period have no product and form their own group.
* **Customer profit** is :func:`analytics.profit.customer_pnl` for the same filter (value to
  the company). An assessed customer with no transaction and no activity in the period has
  revenue and profit 0 for the period (that is what the P&L says), and is counted as *inactive*.
* **Quadrants** (x = delivered value, the value to the customer; y = customer profit, the value to
  the company). A side *gains* only when its value is strictly positive, so a value of exactly 0
  is not a gain:

  =================  =======================  =================
  quadrant           delivered value          profit
  =================  =======================  =================
  ``win_win``        > 0                      > 0
  ``customer_only``  > 0                      ≤ 0
  ``company_only``   ≤ 0                      > 0
  ``lose_lose``      ≤ 0                      ≤ 0
  =================  =======================  =================

  Delivered value is rounded to 9 decimals and profit to 6 before the sign test, so that scores
  that cancel exactly (7.4 − 7.4 computed as 1e-16) land on the boundary instead of beside it.
  Quadrant revenue shares are of the assessed customers' revenue (None when that is ≤ 0).
* **Not assessed**: customers of the filter with a transaction or activity in the period (the
  customers of the other views) but no assessment in it. They are counted, with their revenue
  share, and listed — never silently dropped — but they have no place on the map.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd

from analytics import filters, profit, query
from analytics.filters import Filters
from analytics.query import relations
from analytics.store import db, derived, schema
from analytics.store.memo import Memo

VALUE_PARTS: tuple[str, ...] = schema.VALUE_PARTS
COST_PARTS: tuple[str, ...] = schema.COST_PARTS
PARTS: tuple[str, ...] = (*VALUE_PARTS, *COST_PARTS)
LEVELS: tuple[str, ...] = schema.SATISFACTION_LEVELS
SCORE_COLUMNS: tuple[str, ...] = tuple(f"{side}_{lvl}" for lvl in LEVELS for side in ("expectation", "perception"))
DIMENSIONS: tuple[str, ...] = ("segment", "product", "region", "customer_type")
FREQS: tuple[str, ...] = ("month", "quarter")
QUADRANTS: tuple[str, ...] = ("win_win", "customer_only", "company_only", "lose_lose")
WIN_WIN = "win_win"
MOVES: tuple[str, ...] = ("entered", "left", "stayed_in", "stayed_out", "only_current", "only_previous")
# Rounding before sign tests: survey scores have one decimal, money two.
DV_DECIMALS = 9
PROFIT_DECIMALS = 6
CUSTOMER_ATTRIBUTES: tuple[str, ...] = ("name", "customer_type", "segment", "region", "channel", "plan")
# Above this many customers the win-win map draws a sample (winwin.map_sample) over a density of all:
# 2,000 points are about 170 KB of chart JSON, within the page's 300 KB budget (issue 13).
MAX_MAP_POINTS = 2000


# ----------------------------------------------------------------------------- data access
def latest_assessments(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Each customer's latest assessment in the filter's period (see the module docstring for ties).

    Returns
    -------
    DataFrame
        One row per customer matching the filter's attributes with an assessment in the period:
        ``customer_id, name, customer_type, segment, region, channel, plan, assessment_id,
        assessed_on`` (date), the eight parts (:data:`PARTS`) and the six expectation/perception
        scores (:data:`SCORE_COLUMNS`, NaN where missing); sorted by customer_id.
    """
    a = query.table(schema.ASSESSMENTS)
    preds = relations.period_predicates(a.assessed_on, f)
    a = a.filter(*preds) if preds else a
    c = relations.customers(f)
    # row_number over a window (not QUALIFY) keeps it portable to warehouse engines.
    w = ibis.window(group_by=a.customer_id, order_by=[a.assessed_on.desc(), a.assessment_id.desc()])
    ranked = a.mutate(rn=ibis.row_number().over(w)).filter(lambda r: r.rn == 0)
    j = ranked.join(c, ranked.customer_id == c.customer_id)
    df = query.df(cur, j.select(
        ranked.customer_id, *(c[col] for col in CUSTOMER_ATTRIBUTES), ranked.assessment_id, ranked.assessed_on,
        **{col: ranked[col].cast("float64") for col in (*PARTS, *SCORE_COLUMNS)}).order_by("customer_id"))
    if not df.empty:
        df["assessed_on"] = pd.to_datetime(df["assessed_on"]).dt.date
    return df


def main_products(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Each assessed customer's product with the most revenue in the period.

    Only customers with an assessment in the period are considered (the others are not grouped).
    Ties go to the product name first in text order.

    Returns
    -------
    DataFrame
        ``customer_id, product`` for customers with a transaction in the period.
    """
    t = query.table(schema.TRANSACTIONS)
    a = query.table(schema.ASSESSMENTS)
    a_preds = relations.period_predicates(a.assessed_on, f)
    t_preds = relations.period_predicates(t.tx_date, f)
    t = relations.in_scope(t.filter(*t_preds) if t_preds else t, f)
    t = t.filter(t.customer_id.isin((a.filter(*a_preds) if a_preds else a).customer_id))
    sums = t.group_by("customer_id", "product").aggregate(revenue=t.revenue.sum())
    w = ibis.window(group_by=sums.customer_id, order_by=[sums.revenue.desc(), sums.product])
    ranked = sums.mutate(rn=ibis.row_number().over(w))
    return query.df(cur, ranked.filter(ranked.rn == 0).select("customer_id", "product").order_by("customer_id"))


# ------------------------------------------------------------------------------ per customer
def score(latest: pd.DataFrame) -> pd.DataFrame:
    """Add the derived columns to assessments (one row per customer or per assessment).

    Requires the eight :data:`PARTS`; the expectation/perception columns are optional (missing
    ones count as not assessed). Adds ``customer_value, customer_cost, delivered_value,
    value_cost_ratio`` (NaN when the cost is 0), ``gap_<level>`` for each level, ``levels``
    (how many levels have both scores), ``gap_overall`` (mean of available level gaps) and
    ``below_expectation`` (nullable boolean: overall gap < 0; NA without a gap).
    """
    missing = [p for p in PARTS if p not in latest.columns]
    if missing:
        raise ValueError(f"assessments lack column(s): {', '.join(missing)}")
    out = latest.copy()
    for p in PARTS:
        out[p] = pd.to_numeric(out[p], errors="coerce").astype(float)
        if out[p].isna().any():
            raise ValueError(f"assessment part {p} has missing values")
    out["customer_value"] = out[list(VALUE_PARTS)].sum(axis=1)
    out["customer_cost"] = out[list(COST_PARTS)].sum(axis=1)
    out["delivered_value"] = (out["customer_value"] - out["customer_cost"]).round(DV_DECIMALS)
    cost = out["customer_cost"]
    out["value_cost_ratio"] = (out["customer_value"] / cost.where(cost > 0)).astype(float)
    gaps = []
    for lvl in LEVELS:
        for side in ("expectation", "perception"):
            col = f"{side}_{lvl}"
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(float) if col in out.columns else np.nan
        gap = (out[f"perception_{lvl}"] - out[f"expectation_{lvl}"]).round(DV_DECIMALS)
        out[f"gap_{lvl}"] = gap
        gaps.append(gap)
    gap_frame = pd.concat(gaps, axis=1)
    out["levels"] = gap_frame.notna().sum(axis=1).astype(int)
    out["gap_overall"] = gap_frame.mean(axis=1, skipna=True).round(DV_DECIMALS)
    below = pd.array(out["gap_overall"] < 0, dtype="boolean")
    below[out["gap_overall"].isna().to_numpy()] = pd.NA
    out["below_expectation"] = below
    return out


def quadrant(delivered_value: Iterable[float], customer_profit: Iterable[float]) -> np.ndarray:
    """The quadrant of each (delivered value, profit) pair; see the table in the module docstring.

    A value of exactly 0 is *not* a gain: (0, 5) is ``company_only``, (3, 0) ``customer_only``,
    (0, 0) ``lose_lose``. Missing values raise ValueError (every placed customer has both).
    """
    x = np.round(np.asarray(list(delivered_value), dtype=float), DV_DECIMALS)
    y = np.round(np.asarray(list(customer_profit), dtype=float), PROFIT_DECIMALS)
    if x.shape != y.shape:
        raise ValueError("delivered value and profit must have the same length")
    if np.isnan(x).any() or np.isnan(y).any():
        raise ValueError("cannot place a customer with a missing delivered value or profit")
    gain_x, gain_y = x > 0, y > 0
    return np.select([gain_x & gain_y, gain_x & ~gain_y, ~gain_x & gain_y],
                     ["win_win", "customer_only", "company_only"], default="lose_lose").astype(object)


# Stored by the refresh (:mod:`analytics.precompute`) for the opening view and its previous period: the
# latest assessments (a window over every assessment) and, for the opening view, each customer's main product
# (a scan of the period's transactions grouped by customer and product): together half of the page's time
# at 10 million transactions.
SCORES_KIND = "dv_scores"
_SCORES_CODE = ("analytics.delivered_value.scores", "analytics.query.relations", "analytics.filters")


def scores_params(f: Filters, products: bool) -> dict[str, Any]:
    """The inputs stored assessments and main products are kept under: the filter, whether the main products
    are included, the code."""
    return {"filter": f, "products": bool(products), "code": derived.code_version(*_SCORES_CODE)}


def _inputs(cur: duckdb.DuckDBPyConnection, f: Filters, products: bool) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(:func:`latest_assessments`, :func:`main_products` when ``products``) for ``f``: the refresh's when it
    stored them for ``f`` and the current data (decoded once per store file and data version), else computed.
    The frames may be shared: callers do not change them."""
    content = db.content_key(cur)
    # Without products, the rows stored with them serve as well (the win-win map of the opening view).
    wanted = [scores_params(f, p) for p in dict.fromkeys((products, True))]
    keys = [None if content is None else (*content, derived.params_hash(params)) for params in wanted]
    for key in keys:
        if key is not None and (hit := _DECODED.get(key)) is not None:
            return hit[0], hit[1] if products else None
    for params, key in zip(wanted, keys, strict=True):
        stored = derived.get(cur, SCORES_KIND, params)
        if isinstance(stored, dict):
            if key is not None:
                _DECODED.put(key, (stored["latest"], stored["products"]))
            return stored["latest"], stored["products"] if products else None
    latest = latest_assessments(cur, f)
    return latest, (main_products(cur, f) if products and len(latest) else None)


_DECODED: Memo[tuple[pd.DataFrame, pd.DataFrame | None]] = Memo(8)


def precompute(cur: duckdb.DuckDBPyConnection, f: Filters) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """What :mod:`analytics.precompute` stores for the opening view ``f``: its latest assessments with the main
    products, and those of the previous period (:meth:`Filters.previous`, as the page reads them), computed
    afresh."""
    bounds = filters.data_bounds(cur)
    f = f.resolved(bounds)
    prev = f.previous()
    for g, products in ((f, True), (prev, False)):
        if g is None or bounds is None or g.date_to < bounds[0]:  # the page has no previous period then
            continue
        latest = latest_assessments(cur, g)
        yield SCORES_KIND, scores_params(g, products), {
            "latest": latest, "products": main_products(cur, g) if products and len(latest) else None}


def scored_customers(cur: duckdb.DuckDBPyConnection, f: Filters, products: bool = True
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assessed customers (scored, with P&L and quadrant) and the active customers not assessed."""
    latest, prod_rows = _inputs(cur, f, products)
    latest = score(latest)  # a copy: the stored rows stay as they are
    pnl = profit.customer_pnl(cur, f).customers
    # Both tables hold each customer once. Index lookups, not Series.isin: on pandas 3's string
    # columns isin took a third of this page's time at 100,000 customers (get_indexer: a tenth of it).
    row = _positions(pnl["customer_id"], latest["customer_id"])
    found = row >= 0
    latest["active"] = found
    for col in ("revenue", "profit"):
        values = np.full(len(latest), np.nan)
        values[found] = pnl[col].to_numpy(dtype=float)[row[found]]
        latest[col] = pd.Series(values, index=latest.index).fillna(0.0)
    latest["quadrant"] = quadrant(latest["delivered_value"], latest["profit"]) if len(latest) else []
    if products:
        prod = prod_rows.set_index("customer_id")["product"] if prod_rows is not None else pd.Series(dtype=object)
        latest["product"] = latest["customer_id"].map(prod)
    assessed = _positions(latest["customer_id"], pnl["customer_id"]) >= 0
    unassessed = pnl.loc[~assessed, ["customer_id", "name", "customer_type", "segment", "region", "revenue", "profit"]]
    unassessed = unassessed.sort_values(["revenue", "customer_id"], ascending=[False, True], ignore_index=True)
    return latest.reset_index(drop=True), unassessed


def _positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """For each of ``values``, its row in ``keys`` (−1 where absent); ``keys`` are unique ids."""
    index = pd.Index(keys)
    if not index.is_unique:
        raise ValueError("customer ids must be unique")
    return index.get_indexer(values)
