"""Empty templates for each table and the description of its columns (part of :mod:`analytics.ingest`).

The Data page offers them for download; ``python -m analytics template`` writes them.
"""

from __future__ import annotations

import functools

import pandas as pd

from analytics.ingest.mapping import check_table
from analytics.store import schema


def template_headers(table: str, lang: str) -> list[str]:
    """Column headers for a template: the column names (en) or their first Chinese synonym (zh)."""
    tbl = check_table(table)
    if lang == "en":
        return list(tbl.column_names)
    out = []
    for c in tbl.columns:
        zh = next((s for s in c.synonyms if any("\u4e00" <= ch <= "\u9fff" for ch in s)), c.name)
        out.append(zh)
    return out


def columns_table(table: str, lang: str = "en") -> pd.DataFrame:
    """One row per column of ``table``: header in the template, name, kind, required (a file must give
    it), default (what a file without the column gets: a value, ``=column`` for another column of the
    row, ``generated`` for an id made from the row; empty when none), allowed values, range."""
    tbl = check_table(table)
    heads = template_headers(table, lang)
    return pd.DataFrame({
        "header": heads, "column": list(tbl.column_names), "kind": [c.kind for c in tbl.columns],
        "required": [c.needs_source for c in tbl.columns],
        "default": [_default_text(c) for c in tbl.columns],
        "choices": [", ".join(c.choices) if c.choices else "" for c in tbl.columns],
        "min": [c.min for c in tbl.columns], "max": [c.max for c in tbl.columns],
        "references": [c.references or "" for c in tbl.columns],
    })


def _default_text(c: schema.Column) -> str:
    if c.generated:
        return "generated"
    if c.default_from:
        return f"={c.default_from}"
    return c.default or ""


@functools.lru_cache(maxsize=64)
def template_bytes(table: str, lang: str, fmt: str) -> bytes:
    """An empty template for ``table`` with ``lang`` headers: ``csv`` (UTF-8 with BOM) or ``xlsx``
    (a data sheet, ids formatted as text so Excel keeps leading zeros, and a sheet describing each column)."""
    from analytics import tabular

    heads = template_headers(table, lang)
    if fmt == "csv":
        return tabular.csv_bytes(pd.DataFrame(columns=heads))
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}")
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    tbl = schema.TABLES[table]
    wb = Workbook()
    ws = wb.active
    ws.title = "data" if lang == "en" else "数据"
    ws.append(heads)
    for i, c in enumerate(tbl.columns, start=1):
        ws.cell(row=1, column=i).font = Font(bold=True)
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = max(12, len(heads[i - 1]) * 2)
        if c.kind in ("id", "text", "category"):
            for r in range(2, 1002):
                ws.cell(row=r, column=i).number_format = "@"
    info = wb.create_sheet("columns" if lang == "en" else "说明")
    desc = columns_table(table, lang)
    info.append(list(desc.columns))
    for row in desc.itertuples(index=False):
        info.append([tabular.neutralize_text(v) if isinstance(v, str) else (None if v != v else v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
