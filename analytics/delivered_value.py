"""Customer delivered value, satisfaction and the win-win zone (DOMAIN.md §2).

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
* **Moves** between the previous period (:meth:`Filters.previous`, the same length just before)
  and the current one, for the win-win quadrant: ``entered`` (assessed in both, win-win now and
  not before), ``left`` (win-win before, not now), ``stayed_in``, ``stayed_out``; customers
  assessed in only one of the two periods are ``only_current`` or ``only_previous``.
* **Trend**: per calendar month or quarter of the period, each customer's latest assessment in
  that bucket, averaged over the customers assessed in it. The change between two buckets splits
  exactly into one contribution per part (+Δ mean for value parts, −Δ mean for cost parts); the
  part with the largest absolute contribution *moved it most* (ties: the first in part order).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics import filters, profit
from analytics.filters import Filters
from analytics.store import db, schema

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
MAX_MAP_POINTS = 8000


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
    period, params = f.period_sql("a.assessed_on")
    cust, p2 = f.customer_sql("c")
    params.update(p2)
    scores = ", ".join(f"CAST(a.{col} AS DOUBLE) AS {col}" for col in (*PARTS, *SCORE_COLUMNS))
    attrs = ", ".join(f"c.{col}" for col in CUSTOMER_ATTRIBUTES)
    # row_number in a subquery (not QUALIFY) keeps the SQL portable to warehouse engines.
    df = cur.execute(
        f"""
        SELECT * EXCLUDE (rn) FROM (
          SELECT a.customer_id, {attrs}, a.assessment_id, a.assessed_on, {scores},
                 row_number() OVER (PARTITION BY a.customer_id
                                    ORDER BY a.assessed_on DESC, a.assessment_id DESC) AS rn
          FROM {schema.ASSESSMENTS} a JOIN {schema.CUSTOMERS} c ON c.customer_id = a.customer_id
          WHERE {period} AND {cust}
        ) latest WHERE rn = 1 ORDER BY customer_id
        """,
        params,
    ).df()
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
    tx_period, params = f.period_sql("t.tx_date")
    a_period, p2 = f.period_sql("a.assessed_on")
    cust, p3 = f.customer_sql("c")
    params.update(p2)
    params.update(p3)
    return cur.execute(
        f"""
        SELECT customer_id, product FROM (
          SELECT t.customer_id, t.product,
                 row_number() OVER (PARTITION BY t.customer_id ORDER BY sum(t.revenue) DESC, t.product) AS rn
          FROM {schema.TRANSACTIONS} t JOIN {schema.CUSTOMERS} c ON c.customer_id = t.customer_id
          WHERE {tx_period} AND {cust}
            AND t.customer_id IN (SELECT a.customer_id FROM {schema.ASSESSMENTS} a WHERE {a_period})
          GROUP BY t.customer_id, t.product
        ) ranked WHERE rn = 1 ORDER BY customer_id
        """,
        params,
    ).df()


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


def _customers(cur: duckdb.DuckDBPyConnection, f: Filters, products: bool = True
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assessed customers (scored, with P&L and quadrant) and the active customers not assessed."""
    latest = score(latest_assessments(cur, f))
    pnl = profit.customer_pnl(cur, f).customers
    money = pnl.set_index("customer_id")[["revenue", "profit"]]
    latest["active"] = latest["customer_id"].isin(money.index)
    latest["revenue"] = latest["customer_id"].map(money["revenue"]).fillna(0.0).astype(float)
    latest["profit"] = latest["customer_id"].map(money["profit"]).fillna(0.0).astype(float)
    latest["quadrant"] = quadrant(latest["delivered_value"], latest["profit"]) if len(latest) else []
    if products:
        prod = main_products(cur, f).set_index("customer_id")["product"] if len(latest) else pd.Series(dtype=object)
        latest["product"] = latest["customer_id"].map(prod)
    unassessed = pnl.loc[~pnl["customer_id"].isin(latest["customer_id"]),
                         ["customer_id", "name", "customer_type", "segment", "region", "revenue", "profit"]]
    unassessed = unassessed.sort_values(["revenue", "customer_id"], ascending=[False, True], ignore_index=True)
    return latest.reset_index(drop=True), unassessed


# ------------------------------------------------------------------------------- aggregation
def _mean(s: pd.Series) -> float | None:
    s = s.dropna()
    return float(s.mean()) if len(s) else None


def _share(numer: float, denom: float) -> float | None:
    return float(numer) / float(denom) if denom > 0 else None


def aggregate(customers: pd.DataFrame) -> dict[str, float | int | None]:
    """The figures of one group of scored customers (output of :func:`score` plus ``revenue``,
    ``profit`` and ``quadrant`` when available).

    Keys: ``customers``; the mean of each part, ``customer_value``, ``customer_cost``,
    ``delivered_value``; ``value_cost_ratio`` (mean value ÷ mean cost); ``satisfaction_customers``
    (with an overall gap), ``gap_overall`` (mean), ``share_below``; per level
    ``level_customers_<l>``, ``expectation_<l>``, ``perception_<l>``, ``gap_<l>`` (means over the
    customers with that level) and ``share_below_<l>``; with money columns ``revenue`` and
    ``profit`` (sums); with quadrants ``winwin_customers``, ``winwin_share`` and
    ``winwin_revenue_share``. Means are None for an empty group.
    """
    n = len(customers)
    out: dict[str, float | int | None] = {"customers": n}
    for col in (*PARTS, "customer_value", "customer_cost", "delivered_value"):
        out[col] = _mean(customers[col]) if n else None
    value, cost = out["customer_value"], out["customer_cost"]
    out["value_cost_ratio"] = value / cost if value is not None and cost else None
    sat = customers["gap_overall"].dropna() if n else pd.Series(dtype=float)
    out["satisfaction_customers"] = len(sat)
    out["gap_overall"] = _mean(sat)
    out["share_below"] = float((sat < 0).mean()) if len(sat) else None
    for lvl in LEVELS:
        has = customers[f"gap_{lvl}"].notna() if n else pd.Series(dtype=bool)
        sub = customers.loc[has] if n else customers
        out[f"level_customers_{lvl}"] = int(has.sum())
        for col in (f"expectation_{lvl}", f"perception_{lvl}", f"gap_{lvl}"):
            out[col] = _mean(sub[col]) if len(sub) else None
        out[f"share_below_{lvl}"] = float((sub[f"gap_{lvl}"] < 0).mean()) if len(sub) else None
    if "revenue" in customers.columns:
        out["revenue"] = float(customers["revenue"].sum())
        out["profit"] = float(customers["profit"].sum())
    if "quadrant" in customers.columns:
        win = customers["quadrant"] == WIN_WIN
        out["winwin_customers"] = int(win.sum())
        out["winwin_share"] = _share(win.sum(), n)
        if "revenue" in customers.columns:
            out["winwin_revenue_share"] = _share(customers.loc[win, "revenue"].sum(), customers["revenue"].sum())
    return out


def by_group(customers: pd.DataFrame, by: str) -> pd.DataFrame:
    """:func:`aggregate` per value of ``by`` (one of :data:`DIMENSIONS`), one row per group.

    Columns: ``group`` (None for customers without a value, e.g. no product in the period) and
    every key of :func:`aggregate`, plus ``falls_short`` (mean overall gap < 0) and
    ``falls_short_<level>`` (mean level gap < 0). Sorted by mean delivered value descending,
    then group name.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"cannot group by {by!r}; use one of {', '.join(DIMENSIONS)}")
    if by not in customers.columns:
        raise ValueError(f"customer table lacks column {by!r}")
    # Missing values (no product in the period) form a group of their own, not a dropped one.
    keys = customers[by].astype(object).where(customers[by].notna(), None)
    groups = {(None if pd.isna(k) else k): g for k, g in customers.groupby(keys, dropna=False, sort=False)}
    rows = [{"group": value, **aggregate(groups[value])}
            for value in sorted(groups, key=lambda v: (v is None, str(v)))]
    out = pd.DataFrame(rows)
    if out.empty:
        cols = ["group", *aggregate(customers), "falls_short", *(f"falls_short_{lvl}" for lvl in LEVELS)]
        return pd.DataFrame(columns=cols)
    out["falls_short"] = out["gap_overall"].astype(float) < 0
    for lvl in LEVELS:
        out[f"falls_short_{lvl}"] = out[f"gap_{lvl}"].astype(float) < 0
    order = out.assign(_dv=out["delivered_value"].astype(float).fillna(-np.inf), _g=out["group"].astype(str))
    return out.loc[order.sort_values(["_dv", "_g"], ascending=[False, True]).index].reset_index(drop=True)


def level_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Per satisfaction level: ``level, customers, expectation, perception, gap, share_below``."""
    agg = aggregate(customers)
    return pd.DataFrame([{
        "level": lvl, "customers": agg[f"level_customers_{lvl}"], "expectation": agg[f"expectation_{lvl}"],
        "perception": agg[f"perception_{lvl}"], "gap": agg[f"gap_{lvl}"], "share_below": agg[f"share_below_{lvl}"],
    } for lvl in LEVELS])


def quadrant_table(customers: pd.DataFrame) -> pd.DataFrame:
    """Per quadrant (in :data:`QUADRANTS` order, all four always present): ``quadrant, customers,
    customer_share, revenue, revenue_share, profit, delivered_value`` (mean; None when empty).

    Shares are of the assessed customers (count, revenue); None when the denominator is ≤ 0.
    """
    n = len(customers)
    total_rev = float(customers["revenue"].sum()) if n else 0.0
    rows = []
    for q in QUADRANTS:
        g = customers.loc[customers["quadrant"] == q] if n else customers
        rev = float(g["revenue"].sum()) if len(g) else 0.0
        rows.append({"quadrant": q, "customers": len(g), "customer_share": _share(len(g), n),
                     "revenue": rev, "revenue_share": _share(rev, total_rev),
                     "profit": float(g["profit"].sum()) if len(g) else 0.0,
                     "delivered_value": _mean(g["delivered_value"]) if len(g) else None})
    return pd.DataFrame(rows)


def moves(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Each customer's quadrant in the previous and the current period and the win-win move.

    Both inputs need ``customer_id, name, quadrant``. Returns ``customer_id, name,
    quadrant_previous, quadrant_current`` (None where not assessed in that period) and ``move``
    (one of :data:`MOVES`), sorted by move then customer_id.
    """
    cols = ["customer_id", "name", "quadrant"]
    prev = previous[cols] if previous is not None and len(previous) else pd.DataFrame(columns=cols)
    cur = current[cols] if len(current) else pd.DataFrame(columns=cols)
    m = cur.merge(prev, on="customer_id", how="outer", suffixes=("_current", "_previous"))
    m["name"] = m["name_current"].where(m["name_current"].notna(), m["name_previous"])
    now_q = m["quadrant_current"].astype(object).where(m["quadrant_current"].notna(), None)
    before_q = m["quadrant_previous"].astype(object).where(m["quadrant_previous"].notna(), None)
    move = []
    for b, a in zip(before_q, now_q, strict=True):
        if b is None:
            move.append("only_current")
        elif a is None:
            move.append("only_previous")
        elif a == WIN_WIN:
            move.append("stayed_in" if b == WIN_WIN else "entered")
        else:
            move.append("left" if b == WIN_WIN else "stayed_out")
    out = pd.DataFrame({"customer_id": m["customer_id"], "name": m["name"], "quadrant_previous": before_q,
                        "quadrant_current": now_q, "move": move})
    order = {k: i for i, k in enumerate(MOVES)}
    return out.sort_values(["move", "customer_id"], key=lambda s: s.map(order) if s.name == "move" else s,
                           ignore_index=True)


def move_counts(moves_df: pd.DataFrame) -> dict[str, int]:
    """How many customers made each move (every key of :data:`MOVES`, zeros included)."""
    counts = moves_df["move"].value_counts() if len(moves_df) else pd.Series(dtype=int)
    return {m: int(counts.get(m, 0)) for m in MOVES}


def transitions(moves_df: pd.DataFrame) -> pd.DataFrame:
    """Counts of customers from each previous quadrant (rows) to each current one (columns).

    Rows and columns are :data:`QUADRANTS` plus ``not_assessed`` (assessed in one period only).
    """
    labels = [*QUADRANTS, "not_assessed"]
    prev = moves_df["quadrant_previous"].fillna("not_assessed") if len(moves_df) else pd.Series(dtype=object)
    now = moves_df["quadrant_current"].fillna("not_assessed") if len(moves_df) else pd.Series(dtype=object)
    table = pd.crosstab(pd.Categorical(prev, categories=labels), pd.Categorical(now, categories=labels),
                        dropna=False)
    table = table.reindex(index=labels, columns=labels, fill_value=0).astype(int)
    table.index.name, table.columns.name = "previous", "current"
    return table


def part_changes(before: Mapping[str, float | None], after: Mapping[str, float | None]) -> pd.DataFrame:
    """How each part moved mean delivered value between two sets of part means.

    Returns ``part, before, after, change, contribution`` in :data:`PARTS` order, where
    contribution = +change for value parts and −change for cost parts, so contributions sum to
    the change in mean delivered value. Empty when either side has no means.
    """
    if any(before.get(p) is None or after.get(p) is None for p in PARTS):
        return pd.DataFrame(columns=["part", "before", "after", "change", "contribution"])
    rows = []
    for p in PARTS:
        change = float(after[p]) - float(before[p])
        rows.append({"part": p, "before": float(before[p]), "after": float(after[p]), "change": change,
                     "contribution": change if p in VALUE_PARTS else -change})
    return pd.DataFrame(rows)


def main_driver(changes: pd.DataFrame) -> str | None:
    """The part with the largest absolute contribution (the first in part order on ties)."""
    if changes.empty:
        return None
    contrib = changes["contribution"].abs().round(DV_DECIMALS)
    if not (contrib > 0).any():
        return None
    return str(changes.loc[int(contrib.to_numpy().argmax()), "part"])


# ------------------------------------------------------------------------------ the results
@dataclass(frozen=True)
class Summary:
    """The headline figures of one period (scores in the assessments' scale; shares as fractions).

    ``assessed_customers`` have an assessment in the period; ``unassessed_customers`` are active
    (transaction or activity) without one; ``inactive_assessed_customers`` are assessed without
    any transaction or activity (profit 0). Means are over assessed customers; satisfaction
    figures over those with an overall gap; ``winwin_share`` = win-win ÷ assessed customers;
    ``unassessed_revenue_share`` = revenue of the not-assessed ÷ revenue of all active customers.
    """

    assessed_customers: int
    unassessed_customers: int
    inactive_assessed_customers: int
    customer_value_mean: float | None
    customer_cost_mean: float | None
    delivered_value_mean: float | None
    value_cost_ratio: float | None
    part_means: dict[str, float | None]
    satisfaction_customers: int
    satisfaction_gap_mean: float | None
    share_below_expectation: float | None
    winwin_customers: int
    winwin_share: float | None
    winwin_revenue_share: float | None
    unassessed_revenue_share: float | None


def summarize(customers: pd.DataFrame, unassessed: pd.DataFrame) -> Summary:
    """:class:`Summary` of the output of the customer step (assessed and not-assessed tables)."""
    agg = aggregate(customers)
    unassessed_rev = float(unassessed["revenue"].sum())
    active = customers["active"].astype(bool) if len(customers) else pd.Series(dtype=bool)
    active_rev = float(customers.loc[active, "revenue"].sum()) + unassessed_rev if len(customers) else unassessed_rev
    return Summary(
        assessed_customers=len(customers),
        unassessed_customers=len(unassessed),
        inactive_assessed_customers=int((~active).sum()),
        customer_value_mean=agg["customer_value"],
        customer_cost_mean=agg["customer_cost"],
        delivered_value_mean=agg["delivered_value"],
        value_cost_ratio=agg["value_cost_ratio"],
        part_means={p: agg[p] for p in PARTS},
        satisfaction_customers=int(agg["satisfaction_customers"] or 0),
        satisfaction_gap_mean=agg["gap_overall"],
        share_below_expectation=agg["share_below"],
        winwin_customers=int(agg.get("winwin_customers") or 0),
        winwin_share=agg.get("winwin_share"),
        winwin_revenue_share=agg.get("winwin_revenue_share"),
        unassessed_revenue_share=_share(unassessed_rev, active_rev),
    )


@dataclass(frozen=True)
class DeliveredValue:
    """Everything the Delivered value page shows for one filter.

    Attributes
    ----------
    period, previous_period : the period (open ends resolved to the data) and the one before it
        (None when unbounded or before the data).
    customers : one row per assessed customer: ``customer_id, name, customer_type, segment,
        region, channel, plan, product, assessment_id, assessed_on``, the parts and scores, the
        columns added by :func:`score`, ``active, revenue, profit, quadrant``; sorted by id.
    unassessed : active customers without an assessment in the period: ``customer_id, name,
        customer_type, segment, region, revenue, profit`` (largest revenue first).
    summary, previous : :class:`Summary` of the period and of the previous one (None without it).
    groups : :func:`by_group` for every dimension of :data:`DIMENSIONS`.
    levels : :func:`level_table`.
    quadrants : :func:`quadrant_table`.
    moves : :func:`moves` between the previous period and this one; ``move_counts`` its counts;
        ``transitions`` the quadrant-to-quadrant table.
    changes : :func:`part_changes` of the mean parts, previous period → this one; ``driver`` the
        part that moved mean delivered value most (None without a previous period).
    """

    period: tuple[dt.date | None, dt.date | None]
    previous_period: tuple[dt.date, dt.date] | None
    currency: str
    customers: pd.DataFrame
    unassessed: pd.DataFrame
    summary: Summary
    previous: Summary | None
    groups: dict[str, pd.DataFrame]
    levels: pd.DataFrame
    quadrants: pd.DataFrame
    moves: pd.DataFrame
    move_counts: dict[str, int]
    transitions: pd.DataFrame
    changes: pd.DataFrame
    driver: str | None = None


def _previous_filter(cur: duckdb.DuckDBPyConnection, f: Filters) -> Filters | None:
    prev = f.previous()
    bounds = filters.data_bounds(cur)
    if prev is None or bounds is None or prev.date_to < bounds[0]:
        return None
    return prev


def delivered_value(cur: duckdb.DuckDBPyConnection, f: Filters) -> DeliveredValue:
    """All figures of the page for ``f`` (open period ends are resolved to the data's dates)."""
    f = f.resolved(filters.data_bounds(cur))
    customers, unassessed = _customers(cur, f)
    summary = summarize(customers, unassessed)
    prev_f = _previous_filter(cur, f)
    prev_customers = None
    prev_summary = None
    if prev_f is not None:
        prev_customers, prev_unassessed = _customers(cur, prev_f, products=False)
        if len(prev_customers) or len(prev_unassessed):
            prev_summary = summarize(prev_customers, prev_unassessed)
    mv = moves(customers, prev_customers)
    changes = part_changes(prev_summary.part_means, summary.part_means) if prev_summary else part_changes({}, {})
    return DeliveredValue(
        period=(f.date_from, f.date_to),
        previous_period=(prev_f.date_from, prev_f.date_to) if prev_f else None,
        currency=db.currency(cur),
        customers=customers,
        unassessed=unassessed,
        summary=summary,
        previous=prev_summary,
        groups={d: by_group(customers, d) for d in DIMENSIONS},
        levels=level_table(customers),
        quadrants=quadrant_table(customers),
        moves=mv,
        move_counts=move_counts(mv),
        transitions=transitions(mv),
        changes=changes,
        driver=main_driver(changes),
    )


def winwin_points(cur: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """The assessed customers of ``f`` placed on the win-win map.

    Returns ``customer_id, name, segment, region, customer_type, delivered_value, profit, revenue,
    quadrant, active`` (one row per assessed customer, by id).
    """
    f = f.resolved(filters.data_bounds(cur))
    customers, _ = _customers(cur, f, products=False)
    return customers[["customer_id", "name", "segment", "region", "customer_type", "delivered_value",
                      "profit", "revenue", "quadrant", "active"]]


def map_sample(points: pd.DataFrame, max_points: int = MAX_MAP_POINTS, seed: int = 0) -> pd.DataFrame:
    """At most ``max_points`` rows of a map: the largest revenues (a quarter) and a seeded sample.

    Keeps the biggest circles, which carry most of the revenue, and a uniform sample of the rest
    so that the density of the cloud stays true. Returns the rows in their original order.
    """
    if max_points < 10:
        raise ValueError("max_points must be at least 10")
    if len(points) <= max_points:
        return points
    top = points["revenue"].abs().sort_values(ascending=False, kind="stable").index[: max_points // 4]
    rest = points.index.difference(top)
    rng = np.random.default_rng(seed)
    pick = rng.choice(np.asarray(rest), size=max_points - len(top), replace=False)
    keep = set(top) | set(pick.tolist())
    return points.loc[[i for i in points.index if i in keep]]


def selected_customers(points: pd.DataFrame, ids: Iterable[object]) -> pd.DataFrame:
    """The rows of ``points`` whose ``customer_id`` is in ``ids`` (a chart selection), by profit."""
    wanted = {str(i) for i in ids if i is not None}
    out = points.loc[points["customer_id"].astype(str).isin(wanted)]
    return out.sort_values(["profit", "customer_id"], ascending=[False, True], ignore_index=True)


# -------------------------------------------------------------------------------- over time
def buckets(f: Filters, freq: str) -> list[tuple[dt.date, dt.date]]:
    """The calendar months or quarters that overlap the period, each clipped to the period."""
    if freq not in FREQS:
        raise ValueError(f"unknown frequency {freq!r}; use one of {', '.join(FREQS)}")
    if f.date_from is None or f.date_to is None:
        raise ValueError("the period needs a start and an end to be split into buckets")
    step = 1 if freq == "month" else 3
    start = f.date_from.replace(day=1)
    if freq == "quarter":
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    out = []
    while start <= f.date_to:
        end = filters.add_months(start, step) - dt.timedelta(days=1)
        out.append((max(start, f.date_from), min(end, f.date_to)))
        start = filters.add_months(start, step)
    return out


@dataclass(frozen=True)
class Trend:
    """Mean delivered value and parts per bucket, and what moved it.

    ``table``: ``bucket`` (first day of the calendar month/quarter), ``customers``, the mean of
    each part, ``customer_value``, ``customer_cost``, ``delivered_value``, ``change`` (against the
    previous bucket with data; NaN for the first), ``driver`` (the part that moved it most; None
    for the first) and ``driver_contribution``. Buckets without assessments are absent.
    ``changes``/``driver``: the same split from the first to the last bucket.
    """

    freq: str
    table: pd.DataFrame
    changes: pd.DataFrame
    driver: str | None


def trend(cur: duckdb.DuckDBPyConnection, f: Filters, freq: str = "month") -> Trend:
    """Delivered value per month or quarter of the period (see the module docstring)."""
    if freq not in FREQS:
        raise ValueError(f"unknown frequency {freq!r}; use one of {', '.join(FREQS)}")
    f = f.resolved(filters.data_bounds(cur))
    period, params = f.period_sql("a.assessed_on")
    cust, p2 = f.customer_sql("c")
    params.update(p2)
    params["freq"] = freq
    means = ", ".join(f"avg(CAST({p} AS DOUBLE)) AS {p}" for p in PARTS)
    parts = ", ".join(f"a.{p}" for p in PARTS)
    table = cur.execute(
        f"""
        SELECT bucket, count(*) AS customers, {means} FROM (
          SELECT CAST(date_trunc($freq, a.assessed_on) AS DATE) AS bucket, {parts},
                 row_number() OVER (PARTITION BY a.customer_id, date_trunc($freq, a.assessed_on)
                                    ORDER BY a.assessed_on DESC, a.assessment_id DESC) AS rn
          FROM {schema.ASSESSMENTS} a JOIN {schema.CUSTOMERS} c ON c.customer_id = a.customer_id
          WHERE {period} AND {cust}
        ) b WHERE rn = 1 GROUP BY bucket ORDER BY bucket
        """,
        params,
    ).df()
    table["bucket"] = pd.to_datetime(table["bucket"]).dt.date
    table["customers"] = table["customers"].astype(int)
    table["customer_value"] = table[list(VALUE_PARTS)].sum(axis=1)
    table["customer_cost"] = table[list(COST_PARTS)].sum(axis=1)
    table["delivered_value"] = table["customer_value"] - table["customer_cost"]
    table["change"] = table["delivered_value"].diff()
    drivers: list[str | None] = [None]
    contributions: list[float] = [np.nan]
    for i in range(1, len(table)):
        ch = part_changes(table.iloc[i - 1], table.iloc[i])
        d = main_driver(ch)
        drivers.append(d)
        contributions.append(float(ch.set_index("part").loc[d, "contribution"]) if d else 0.0)
    table["driver"] = drivers[: len(table)] if len(table) else []
    table["driver_contribution"] = contributions[: len(table)] if len(table) else []
    overall = part_changes(table.iloc[0], table.iloc[-1]) if len(table) >= 2 else part_changes({}, {})
    return Trend(freq=freq, table=table, changes=overall, driver=main_driver(overall))


def winwin_steps(cur: duckdb.DuckDBPyConnection, f: Filters, freq: str = "quarter") -> pd.DataFrame:
    """The win-win map's population per month or quarter of the period (each bucket on its own:
    latest assessment and profit within the bucket).

    Returns ``step_start, step_end, assessed, quadrant, customers, customer_share, revenue_share``:
    four rows per bucket (every quadrant), buckets in order.
    """
    f = f.resolved(filters.data_bounds(cur))
    rows = []
    for start, end in buckets(f, freq):
        customers, _ = _customers(cur, f.with_period(start, end), products=False)
        q = quadrant_table(customers)
        q.insert(0, "assessed", len(customers))
        q.insert(0, "step_end", end)
        q.insert(0, "step_start", start)
        rows.append(q[["step_start", "step_end", "assessed", "quadrant", "customers", "customer_share",
                       "revenue_share"]])
    if not rows:
        return pd.DataFrame(columns=["step_start", "step_end", "assessed", "quadrant", "customers",
                                     "customer_share", "revenue_share"])
    return pd.concat(rows, ignore_index=True)


# ----------------------------------------------------------------------- report and CLI
REPORT_KEYS = ("delivered_value_mean", "customer_value_mean", "customer_cost_mean", "value_cost_ratio",
               "satisfaction_gap_mean", "share_below_expectation", "winwin_share", "assessed_customers",
               "unassessed_customers")


def report_fields(result: DeliveredValue) -> dict[str, object]:
    """The report keys (see docs/delivered_value.md) of a computed result; the page shows these."""
    s = result.summary
    out: dict[str, object] = {k: getattr(s, k) for k in REPORT_KEYS}
    out["winwin_entered"] = result.move_counts["entered"] if result.previous is not None else None
    out["winwin_left"] = result.move_counts["left"] if result.previous is not None else None
    return out


def report_section(cur: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, object]:
    """Delivered value, satisfaction and win-win figures for ``python -m analytics report``."""
    return report_fields(delivered_value(cur, f))


def _cli(args: argparse.Namespace) -> int:
    from analytics import cli

    con = db.connect(args.db, read_only=True)
    try:
        with db.cursor(con) as cur:
            if filters.data_bounds(cur) is None:
                raise ValueError("the database has no transactions yet (load data or run: python -m analytics demo)")
            f = cli.filters_from_args(args, cur)
            result = delivered_value(cur, f)
    finally:
        con.close()
    groups = result.groups[args.by]
    cols = ["group", "customers", "customer_value", "customer_cost", "delivered_value", "value_cost_ratio",
            "gap_overall", "share_below", "falls_short", "winwin_share"]
    table = groups[[c for c in cols if c in groups.columns]]
    if args.json:
        cli.print_json({"period_from": result.period[0].isoformat(), "period_to": result.period[1].isoformat(),
                        "by": args.by, **report_fields(result),
                        "groups": table.astype(object).where(table.notna(), None).to_dict("records")})
    else:  # customers without a purchase in the period have no product: shown as "—"
        text = table.assign(group=table["group"].astype(object).where(table["group"].notna(), "—"))
        print(text.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """``python -m analytics delivered-value``: group averages of delivered value and satisfaction."""
    from analytics import cli

    p = sub.add_parser("delivered-value", help="delivered value and satisfaction per group")
    cli.add_db_arg(p)
    cli.add_filter_args(p)
    p.add_argument("--by", choices=DIMENSIONS, default="segment", help="group by (default: segment)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=_cli)
