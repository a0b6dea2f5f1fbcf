"""Hand-made stores for tests: small tables whose expected figures are worked out by hand."""

from __future__ import annotations

import datetime as dt
import fcntl
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from analytics.store import aggregates, db, schema

D = dt.date.fromisoformat


def customer(cid: str, **kw: Any) -> dict[str, Any]:
    row = {"customer_id": cid, "name": f"Customer {cid}", "customer_type": "enterprise", "segment": "S1",
           "region": "North", "industry": None, "channel": "Direct sales", "plan": "Postpaid",
           "acquired_on": D("2023-01-01"), "acquisition_cost": 0, "referred_by": None}
    row.update(kw)
    return row


def insert(cur: duckdb.DuckDBPyConnection, table: str, rows: Iterable[dict[str, Any]]) -> None:
    cols = schema.TABLES[table].column_names
    data = [tuple(r.get(c) for c in cols) for r in rows]
    if data:
        cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", data)


def build_store(path: str | Path = ":memory:", *, currency: str = "CNY", refresh: bool = True,
                **tables: Sequence[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """A store with the given rows per table (keyword = table name); aggregates refreshed."""
    con = db.connect(path)
    with db.write(con) as cur:
        for table in schema.DATA_TABLES:
            if table in tables:
                insert(cur, table, tables[table])
        db.set_meta(cur, "currency", currency)
        if refresh:
            aggregates.refresh(cur)
    return con


def demo_store(path: Path, customers: int, seed: int) -> Path:
    """A demo store of ``customers`` customers generated at ``path`` (closed again), for session fixtures."""
    from analytics import demo

    con = db.connect(path)
    try:
        demo.generate(con, customers=customers, seed=seed)
    finally:
        con.close()
    return path


def refreshed(path: Path) -> Path:
    """``path`` with its stored results computed (:func:`analytics.precompute.refresh`), as every store the
    app or ``python -m analytics demo`` writes has them: pages then read the fits instead of fitting."""
    from analytics import precompute

    con = db.connect(path)
    try:
        precompute.refresh(con)
    finally:
        con.close()
    return path


def built_once(path: Path, build: Callable[[Path], object]) -> Path:
    """``path``, made by ``build(path)`` by the first process that asks for it; a second pytest-xdist worker
    asking meanwhile waits for it (an flock beside it) instead of building its own copy. ``build`` writes a
    temporary name first, so a half-built file is never taken for a finished one."""
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            part = path.with_name(path.name + ".part")
            part.unlink(missing_ok=True)
            build(part)
            shutil.move(part, path)
    return path
