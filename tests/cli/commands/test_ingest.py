"""``python -m analytics ingest`` (same engine as the page): exit codes, reasons, JSON, mapping options,
and a real public data set (UCI Online Retail) loaded with a mapping."""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import cli
from analytics.store import db
from cli.common import rows
from tests.helpers import D, build_store, customer

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "ingest"
RETAIL = FIX / "online_retail_2010-12-01_head.csv"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    con = build_store(path, customers=[customer(f"C00{i}") for i in range(1, 6)],
                      activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"}])
    con.close()
    return path


def fingerprint(path: Path) -> str:
    con = db.connect(path)
    try:
        return db.fingerprint(con)
    finally:
        con.close()


def ingest(path: Path, *args: str) -> int:
    return cli.main(["ingest", *map(str, args), "--db", str(path), "--quiet"])


def test_a_rejected_file_exits_non_zero_lists_reasons_and_changes_nothing(store_path, capsys):
    before = fingerprint(store_path)
    assert ingest(store_path, FIX / "gbk_erp_export.csv", "--table", "transactions") == 1
    out, err = capsys.readouterr()
    assert "line 7: customer_id: 'C009' is not in customers" in out
    assert "line 8: quantity: '一' is not a number" in out
    assert "nothing was loaded" in err
    assert fingerprint(store_path) == before


def test_dry_run_json_and_skip_rejected(store_path, capsys):
    before = fingerprint(store_path)
    assert cli.main(["ingest", str(FIX / "gbk_erp_export.csv"), "--table", "transactions", "--db", str(store_path),
                     "--dry-run", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["rows"], out["valid"], out["rejected"], out["encoding"]) == (7, 4, 3, "gb18030")
    assert out["issues"][0] == {"line": 7, "column": "customer_id", "code": "unknown_reference", "value": "C009",
                                "message": "'C009' is not in customers"}
    assert fingerprint(store_path) == before
    assert ingest(store_path, FIX / "gbk_erp_export.csv", "--table", "transactions", "--skip-rejected") == 0
    assert "loaded 4 rows into transactions as load #1 (3 rejected rows skipped)" in capsys.readouterr().out
    assert ingest(store_path, FIX / "gbk_erp_export.csv", "--table", "transactions", "--skip-rejected") == 1
    assert "already loaded" in capsys.readouterr().err
    assert cli.main(["undo-load", "--db", str(store_path)]) == 0
    assert "4 rows removed" in capsys.readouterr().out
    assert fingerprint(store_path) == before


def test_explicit_mapping_constants_and_saved_maps(store_path, tmp_path, capsys):
    p = tmp_path / "c.csv"
    p.write_text("编号,名字,备注\nN1,甲,x\nN2,乙,y\n", encoding="utf-8")
    assert ingest(store_path, p, "--table", "customers", "--map", "编号=customer_id", "--map", "名字=name",
                  "--set", "customer_type=企业", "--save-map", "crm") == 0
    con = db.connect(store_path)
    assert con.execute("SELECT customer_id, name, customer_type FROM customers WHERE load_id = 1 ORDER BY 1").fetchall() == [
        ("N1", "甲", "enterprise"), ("N2", "乙", "enterprise")]
    con.close()
    q = tmp_path / "d.csv"
    q.write_text("编号,名字,备注\nN3,丙,z\n", encoding="utf-8")
    assert ingest(store_path, q, "--table", "customers", "--use-map", "crm") == 0
    assert ingest(store_path, q, "--table", "customers", "--use-map", "nope") == 2
    assert "no mapping named 'nope'" in capsys.readouterr().err


def test_ambiguous_dates_need_a_format(store_path, capsys):
    f = FIX / "ambiguous_dates.csv"
    assert ingest(store_path, f, "--table", "transactions") == 1
    assert "AMBIGUOUS" in capsys.readouterr().out
    assert ingest(store_path, f, "--table", "transactions", "--date-format", "%m/%d/%Y") == 0
    con = db.connect(store_path)
    assert con.execute("SELECT min(tx_date) FROM transactions").fetchone()[0] == D("2024-03-05")
    con.close()


def test_user_mistakes_exit_2(store_path, tmp_path, capsys):
    assert ingest(store_path, tmp_path / "missing.csv", "--table", "transactions") == 2
    assert ingest(store_path, FIX / "empty.csv", "--table", "transactions") == 2
    assert "the file is empty" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        cli.main(["ingest", str(FIX / "ragged.csv"), "--table", "nope"])
    assert info.value.code == 2
    assert ingest(store_path, FIX / "ragged.csv", "--table", "transactions", "--mode", "replace", "--from",
                  "2024-01-01") == 2


def test_replace_a_period_from_the_command_line(store_path, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\nR1,C001,2024-05-05,P,1,10,1\n")
    assert ingest(store_path, p, "--table", "transactions", "--mode", "replace", "--from", "2024-05-01",
                  "--to", "2024-05-31") == 0
    con = db.connect(store_path)
    assert con.execute("SELECT mode, period_from, period_to FROM ingest_log").fetchall() == [
        ("replace_period", D("2024-05-01"), D("2024-05-31"))]
    con.close()


def test_loads_and_template_commands(store_path, tmp_path, capsys):
    assert cli.main(["loads", "--db", str(store_path)]) == 0
    assert "no loads yet" in capsys.readouterr().out
    out = tmp_path / "tpl.xlsx"
    assert cli.main(["template", "transactions", "--lang", "zh", "--format", "xlsx", "-o", str(out)]) == 0
    assert out.stat().st_size > 1000


def test_a_real_public_dataset_loads_with_a_mapping(tmp_path, capsys):
    """175 lines of UCI Online Retail (see tests/fixtures/ingest/README.md): float-formatted customer ids,
    timestamps, a quoted comma, returns with negative quantities, no line id and no amount column."""
    rows = list(csv.DictReader(RETAIL.open(encoding="utf-8")))
    path = tmp_path / "retail.duckdb"
    db.connect(path).close()
    # Customers first, from the same data: one line per customer id as the export writes it (17850.0).
    cust = tmp_path / "customers.csv"
    with cust.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["CustomerID", "Country"])
        for cid in sorted({r["CustomerID"] for r in rows}):
            w.writerow([cid, next(r["Country"] for r in rows if r["CustomerID"] == cid)])
    assert ingest(path, cust, "--table", "customers", "--map", "CustomerID=customer_id", "--map", "CustomerID=name",
                  "--map", "Country=region", "--set", "customer_type=individual") == 0
    capsys.readouterr()
    code = cli.main(["ingest", str(RETAIL), "--table", "transactions", "--db", str(path), "--json",
                     "--map", "@line=transaction_id", "--map", "CustomerID=customer_id", "--map", "InvoiceDate=tx_date",
                     "--map", "StockCode=product", "--map", "Quantity=quantity", "--map", "UnitPrice=unit_price",
                     "--set", "cogs=0"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert (out["rows"], out["valid"], out["rejected"], out["written"]) == (175, 175, 0, 175)
    expected = sum((Decimal(r["Quantity"]) * Decimal(r["UnitPrice"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
                   for r in rows)
    con = db.connect(path)
    try:
        got = con.execute("""SELECT count(*), sum(revenue), count(DISTINCT customer_id), min(tx_date), max(tx_date),
                                    count(*) FILTER (WHERE quantity < 0) FROM transactions""").fetchone()
        assert got == (175, expected, 13, D("2010-12-01"), D("2010-12-01"), 2)
        assert expected == Decimal("4779.79")
        assert con.execute("SELECT customer_id, product, quantity, revenue FROM transactions WHERE transaction_id = ?",
                           [out["sha256"][:8] + "-2"]).fetchone() == ("17850", "85123A", 6.0, Decimal("15.30"))
        assert con.execute("SELECT sum(revenue) FROM agg_customer_month").fetchone()[0] == expected
    finally:
        con.close()


def test_counts_read_as_english():
    assert (rows(1), rows(0), rows(1234), rows(1, "rejected ")) == ("1 row", "0 rows", "1,234 rows", "1 rejected row")


def test_update_mode_replaces_known_customers(store_path, tmp_path, capsys):
    p = tmp_path / "week.csv"
    p.write_text("customer_id,name,customer_type,segment\nC001,One renamed,enterprise,SMB\nC009,Nine,individual,Mass\n",
                 encoding="utf-8")
    assert ingest(store_path, p, "--table", "customers") == 1  # append: C001 is already there
    assert "C001" in capsys.readouterr().out
    assert ingest(store_path, p, "--table", "customers", "--mode", "update") == 0
    assert "loaded 2 rows into customers as load #1" in capsys.readouterr().out
    con = db.connect(store_path)
    try:
        assert con.execute("SELECT name, segment FROM customers WHERE customer_id = 'C001'").fetchone() == (
            "One renamed", "SMB")
        assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 6
    finally:
        con.close()


def test_issues_csv_neutralises_formulas(store_path, tmp_path, capsys):
    """Before the fix ``--issues`` wrote rejected values such as ``=cmd|…`` as they were: a live formula."""
    src = tmp_path / "evil.csv"
    src.write_text("transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"
                   "E1,\"=cmd|' /C calc'!A0\",2024-05-05,+SUM(A1),1,10,1\n"
                   "E2,C001,2024-05-06,@x,-1,10,1\n")
    issues = tmp_path / "issues.csv"
    assert ingest(store_path, src, "--table", "transactions", "--issues", issues) == 1
    with issues.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["code"] for r in rows} >= {"unknown_reference"}
    assert "'=cmd|' /C calc'!A0" in [r["value"] for r in rows]
    cells = [v for r in rows for v in r.values()]
    assert not [v for v in cells if v.startswith(("=", "+", "-", "@", "\t", "\r"))]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_files_hold_no_formulas(tmp_path, capsys, fmt):
    out = tmp_path / f"tpl.{fmt}"
    assert cli.main(["template", "activities", "--lang", "en", "--format", fmt, "-o", str(out)]) == 0
    if fmt == "csv":
        cells = next(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
        assert cells[:2] == ["activity_id", "customer_id"]
    else:
        from openpyxl import load_workbook

        found = [c for ws in load_workbook(out).worksheets for row in ws.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in found)
        cells = [c.value for c in found if isinstance(c.value, str)]
    assert cells and not [v for v in cells if v.startswith(("=", "+", "-", "@"))]
