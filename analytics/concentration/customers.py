"""The customers behind the concentration: what drives their cost to serve, the most and least
profitable ones, the P&L bridge from revenue to profit, and the customer search (part of
:mod:`analytics.concentration`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics import profit
from analytics.concentration.figures import NO_GROUP, RateMap
from analytics.concentration.groups import ATTRIBUTE_DIMENSIONS, CUSTOMER_ATTRS, Units, customer_units, units
from analytics.filters import Filters


@dataclass(frozen=True)
class LossDrivers:
    """Which activities drive the losses of a group of customers.

    ``activities`` has one row per activity: ``activity``; ``loss_cost`` (its cost summed over the
    group's loss-makers, profit < 0); ``loss_cost_share`` (÷ the loss-makers' whole cost to
    serve); ``loss_cost_per_customer`` and ``other_cost_per_customer`` (per loss-maker, and per
    other customer of the group, profit ≥ 0); ``loss_cost_per_revenue`` and
    ``other_cost_per_revenue`` (÷ the revenue of each side; NaN where that revenue is ≤ 0).
    Sorted by ``loss_cost`` descending, then activity.
    """

    group: str | None
    customers: int
    loss_customers: int
    loss_profit: float
    loss_revenue: float
    loss_cost_to_serve: float
    activities: pd.DataFrame


def activity_drivers(u: Units, group: str | None = None) -> LossDrivers:
    """:class:`LossDrivers` of the units of one group (all units when ``group`` is None)."""
    pnl = u.pnl if group is None else u.pnl[u.pnl["group"] == group]
    costs = u.costs if group is None else u.costs[u.costs["group"] == group]
    loss = pnl[pnl["profit"] < 0]
    other = pnl[pnl["profit"] >= 0]
    key = ["group", "customer_id"]
    loss_keys = pd.MultiIndex.from_frame(loss[key])
    in_loss = pd.MultiIndex.from_frame(costs[key]).isin(loss_keys)
    per = pd.DataFrame({
        "loss_cost": costs[in_loss].groupby("activity")["cost"].sum(),
        "other_cost": costs[~in_loss].groupby("activity")["cost"].sum(),
    }).fillna(0.0)
    per.index.name = "activity"
    per = per.reset_index()
    n_loss, n_other = len(loss), len(other)
    loss_rev, other_rev = float(loss["revenue"].sum()), float(other["revenue"].sum())
    loss_cts = float(loss["cost_to_serve"].sum())
    per["loss_cost_share"] = per["loss_cost"] / loss_cts if loss_cts > 0 else np.nan
    per["loss_cost_per_customer"] = per["loss_cost"] / n_loss if n_loss else np.nan
    per["other_cost_per_customer"] = per["other_cost"] / n_other if n_other else np.nan
    per["loss_cost_per_revenue"] = per["loss_cost"] / loss_rev if loss_rev > 0 else np.nan
    per["other_cost_per_revenue"] = per["other_cost"] / other_rev if other_rev > 0 else np.nan
    per = per.sort_values(["loss_cost", "activity"], ascending=[False, True], ignore_index=True)
    return LossDrivers(group=group, customers=len(pnl), loss_customers=n_loss, loss_profit=float(loss["profit"].sum()),
                       loss_revenue=loss_rev, loss_cost_to_serve=loss_cts,
                       activities=per.drop(columns="other_cost"))


def loss_drivers(cur: duckdb.DuckDBPyConnection, f: Filters, dimension: str | None = None, group: str | None = None,
                 rates: RateMap = None, period_unit: str = "quarter") -> LossDrivers:
    """Which activities drive the losses: of the whole filter, or of one group of ``dimension``."""
    if dimension is None or group is None:
        return activity_drivers(customer_units(profit.customer_pnl(cur, f, rates), None))
    return activity_drivers(units(cur, f, dimension, rates, period_unit), group)


def rank_range(n: int, share_range: tuple[float, float]) -> tuple[int, int]:
    """The customer ranks (1-based, inclusive) whose whale-curve points lie in a range of customer shares.

    Rank k sits at x = k/n; the range ``(lo, hi)`` (fractions, in either order, clipped to [0, 1])
    keeps ranks ⌈lo·n⌉ … ⌊hi·n⌋, at least rank 1. An empty range gives ``(first, first − 1)``.
    """
    try:
        lo, hi = sorted(min(max(float(v), 0.0), 1.0) for v in share_range)
    except (TypeError, ValueError):
        raise ValueError(f"a share range is two numbers, got {share_range!r}") from None
    first = max(1, math.ceil(round(lo * n, 9)))
    last = min(n, math.floor(round(hi * n, 9)))
    return first, max(last, first - 1)


@dataclass(frozen=True)
class CustomerTable:
    """A table of customers with what drives their cost.

    ``frame`` columns: ``rank`` (in the whole filter's ranking, 1 = most profitable),
    ``customer_id, name, segment, region, channel, customer_type, plan, revenue, cogs,
    cost_to_serve, profit``, ``main_driver`` (the activity with the largest cost; None without
    activities), ``main_driver_share`` (its cost ÷ cost to serve) and one ``cost:<activity>``
    column per activity in ``activities`` (largest total cost first). ``matched`` counts the rows
    before the cut to ``n``; ``ranks`` is the rank range applied (None when none).
    """

    frame: pd.DataFrame
    activities: tuple[str, ...]
    matched: int
    ranks: tuple[int, int] | None


TABLE_KINDS = ("top", "loss")


def customer_table(cur: duckdb.DuckDBPyConnection, f: Filters, kind: str = "top", n: int = 20, rates: RateMap = None,
                   share_range: tuple[float, float] | None = None, dimension: str | None = None,
                   group: str | None = None, period_unit: str = "quarter") -> CustomerTable:
    """The most profitable (``kind="top"``: profit > 0, largest first) or the most loss-making
    (``"loss"``: profit < 0, largest loss first) customers, ties broken by customer_id.

    ``share_range`` keeps customers whose point on the whole filter's whale curve lies in that
    range of customer shares (:func:`rank_range`). With ``dimension`` and ``group``, rows are that
    group's units (:func:`units`): for products, the customer's P&L on the product with allocated
    cost to serve; for periods, the customer's P&L in the period.
    """
    if kind not in TABLE_KINDS:
        raise ValueError(f"unknown table {kind!r}; use one of {', '.join(TABLE_KINDS)}")
    if n < 1:
        raise ValueError("a table needs at least one row")
    pnl = profit.customer_pnl(cur, f, rates)
    ranking = pnl.customers["customer_id"]  # customer_pnl sorts by profit desc, then customer_id
    ranks = pd.Series(np.arange(1, len(ranking) + 1), index=ranking.to_numpy())
    u = customer_units(pnl, None) if dimension is None or group is None else units(cur, f, dimension, rates, period_unit)
    rows = u.pnl if dimension is None or group is None else u.pnl[u.pnl["group"] == group]
    costs = u.costs if dimension is None or group is None else u.costs[u.costs["group"] == group]
    rows = rows.assign(rank=rows["customer_id"].map(ranks).astype(int))
    applied = None
    if share_range is not None:
        applied = rank_range(len(ranking), share_range)
        rows = rows[rows["rank"].between(*applied)]
    rows = rows[rows["profit"] > 0] if kind == "top" else rows[rows["profit"] < 0]
    rows = rows.sort_values(["profit", "customer_id"], ascending=[kind == "loss", True], ignore_index=True)
    matched = len(rows)
    rows = rows.head(n)
    activities = tuple(pnl.activity_totals["activity"])
    matrix = (costs[costs["customer_id"].isin(rows["customer_id"])]
              .pivot_table(index="customer_id", columns="activity", values="cost", aggfunc="sum", fill_value=0.0)
              .reindex(index=rows["customer_id"], columns=list(activities), fill_value=0.0).fillna(0.0))
    top_cost = matrix.max(axis=1) if activities else pd.Series(0.0, index=matrix.index)
    driver = matrix.idxmax(axis=1).where(top_cost > 0) if activities else pd.Series(None, index=matrix.index)
    out = rows[["rank", "customer_id", *CUSTOMER_ATTRS, "revenue", "cogs", "cost_to_serve", "profit"]].copy()
    out["main_driver"] = pd.Series([d if isinstance(d, str) else None for d in driver], index=out.index, dtype=object)
    cts = out["cost_to_serve"].to_numpy()
    out["main_driver_share"] = np.divide(top_cost.to_numpy(), cts, out=np.full(len(out), np.nan), where=cts > 0)
    for a in activities:
        out[f"cost:{a}"] = matrix[a].to_numpy()
    return CustomerTable(out, activities, matched, applied)


@dataclass(frozen=True)
class Bridge:
    """From revenue to profit for a scope: ``costs`` is ``activity, cost`` (largest first)."""

    revenue: float
    cogs: float
    cost_to_serve: float
    profit: float
    customers: int
    costs: pd.DataFrame


def bridge(cur: duckdb.DuckDBPyConnection, f: Filters, rates: RateMap = None, column: str | None = None,
           value: str | None = None, customer_id: str | None = None) -> Bridge:
    """Revenue, cost of goods, each activity's cost and profit of the whole filter, of the customers
    whose ``column`` equals ``value`` ("—" for missing), or of one customer.

    Raises ValueError for an unknown column or a customer with no transaction or activity in the filter.
    """
    pnl = profit.customer_pnl(cur, f, rates)
    c = pnl.customers
    if customer_id is not None:
        sel = c[c["customer_id"] == str(customer_id)]
        if sel.empty:
            raise ValueError(f"customer {customer_id!r} has no transaction or activity in this selection")
    elif column is not None:
        if column not in ATTRIBUTE_DIMENSIONS:
            raise ValueError(f"cannot select customers by {column!r}; use one of {', '.join(ATTRIBUTE_DIMENSIONS)}")
        sel = c[c[column].fillna(NO_GROUP).astype(str) == str(value)]
    else:
        sel = c
    costs = pnl.costs[pnl.costs["customer_id"].isin(sel["customer_id"])]
    per = costs.groupby("activity", as_index=False)["cost"].sum()
    per = per.sort_values(["cost", "activity"], ascending=[False, True], ignore_index=True)
    return Bridge(revenue=float(sel["revenue"].sum()), cogs=float(sel["cogs"].sum()),
                  cost_to_serve=float(sel["cost_to_serve"].sum()), profit=float(sel["profit"].sum()),
                  customers=len(sel), costs=per)


def search_customers(cur: duckdb.DuckDBPyConnection, f: Filters, query: str, limit: int = 20) -> pd.DataFrame:
    """Customers of the filter whose id or name contains ``query`` (case-insensitive).

    Columns ``customer_id, name, segment, profit``; an exact id first, then ids that start with the
    query, then the rest, each by customer_id; at most ``limit`` rows; empty for a blank query.
    """
    cols = ["customer_id", "name", "segment", "profit"]
    q = (query or "").strip().casefold()
    c = profit.customer_pnl(cur, f).customers
    if not q:
        return c[cols].iloc[:0]
    ids = c["customer_id"].astype(str).str.casefold()
    names = c["name"].fillna("").astype(str).str.casefold()
    hit = c[ids.str.contains(q, regex=False) | names.str.contains(q, regex=False)].copy()
    hid = hit["customer_id"].astype(str).str.casefold()
    hit["_order"] = np.where(hid == q, 0, np.where(hid.str.startswith(q), 1, 2))
    return hit.sort_values(["_order", "customer_id"], ignore_index=True)[cols].head(limit)
