"""The read layer's relations compile for other engines: the same Ibis expressions that run on DuckDB
compile to Spark, PostgreSQL, Trino and Snowflake SQL (Spark runs them in tests/analytics/query)."""

from __future__ import annotations

import ibis
import pytest

from analytics import profit
from analytics.filters import Filters
from analytics.query import relations
from analytics.store import db

FILTERS = [Filters("2024-01-01", "2024-12-31", segments=("S1",), regions=("North",)),
           Filters("2024-03-10", "2024-05-05")]


def core_relations(cur) -> list[ibis.Table]:
    out = [relations.activity_costs(), relations.rate_periods(), relations.transaction_months()]
    for f in FILTERS:
        for source in ("auto", "facts"):
            tx, act = profit.facts(cur, f, source)
            out += [tx, act, *profit.pnl_relations(tx, act, f)]
    return out


@pytest.mark.parametrize("dialect", ["duckdb", "pyspark", "postgres", "trino", "snowflake"])
def test_core_relations_compile_for_other_engines(abc_store, dialect):
    if dialect == "pyspark":
        pytest.importorskip("pyspark")
        assert ibis.pyspark is not None  # loading the backend registers the dialect's options
    with db.cursor(abc_store) as cur:
        for rel in core_relations(cur):
            sql = ibis.to_sql(rel, dialect=dialect)
            assert "SELECT" in sql.upper() and "$" not in sql  # no DuckDB parameters left in


def test_unknown_source_is_rejected(abc_store):
    with db.cursor(abc_store) as cur, pytest.raises(ValueError, match="source"):
        profit.facts(cur, FILTERS[0], "cache")
    with db.cursor(abc_store) as cur, pytest.raises(ValueError, match="aggregates cannot"):
        profit.customer_pnl(cur, FILTERS[1], source="aggregates")
