"""Spark as a read-layer engine: the same Ibis expressions as on DuckDB, run by Spark.

Three ways to reach Spark (:func:`connect`):

* local mode over a store: its tables are exported to Parquet (:mod:`analytics.store.parquet`) in a
  folder beside it, then read by a local Spark session (``local[N]``);
* local mode, or any session, over a folder already exported (``python -m analytics export-parquet``);
* Spark Connect (``sc://host:port``): a cluster whose catalog holds the store's tables under the same
  names (or a Parquet export on storage the cluster reads, given as ``parquet``).

Spark computes every relation (the scans over the fact tables, the joins and sums per customer and
month); the result, per customer or per month, comes back to pandas, where the statistical models
run unchanged.
"""

from __future__ import annotations

import decimal
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from analytics.query.engine import Engine
from analytics.store import parquet, schema


class SparkEngine(Engine):
    """A Spark session whose catalog (or temporary views) holds the store's tables."""

    name = "pyspark"

    def __init__(self, session: Any, views: Mapping[str, Path] | None = None, *, owned: bool = True) -> None:
        self.session = session
        self.owned = owned  # stopped by close(); a session that was running before is left running
        for table, path in (views or {}).items():
            session.read.parquet(str(path)).createOrReplaceTempView(table)
        self.backend = ibis.pyspark.connect(session)
        self._meta: dict[str, str] | None = None

    def df(self, expr: ir.Table) -> pd.DataFrame:
        sql = str(self.backend.compile(expr))
        out = self.session.sql(sql).toPandas()
        return _like_duckdb(out, expr.schema())

    def meta(self, key: str) -> str | None:
        if self._meta is None:
            rows = self.session.sql(f"SELECT key, value FROM {schema.META}").collect()
            self._meta = {r[0]: r[1] for r in rows}
        return self._meta.get(key)

    def close(self) -> None:
        if self.owned:
            self.session.stop()


def local_session(threads: int = 2, memory: str | None = None) -> Any:
    """A local Spark session (``local[threads]``) bound to 127.0.0.1, UI off, UTC."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    if running is not None:
        return running

    b = (SparkSession.builder.master(f"local[{threads}]").appName("customer-value")
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.session.timeZone", "UTC")
         .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", str(threads * 2)))
    if memory:
        b = b.config("spark.driver.memory", memory)
    session = b.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(*, store: str | os.PathLike[str] | None = None, parquet_dir: str | os.PathLike[str] | None = None,
            remote: str | None = None, threads: int = 2) -> SparkEngine:
    """A Spark engine: over ``parquet_dir`` (an export), over ``store`` (exported first, to
    ``<store>.parquet/`` beside it, unless that export is of the current data version), or on the
    cluster at ``remote`` (Spark Connect) whose catalog holds the tables."""
    if remote:
        from pyspark.sql import SparkSession

        session = SparkSession.builder.remote(remote).getOrCreate()
        views = parquet.exported_tables(parquet_dir) if parquet_dir else None
        return SparkEngine(session, views)
    if parquet_dir is None:
        if store is None:
            raise ValueError("give the store, a Parquet export or a Spark Connect URL")
        parquet_dir = export_beside(store)
    from pyspark.sql import SparkSession

    owned = SparkSession.getActiveSession() is None
    return SparkEngine(local_session(threads), parquet.exported_tables(parquet_dir), owned=owned)


def export_beside(store: str | os.PathLike[str]) -> Path:
    """The Parquet export beside ``store`` (``<store>.parquet/``), made or refreshed when its data
    version is not the store's."""
    from analytics.store import db

    target = Path(f"{store}.parquet")
    with db.session(store, read_only=True) as con:
        version = db.data_version(con)
        stamp = target / "data_version.txt"
        if not (stamp.is_file() and stamp.read_text().strip() == str(version)):
            parquet.export(con.cursor(), target)
            stamp.write_text(str(version))
    return target


def _like_duckdb(out: pd.DataFrame, sch: ibis.Schema) -> pd.DataFrame:
    """Spark's pandas frame with the column types DuckDB's ``.df()`` gives: dates and timestamps as
    datetime64, decimals as float64."""
    for name, dtype in sch.items():
        if name not in out.columns:
            continue
        col = out[name]
        if dtype.is_date() or dtype.is_timestamp():
            out[name] = pd.to_datetime(col).astype("datetime64[us]")
        elif dtype.is_decimal() or (col.dtype == object and col.map(lambda v: isinstance(v, decimal.Decimal)).any()):
            out[name] = pd.to_numeric(col, errors="coerce").astype("float64")
    return out
