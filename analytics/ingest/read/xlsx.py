"""Excel workbooks (.xlsx) into the staging table: a temporary table of text columns ``c0 … cN`` in
file order, as for text files. Rows keep the sheet's row numbers.

Hostile files
    Excel: the zip directory is checked before anything is decompressed (member count, total
    uncompressed size, compression ratio of large members), every XML part's prolog is checked
    for DOCTYPE/ENTITY declarations (an XML bomb needs them; well-formed OOXML never has them),
    encrypted (OLE-wrapped) and legacy .xls files are named as such, and anything openpyxl
    cannot parse is reported as corrupt.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd

from analytics.ingest.read.common import (
    cell_text,
    file_sha256,
    header_index,
    looks_headerless,
    rowid_base,
    unique_names,
)
from analytics.ingest.read.types import LIMITS, PREVIEW_ROWS, IngestError, Limits, Progress, Sniff, Staged

_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_XML_DECL = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


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


def sniff(p: Path, name: str, size: int, sheet: str | None, header_row: int | None, limits: Limits,
          header: bool | None = None) -> Sniff:
    """A workbook's sheets, header row, columns and first rows (checked for bombs first); ``header``
    as for text files (None: detected)."""
    check_xlsx(p, limits)
    wb = _open_workbook(p)
    try:
        chosen = _pick_sheet(wb, sheet)
        rows: list[list[object]] = []
        try:
            for row in _xlsx_rows(wb[chosen], limits):
                rows.append([cell_text(v) for v in row[: limits.max_columns + 1]])
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
    detected = header is None
    has_header = (header_row is not None or not looks_headerless(rows, hdr)) if header is None else header
    cells = list(rows[hdr])
    while cells and cells[-1] in (None, ""):
        cells.pop()
    columns, dups = unique_names(cells if has_header else [None] * len(cells))
    if len(columns) > limits.max_columns:
        raise IngestError("too_many_file_columns", f"the sheet has more than {limits.max_columns:,} columns",
                          columns=len(columns), limit=limits.max_columns)
    first = hdr + int(has_header)
    body = [(list(r) + [None] * len(columns))[: len(columns)] for r in rows[first: first + PREVIEW_ROWS]]
    preview = pd.DataFrame(body, columns=list(columns), dtype=object)
    return Sniff(kind="xlsx", file_name=name, size=size, header_row=hdr, sheet=chosen, sheets=sheets,
                 columns=columns, preview=preview, duplicate_columns=dups, header=has_header,
                 header_detected=detected)


def stage(cur: duckdb.DuckDBPyConnection, p: Path, sniffed: Sniff, name: str, progress: Progress | None,
          limits: Limits) -> Staged:
    """The chosen sheet's rows below the header into temporary table ``name`` (text columns)."""
    import pyarrow as pa

    check_xlsx(p, limits)
    sha = file_sha256(p)
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
                if i < sniffed.header_row + int(sniffed.header):
                    continue
                cells += len(row)
                if cells > limits.xlsx_max_cells:
                    raise IngestError("too_many_cells", f"the sheet has more than {limits.xlsx_max_cells:,} cells")
                for j in range(width):
                    batch[j].append(cell_text(row[j]) if j < len(row) else None)
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
                  sheet=sniffed.sheet, header_row=sniffed.header_row, first_line=sniffed.header_row + 1 + int(sniffed.header),
                  base=rowid_base(cur, name))
