"""Profit concentration by group: customer attributes, products and periods as P&L units (part of
:mod:`analytics.concentration`).

Groups to compare (:func:`compare`) are customer attributes (segment, region, channel, customer
type, plan), products and periods. A customer counts once in each attribute group. For products,
a customer's cost to serve is allocated to the products they bought in proportion to each
product's positive revenue (:func:`allocate_to_products`); for periods (quarters or years inside
the filter), each period is a filter of its own, so a customer appears in every period in which
they had a transaction or an activity, with that period's profit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics import filters, profit, query
from analytics.concentration.figures import NO_GROUP, RateMap, by_group
from analytics.filters import Filters
from analytics.metrics import GROUP_DIMENSIONS
from analytics.profit import CustomerPnL
from analytics.query import relations
from analytics.store import schema

DIMENSIONS = ("segment", "region", "channel", "customer_type", "plan", "product", "period")
ATTRIBUTE_DIMENSIONS = GROUP_DIMENSIONS
PERIOD_UNITS = ("quarter", "year")
UNIT_COLUMNS = ("group", "customer_id", "name", "customer_type", "segment", "region", "channel", "plan",
                "revenue", "cogs", "cost_to_serve", "profit")
CUSTOMER_ATTRS = ("name", "customer_type", "segment", "region", "channel", "plan")


@dataclass(frozen=True)
class Units:
    """The P&L units of one comparison dimension.

    ``pnl`` has :data:`UNIT_COLUMNS`: one row per group and customer (``group`` is the attribute
    value, the product, or the period label). ``costs`` is ``group, customer_id, activity, cost``.
    Summed over groups, revenue, cost of goods, cost to serve and profit equal the customer P&L of
    the whole filter (up to floating-point rounding for allocated product costs).
    """

    dimension: str
    pnl: pd.DataFrame
    costs: pd.DataFrame


def customer_units(pnl: CustomerPnL, column: str | None) -> Units:
    """Each customer as one unit, grouped by ``column`` (one group ``""`` when None)."""
    c = pnl.customers
    group = c[column].fillna(NO_GROUP) if column else pd.Series("", index=c.index)
    units_pnl = c.assign(group=group.astype(str))[list(UNIT_COLUMNS)]
    costs = pnl.costs.merge(units_pnl[["customer_id", "group"]], on="customer_id", how="inner")
    return Units(column or "all", units_pnl.reset_index(drop=True),
                 costs[["group", "customer_id", "activity", "cost"]].reset_index(drop=True))


def product_sales(cur: Any, f: Filters) -> pd.DataFrame:
    """Revenue and cost of goods per customer and product in the filter: ``customer_id, product, revenue, cogs``."""
    t = query.table(schema.TRANSACTIONS)
    preds = relations.period_predicates(t.tx_date, f)
    t = relations.in_scope(t.filter(*preds) if preds else t, f)
    return query.df(cur, t.group_by("customer_id", "product").aggregate(
        revenue=t.revenue.sum().cast("float64"),
        cogs=relations.money(t.cogs.sum()),  # unknown cost of goods counts as none, as in profit
    ).order_by("customer_id", "product"))


def allocate_to_products(pnl: CustomerPnL, sales: pd.DataFrame) -> Units:
    """Customer P&L split by product; cost to serve allocated in proportion to revenue.

    Each customer's revenue and cost of goods are the product's own. The customer's cost to serve
    (every activity) is shared among the products they bought in proportion to each product's
    positive revenue: weight = max(revenue_p, 0) / Σ max(revenue_q, 0). Products whose revenue is
    zero or negative (returns) get no cost to serve. A customer with no positive revenue at all
    (activities only, or only returns) keeps the whole cost to serve in the group ``"—"``
    (:data:`NO_GROUP`), so that the groups still add up to the whole filter.

    Parameters
    ----------
    pnl : :func:`analytics.profit.customer_pnl` of the filter.
    sales : ``customer_id, product, revenue, cogs`` of the same filter (:func:`product_sales`).
    """
    missing = [col for col in ("customer_id", "product", "revenue", "cogs") if col not in sales.columns]
    if missing:
        raise ValueError(f"product sales lack column(s): {', '.join(missing)}")
    # Integer codes and numpy throughout: at 100,000 customers, Python-level work on text ids is slow.
    c = pnl.customers.reset_index(drop=True)
    ids = pd.Index(c["customer_id"])
    n = len(c)
    s = sales.assign(cust=ids.get_indexer(sales["customer_id"]))
    s = s[s["cust"] >= 0]
    cust = s["cust"].to_numpy()
    products = s["product"].fillna(NO_GROUP).astype(str).to_numpy(dtype=object)
    revenue = s["revenue"].to_numpy(dtype=float)
    cogs = s["cogs"].to_numpy(dtype=float)
    positive = np.clip(revenue, 0.0, None)
    base = np.bincount(cust, weights=positive, minlength=n)
    weight = np.divide(positive, base[cust], out=np.zeros(len(s)), where=base[cust] > 0)
    cts = c["cost_to_serve"].to_numpy(dtype=float)
    # Customers none of whose products can carry cost keep it unallocated (and those with neither
    # sales nor cost keep a row, so that every customer of the P&L is somewhere).
    has_sales = np.bincount(cust, minlength=n) > 0
    rest = np.flatnonzero((base <= 0) & ((cts != 0) | ~has_sales))
    unit_cust = np.concatenate([cust, rest])
    unit_group = np.concatenate([products, np.full(len(rest), NO_GROUP, dtype=object)])
    unit_weight = np.concatenate([weight, np.ones(len(rest))])
    # Final order (group, then customer_id) computed on integer ranks, then applied once to arrays.
    id_text = c["customer_id"].to_numpy(dtype=object)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[np.argsort(id_text, kind="stable")] = np.arange(n)
    group_codes, _ = pd.factorize(unit_group, sort=True)
    order = np.lexsort((id_rank[unit_cust], group_codes))
    unit_cust, unit_group, unit_weight = unit_cust[order], unit_group[order], unit_weight[order]
    unit_cost = np.concatenate([cts[cust] * weight, cts[rest]])[order]
    # Text stays in object arrays: converting 100,000s of values to Arrow strings costs more than the rest.
    u = pd.DataFrame({
        "group": pd.Series(unit_group, dtype=object),
        "customer_id": pd.Series(id_text[unit_cust], dtype=object),
        **{col: pd.Series(c[col].to_numpy(dtype=object)[unit_cust], dtype=object) for col in CUSTOMER_ATTRS},
        "revenue": np.concatenate([revenue, np.zeros(len(rest))])[order],
        "cogs": np.concatenate([cogs, np.zeros(len(rest))])[order],
        "cost_to_serve": unit_cost,
    })
    collide = u.duplicated(["group", "customer_id"]).any()  # a product literally named "—" meets an unallocated row
    if collide:
        u = u.groupby(["group", "customer_id", *CUSTOMER_ATTRS], as_index=False, dropna=False)[
            ["revenue", "cogs", "cost_to_serve"]].sum()
    u["profit"] = profit.net_profit(u["revenue"], u["cogs"], u["cost_to_serve"])
    u = u[list(UNIT_COLUMNS)]
    w = pd.DataFrame({"cust": unit_cust, "group": pd.Series(unit_group, dtype=object), "weight": unit_weight})
    k = pnl.costs.assign(cust=ids.get_indexer(pnl.costs["customer_id"]))
    costs = k[k["cust"] >= 0].merge(w[w["weight"] > 0], on="cust", how="inner")
    costs["cost"] = costs["cost"] * costs["weight"]
    costs = costs[["group", "customer_id", "activity", "cost"]]
    if collide:  # pnl.costs has one row per customer and activity, so only a collision repeats a key
        costs = costs.groupby(["group", "customer_id", "activity"], as_index=False, sort=False)["cost"].sum()
    return Units("product", u, costs)


def data_span(cur: Any) -> tuple[dt.date, dt.date] | None:
    """First and last date of any transaction or activity (None for an empty store)."""
    t, a = query.table(schema.TRANSACTIONS), query.table(schema.ACTIVITIES)
    d = t.select(d=t.tx_date).union(a.select(d=a.activity_date), distinct=False)
    row = query.row(cur, d.aggregate(lo=d.d.min(), hi=d.d.max()))
    if row is None or row[0] is None:
        return None
    return query.date_value(row[0]), query.date_value(row[1])


def periods(f: Filters, span: tuple[dt.date, dt.date] | None, unit: str = "quarter") -> list[tuple[str, dt.date, dt.date]]:
    """The calendar quarters or years that meet the filter's period, clipped to it.

    Open ends of the filter are taken from ``span`` (the data's first and last dates). Labels are
    ``"2025-Q1"`` or ``"2025"`` (they sort chronologically). Returns ``(label, first, last)``.
    """
    if unit not in PERIOD_UNITS:
        raise ValueError(f"unknown period unit {unit!r}; use one of {', '.join(PERIOD_UNITS)}")
    start = f.date_from or (span[0] if span else None)
    end = f.date_to or (span[1] if span else None)
    if start is None or end is None:
        return []
    months = 3 if unit == "quarter" else 12
    first = dt.date(start.year, 1 if unit == "year" else 3 * ((start.month - 1) // 3) + 1, 1)
    out = []
    while first <= end:
        nxt = filters.add_months(first, months)
        label = f"{first.year}-Q{(first.month - 1) // 3 + 1}" if unit == "quarter" else str(first.year)
        out.append((label, max(first, start), min(nxt - dt.timedelta(days=1), end)))
        first = nxt
    return out


def _period_units(cur: duckdb.DuckDBPyConnection, f: Filters, unit: str, rates: RateMap) -> Units:
    spans = periods(f, data_span(cur), unit)
    parts = [customer_units(profit.customer_pnl(cur, f.with_period(a, b), rates), None) for _, a, b in spans]
    labels = [label for label, _, _ in spans]
    if not parts:
        return Units("period", pd.DataFrame(columns=list(UNIT_COLUMNS)),
                     pd.DataFrame(columns=["group", "customer_id", "activity", "cost"]))
    return Units("period",
                 pd.concat([u.pnl.assign(group=g) for g, u in zip(labels, parts, strict=True)], ignore_index=True),
                 pd.concat([u.costs.assign(group=g) for g, u in zip(labels, parts, strict=True)], ignore_index=True))


def units(cur: duckdb.DuckDBPyConnection, f: Filters, dimension: str, rates: RateMap = None,
          period_unit: str = "quarter") -> Units:
    """The P&L units of ``dimension`` (one of :data:`DIMENSIONS` or ``industry``); see :class:`Units`."""
    if dimension == "product":
        return allocate_to_products(profit.customer_pnl(cur, f, rates), product_sales(cur, f))
    if dimension == "period":
        return _period_units(cur, f, period_unit, rates)
    if dimension not in ATTRIBUTE_DIMENSIONS:
        raise ValueError(f"cannot compare by {dimension!r}; use one of {', '.join(DIMENSIONS)}")
    return customer_units(profit.customer_pnl(cur, f, rates), dimension)


def compare(cur: duckdb.DuckDBPyConnection, f: Filters, dimension: str = "segment", rates: RateMap = None,
            period_unit: str = "quarter") -> pd.DataFrame:
    """The 20/80/30 figures of every group of ``dimension`` (:func:`by_group` over :func:`units`).

    One row per group: ``group``, every :class:`ConcentrationFigures` field, ``revenue``, ``cogs``,
    ``cost_to_serve``. Attribute and product groups are sorted by total profit (largest first, then
    name); periods chronologically. Product groups use revenue-proportional cost allocation
    (:func:`allocate_to_products`).
    """
    u = units(cur, f, dimension, rates, period_unit)
    out = by_group(u.pnl, "group")
    if dimension == "period" and not out.empty:
        out = out.sort_values("group", ignore_index=True)
    return out
