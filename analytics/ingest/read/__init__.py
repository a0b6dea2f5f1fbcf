"""Reading analysts' files safely into a DuckDB staging table (part of :mod:`analytics.ingest`).

Text files (CSV, TSV, TXT with any delimiter, whitespace-separated included), Excel workbooks
(.xlsx) and Parquet files are read into a temporary table of text columns ``c0 … cN`` in file
order, so that the rest of the engine validates every value in SQL. Nothing here writes to the
store.

This package's :func:`sniff` and :func:`stage` choose the reader by the file's first bytes:
:mod:`~analytics.ingest.read.text` (encodings in :mod:`~analytics.ingest.read.encoding`),
:mod:`~analytics.ingest.read.xlsx` and :mod:`~analytics.ingest.read.parquet`, which check
workbooks and Parquet files for zip, XML and Parquet bombs before anything is expanded. Their
shared types are in :mod:`~analytics.ingest.read.types`.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from analytics.ingest.read import parquet, text, xlsx
from analytics.ingest.read.common import read_head
from analytics.ingest.read.types import (
    DELIMITERS,
    ENCODINGS,
    KINDS,
    LIMITS,
    IngestError,
    Limits,
    Progress,
    Sniff,
    Staged,
    StageIssue,
)

__all__ = ["DELIMITERS", "ENCODINGS", "KINDS", "LIMITS", "IngestError", "Limits", "Progress", "Sniff", "StageIssue",
           "Staged", "detect_kind", "drop", "sniff", "stage"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_kind(name: str, head: bytes) -> str:
    """``csv``, ``xlsx`` or ``parquet`` from the file's first bytes (the name is only a hint)."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if head.startswith(b"PAR1"):
        return "parquet"
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        raise IngestError("corrupt_xlsx", "this .xlsx file is not a valid workbook (it is not a zip archive)")
    if lower.endswith(".parquet"):
        raise IngestError("corrupt_parquet", "this .parquet file is not valid (no Parquet header)")
    if lower.endswith(".xls"):
        raise IngestError("legacy_xls", "legacy .xls workbooks are not supported; save it as .xlsx or CSV")
    return "csv"


def sniff(path: str | os.PathLike[str], file_name: str | None = None, *, encoding: str | None = None,
          delimiter: str | None = None, header_row: int | None = None, sheet: str | None = None,
          header: bool | None = None, limits: Limits = LIMITS) -> Sniff:
    """Detect a file's kind, encoding, delimiter and header; read its first rows for a preview.

    Only the first megabyte of a text file is read; an Excel file is checked for bombs first.
    Given options override detection: ``header=False`` reads a text file or sheet as having no
    header row (columns ``column 1`` …, mapped by position), None detects it. Raises :class:`IngestError` for empty, binary or unsafe files.
    """
    p = Path(path)
    name = file_name or p.name
    size = p.stat().st_size
    if size == 0:
        raise IngestError("empty", "the file is empty")
    head = read_head(p)
    kind = detect_kind(name, head[:8])
    if kind == "ole":
        raise xlsx.ole_error(p)
    if kind == "xlsx":
        return xlsx.sniff(p, name, size, sheet, header_row, limits, header)
    if kind == "parquet":
        return parquet.sniff(p, name, size, limits)
    return text.sniff(p, name, size, head, encoding=encoding, delimiter=delimiter, header_row=header_row,
                      header=header, limits=limits)


def stage(cur: duckdb.DuckDBPyConnection, path: str | os.PathLike[str], sniffed: Sniff, name: str = "ingest_stage",
          progress: Progress | None = None, limits: Limits = LIMITS) -> Staged:
    """Read the whole file into temporary table ``name`` on ``cur`` (text columns, file order).

    Raises :class:`IngestError` for a file with no data rows, an invalid byte sequence in its
    encoding, an unsafe workbook or Parquet file, or rows the reader could not account for.
    """
    p = Path(path)
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    if sniffed.kind == "xlsx":
        return xlsx.stage(cur, p, sniffed, name, progress, limits)
    if sniffed.kind == "parquet":
        return parquet.stage(cur, p, sniffed, name, progress, limits)
    return text.stage(cur, p, sniffed, name, progress, limits)


def drop(cur: duckdb.DuckDBPyConnection, staged: Staged) -> None:
    """Drop the staging table and its helpers."""
    for t in (staged.table, f"{staged.table}_rej", f"{staged.table}_rejscan", staged.shift_table, staged.newline_table):
        if t:
            cur.execute(f"DROP TABLE IF EXISTS {t}")
