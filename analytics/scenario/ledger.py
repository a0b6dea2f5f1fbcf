"""The working copy a projection changes: the period's transactions and activities, split into spans.

The period is cut at every lever's ``effective_from`` and at every activity rate's ``valid_from``
inside it, so that within a span every lever is either on or off and every activity has one rate.
Transactions are summed per customer, span, product and size band (the band says which
minimum-order thresholds an order falls below); activities per customer, span and activity.
Levers change these rows (:mod:`analytics.scenario.apply`); the cost of an activity row is its
quantity × the unit cost of its span, after the rate rules that process levers add. Only
differences between two states of the ledger are used, added to the store's own P&L
(:func:`analytics.profit.customer_pnl`), so the baseline is the store's figures exactly.

The SQL is plain (CASE sums, no DuckDB-only joins), like the rest of the core queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics import profit, query
from analytics.filters import Filters
from analytics.query import relations
from analytics.store import schema

TX_COLUMNS = ("customer_id", "part", "product", "band", "fee", "revenue", "cogs", "quantity", "orders")
ACT_COLUMNS = ("customer_id", "part", "activity", "quantity")


@dataclass(frozen=True)
class RateRule:
    """From span ``first_part`` on, ``activity`` costs ``unit_cost`` or (1 − ``cut``) × its rate
    for the customers ``ids``; rules apply in the order they were added."""

    activity: str
    ids: pd.Index
    first_part: int
    cut: float | None = None
    unit_cost: float | None = None


@dataclass
class Ledger:
    """The rows a projection works on (see the module docstring).

    ``starts`` are the spans' first days (the first is the period's start, None when open);
    ``tx`` has :data:`TX_COLUMNS` (``band`` −1 for returns and fees, ``fee`` True for fee
    revenue added by levers); ``act`` has :data:`ACT_COLUMNS`; ``rates`` maps (activity, span)
    to the unit cost in force (absent: unpriced, costed 0 as in the store); ``thresholds`` are
    the minimum-order amounts the bands refer to, ascending.
    """

    starts: tuple[dt.date | None, ...]
    tx: pd.DataFrame
    act: pd.DataFrame
    rates: dict[tuple[str, int], float]
    thresholds: tuple[float, ...] = ()
    rules: list[RateRule] = field(default_factory=list)

    def first_part(self, day: dt.date | None) -> int:
        """The first span on or after ``day`` (0 for None; past the end when after the period)."""
        if day is None:
            return 0
        for k, start in enumerate(self.starts):
            if start is not None and start >= day:
                return k
        return len(self.starts)

    def band_below(self, minimum: float) -> int:
        """Rows with ``0 <= band <= band_below(m)`` are orders with revenue below ``m``."""
        return self.thresholds.index(float(minimum))

    def unit_costs(self, act: pd.DataFrame | None = None) -> np.ndarray:
        """The unit cost of each activity row: its span's rate, then every rate rule in order."""
        act = self.act if act is None else act
        if self.rates and len(act):
            table = pd.Series(self.rates, dtype=float)
            where = pd.MultiIndex.from_arrays([act["activity"].astype(object), act["part"].astype(int)])
            cost = table.reindex(where).fillna(0.0).to_numpy(dtype=float, copy=True)
        else:
            cost = np.zeros(len(act))
        for rule in self.rules:
            hit = ((act["activity"] == rule.activity) & (act["part"] >= rule.first_part)
                   & act["customer_id"].isin(rule.ids)).to_numpy()
            cost[hit] = rule.unit_cost if rule.unit_cost is not None else cost[hit] * (1.0 - rule.cut)
        return cost

    def costs(self) -> pd.Series:
        """Cost of each activity row (quantity × unit cost)."""
        return self.act["quantity"] * self.unit_costs()

    def totals(self) -> pd.DataFrame:
        """Per customer with any row: ``revenue, cogs, cost_to_serve`` (index ``customer_id``)."""
        t = self.tx.groupby("customer_id", sort=True)[["revenue", "cogs"]].sum()
        a = self.act.assign(cost=self.costs()).groupby("customer_id", sort=True)["cost"].sum()
        out = t.join(a.rename("cost_to_serve"), how="outer")
        return out.fillna(0.0).astype(float)


def _cuts(f: Filters, days: Iterable[dt.date]) -> list[dt.date]:
    """Span boundaries strictly inside the period (after its start, up to its end)."""
    return sorted({d for d in days
                   if (f.date_from is None or d > f.date_from) and (f.date_to is None or d <= f.date_to)})


def _reached(value: ir.Value, bounds: Sequence[object]) -> ir.IntegerValue:
    """How many of ``bounds`` the value reaches (``value >= bound``): a span or band number."""
    out: ir.IntegerValue = ibis.literal(0)
    for bound in bounds:
        out = out + ibis.ifelse(value >= bound, 1, 0)
    return out


def span_rates(rate_table: pd.DataFrame, starts: Sequence[dt.date | None]) -> dict[tuple[str, int], float]:
    """The unit cost in force at each span's start, per activity (spans never straddle a rate change)."""
    out: dict[tuple[str, int], float] = {}
    if rate_table.empty:
        return out
    valid_from = pd.to_datetime(rate_table["valid_from"]).dt.date.to_numpy()
    valid_to = [None if pd.isna(v) else pd.Timestamp(v).date() for v in rate_table["valid_to"]]
    for k, start in enumerate(starts):
        if start is None:  # an open start lies before every rate
            continue
        for activity, cost, vf, vt in zip(rate_table["activity"], rate_table["unit_cost"], valid_from, valid_to,
                                          strict=True):
            if vf <= start and (vt is None or start < vt):
                out[(str(activity), k)] = float(cost)
    return out


def load(cur: duckdb.DuckDBPyConnection, f: Filters, effective_dates: Iterable[dt.date | None],
         thresholds: Iterable[float] = ()) -> Ledger:
    """The ledger of ``f``: its customers and period, cut at the given dates and the rate changes.

    ``thresholds`` are the minimum-order amounts to band the orders by.
    """
    rate_table = profit.rates(cur)
    rate_days = [pd.Timestamp(v).date() for v in rate_table["valid_from"]] if len(rate_table) else []
    cuts = _cuts(f, [d for d in effective_dates if d is not None] + rate_days)
    starts: tuple[dt.date | None, ...] = (f.date_from, *cuts)
    limits = tuple(sorted({float(t) for t in thresholds}))
    t = query.table(schema.TRANSACTIONS)
    preds = relations.period_predicates(t.tx_date, f)
    t = relations.in_scope(t.filter(*preds) if preds else t, f)
    band = ibis.ifelse(t.revenue <= 0, -1, _reached(t.revenue, limits))
    x = t.select("customer_id", "product", "revenue", "cogs", "quantity",
                 part=_reached(t.tx_date, cuts), band=band)
    tx = query.df(cur, x.group_by("customer_id", "part", "product", "band").aggregate(
        revenue=x.revenue.sum().cast("float64"), cogs=relations.money(x.cogs.sum()),
        quantity=x.quantity.sum().cast("float64"),
        orders=ibis.ifelse(x.revenue > 0, 1, 0).sum().cast("float64"),
    ).mutate(fee=ibis.literal(False)).order_by("customer_id", "part", "product", "band"))
    a = query.table(schema.ACTIVITIES)
    preds = relations.period_predicates(a.activity_date, f)
    a = relations.in_scope(a.filter(*preds) if preds else a, f)
    y = a.select("customer_id", "activity", "quantity", part=_reached(a.activity_date, cuts))
    act = query.df(cur, y.group_by("customer_id", "part", "activity").aggregate(
        quantity=y.quantity.sum().cast("float64")).order_by("customer_id", "part", "activity"))
    for df in (tx, act):
        df["part"] = df["part"].astype(int)
    tx["band"] = tx["band"].astype(int)
    tx["fee"] = tx["fee"].astype(bool)
    return Ledger(starts, tx[list(TX_COLUMNS)], act[list(ACT_COLUMNS)], span_rates(rate_table, starts), limits)
