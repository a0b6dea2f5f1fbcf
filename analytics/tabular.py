"""Tables leaving the app (CSV and Excel downloads, exports): safe against formula injection.

A cell whose text begins with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) would be
run as a formula by Excel or LibreOffice; such text is prefixed with an apostrophe, the OWASP
recommendation, so it shows as typed. Numbers are left as numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_text(value: object) -> object:
    """``value`` made inert if it is text that a spreadsheet would treat as a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def neutralize(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (and column name) neutralised."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralize_text)
    out.columns = [neutralize_text(str(c)) for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame, header_lines: Sequence[str] = ()) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads Chinese correctly), after optional ``# `` header lines."""
    buf = io.StringIO()
    for line in header_lines:
        buf.write(f"# {neutralize_text(line)}\n")
    neutralize(df).to_csv(buf, index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "data", header_lines: Sequence[str] = ()) -> bytes:
    """An .xlsx workbook: optional header lines (filters, period, data date), then the table."""
    return xlsx_book_bytes([(sheet, df, header_lines)])


def xlsx_book_bytes(sheets: Sequence[tuple[str, pd.DataFrame, Sequence[str]]]) -> bytes:
    """An .xlsx workbook of several sheets, each ``(name, table, header_lines)`` as in :func:`xlsx_bytes`."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for sheet, df, header_lines in sheets:
        ws = wb.create_sheet(sheet[:31] or "data")
        safe = neutralize(df)
        for line in header_lines:
            ws.append([neutralize_text(line)])
            ws.cell(row=ws.max_row, column=1).font = Font(italic=True, color="666666")
        if header_lines:
            ws.append([])
        ws.append(list(safe.columns))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in safe.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for cell_row in ws.iter_rows():  # text stays text even if it looks like a formula
            for cell in cell_row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(v: object) -> object:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, str):
        return v.item()
    return v
