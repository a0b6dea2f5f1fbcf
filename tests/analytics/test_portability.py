"""The core queries use portable SQL: they transpile to Spark SQL without unsupported features.

The product must later run the same queries on a warehouse engine through Ibis (``backend.sql(q,
dialect="duckdb")`` transpiles with sqlglot); this keeps DuckDB-only constructs out of them.
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot.errors import ErrorLevel

from analytics import profit
from analytics.filters import Filters
from analytics.store import aggregates, db

FILTERS = [Filters("2024-01-01", "2024-12-31", segments=("S1",), regions=("North",)),
           Filters("2024-03-10", "2024-05-05")]


def core_queries(cur) -> list[str]:
    out = [aggregates.activity_cost_sql(), aggregates.RATE_PERIODS_SQL]
    for f in FILTERS:
        for source in ("auto", "facts"):
            tx, act, _ = profit.fact_sql(cur, f, source)
            out += [tx, act, *profit.pnl_sql(tx, act, f)]
    return out


@pytest.mark.parametrize("dialect", ["spark", "postgres"])
def test_core_queries_transpile(abc_store, dialect):
    with db.cursor(abc_store) as cur:
        for q in core_queries(cur):
            out = sqlglot.transpile(q, read="duckdb", write=dialect, unsupported_level=ErrorLevel.RAISE)
            assert len(out) == 1 and out[0]


def test_transpiled_round_trip_gives_the_same_answer(abc_store):
    """DuckDB → Spark SQL text → back to DuckDB runs and returns the same per-customer profit."""
    f = FILTERS[0]
    with db.cursor(abc_store) as cur:
        tx, act, params = profit.fact_sql(cur, f, "facts")
        totals, _ = profit.pnl_sql(tx, act, f)
        direct = cur.execute(totals, params).df().sort_values("customer_id", ignore_index=True)
        spark = sqlglot.transpile(totals, read="duckdb", write="spark")[0]
        back = sqlglot.transpile(spark, read="spark", write="duckdb")[0]
        again = cur.execute(back, params).df().sort_values("customer_id", ignore_index=True)
    assert direct.equals(again)


def test_unknown_source_is_rejected(abc_store):
    with db.cursor(abc_store) as cur, pytest.raises(ValueError, match="source"):
        profit.fact_sql(cur, FILTERS[0], "cache")
    with db.cursor(abc_store) as cur, pytest.raises(ValueError, match="aggregates cannot"):
        profit.customer_pnl(cur, FILTERS[1], source="aggregates")
