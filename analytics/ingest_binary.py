"""Excel workbooks (.xlsx) and Parquet files into the staging table (part of :mod:`analytics.ingest`).

:func:`analytics.ingest_read.sniff` and :func:`analytics.ingest_read.stage` hand these kinds here;
the result is the same as for text files: a temporary table of text columns ``c0 … cN`` in file
order. Excel rows keep the sheet's row numbers; Parquet rows are numbered from 1.

Hostile files
    Excel: the zip directory is checked before anything is decompressed (member count, total
    uncompressed size, compression ratio of large members), every XML part's prolog is checked
    for DOCTYPE/ENTITY declarations (an XML bomb needs them; well-formed OOXML never has them),
    encrypted (OLE-wrapped) and legacy .xls files are named as such, and anything openpyxl
    cannot parse is reported as corrupt. Parquet: row count, column count and uncompressed size
    come from the footer and are bounded, then the expanded size of the text DuckDB would stage
    is measured by a streaming scan before anything is materialised.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from analytics.ingest_read import (
    CHUNK,
    LIMITS,
    PREVIEW_ROWS,
    IngestError,
    Limits,
    Progress,
    Sniff,
    Staged,
    _quote_ident,
    _rowid_base,
    _run_with_progress,
    _unique_names,
    header_index,
)

_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_XML_DECL = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


# ----------------------------------------------------------------------------- Excel
def ole_error(p: Path) -> IngestError:
    """Encrypted OOXML and legacy .xls both come as OLE compound files; say which."""
    with open(p, "rb") as fh:
        data = fh.read(8 << 20)
    if _ENCRYPTED_MARK in data:
        return IngestError("encrypted", "the workbook is protected with a password (encrypted); "
                           "save a copy without a password and upload that")
    return IngestError("legacy_xls", "legacy .xls workbooks are not supported; save it as .xlsx or CSV")


def check_xlsx(p: Path, limits: Limits = LIMITS) -> None:
    """Refuse zip bombs, XML bombs and files that are not workbooks, before openpyxl reads anything."""
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError("corrupt_xlsx", f"the workbook is damaged and cannot be opened ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.xlsx_max_members:
            raise IngestError("xlsx_bomb", f"the workbook has {len(infos):,} parts (at most "
                              f"{limits.xlsx_max_members:,} are allowed)")
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise IngestError("corrupt_xlsx", "this zip file is not an Excel workbook")
        if "EncryptedPackage" in names or "EncryptionInfo" in names:
            raise IngestError("encrypted", "the workbook is protected with a password (encrypted); "
                              "save a copy without a password and upload that")
        total = sum(i.file_size for i in infos)
        if total > limits.xlsx_max_uncompressed:
            raise IngestError("xlsx_bomb", f"the workbook would expand to {total / 2**20:,.0f} MB "
                              f"(limit {limits.xlsx_max_uncompressed / 2**20:,.0f} MB); it may be a zip bomb")
        for info in infos:
            if info.file_size > limits.xlsx_ratio_min_size:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.xlsx_max_ratio:
                    raise IngestError("xlsx_bomb", f"part {info.filename} expands {ratio:,.0f} times "
                                      f"(limit {limits.xlsx_max_ratio:,.0f}); it may be a zip bomb")
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                _check_xml_prolog(zf, info)


def _check_xml_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """DOCTYPE and ENTITY declarations can only come before the root element: read up to it."""
    try:
        with zf.open(info) as fh:
            head = fh.read(65536)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise IngestError("corrupt_xlsx", f"the workbook is damaged ({info.filename}: {exc})") from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    elif head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        head = head.decode("utf-16-le" if head[1:2] == b"\x00" else "utf-16-be", errors="replace").encode("utf-8")
    m = _FIRST_ELEMENT.search(head)
    prolog = head[: m.start()] if m else head
    if _XML_DECL.search(prolog):
        raise IngestError("xml_bomb", f"the workbook part {info.filename} declares a DOCTYPE or ENTITY "
                          "(an XML bomb or external-entity attack); it is refused")
    if m is None and info.file_size > len(head):
        raise IngestError("xml_bomb", f"the workbook part {info.filename} has an unusually long prolog; it is refused")


def _open_workbook(p: Path):
    from openpyxl import load_workbook

    try:
        return load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise IngestError("corrupt_xlsx", f"the workbook is damaged and cannot be read ({type(exc).__name__})") from None


def _cell_text(v: object) -> str | None:
    """An Excel cell as the text the engine normalises (dates ISO, whole floats without .0)."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, (int, Decimal)):
        return str(v)
    return str(v)


def _pick_sheet(wb, sheet: str | None) -> str:
    names = list(wb.sheetnames)
    if not names:
        raise IngestError("no_sheets", "the workbook has no sheets")
    if sheet is not None:
        if sheet not in names:
            raise IngestError("no_such_sheet", f"the workbook has no sheet {sheet!r}", sheet=sheet)
        return sheet
    return names[0]


def _xlsx_rows(ws, limits: Limits) -> Iterator[tuple[object, ...]]:
    ws.reset_dimensions()  # a forged <dimension> must not make openpyxl pad every row to 16,384 cells
    for i, row in enumerate(ws.iter_rows(values_only=True)):
        if i >= limits.xlsx_max_rows:
            raise IngestError("too_many_rows", f"the sheet has more than {limits.xlsx_max_rows:,} rows")
        yield row


def _sniff_xlsx(p: Path, name: str, size: int, sheet: str | None, header_row: int | None, limits: Limits) -> Sniff:
    check_xlsx(p, limits)
    wb = _open_workbook(p)
    try:
        chosen = _pick_sheet(wb, sheet)
        rows: list[list[object]] = []
        try:
            for row in _xlsx_rows(wb[chosen], limits):
                rows.append([_cell_text(v) for v in row[: limits.max_columns + 1]])
                if len(rows) >= 60:
                    break
        except IngestError:
            raise
        except Exception as exc:
            raise IngestError("corrupt_xlsx", f"the workbook is damaged and cannot be read ({type(exc).__name__})") from None
        sheets = tuple(wb.sheetnames)
    finally:
        wb.close()
    if not any(any(c not in (None, "") for c in r) for r in rows):
        raise IngestError("empty", f"the sheet {chosen!r} is empty", sheet=chosen)
    hdr = header_index(rows) if header_row is None else header_row
    if hdr >= len(rows):
        raise IngestError("no_header", f"the sheet has no row {hdr + 1} to use as the header", line=hdr + 1)
    header = list(rows[hdr])
    while header and header[-1] in (None, ""):
        header.pop()
    columns, dups = _unique_names(header)
    if len(columns) > limits.max_columns:
        raise IngestError("too_many_file_columns", f"the sheet has more than {limits.max_columns:,} columns",
                          columns=len(columns), limit=limits.max_columns)
    body = [(list(r) + [None] * len(columns))[: len(columns)] for r in rows[hdr + 1: hdr + 1 + PREVIEW_ROWS]]
    preview = pd.DataFrame(body, columns=list(columns), dtype=object)
    return Sniff(kind="xlsx", file_name=name, size=size, header_row=hdr, sheet=chosen, sheets=sheets,
                 columns=columns, preview=preview, duplicate_columns=dups)


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _stage_xlsx(cur: duckdb.DuckDBPyConnection, p: Path, sniffed: Sniff, name: str, progress: Progress | None,
                limits: Limits) -> Staged:
    import pyarrow as pa

    check_xlsx(p, limits)
    sha = _sha256(p)
    width = len(sniffed.columns)
    schema = pa.schema([(f"c{i}", pa.string()) for i in range(width)])
    cur.execute(f"CREATE TEMP TABLE {name} ({', '.join(f'c{i} VARCHAR' for i in range(width))})")
    wb = _open_workbook(p)
    cells = 0
    records = 0
    batch: list[list[str | None]] = [[] for _ in range(width)]
    total_est = None
    try:
        ws = wb[sniffed.sheet or _pick_sheet(wb, None)]
        try:
            total_est = ws.max_row
        except Exception:
            total_est = None

        def flush() -> None:
            if not batch[0]:
                return
            tbl = pa.Table.from_arrays([pa.array(col, type=pa.string()) for col in batch], schema=schema)
            cur.execute("SELECT 1").fetchall()  # no result left pending (register refuses otherwise)
            cur.register("_xlsx_batch", tbl)
            try:
                cur.execute(f"INSERT INTO {name} SELECT * FROM _xlsx_batch")
            finally:
                cur.unregister("_xlsx_batch")
            for col in batch:
                col.clear()

        try:
            for i, row in enumerate(_xlsx_rows(ws, limits)):
                if i <= sniffed.header_row:
                    continue
                cells += len(row)
                if cells > limits.xlsx_max_cells:
                    raise IngestError("too_many_cells", f"the sheet has more than {limits.xlsx_max_cells:,} cells")
                for j in range(width):
                    batch[j].append(_cell_text(row[j]) if j < len(row) else None)
                records += 1
                if records % 50_000 == 0:
                    flush()
                    if progress and total_est:
                        progress("read", min(0.95, records / total_est))
            flush()
        except IngestError:
            raise
        except Exception as exc:
            raise IngestError("corrupt_xlsx", f"the workbook is damaged and cannot be read ({type(exc).__name__})") from None
    finally:
        wb.close()
    # Trailing empty rows are not data (Excel often keeps formatted empty rows at the end).
    last = cur.execute(
        f"SELECT max(rowid) FROM {name} WHERE " + (" OR ".join(f"nullif(trim(c{i}), '') IS NOT NULL"
                                                               for i in range(width)) or "false")).fetchone()[0]
    if last is None:
        raise IngestError("header_only", "the sheet has a header but no data rows")
    if last + 1 < records:
        cur.execute(f"DELETE FROM {name} WHERE rowid > ?", [last])
        records = last + 1
    if progress:
        progress("read", 1.0)
    return Staged(table=name, kind="xlsx", columns=sniffed.columns, records=records, sha256=sha, size=p.stat().st_size,
                  sheet=sniffed.sheet, header_row=sniffed.header_row, first_line=sniffed.header_row + 2,
                  base=_rowid_base(cur, name))


# ----------------------------------------------------------------------------- Parquet
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


def _sniff_parquet(p: Path, name: str, size: int, limits: Limits) -> Sniff:
    pf, md = _parquet_meta(p, limits)
    columns, dups = _unique_names(list(pf.schema_arrow.names))
    try:
        first = next(pf.iter_batches(batch_size=PREVIEW_ROWS), None)
    except Exception as exc:
        raise IngestError("corrupt_parquet", f"the Parquet file is damaged and cannot be read ({type(exc).__name__})") from None
    if first is None or md.num_rows == 0:
        raise IngestError("header_only", "the Parquet file has columns but no rows")
    rows = [[_cell_text(v) for v in r.values()] for r in first.to_pylist()]
    preview = pd.DataFrame(rows, columns=list(columns), dtype=object)
    return Sniff(kind="parquet", file_name=name, size=size, header_row=0, columns=columns, preview=preview,
                 duplicate_columns=dups, rows_estimate=md.num_rows)


def _stage_parquet(cur: duckdb.DuckDBPyConnection, p: Path, sniffed: Sniff, name: str, progress: Progress | None,
                   limits: Limits) -> Staged:
    pf, md = _parquet_meta(p, limits)
    raw_names = list(pf.schema_arrow.names)
    if len(raw_names) != len(sniffed.columns):
        raise IngestError("corrupt_parquet", "the Parquet file changed since it was previewed")
    sha = _sha256(p)
    casts = [f"CAST({_quote_ident(n)} AS VARCHAR)" for n in raw_names]
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
    _run_with_progress(cur, f"CREATE TEMP TABLE {name} AS SELECT {select} FROM read_parquet($path)",
                       {"path": str(p)}, progress, "read", 0.1, 1.0)
    records = cur.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    if records != md.num_rows:
        raise IngestError("unreconciled", f"read {records:,} of the file's {md.num_rows:,} rows; nothing was loaded",
                          lines=md.num_rows, accounted=records)
    return Staged(table=name, kind="parquet", columns=sniffed.columns, records=records, sha256=sha,
                  size=p.stat().st_size, first_line=1, base=_rowid_base(cur, name))
