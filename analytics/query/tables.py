"""The store's tables as unbound Ibis tables, with the column types of the store's contract.

The types come from the DDL in :mod:`analytics.store.schema` (created once in an in-memory DuckDB
and read back), so the read layer can never disagree with the store about a column.
"""

from __future__ import annotations

import threading
from functools import cache

import duckdb
import ibis
import ibis.expr.types as ir
from ibis.backends.sql.datatypes import DuckDBType

from analytics.store import schema

_LOCK = threading.Lock()


@cache
def _schemas() -> dict[str, ibis.Schema]:
    with _LOCK:
        con = duckdb.connect(":memory:")
        try:
            for stmt in schema.create_statements():
                con.execute(stmt)
            rows = con.execute("SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                               "ORDER BY table_name, ordinal_position").fetchall()
        finally:
            con.close()
    out: dict[str, dict[str, object]] = {}
    for name, column, dtype, nullable in rows:
        out.setdefault(name, {})[column] = DuckDBType.from_string(dtype, nullable=nullable == "YES")
    return {name: ibis.schema(cols) for name, cols in out.items()}


def names() -> tuple[str, ...]:
    """Every table of the store (contract tables, bookkeeping, aggregates, shadows), sorted."""
    return tuple(sorted(_schemas()))


def table(name: str) -> ir.Table:
    """The store's table ``name`` as an unbound Ibis table (bound when an engine runs it)."""
    try:
        return _table(name)
    except KeyError:
        raise ValueError(f"the store has no table {name!r}; tables: {', '.join(names())}") from None


@cache  # one immutable expression per table (bounded by the schema): every relation is built on the same node
def _table(name: str) -> ir.Table:
    return ibis.table(_schemas()[name], name=name)
