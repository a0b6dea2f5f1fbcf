"""The store's data exported to Parquet, one file per table, for engines beyond one machine (Spark).

Exported: the contract's data tables, the activity rates, the monthly aggregates and ``meta``
(currency, data version, aggregate version), so that an engine reading the files answers exactly
what the store answers. Not exported: accounts, the audit and load logs, undo shadows and stored
model results (they are the store's own bookkeeping, and accounts hold password hashes).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from analytics.store import schema

EXPORTED: tuple[str, ...] = (*schema.DATA_TABLES, schema.ACTIVITY_RATES, schema.AGG_CUSTOMER_MONTH,
                             schema.AGG_ACTIVITY_MONTH, schema.META)
MANIFEST = "tables.txt"


def export(cur: duckdb.DuckDBPyConnection, directory: str | os.PathLike[str]) -> dict[str, int]:
    """Write each exported table to ``directory/<table>.parquet`` (replacing earlier files) and list
    them in ``tables.txt``; returns the rows written per table. One read snapshot for all tables."""
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    have = {r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables "
                                      "WHERE table_schema = 'main' AND table_catalog = current_database()").fetchall()}
    counts: dict[str, int] = {}
    cur.execute("BEGIN")  # one snapshot: the files describe one data version
    try:
        for name in EXPORTED:
            if name not in have:
                continue
            target = out / f"{name}.parquet"
            tmp = out / f".{name}.parquet.tmp"
            cur.execute(f"COPY (SELECT * FROM {name}) TO '{_quote(tmp)}' (FORMAT parquet)")
            os.replace(tmp, target)
            counts[name] = int(cur.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
    finally:
        cur.execute("ROLLBACK")
    (out / MANIFEST).write_text("".join(f"{n}\n" for n in counts), encoding="utf-8")
    return counts


def exported_tables(directory: str | os.PathLike[str]) -> dict[str, Path]:
    """The tables of an export folder and their files; ValueError when it is not one."""
    d = Path(directory)
    manifest = d / MANIFEST
    if not manifest.is_file():
        raise ValueError(f"{d} is not a Parquet export of a store (no {MANIFEST}); "
                         f"make one with `python -m analytics export-parquet {d}`")
    names = [n.strip() for n in manifest.read_text(encoding="utf-8").splitlines() if n.strip()]
    return {n: d / f"{n}.parquet" for n in names}


def _quote(p: Path) -> str:
    return str(p).replace("'", "''")
