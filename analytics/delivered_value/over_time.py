"""Delivered value over time: the monthly or quarterly trend, what moved it, and the win-win share
per bucket (part of :mod:`analytics.delivered_value`).

* **Trend**: per calendar month or quarter of the period, each customer's latest assessment in
  that bucket, averaged over the customers assessed in it. The change between two buckets splits
  exactly into one contribution per part (+Δ mean for value parts, −Δ mean for cost parts); the
  part with the largest absolute contribution *moved it most* (ties: the first in part order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import ibis
import numpy as np
import pandas as pd

from analytics import filters, query
from analytics.delivered_value.groups import quadrant_table
from analytics.delivered_value.scores import (
    COST_PARTS,
    DV_DECIMALS,
    FREQS,
    PARTS,
    VALUE_PARTS,
    scored_customers,
)
from analytics.filters import Filters
from analytics.query import relations
from analytics.store import schema


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
    a = query.table(schema.ASSESSMENTS)
    preds = relations.period_predicates(a.assessed_on, f)
    a = relations.in_scope(a.filter(*preds) if preds else a, f)
    a = a.mutate(bucket=a.assessed_on.truncate("Q" if freq == "quarter" else "M"))
    w = ibis.window(group_by=[a.customer_id, a.bucket], order_by=[a.assessed_on.desc(), a.assessment_id.desc()])
    latest = a.mutate(rn=ibis.row_number().over(w))
    latest = latest.filter(latest.rn == 0)
    table = query.df(cur, latest.group_by("bucket").aggregate(
        customers=latest.count(), **{p: latest[p].cast("float64").mean() for p in PARTS}).order_by("bucket"))
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
        customers, _ = scored_customers(cur, f.with_period(start, end), products=False)
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
