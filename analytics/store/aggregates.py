"""Monthly customer aggregates, refreshed on every load, so that views scale to 100M transactions.

``agg_customer_month`` holds revenue, cost of goods (the known ones), quantity, transaction count
and the revenue whose cost of goods is unknown (``cogs_unknown_revenue``) per customer and calendar month; ``agg_activity_month`` holds activity quantity and its cost (quantity × the
rate valid on the activity's date) per customer, month and activity. A filter of whole months is
answered from them (a few rows per customer instead of every transaction); any other period reads
the fact tables directly. Both paths give the same numbers (tested).

The SQL here is plain ANSI (window functions and a range join, no ASOF join) so that it runs
unchanged on a warehouse engine through Ibis' ``sql()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from analytics.store import db, schema

# Rate periods: each rate applies from its valid_from until the next rate of the same activity.
RATE_PERIODS_SQL = f"""
SELECT activity, CAST(unit_cost AS DOUBLE) AS unit_cost, valid_from,
       lead(valid_from) OVER (PARTITION BY activity ORDER BY valid_from) AS valid_to
FROM {schema.ACTIVITY_RATES}
"""


def activity_cost_sql(where: str = "TRUE", group_month: bool = True) -> str:
    """Activities joined to the rate valid on their date, grouped per customer (and month) and activity.

    Activities dated before their activity's first rate, or with no rate at all, get no cost;
    their quantity is reported as ``unpriced_quantity`` so the UI can say so.
    """
    month = "CAST(date_trunc('month', a.activity_date) AS DATE) AS month," if group_month else ""
    return f"""
    WITH rate_periods AS ({RATE_PERIODS_SQL})
    SELECT a.customer_id, {month} a.activity,
           sum(a.quantity) AS quantity,
           coalesce(sum(a.quantity * r.unit_cost), 0) AS cost,
           sum(CASE WHEN r.activity IS NULL THEN a.quantity ELSE 0 END) AS unpriced_quantity
    FROM {schema.ACTIVITIES} a
    LEFT JOIN rate_periods r
      ON a.activity = r.activity AND a.activity_date >= r.valid_from
     AND (r.valid_to IS NULL OR a.activity_date < r.valid_to)
    WHERE {where}
    GROUP BY ALL
    """


def refresh(cur: duckdb.DuckDBPyConnection, months: Iterable[dt.date] | None = None) -> None:
    """Rebuild the aggregates, fully or for the given months only; call inside :func:`db.write`.

    ``months`` are any dates inside the months to rebuild (a load touching three months rebuilds
    three months, not three years).
    """
    params: dict[str, object] = {}
    if months is None:
        tx_where = act_where = "TRUE"
        cur.execute(f"DELETE FROM {schema.AGG_CUSTOMER_MONTH}")
        cur.execute(f"DELETE FROM {schema.AGG_ACTIVITY_MONTH}")
    else:
        month_list = sorted({dt.date(m.year, m.month, 1) for m in months})
        if not month_list:
            return
        params = {"months": month_list}
        tx_where = "list_contains($months, CAST(date_trunc('month', tx_date) AS DATE))"
        act_where = "list_contains($months, CAST(date_trunc('month', a.activity_date) AS DATE))"
        cur.execute(f"DELETE FROM {schema.AGG_CUSTOMER_MONTH} WHERE list_contains($months, month)", params)
        cur.execute(f"DELETE FROM {schema.AGG_ACTIVITY_MONTH} WHERE list_contains($months, month)", params)
    cur.execute(
        f"""INSERT INTO {schema.AGG_CUSTOMER_MONTH}
            (customer_id, month, revenue, cogs, quantity, tx_count, cogs_unknown_revenue)
        SELECT customer_id, CAST(date_trunc('month', tx_date) AS DATE) AS month,
               sum(revenue), sum(cogs), sum(quantity), count(*),
               coalesce(sum(revenue) FILTER (WHERE cogs IS NULL), 0)
        FROM {schema.TRANSACTIONS} WHERE {tx_where} GROUP BY ALL""",
        params,
    )
    cur.execute(
        f"INSERT INTO {schema.AGG_ACTIVITY_MONTH} SELECT * FROM ({activity_cost_sql(act_where)})", params
    )
    db.set_meta(cur, db.AGG_VERSION, db.AGG_PENDING)


def mark_stale(cur: duckdb.DuckDBPyConnection) -> None:
    """Declare the aggregates out of date (queries then read the fact tables until a refresh)."""
    db.set_meta(cur, db.AGG_VERSION, "stale")


def is_fresh(cur: duckdb.DuckDBPyConnection) -> bool:
    """True when the aggregates reflect the current data version."""
    return db.get_meta(cur, db.AGG_VERSION) == str(db.data_version(cur))


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild all aggregates in their own transaction (used after a bulk load or on request)."""
    with db.write(con) as cur:
        refresh(cur)
