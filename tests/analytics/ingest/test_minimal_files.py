"""Only what the analytics need is required (issue 16): a transactions file with a customer, a date
and an amount loads into an empty store; the customers it names are created on request; what it
does not say is assumed and reported (ids made from the rows, product 'unspecified', quantity 1,
cost of goods unknown); the same file is recognised again; undo removes exactly what the load added,
created customers included; a later customer file fills those customers in.

Before schema version 5 such a file was refused: "no file column or value for the required
column(s) transaction_id, product, quantity, cogs", and every row as an unknown customer.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import ingest
from analytics.ingest import records
from analytics.store import db, schema
from tests.analytics.ingest.test_undo import fingerprint
from tests.helpers import build_store, customer

MINIMAL = ("customer_id,date,amount\n"
           "A1,2024-01-05,100.50\n"
           "A2,2024-01-20,80\n"
           "A1,2024-02-03,-20.5\n"   # a return
           "A3,2024-02-10,300\n"
           "A2,2024-01-20,80\n")     # the same line twice: two purchases, two ids


def put(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def attempt(con, path: Path, table: str = "transactions", *, write: bool = True, mode: str = "append",
            create_customers: bool = False) -> ingest.Report:
    sn = ingest.sniff(path)
    opts = ingest.Options(table, ingest.auto_map(table, sn.columns, sn.preview), mode=mode)
    if write:
        return ingest.load(con, path, sn, opts, create_customers=create_customers)
    return ingest.check(con, path, sn, opts, create_customers=create_customers)


@pytest.fixture
def empty():
    con = build_store()
    yield con
    con.close()


def test_a_file_with_customer_date_and_amount_loads_into_an_empty_store(tmp_path, empty):
    path = put(tmp_path, "sales.csv", MINIMAL)
    # Without the option the rows name unknown customers: refused, and the report says how many.
    rep = attempt(empty, path, write=False)
    assert (rep.valid, rep.rejected, rep.new_customers) == (0, 5, 3)
    assert set(rep.issues["code"]) == {"unknown_reference"}
    assert dict(rep.assumed) == {"transaction_id": "generated", "product": "unspecified", "quantity": "1"}

    before = fingerprint(empty)
    rep = attempt(empty, path, create_customers=True)
    assert (rep.written, rep.rejected, rep.new_customers, rep.customers_created) == (5, 0, 3, 3)
    warn = dict(rep.warnings)
    assert dict(warn["cogs_unknown"]) == {"n": 5, "share": 1.0}
    assert dict(warn["assumed"]) == {"columns": "product = unspecified, quantity = 1"}
    assert rep.to_dict()["customers_created"] == 3

    got = empty.execute("SELECT customer_id, name, customer_type, segment, region, load_id FROM customers "
                        "ORDER BY 1").fetchall()
    assert got == [(c, c, "unknown", None, None, rep.load_id) for c in ("A1", "A2", "A3")]
    tx = empty.execute("SELECT transaction_id, customer_id, tx_date, product, quantity, revenue, cogs FROM transactions "
                       "ORDER BY tx_date, transaction_id").fetchall()
    assert [r[1:] for r in tx] == [
        ("A1", dt.date(2024, 1, 5), "unspecified", 1.0, Decimal("100.50"), None),
        ("A2", dt.date(2024, 1, 20), "unspecified", 1.0, Decimal("80.00"), None),
        ("A2", dt.date(2024, 1, 20), "unspecified", 1.0, Decimal("80.00"), None),
        ("A1", dt.date(2024, 2, 3), "unspecified", 1.0, Decimal("-20.50"), None),
        ("A3", dt.date(2024, 2, 10), "unspecified", 1.0, Decimal("300.00"), None),
    ]
    ids = [r[0] for r in tx]
    assert len(set(ids)) == 5 and all(re.fullmatch(r"tx-[0-9a-f]{20}", i) for i in ids)
    # The monthly aggregates carry the revenue whose cost of goods is unknown.
    assert empty.execute("SELECT sum(revenue), sum(cogs), sum(cogs_unknown_revenue) FROM agg_customer_month"
                         ).fetchone() == (Decimal("540.00"), None, Decimal("540.00"))

    # Undo removes the transactions and the customers the load created: the store is as before.
    res = ingest.undo_last(empty)
    assert (res.removed, res.customers_removed) == (5, 3)
    assert fingerprint(empty) == before


def test_generated_ids_are_stable_so_the_same_rows_are_recognised_again(tmp_path, empty):
    path = put(tmp_path, "sales.csv", MINIMAL)
    first = attempt(empty, path, create_customers=True)
    ids = sorted(r[0] for r in empty.execute("SELECT transaction_id FROM transactions").fetchall())
    # The same file again: recognised as already loaded, nothing written.
    with pytest.raises(ingest.IngestError) as info:
        attempt(empty, path, create_customers=True)
    assert info.value.code == "already_loaded"
    # The next export under the same name with one new line: the old lines are known (same ids).
    (tmp_path / "later").mkdir()
    grown = put(tmp_path / "later", "sales.csv", MINIMAL + "A3,2024-03-01,40\n")
    rep = attempt(empty, grown, write=False, create_customers=True)
    assert (rep.valid, rep.rejected) == (1, 5)
    assert set(rep.issues["code"]) == {"duplicate_in_table"}
    # ... and replacing the period, they replace themselves with the same ids; the new one is added.
    sn = ingest.sniff(grown)
    opts = ingest.Options("transactions", ingest.auto_map("transactions", sn.columns, sn.preview),
                          mode="replace_period", period=(dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
    upd = ingest.load(empty, grown, sn, opts, create_customers=True)
    assert (upd.written, upd.replaces, upd.customers_created) == (6, 5, 0)
    now = sorted(r[0] for r in empty.execute("SELECT transaction_id FROM transactions").fetchall())
    assert set(ids) < set(now) and len(now) == 6
    # Update mode (a cumulative export): the known rows replace themselves by their made ids, a new one is added.
    (tmp_path / "later2").mkdir()
    more = put(tmp_path / "later2", "sales.csv", MINIMAL + "A3,2024-03-01,40\nA1,2024-03-09,7\n")
    upd = attempt(empty, more, mode="update", create_customers=True)
    assert (upd.written, upd.replaces) == (7, 6)
    assert empty.execute("SELECT count(*), count(DISTINCT transaction_id) FROM transactions").fetchone() == (7, 7)
    # The same content in a fresh store gives the same ids.
    other = build_store()
    attempt(other, path, create_customers=True)
    assert sorted(r[0] for r in other.execute("SELECT transaction_id FROM transactions").fetchall()) == ids
    assert first.load_id == 1


def test_undo_keeps_created_customers_that_later_changes_need(tmp_path, empty):
    path = put(tmp_path, "sales.csv", MINIMAL)
    attempt(empty, path, create_customers=True)
    # A form corrects a created customer: undoing the load would discard that correction.
    assert records.correct(empty, "customers", "A1", {"name": "Alpha Ltd"}).ok
    state = db.fingerprint(empty)
    with pytest.raises(ingest.IngestError) as info:
        ingest.undo_last(empty)
    assert info.value.code == "later_changes" and "customers A1" in str(info.value)
    assert db.fingerprint(empty) == state

    con = build_store()
    attempt(con, path, create_customers=True)
    # A transaction typed in later names a created customer: undo would leave it without its customer.
    assert records.add(con, "transactions", {"transaction_id": "X1", "customer_id": "A3", "tx_date": dt.date(2024, 3, 1),
                                            "product": "P", "quantity": 1, "revenue": 5, "cogs": None}).ok
    state = db.fingerprint(con)
    with pytest.raises(ingest.IngestError) as info:
        ingest.undo_last(con)
    assert info.value.code == "orphans"
    assert db.fingerprint(con) == state


def test_a_customer_master_with_only_ids_and_names_loads_and_fills_in_created_customers(tmp_path, empty):
    names = put(tmp_path, "customers.csv", "客户编号,客户名称\nA1,阿尔法\nA9,Nine\n")
    rep = attempt(empty, names, "customers")
    assert rep.written == 2 and dict(rep.assumed) == {"customer_type": "unknown"}
    assert empty.execute("SELECT customer_id, name, customer_type FROM customers ORDER BY 1").fetchall() == [
        ("A1", "阿尔法", "unknown"), ("A9", "Nine", "unknown")]

    ids_only = put(tmp_path, "ids.csv", "customer_id\nB1\n")
    attempt(empty, ids_only, "customers")
    assert empty.execute("SELECT name, customer_type FROM customers WHERE customer_id = 'B1'").fetchone() == (
        "B1", "unknown")

    # Transactions create A2 and A3 (A1 exists); a later customer file (update mode) fills them in.
    attempt(empty, put(tmp_path, "sales.csv", MINIMAL), create_customers=True)
    master = put(tmp_path, "master.csv", "customer_id,name,customer_type,segment,region\n"
                                         "A2,Beta,enterprise,SMB,East\nA3,Gamma,individual,Mass,North\n")
    before = fingerprint(empty)
    upd = attempt(empty, master, "customers", mode="update")
    assert upd.written == 2
    assert empty.execute("SELECT customer_id, name, customer_type, segment, region FROM customers "
                         "WHERE customer_id IN ('A2', 'A3') ORDER BY 1").fetchall() == [
        ("A2", "Beta", "enterprise", "SMB", "East"), ("A3", "Gamma", "individual", "Mass", "North")]
    # A names-only update keeps the type it does not mention (the default fills new customers only).
    renamed = put(tmp_path, "renamed.csv", "customer_id,name\nA2,Beta Co\nA4,Delta\n")
    attempt(empty, renamed, "customers", mode="update")
    assert empty.execute("SELECT customer_id, name, customer_type, segment FROM customers "
                         "WHERE customer_id IN ('A2', 'A4') ORDER BY 1").fetchall() == [
        ("A2", "Beta Co", "enterprise", "SMB"), ("A4", "Delta", "unknown", None)]
    ingest.undo_last(empty)
    ingest.undo_last(empty)
    assert fingerprint(empty) == before


def test_cost_of_goods_may_be_given_for_some_rows_only(tmp_path):
    con = build_store(customers=[customer("C1")])
    path = put(tmp_path, "t.csv", "transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"
                                  "T1,C1,2024-01-05,P,2,100,60\nT2,C1,2024-01-06,P,1,300,\n")
    rep = attempt(con, path)
    assert rep.written == 2 and dict(dict(rep.warnings)["cogs_unknown"]) == {"n": 1, "share": 0.75}
    assert con.execute("SELECT transaction_id, cogs FROM transactions ORDER BY 1").fetchall() == [
        ("T1", Decimal("60.00")), ("T2", None)]
    assert con.execute("SELECT sum(cogs), sum(cogs_unknown_revenue) FROM agg_customer_month").fetchone() == (
        Decimal("60.00"), Decimal("300.00"))


def test_an_empty_cell_in_a_column_the_file_carries_is_still_refused(tmp_path):
    """A default fills a column the file lacks; a gap in a column it has is an error, as before."""
    con = build_store(customers=[customer("C1")])
    path = put(tmp_path, "t.csv", "customer_id,tx_date,product,revenue\nC1,2024-01-05,,100\n")
    rep = attempt(con, path, write=False)
    assert [(r.column, r.code) for r in rep.issues.itertuples()] == [("product", "required")]
    assert schema.TABLES["transactions"].column("product").default == "unspecified"


def test_the_column_reference_says_what_a_file_must_give_and_what_it_may_leave_out():
    tx = ingest.columns_table("transactions").set_index("column")
    assert tx.index[tx["required"]].tolist() == ["customer_id", "tx_date", "revenue"]
    assert tx["default"].to_dict() == {"transaction_id": "generated", "customer_id": "", "tx_date": "",
                                       "product": "unspecified", "quantity": "1", "revenue": "", "cogs": ""}
    cu = ingest.columns_table("customers").set_index("column")
    assert cu.index[cu["required"]].tolist() == ["customer_id"]
    assert (cu.loc["name", "default"], cu.loc["customer_type", "default"]) == ("=customer_id", "unknown")
