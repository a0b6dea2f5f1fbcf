"""Stores as an older version wrote them, for upgrade tests."""

from __future__ import annotations

import re

import duckdb

from analytics.store import schema

_FINITE_CHECK = re.compile(r",\s*CHECK \(isfinite\(\w+\)\)")


def as_version_2(con: duckdb.DuckDBPyConnection) -> None:
    """Turn a current store into one written by version 2: the same tables without the
    ``CHECK (isfinite(…))`` constraints, so that NaN and infinities can be put in as version 2 let them.

    Each statement commits on its own (no table is created and filled in one transaction); reopen
    the file before relying on large tables in the same process.
    """
    for t in schema.TABLES.values():
        if not schema.finite_columns(t):
            continue
        old = f"{t.name}__old"
        con.execute(_FINITE_CHECK.sub("", schema.table_ddl(t, old)))
        con.execute(f"INSERT INTO {old} SELECT * FROM {t.name}")
        con.execute(f"DROP TABLE {t.name}")
        con.execute(f"ALTER TABLE {old} RENAME TO {t.name}")
    con.execute(f"UPDATE {schema.META} SET value = '2' WHERE key = 'schema_version'")


def as_version_4(con: duckdb.DuckDBPyConnection) -> None:
    """Turn a current store into one written by version 4: ``transactions.cogs`` NOT NULL, no
    ``'unknown'`` customer type, ``agg_customer_month`` without ``cogs_unknown_revenue``.

    Each statement commits on its own; the tables' rows are kept.
    """
    con.execute("ALTER TABLE transactions ALTER COLUMN cogs SET NOT NULL")
    con.execute("ALTER TABLE agg_customer_month DROP COLUMN cogs_unknown_revenue")
    old = "customers__old"
    con.execute(schema.table_ddl(schema.TABLES[schema.CUSTOMERS], old).replace(", 'unknown'", ""))
    con.execute(f"INSERT INTO {old} SELECT * FROM customers")
    con.execute("DROP TABLE customers")
    con.execute(f"ALTER TABLE {old} RENAME TO customers")
    as_version_5(con)  # and no contracts
    con.execute(f"UPDATE {schema.META} SET value = '4' WHERE key = 'schema_version'")


def as_version_5(con: duckdb.DuckDBPyConnection) -> None:
    """Turn a current store into one written by version 5: no ``contracts`` table nor its shadow."""
    con.execute(f"DROP TABLE IF EXISTS {schema.CONTRACTS}")
    con.execute(f"DROP TABLE IF EXISTS {schema.shadow_name(schema.CONTRACTS)}")
    con.execute(f"UPDATE {schema.META} SET value = '5' WHERE key = 'schema_version'")
