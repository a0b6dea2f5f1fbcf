"""``python -m analytics ingest`` on real exports (issue 16): an Online Retail-shaped file, the CDNOW
sample (headerless, whitespace-separated) and a Chinese ERP export in GBK load into a new store with no
flags at all (customers created, ids made, product and cost of goods assumed); ``report --json`` agrees
with sums computed here from the files with :mod:`decimal`. Also ``--no-header``, positions in
``--map`` and the mapping remembered per source.
"""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import cli
from analytics.store import db

FIX = Path(__file__).resolve().parents[2] / "fixtures"
RETAIL = FIX / "ingest" / "online_retail_cancellations.csv"
ERP = FIX / "ingest" / "erp_sales_lines_gbk.csv"
CDNOW = FIX / "cdnow" / "CDNOW_sample.txt"
CENT = Decimal("0.01")


def run_json(capsys, *args: object) -> tuple[int, dict]:
    code = cli.main([*map(str, args)])
    out = capsys.readouterr().out
    return code, json.loads(out)




def report(capsys, path: Path, start: str, end: str) -> dict:
    code, out = run_json(capsys, "report", "--db", path, "--json", "--from", start, "--to", end)
    assert code == 0
    return out


def test_online_retail_export_loads_as_it_comes(tmp_path, capsys):
    rows = list(csv.DictReader(RETAIL.open(encoding="utf-8")))
    path = tmp_path / "new.duckdb"
    code, out = run_json(capsys, "ingest", RETAIL, "--table", "transactions", "--db", path, "--json")
    assert code == 0, out
    assert (out["rows"], out["written"], out["header"], out["customers_created"]) == (12, 12, True, 6)
    rec = {r["target"]: r for r in out["recognised"]}
    assert (rec["tx_date"]["source"], rec["tx_date"]["how"], rec["tx_date"]["date_time"]) == ("InvoiceDate", "synonym", True)
    assert (rec["invoice"]["source"], rec["revenue"]["how"]) == ("InvoiceNo", "computed")
    assert {w["code"] for w in out["warnings"]} >= {"cancellations", "invoice_lines", "derived_revenue"}
    revenue = Decimal(0)
    for r in rows:
        q = Decimal(r["Quantity"])
        q = -abs(q) if r["InvoiceNo"].startswith("C") else q
        revenue += (q * Decimal(r["UnitPrice"])).quantize(CENT, ROUND_HALF_UP)
    rep = report(capsys, path, "2010-12-01", "2010-12-31")
    assert Decimal(str(rep["revenue"])) == revenue == Decimal("196.42")
    assert rep["customers"] == len({r["CustomerID"] for r in rows})


def test_the_text_output_states_what_was_recognised(tmp_path, capsys):
    path = tmp_path / "new.duckdb"
    assert cli.main(["ingest", str(RETAIL), "--table", "transactions", "--db", str(path), "--quiet", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "column InvoiceDate → tx_date: a synonym (recognised as a date-time; the date is kept)" in out
    assert "revenue = unit_price × quantity, rounded to cents" in out


def test_chinese_erp_export_in_gbk_loads_as_it_comes(tmp_path, capsys):
    path = tmp_path / "new.duckdb"
    code, out = run_json(capsys, "ingest", ERP, "--table", "transactions", "--db", path, "--json")
    assert code == 0, out
    assert (out["encoding"], out["written"], out["customers_created"]) == ("gb18030", 5, 3)
    lines = list(csv.reader(ERP.read_bytes().decode("gbk").splitlines()))[1:]
    revenue = sum(Decimal(r[7].replace(",", "")) for r in lines)
    cogs = sum(Decimal(r[8].replace(",", "")) for r in lines)
    rep = report(capsys, path, "2024-03-01", "2024-04-30")
    assert (Decimal(str(rep["revenue"])), Decimal(str(rep["cost_of_goods"]))) == (revenue, cogs)
    assert (revenue, cogs) == (Decimal("3071.51"), Decimal("1550.25"))
    con = db.connect(path)
    try:  # the customers it created are named as the file names them (客户名称)
        assert con.execute("SELECT customer_id, name FROM customers ORDER BY 1").fetchall() == [
            ("K001", "华联商厦"), ("K002", "东方明珠"), ("K003", "陈小明")]
    finally:
        con.close()


def test_cdnow_sample_loads_without_a_header(tmp_path, capsys):
    lines = [ln.split() for ln in CDNOW.read_text().splitlines()]
    path = tmp_path / "new.duckdb"
    code, out = run_json(capsys, "ingest", CDNOW, "--table", "transactions", "--db", path, "--json")
    assert code == 0, {k: out[k] for k in ("rows", "rejected", "issues")}
    assert (out["header"], out["delimiter"], out["rows"], out["written"]) == (False, " ", 6919, 6919)
    assert {a["column"]: a["value"] for a in out["assumed"]} == {"transaction_id": "generated", "product": "unspecified"}
    rec = {r["target"]: (r["source"], r["how"]) for r in out["recognised"]}
    assert rec["customer_id"] == ("column 1", "position") and rec["revenue"] == ("column 5", "position")
    rep = report(capsys, path, "1997-01-01", "1998-06-30")
    assert Decimal(str(rep["revenue"])) == sum(Decimal(r[4]) for r in lines) == Decimal("244091.94")
    assert rep["customers"] == 2357


def test_no_header_and_positions(tmp_path, capsys):
    path = tmp_path / "s.duckdb"
    f = tmp_path / "names.csv"
    f.write_text("K1,Alice\nK2,Bob\n", encoding="utf-8")  # text only: read as a header unless told
    args = ["ingest", str(f), "--table", "customers", "--db", str(path), "--quiet", "--set", "customer_type=individual"]
    assert cli.main([*args, "--dry-run", "--json", "--map", "K1=customer_id", "--map", "Alice=name"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 1
    assert cli.main([*args, "--no-header", "--map", "1=customer_id", "--map", "2=name"]) == 0
    capsys.readouterr()
    con = db.connect(path)
    try:
        assert con.execute("SELECT customer_id, name FROM customers ORDER BY 1").fetchall() == [("K1", "Alice"),
                                                                                             ("K2", "Bob")]
    finally:
        con.close()
    assert cli.main([*args, "--no-header", "--map", "3=name"]) == 2
    assert "column position 3 is outside the file's 2 columns" in capsys.readouterr().err
    assert cli.main([*args, "--no-header", "--header-line", "1"]) == 2


def test_a_mapping_is_remembered_for_files_with_the_same_columns(tmp_path, capsys):
    path = tmp_path / "s.duckdb"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("编码,称呼,性质\nK1,甲,企业\n", encoding="utf-8")
    second.write_text("编码,称呼,性质\nK2,乙,个人\n", encoding="utf-8")
    assert cli.main(["ingest", str(first), "--table", "customers", "--db", str(path), "--quiet", "--map",
                     "编码=customer_id", "--map", "称呼=name", "--map", "性质=customer_type"]) == 0
    capsys.readouterr()
    code, out = run_json(capsys, "ingest", second, "--table", "customers", "--db", path, "--json")
    assert code == 0 and out["written"] == 1
    assert {r["target"]: r["how"] for r in out["recognised"]} == {
        "customer_id": "remembered", "name": "remembered", "customer_type": "remembered"}


def test_the_recognition_lines_name_a_headerless_column_once(tmp_path, capsys):
    """Without a header the columns are called "column N": the line reads "column 1 → customer_id",
    not "column column 1 → customer_id"."""
    assert cli.main(["ingest", str(CDNOW), "--table", "transactions", "--db", str(tmp_path / "s.duckdb"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "column 1 → customer_id: " in out and "column column" not in out
