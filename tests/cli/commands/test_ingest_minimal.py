"""``python -m analytics ingest`` of a file with only a customer, a date and an amount (issue 16):
it loads with no flags into a new store, creating the customers it names and saying so; profit
figures state the share of revenue whose cost of goods is unknown; ``report --json`` agrees with
sums computed here from the file; a second load of the same file is recognised; undo is exact.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import cli
from analytics.store import db

ROWS = [("K1", "2024-01-05", "120.50"), ("K2", "2024-01-09", "80.00"), ("K1", "2024-02-11", "-20.50"),
        ("K3", "2024-02-20", "300.00"), ("K2", "2024-03-02", "45.25"), ("K2", "2024-03-02", "45.25")]


def write(path: Path, rows: list[tuple[str, ...]], header: str = "customer_id,date,amount") -> Path:
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = cli.main([*map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_minimal_transactions_file_loads_with_no_flags_and_report_agrees(tmp_path, capsys):
    store = tmp_path / "new.duckdb"
    sales = write(tmp_path / "sales.csv", ROWS)
    code, out, err = run(capsys, "ingest", sales, "--table", "transactions", "--db", store, "--quiet")
    assert code == 0, err
    assert "loaded 6 rows into transactions" in out
    assert "created 3 customers named in the file" in out
    assert "cost of goods not provided for 100.0% of revenue" in out

    code, out, _ = run(capsys, "report", "--db", store, "--json", "--from", "2024-01-01", "--to", "2024-03-31")
    assert code == 0
    rep = json.loads(out)
    revenue = sum(Decimal(r[2]) for r in ROWS)
    assert Decimal(str(rep["revenue"])) == revenue == Decimal("570.50")
    assert rep["customers"] == len({r[0] for r in ROWS}) == 3
    assert rep["cost_of_goods"] == 0 and rep["cost_to_serve"] == 0
    assert Decimal(str(rep["profit"])) == revenue  # no cost of goods known: profit deducts none ...
    assert rep["cogs_unknown_revenue_share"] == 1.0  # ... and says so for all of the revenue

    con = db.connect(store, read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT transaction_id), count(cogs), min(product), max(quantity) "
                       "FROM transactions").fetchone() == (6, 6, 0, "unspecified", 1.0)
    assert con.execute("SELECT DISTINCT name = customer_id, customer_type FROM customers").fetchall() == [
        (True, "unknown")]
    before = db.fingerprint(con)
    con.close()

    # The same file again is recognised: refused, nothing written.
    code, _, err = run(capsys, "ingest", sales, "--table", "transactions", "--db", store, "--quiet")
    assert code == 1 and "already loaded" in err
    # Customers now exist: a file naming a new one is refused unless asked, with the hint.
    more = write(tmp_path / "more.csv", [("K9", "2024-03-05", "10")])
    code, _, err = run(capsys, "ingest", more, "--table", "transactions", "--db", store, "--quiet")
    assert code == 1 and "--create-customers creates them" in err
    code, out, _ = run(capsys, "ingest", more, "--table", "transactions", "--db", store, "--quiet", "--create-customers")
    assert code == 0 and "created 1 customers" in out
    code, out, _ = run(capsys, "undo-load", "--db", store)
    assert code == 0
    con = db.connect(store, read_only=True)
    assert db.fingerprint(con) == before
    con.close()


def test_a_customer_master_of_ids_and_names_loads_then_fills_in_created_customers(tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    master = write(tmp_path / "master.csv", [("K1", "Kilo One"), ("K2", "Kilo Two")], header="客户编号,客户名称")
    code, out, err = run(capsys, "ingest", master, "--table", "customers", "--db", store, "--quiet")
    assert code == 0, err
    sales = write(tmp_path / "sales.csv", ROWS)
    # K3 is unknown and the store has customers: created only when asked.
    code, out, err = run(capsys, "ingest", sales, "--table", "transactions", "--db", store, "--quiet",
                         "--create-customers")
    assert code == 0 and "created 1 customers" in out
    full = write(tmp_path / "full.csv", [("K3", "Kilo Three", "enterprise", "SMB", "East")],
                 header="customer_id,name,customer_type,segment,region")
    code, _, err = run(capsys, "ingest", full, "--table", "customers", "--db", store, "--quiet", "--mode", "update")
    assert code == 0, err
    con = db.connect(store, read_only=True)
    got = con.execute("SELECT customer_id, name, customer_type, segment, region FROM customers ORDER BY 1").fetchall()
    con.close()
    assert got == [("K1", "Kilo One", "unknown", None, None), ("K2", "Kilo Two", "unknown", None, None),
                   ("K3", "Kilo Three", "enterprise", "SMB", "East")]
    # The report's profit figures carry the unknown share: computed here from the file.
    code, out, _ = run(capsys, "report", "--db", store, "--json", "--from", "2024-01-01", "--to", "2024-03-31")
    assert json.loads(out)["cogs_unknown_revenue_share"] == 1.0
    assert sum(Decimal(r[2]) for r in csv.reader(sales.open()) if r[0] != "customer_id") == Decimal(
        str(json.loads(out)["revenue"]))
