"""Parquet files into the staging table (text columns ``c0 … cN``; rows numbered from 1).

Hostile files
    Row count, column count and uncompressed size
    come from the footer and are bounded, then the expanded size of the text DuckDB would stage
    is measured by a streaming scan before anything is materialised.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from analytics.ingest.read.common import (
    cell_text,
    file_sha256,
    quote_ident,
    rowid_base,
    run_with_progress,
    unique_names,
)
from analytics.ingest.read.types import PREVIEW_ROWS, IngestError, Limits, Progress, Sniff, Staged


def _parquet_meta(p: Path, limits: Limits):
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(p)
    except Exception as exc:
        raise IngestError("corrupt_parquet", f"the Parquet file is damaged and cannot be read ({type(exc).__name__})") from None
    md = pf.metadata
    if md.num_rows > limits.parquet_max_rows:
        raise IngestError("parquet_bomb", f"the Parquet file declares {md.num_rows:,} rows (limit "
                          f"{limits.parquet_max_rows:,})")
    if md.num_columns > limits.max_columns:
        raise IngestError("too_many_file_columns", f"the Parquet file has {md.num_columns:,} columns (limit "
                          f"{limits.max_columns:,})", columns=md.num_columns, limit=limits.max_columns)
    uncompressed = sum(md.row_group(i).total_byte_size for i in range(md.num_row_groups))
    if uncompressed > limits.parquet_max_uncompressed:
        raise IngestError("parquet_bomb", f"the Parquet file would expand to {uncompressed / 2**20:,.0f} MB "
                          f"(limit {limits.parquet_max_uncompressed / 2**20:,.0f} MB)")
    return pf, md


def sniff(p: Path, name: str, size: int, limits: Limits) -> Sniff:
    """A Parquet file's columns and first rows (its footer checked against the limits first)."""
    pf, md = _parquet_meta(p, limits)
    columns, dups = unique_names(list(pf.schema_arrow.names))
    try:
        first = next(pf.iter_batches(batch_size=PREVIEW_ROWS), None)
    except Exception as exc:
        raise IngestError("corrupt_parquet", f"the Parquet file is damaged and cannot be read ({type(exc).__name__})") from None
    if first is None or md.num_rows == 0:
        raise IngestError("header_only", "the Parquet file has columns but no rows")
    rows = [[cell_text(v) for v in r.values()] for r in first.to_pylist()]
    preview = pd.DataFrame(rows, columns=list(columns), dtype=object)
    return Sniff(kind="parquet", file_name=name, size=size, header_row=0, columns=columns, preview=preview,
                 duplicate_columns=dups, rows_estimate=md.num_rows)


def stage(cur: duckdb.DuckDBPyConnection, p: Path, sniffed: Sniff, name: str, progress: Progress | None,
          limits: Limits) -> Staged:
    """Every row into temporary table ``name`` as text, after measuring what it would expand to."""
    pf, md = _parquet_meta(p, limits)
    raw_names = list(pf.schema_arrow.names)
    if len(raw_names) != len(sniffed.columns):
        raise IngestError("corrupt_parquet", "the Parquet file changed since it was previewed")
    sha = file_sha256(p)
    casts = [f"CAST({quote_ident(n)} AS VARCHAR)" for n in raw_names]
    # Measure the text DuckDB would stage with a streaming scan (bounded memory) before materialising:
    # dictionary and run-length encodings let a tiny file claim gigabytes of values.
    size_sql = " + ".join(f"coalesce(strlen({c}), 0)" for c in casts) or "0"
    try:
        expanded = cur.execute(f"SELECT coalesce(sum({size_sql}), 0) FROM read_parquet($path)",
                               {"path": str(p)}).fetchone()[0]
    except duckdb.Error as exc:
        raise IngestError("corrupt_parquet", f"the Parquet file is damaged and cannot be read: "
                          f"{str(exc).splitlines()[0]}") from None
    if expanded > limits.parquet_max_expanded:
        raise IngestError("parquet_bomb", f"the Parquet file expands to {expanded / 2**20:,.0f} MB of values "
                          f"(limit {limits.parquet_max_expanded / 2**20:,.0f} MB)")
    select = ", ".join(f"{c} AS c{i}" for i, c in enumerate(casts))
    run_with_progress(cur, f"CREATE TEMP TABLE {name} AS SELECT {select} FROM read_parquet($path)",
                      {"path": str(p)}, progress, "read", 0.1, 1.0)
    records = cur.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    if records != md.num_rows:
        raise IngestError("unreconciled", f"read {records:,} of the file's {md.num_rows:,} rows; nothing was loaded",
                          lines=md.num_rows, accounted=records)
    return Staged(table=name, kind="parquet", columns=sniffed.columns, records=records, sha256=sha,
                  size=p.stat().st_size, first_line=1, base=rowid_base(cur, name))
