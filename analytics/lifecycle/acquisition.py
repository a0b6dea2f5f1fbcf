"""Acquisition payback by cohort (part of :mod:`analytics.lifecycle`; DOMAIN.md §4).

Payback
-------
Customers acquired on or after the first day of data form cohorts by the month (or quarter) of
acquisition (``acquired_on``, else the first purchase). For each customer, month ``n`` = 1 is the
acquisition month, ``n`` = 2 the next, and so on up to the as-of date; *net cumulative profit*
after ``n`` months = the customer's profit (revenue − cost of goods − cost to serve, as in
:mod:`analytics.profit`) over months 1…n − acquisition cost (missing acquisition cost counts as
0 and is reported). A cohort's *payback curve* is the mean over its customers, shown for the
months every member has completed; its *months to payback* is the first ``n`` where the curve is
≥ 0. *Unprofitable after year one*: among customers with at least 12 months observed, the share
whose net cumulative profit after 12 months is below zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import filters, profit, query
from analytics.filters import Filters
from analytics.query import relations
from analytics.store import schema

YEAR_ONE_MONTHS = 12


@dataclass(frozen=True)
class Payback:
    """Acquisition payback by cohort (see the module docstring).

    Attributes
    ----------
    curves : DataFrame
        ``cohort`` (first day of the cohort's month or quarter), ``month`` (1 = acquisition month),
        ``customers``, ``net_profit`` (mean net cumulative profit per customer after ``month``
        months: cumulative profit − acquisition cost), ``median_net_profit`` (the median customer's);
        months every member has completed only.
    cohorts : DataFrame
        One row per cohort: ``cohort, customers, acquisition_cost`` (mean), ``profit_to_date``
        (mean cumulative profit per customer up to the as-of date), ``months_observed``,
        ``months_to_payback`` (first month the mean curve is ≥ 0; NaN if not yet),
        ``median_months_to_payback`` (the same for the median curve), ``year_one_customers`` (members with 12
        months observed), ``unprofitable_after_year_one`` (share of them below zero; NaN if none).
    customers : DataFrame
        One row per customer: ``customer_id, cohort, acquired_on, acquisition_cost, months_observed,
        profit_to_date, net_profit_year_one`` (NaN when fewer than 12 months are observed),
        ``months_to_payback`` (NaN if not paid back).
    as_of : the last day counted.
    grain : ``month`` or ``quarter``.
    missing_cost : customers whose acquisition cost is unknown (counted as 0).
    unprofitable_after_year_one : share over all cohorts (NaN when no customer has 12 months).
    """

    curves: pd.DataFrame
    cohorts: pd.DataFrame
    customers: pd.DataFrame
    as_of: dt.date | None
    grain: str
    missing_cost: int
    unprofitable_after_year_one: float | None
    year_one_customers: int = 0
    notes: tuple[str, ...] = field(default=())


GRAINS = ("month", "quarter")


def _months_between(a: pd.Series, b: dt.date) -> np.ndarray:
    """Whole calendar months from each date of ``a`` to ``b`` (0 for the same month)."""
    s = pd.to_datetime(a)
    return ((b.year - s.dt.year) * 12 + (b.month - s.dt.month)).to_numpy()


def payback(cur: Any, f: Filters, grain: str = "quarter") -> Payback:
    """Payback curves of acquisition cohorts, up to the period's end (see :class:`Payback`).

    Cohorts: customers of the filter's attributes acquired from the first day of data up to the
    as-of date (``f.date_to``, else the last transaction date); the period's start is not used,
    so that cohorts have a history to show. Profit per customer and month comes from
    :func:`analytics.profit.facts` (the same relations as :func:`analytics.profit.customer_pnl`).
    """
    if grain not in GRAINS:
        raise ValueError(f"cohort grain must be one of {', '.join(GRAINS)}, got {grain!r}")
    bounds = filters.data_bounds(cur)
    empty = Payback(
        curves=pd.DataFrame(columns=["cohort", "month", "customers", "net_profit", "median_net_profit"]),
        cohorts=pd.DataFrame(columns=["cohort", "customers", "acquisition_cost", "profit_to_date", "months_observed",
                                      "months_to_payback", "median_months_to_payback", "year_one_customers",
                                      "unprofitable_after_year_one"]),
        customers=pd.DataFrame(columns=["customer_id", "cohort", "acquired_on", "acquisition_cost", "months_observed",
                                        "profit_to_date", "net_profit_year_one", "months_to_payback"]),
        as_of=None, grain=grain, missing_cost=0, unprofitable_after_year_one=None,
    )
    if bounds is None:
        return empty
    as_of = f.date_to or bounds[1]
    start = bounds[0]
    if as_of < start:
        return replace(empty, as_of=as_of)
    cust = query.df(cur, _cohort_customers(f, start, as_of))
    if cust.empty:
        return replace(empty, as_of=as_of)
    monthly = query.df(cur, _monthly_profit(*profit.facts(cur, replace(f, date_from=start.replace(day=1), date_to=as_of))))
    ids = pd.Index(cust["customer_id"].astype(str))
    observed = _months_between(cust["acquired_on"], as_of) + 1  # months 1..observed
    horizon = int(observed.max())
    monthly = monthly[monthly["customer_id"].astype(str).isin(ids)]
    row = ids.get_indexer(monthly["customer_id"].astype(str))
    acq = pd.to_datetime(cust["acquired_on"]).iloc[row].reset_index(drop=True)
    mon = pd.to_datetime(monthly["month"]).reset_index(drop=True)
    k = ((mon.dt.year - acq.dt.year) * 12 + (mon.dt.month - acq.dt.month)).to_numpy()
    # Profit booked before the acquisition month (inconsistent data) counts in the first month.
    k = np.clip(k, 0, horizon - 1)
    per_month = np.zeros((len(ids), horizon))
    np.add.at(per_month, (row, k), monthly["profit"].to_numpy(dtype=float))
    cost = cust["acquisition_cost"].to_numpy(dtype=float)
    missing = int(np.isnan(cost).sum())
    cost = np.nan_to_num(cost, nan=0.0)
    net = profit.settle(np.cumsum(per_month, axis=1) - cost[:, None])  # break-even is 0, not -1e-13
    months = np.arange(1, horizon + 1)
    net = np.where(months[None, :] <= observed[:, None], net, np.nan)
    paid = net >= 0
    first_paid = np.where(paid.any(axis=1), paid.argmax(axis=1) + 1, np.nan)
    year_one = net[:, YEAR_ONE_MONTHS - 1] if horizon >= YEAR_ONE_MONTHS else np.full(len(ids), np.nan)
    cohort = _cohort_start(pd.to_datetime(cust["acquired_on"]), grain)
    per_customer = pd.DataFrame({
        "customer_id": ids, "cohort": cohort, "acquired_on": cust["acquired_on"].to_numpy(),
        "acquisition_cost": cost, "months_observed": observed,
        "profit_to_date": net[np.arange(len(ids)), observed - 1] + cost,
        "net_profit_year_one": year_one, "months_to_payback": first_paid,
    })
    curve_rows, cohort_rows = [], []
    for c, idx in per_customer.groupby("cohort", sort=True).indices.items():
        seen = int(observed[idx].min())
        mean = net[idx, :seen].mean(axis=0)
        median = np.median(net[idx, :seen], axis=0)
        curve_rows.extend({"cohort": c, "month": m, "customers": len(idx), "net_profit": float(v),
                           "median_net_profit": float(md)}
                          for m, v, md in zip(range(1, seen + 1), mean, median, strict=True))
        hit = np.nonzero(mean >= 0)[0]
        hit_median = np.nonzero(median >= 0)[0]
        y1 = year_one[idx]
        y1 = y1[~np.isnan(y1)]
        cohort_rows.append({
            "cohort": c, "customers": len(idx), "acquisition_cost": float(cost[idx].mean()),
            "profit_to_date": float(per_customer["profit_to_date"].to_numpy()[idx].mean()),
            "months_observed": seen, "months_to_payback": float(hit[0] + 1) if hit.size else np.nan,
            "median_months_to_payback": float(hit_median[0] + 1) if hit_median.size else np.nan,
            "year_one_customers": int(y1.size),
            "unprofitable_after_year_one": float((y1 < 0).mean()) if y1.size else np.nan,
        })
    all_y1 = year_one[~np.isnan(year_one)]
    return Payback(
        curves=pd.DataFrame(curve_rows), cohorts=pd.DataFrame(cohort_rows), customers=per_customer,
        as_of=as_of, grain=grain, missing_cost=missing,
        unprofitable_after_year_one=float((all_y1 < 0).mean()) if all_y1.size else None,
        year_one_customers=int(all_y1.size),
    )


def _cohort_customers(f: Filters, start: dt.date, as_of: dt.date) -> ir.Table:
    """``customer_id, acquired_on`` (else the first purchase), ``acquisition_cost`` of the filter's
    customers acquired from ``start`` to ``as_of``, by customer_id."""
    t = query.table(schema.TRANSACTIONS)
    t = t.filter(t.revenue >= 0, t.tx_date <= as_of)
    first = t.group_by(t_cid=t.customer_id).aggregate(first_tx=t.tx_date.min())
    c = relations.customers(f)
    j = c.left_join(first, c.customer_id == first.t_cid)
    acquired = j.acquired_on.fill_null(j.first_tx)
    return j.filter(acquired.between(start, as_of)).select(
        "customer_id", acquired_on=acquired, acquisition_cost=j.acquisition_cost.cast("float64")).order_by("customer_id")


def _monthly_profit(tx: ir.Table, act: ir.Table) -> ir.Table:
    """``customer_id, month, profit`` (revenue − cost of goods − cost to serve) from the monthly relations."""
    # unknown cost of goods (NULL) counts as none: a month's revenue never vanishes with its cost
    t = tx.group_by(t_cid=tx.customer_id, t_month=tx.month).aggregate(gp=tx.revenue.sum() - tx.cogs.sum().fill_null(0))
    a = act.group_by(a_cid=act.customer_id, a_month=act.month).aggregate(cts=act.cost.sum())
    j = t.outer_join(a, [t.t_cid == a.a_cid, t.t_month == a.a_month])
    return j.select(customer_id=j.t_cid.fill_null(j.a_cid), month=j.t_month.fill_null(j.a_month),
                    profit=(j.gp.fill_null(0) - j.cts.fill_null(0)).cast("float64"))


def _cohort_start(acquired: pd.Series, grain: str) -> pd.Series:
    """First day of the acquisition month or quarter, as dates."""
    month = acquired.dt.month if grain == "month" else (acquired.dt.month - 1) // 3 * 3 + 1
    return pd.Series([dt.date(int(y), int(m), 1) for y, m in zip(acquired.dt.year, month, strict=True)], dtype=object)
