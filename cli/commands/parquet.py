"""``export-parquet``: the store's data as Parquet files, one per table, for Spark and other engines
(:func:`analytics.store.parquet.export`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.store import parquet
from cli import common

NAME = "export-parquet"
HELP = "write the store's tables as Parquet files (for --backend pyspark on a cluster)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, metavar="DIR", help="folder for the files (created when missing)")
    common.add_db_arg(p)


def run(args: argparse.Namespace) -> int:
    with common.open_store(args) as cur:
        counts = parquet.export(cur, args.dir)
    print(f"wrote {len(counts)} tables to {args.dir}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    return 0
