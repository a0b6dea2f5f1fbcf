"""The only module that opens DuckDB files and owns the schema's life cycle.

One connection per process; every query runs on its own cursor (:func:`cursor`), because one
DuckDB connection shared by several threads interleaves their results. Writes go through
:func:`write`, which runs them in a single transaction and bumps the data version that result
caches are keyed on.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analytics import schema

DEFAULT_DB = Path("data") / "cvm.duckdb"
# meta keys of the monthly aggregates' state (see analytics.aggregates).
AGG_VERSION = "agg_version"
AGG_PENDING = "pending"
ENV_DB = "CVM_DB"


def default_db_path() -> Path:
    """The database path: ``$CVM_DB`` when set, else ``data/cvm.duckdb`` under the project."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / DEFAULT_DB


class DatabaseError(ValueError):
    """A database that cannot be opened or upgraded, with a message meant for a user."""


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a store and bring its schema to :data:`schema.SCHEMA_VERSION`.

    Raises :class:`DatabaseError` with a plain message when the file is held by another process,
    is not a DuckDB file, or was written by a newer version of this program.
    """
    p = Path(path) if path is not None else default_db_path()
    if p != Path(":memory:"):
        if read_only and not p.exists():
            raise DatabaseError(f"database {p} does not exist (create it with: python -m analytics demo --db {p})")
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(p), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise DatabaseError(
                f"database {p} is in use by another process (is the app running on it?); "
                "stop it or use another file with --db"
            ) from exc
        raise DatabaseError(f"cannot open database {p}: {msg.splitlines()[0]}") from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot open database {p}: {str(exc).splitlines()[0]}") from exc
    if not read_only:
        ensure_schema(con)
    else:
        _check_version(con)
    return con


def _stored_version(con: duckdb.DuckDBPyConnection) -> int | None:
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [schema.META]
    ).fetchone()[0]
    if not has_meta:
        return None
    row = con.execute(f"SELECT value FROM {schema.META} WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def _check_version(con: duckdb.DuckDBPyConnection) -> int | None:
    version = _stored_version(con)
    if version is not None and version > schema.SCHEMA_VERSION:
        raise DatabaseError(
            f"this database has schema version {version}, newer than this program's "
            f"{schema.SCHEMA_VERSION}; upgrade the program"
        )
    return version


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, or upgrade an older file one version at a time (each in a transaction)."""
    version = _check_version(con)
    if version is None:
        con.execute("BEGIN")
        try:
            for stmt in schema.create_statements():
                con.execute(stmt)
            _set_meta(con, "schema_version", str(schema.SCHEMA_VERSION))
            _set_meta(con, "data_version", "0")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return
    for target in range(version + 1, schema.SCHEMA_VERSION + 1):
        con.execute("BEGIN")
        try:
            for stmt in schema.MIGRATIONS.get(target, []):
                con.execute(stmt)
            _set_meta(con, "schema_version", str(target))
            con.execute("COMMIT")
        except BaseException as exc:
            con.execute("ROLLBACK")
            raise DatabaseError(f"upgrading the database to schema version {target} failed: {exc}") from exc
    # Tables added to the contract without a migration of their own (new bookkeeping tables).
    for stmt in schema.create_statements():
        con.execute(stmt)


def _set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        f"INSERT INTO {schema.META} VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    """A value of the ``meta`` table (schema_version, data_version, currency, data_as_of, …)."""
    row = con.execute(f"SELECT value FROM {schema.META} WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Set a ``meta`` value (inside the caller's transaction, if any)."""
    _set_meta(con, key, value)


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A counter bumped by every write; result caches are keyed on it."""
    return int(get_meta(con, "data_version", "0") or 0)


def currency(con: duckdb.DuckDBPyConnection) -> str:
    """The ISO code of the data's currency (``CNY`` unless the data say otherwise)."""
    return get_meta(con, "currency", "CNY") or "CNY"


@contextmanager
def cursor(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own for one query or one thread; closed afterwards."""
    cur = con.cursor()
    try:
        yield cur
    finally:
        cur.close()


@contextmanager
def write(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run writes in one transaction on a fresh cursor: all of them or none.

    The data version is bumped inside the same transaction, so readers that see the new rows
    also see the new version (and caches keyed on it refresh). A writer that changes
    transactions, activities or activity rates must call :func:`analytics.aggregates.refresh`
    (or ``mark_stale``) inside the block; otherwise the aggregates are taken to be still current.
    """
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        old = data_version(cur)
        yield cur
        _set_meta(cur, "data_version", str(old + 1))
        # Aggregates that were current before, or that the writer rebuilt, stay current.
        if get_meta(cur, AGG_VERSION) in (str(old), AGG_PENDING):
            _set_meta(cur, AGG_VERSION, str(old + 1))
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    finally:
        cur.close()


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every contract table."""
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema.DATA_TABLES}


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of every contract table's row count and content, independent of row order.

    Used by tests to prove that a rejected or killed write left the store exactly as it was.
    """
    h = hashlib.sha256()
    for t in (*schema.DATA_TABLES, schema.ACTIVITY_RATES):
        n, content = con.execute(
            f"SELECT count(*), coalesce(sum(hash(r)), 0)::VARCHAR FROM (SELECT * FROM {t}) r"
        ).fetchone()
        h.update(f"{t}:{n}:{content};".encode())
    return h.hexdigest()
