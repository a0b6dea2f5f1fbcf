"""The relations every page starts from, as Ibis expressions: the filter's customers, the period,
time-valid activity rates and the monthly revenue and cost-to-serve figures per customer.

They compute what the SQL of ``analytics.store.aggregates`` stores in the monthly aggregates (DOMAIN.md
§1), from the fact tables, for any period; compiled for DuckDB or Spark.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import ibis
import ibis.expr.types as ir

from analytics.filters import ATTRIBUTES, Filters
from analytics.query.tables import table
from analytics.store import schema

F = TypeVar("F", bound=Callable[..., Any])
# Expressions kept per builder: a few per filter the open sessions look at. An expression graph weighs ~50 KB
# (Ibis nodes); about twenty builders kept 256 each, so 20 sessions changing filters grew the server by ~1 MB a
# new filter until some 250 filters (bench.load: memory still rising after 5 minutes). 64 keeps 20 sessions'
# recent filters and levels off four times sooner.
MEMO_SIZE = 64


def memo(builder: F) -> F:
    """``builder`` (a pure function of hashable arguments: filters, names, flags, dates) returning
    read-layer expressions, with its results kept per arguments.

    Ibis validates every node as an expression is built (a P&L's two relations: several ms), and a
    rebuilt graph is a new key for the compiled-SQL cache (:func:`analytics.query.to_sql`) to hash and
    compare: on the demo store that cost more than DuckDB's answer. The same object each time makes both
    a dictionary lookup. An expression is immutable and does not depend on the data, so it is safe to share
    across threads and data versions; ``lru_cache`` keeps the bookkeeping thread-safe and the size
    bounded (two threads building the same key at once both get an equal expression).
    """
    return lru_cache(maxsize=MEMO_SIZE)(builder)  # type: ignore[return-value]


def customer_predicates(c: ir.Table, f: Filters) -> list[ir.BooleanValue]:
    """The filter's attribute restrictions on a customers relation ``c``."""
    return [c[column].isin(list(getattr(f, name))) for name, column in ATTRIBUTES if getattr(f, name)]


@memo
def customers(f: Filters) -> ir.Table:
    """The customers the filter's attributes select (every customer when it restricts none)."""
    c = table(schema.CUSTOMERS)
    preds = customer_predicates(c, f)
    return c.filter(*preds) if preds else c


def period_predicates(column: ir.DateValue, f: Filters) -> list[ir.BooleanValue]:
    """``column`` inside the filter's period (inclusive ends; an open end is unbounded)."""
    out = []
    if f.date_from:
        out.append(column >= f.date_from)
    if f.date_to:
        out.append(column <= f.date_to)
    return out


def in_scope(t: ir.Table, f: Filters, column: str = "customer_id") -> ir.Table:
    """``t`` restricted to the filter's customers (nothing to do when it restricts none)."""
    if not any(getattr(f, name) for name, _ in ATTRIBUTES):
        return t
    return t.filter(t[column].isin(customers(f).customer_id))


def scoped(t: ir.Table, date_column: str, f: Filters | None, where: Any = None) -> ir.Table:
    """``t`` within the filter's period (on ``date_column``) and customers, and ``where(t)`` when given."""
    preds = [] if f is None else period_predicates(t[date_column], f)
    if where is not None:
        preds.append(where(t))
    if preds:
        t = t.filter(*preds)
    return t if f is None else in_scope(t, f)


def month_of(column: ir.DateValue) -> ir.DateValue:
    """The first day of ``column``'s calendar month."""
    return column.truncate("M")


@memo
def rate_periods() -> ir.Table:
    """``activity, unit_cost, valid_from, valid_to``: each rate from its valid_from until the next rate
    of the same activity (``valid_to`` exclusive, NULL for the latest)."""
    r = table(schema.ACTIVITY_RATES)
    w = ibis.window(group_by=r.activity, order_by=r.valid_from)
    return r.select("activity", unit_cost=r.unit_cost.cast("float64"), valid_from=r.valid_from,
                    valid_to=r.valid_from.lead().over(w))


def activity_costs(f: Filters | None = None, *, by_month: bool = True, where: Any = None) -> ir.Table:
    """Activities joined to the rate valid on their date, summed per customer (and month) and activity:
    ``customer_id, [month,] activity, quantity, cost, unpriced_quantity``.

    Activities dated before their activity's first rate, or with no rate at all, cost nothing; their
    quantity is ``unpriced_quantity`` so the pages can say so. ``f`` restricts the period and the
    customers; ``where`` is an extra predicate builder ``(activities) -> predicate``.
    """
    a = scoped(table(schema.ACTIVITIES), "activity_date", f, where)
    r = rate_periods().rename(r_activity="activity")
    j = a.left_join(r, [a.activity == r.r_activity, a.activity_date >= r.valid_from,
                        r.valid_to.isnull() | (a.activity_date < r.valid_to)])
    keys = {"customer_id": j.customer_id}
    if by_month:
        keys["month"] = month_of(j.activity_date)
    keys["activity"] = j.activity
    return j.group_by(**keys).aggregate(
        quantity=j.quantity.sum(),
        cost=(j.quantity * j.unit_cost).sum().fill_null(0.0),
        unpriced_quantity=ibis.ifelse(j.r_activity.isnull(), j.quantity, 0.0).sum(),
    )


def transaction_months(f: Filters | None = None, *, where: Any = None) -> ir.Table:
    """Transactions summed per customer and month: ``customer_id, month, revenue, cogs, quantity,
    tx_count, cogs_unknown_revenue`` (``cogs`` sums the known costs; ``cogs_unknown_revenue`` is the
    revenue whose cost of goods is unknown)."""
    t = scoped(table(schema.TRANSACTIONS), "tx_date", f, where)
    return t.group_by(customer_id=t.customer_id, month=month_of(t.tx_date)).aggregate(
        revenue=t.revenue.sum(), cogs=t.cogs.sum(), quantity=t.quantity.sum(), tx_count=t.count(),
        cogs_unknown_revenue=t.revenue.sum(where=t.cogs.isnull()).fill_null(0),
    )


@memo
def monthly_facts(f: Filters, use_aggregates: bool) -> tuple[ir.Table, ir.Table]:
    """The two monthly relations for the filter: ``tx`` (see :func:`transaction_months`) and ``act``
    (see :func:`activity_costs`), read from the stored monthly aggregates when ``use_aggregates`` (the
    period is whole months and they are current) and from the fact tables otherwise."""
    if use_aggregates:
        out = []
        for name in (schema.AGG_CUSTOMER_MONTH, schema.AGG_ACTIVITY_MONTH):
            t = table(name)
            preds = period_predicates(t.month, f)
            out.append(in_scope(t.filter(*preds) if preds else t, f))
        return out[0], out[1]
    return transaction_months(f), activity_costs(f)


def money(value: ir.NumericValue) -> ir.FloatingValue:
    """A sum as a double, zero where there was nothing to sum."""
    return value.fill_null(0).cast("float64")
