"""``--backend``: where a read command's queries run — the store's DuckDB (default) or Spark.

``--backend pyspark`` (or ``CVM_BACKEND=pyspark``) runs the read layer's expressions
(:mod:`analytics.query`) on Spark: local mode over the store exported to Parquet beside it
(``<store>.parquet/``, refreshed when the data version moved), over ``--parquet DIR`` (an export made
with ``export-parquet``, on any storage the session reads), or on a cluster through Spark Connect
(``--spark-remote sc://host:15002`` or ``CVM_SPARK_REMOTE``) whose catalog holds the store's tables.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from analytics.store import db
from cli import common

BACKENDS = ("duckdb", "pyspark")
ENV_BACKEND = "CVM_BACKEND"
ENV_REMOTE = "CVM_SPARK_REMOTE"


def add_backend_args(p: argparse.ArgumentParser) -> None:
    """``--backend``, ``--parquet`` and ``--spark-remote``."""
    p.add_argument("--backend", choices=BACKENDS, default=None,
                   help=f"query engine (default: ${ENV_BACKEND} or duckdb); pyspark runs the same queries on Spark")
    p.add_argument("--parquet", type=Path, metavar="DIR", default=None,
                   help="with --backend pyspark: read this Parquet export (export-parquet) instead of the store")
    p.add_argument("--spark-remote", metavar="URL", default=None,
                   help=f"with --backend pyspark: a Spark Connect URL (sc://host:15002; default ${ENV_REMOTE}); "
                        "its catalog holds the store's tables, or give --parquet")


def backend(args: argparse.Namespace) -> str:
    """The backend the arguments (or the environment) choose; ValueError for an unknown one."""
    name = (args.backend or os.environ.get(ENV_BACKEND) or "duckdb").strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r} (from ${ENV_BACKEND}); use one of {', '.join(BACKENDS)}")
    return name


@contextmanager
def open_reader(args: argparse.Namespace) -> Iterator[Any]:
    """What a read command queries: a cursor on the store (duckdb), or a Spark engine (pyspark)."""
    if backend(args) == "duckdb":
        with common.open_store(args, need_data=True) as cur:
            yield cur
        return
    try:
        from analytics.query import spark
    except ImportError as exc:  # pyspark is a development requirement, not a runtime one
        raise ValueError(f"--backend pyspark needs pyspark ({exc}); pip install -r requirements-dev.txt") from None
    remote = args.spark_remote or os.environ.get(ENV_REMOTE)
    store = None
    if args.parquet is None and not remote:
        store = args.db if args.db is not None else db.default_db_path()
        if not Path(store).exists():
            raise ValueError(db.no_store_message(Path(store)))
    engine = spark.connect(store=store, parquet_dir=args.parquet, remote=remote)
    try:
        yield engine
    finally:
        engine.close()
