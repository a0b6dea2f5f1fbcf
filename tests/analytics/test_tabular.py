"""Downloads neutralise spreadsheet formulas and keep Chinese text readable."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from analytics import tabular

HOSTILE = pd.DataFrame({
    "name": ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tx", "华东客户", "plain"],
    "value": [1.5, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
})


def test_neutralize_text_cells_only():
    out = tabular.neutralize(HOSTILE)
    assert out["name"].tolist()[:5] == ["'=HYPERLINK(\"http://x\")", "'+1+1", "'-2", "'@SUM(A1)", "'\tx"]
    assert out["name"].tolist()[5:] == ["华东客户", "plain"]
    assert out["value"].tolist() == HOSTILE["value"].tolist()  # numbers stay numbers, negatives included


def test_csv_has_bom_header_and_no_formulas():
    data = tabular.csv_bytes(HOSTILE, header_lines=["期间: 2024", "=evil"])
    text = data.decode("utf-8")
    assert text.startswith("\ufeff# 期间: 2024\n# '=evil\n")
    df = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), comment=None, skiprows=2)
    assert not any(str(v).startswith(("=", "+", "@")) for v in df["name"])


def test_xlsx_cells_are_text_not_formulas():
    wb = load_workbook(io.BytesIO(tabular.xlsx_bytes(HOSTILE, "客户", header_lines=["Filters: all"])))
    ws = wb.active
    assert ws.title == "客户" and ws["A1"].value == "Filters: all"
    values = [ws.cell(row=r, column=1) for r in range(4, 4 + len(HOSTILE))]
    assert all(c.data_type == "s" for c in values)
    assert values[0].value == "'=HYPERLINK(\"http://x\")"
    assert ws.cell(row=5, column=2).value == -2.0


def test_every_file_writer_goes_through_this_module():
    """One neutralising helper: no other module in analytics/ or presentation/ writes CSV or Excel itself."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    # the text reader rewrites a whitespace-separated upload as TSV for DuckDB: a staging file, never handed out
    internal = {"analytics/tabular.py", "analytics/ingest/read/text.py"}
    writer = re.compile(r"\.to_csv\(|\.to_excel\(|csv\.writer\(|csv\.DictWriter\(|ExcelWriter\(")
    offenders = [f"{p.relative_to(root)}:{i}" for folder in ("analytics", "presentation", "views", "ui")
                 for p in sorted((root / folder).rglob("*.py")) if p.relative_to(root).as_posix() not in internal
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if writer.search(line)]
    assert offenders == []
