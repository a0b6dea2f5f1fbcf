"""Real exports recognised (issue 16): invoice numbers with several lines and cancellations, unit
price × quantity, date-times, English and Chinese export headers, files without a header mapped by
position, whitespace-separated text (CDNOW), and what the recognition states for each column.

Sums are computed here from the fixture files with :mod:`decimal`, independently of the engine.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from analytics import ingest
from analytics.ingest.mapping import recognise, recognise_file, source_column, source_key
from analytics.ingest.read.common import looks_headerless
from tests.helpers import build_store, customer

FIX = Path(__file__).resolve().parents[2] / "fixtures"
RETAIL = FIX / "ingest" / "online_retail_cancellations.csv"
ERP = FIX / "ingest" / "erp_sales_lines_gbk.csv"
CDNOW = FIX / "cdnow" / "CDNOW_sample.txt"
CENT = Decimal("0.01")


def _store(ids: list[str]):
    return build_store(customers=[customer(i) for i in ids])


def _retail_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(RETAIL.open(encoding="utf-8")))


def _check(con, path: Path, table: str = "transactions", write: bool = False, **sniff_kw):
    sn = ingest.sniff(path, **sniff_kw)
    rec = recognise(table, sn.columns, sn.preview, header=sn.header)
    opts = ingest.Options(table, rec.mapping)
    return sn, rec, (ingest.load if write else ingest.check)(con, path, sn, opts)


# ----------------------------------------------------------------------------- Online Retail
def test_online_retail_headers_are_recognised_with_how():
    sn = ingest.sniff(RETAIL)
    rec = recognise("transactions", sn.columns, sn.preview, header=sn.header)
    assert sn.header and dict(rec.mapping.columns) == {
        "invoice": "InvoiceNo", "customer_id": "CustomerID", "tx_date": "InvoiceDate", "product": "StockCode",
        "quantity": "Quantity", "unit_price": "UnitPrice", "customer_region": "Country"}
    assert dict(rec.how) == {"invoice": "synonym", "customer_id": "name", "tx_date": "synonym",
                             "product": "synonym", "quantity": "name", "unit_price": "name",
                             "customer_region": "synonym"}
    assert rec.date_times == ("tx_date",)  # "12/1/2010 8:26": a date-time, read as its date


def test_invoice_lines_get_stable_ids_and_cancellations_become_returns():
    rows = _retail_rows()
    con = _store(sorted({r["CustomerID"].removesuffix(".0") for r in rows}))
    _, _, rep = _check(con, RETAIL, write=True)
    assert (rep.rows, rep.valid, rep.rejected) == (12, 12, 0), rep.issues
    got = con.execute("SELECT transaction_id, customer_id, tx_date, quantity, revenue FROM transactions "
                      "WHERE load_id = ? ORDER BY transaction_id", [rep.load_id]).fetchall()
    # Several lines of one invoice: number/k in file order; one line: the number itself.
    assert [g[0] for g in got] == ["536365/1", "536365/2", "536365/3", "536366", "536367/1", "536367/2", "536380",
                                   "536384/1", "536384/2", "536384/3", "C536379", "C536383"]
    assert [g[3] for g in got if g[0].startswith("536384/")] == [3.0, 48.0, 12.0]  # k follows the file's order
    # Month first (12/13/2010 decides), the time of day dropped.
    assert {g[2] for g in got} == {dt.date(2010, 12, 1), dt.date(2010, 12, 13)}
    # Cancellations are returns: negative quantity and revenue, also where the file's quantity was positive.
    assert [(g[3], g[4]) for g in got if g[0].startswith("C")] == [(-1.0, Decimal("-27.50")), (-1.0, Decimal("-4.65"))]
    expected = Decimal(0)
    for r in rows:
        q = Decimal(r["Quantity"])
        q = -abs(q) if r["InvoiceNo"].startswith("C") else q
        expected += (q * Decimal(r["UnitPrice"])).quantize(CENT, ROUND_HALF_UP)
    assert sum(g[4] for g in got) == expected == Decimal("196.42")
    codes = dict(rep.warnings)
    assert dict(codes["cancellations"]) == {"n": 2}
    assert dict(codes["invoice_lines"]) == {"invoices": 3, "lines": 8}
    assert "derived_revenue" in codes
    # The same file again is recognised as already loaded (the same ids).
    sn = ingest.sniff(RETAIL)
    again = ingest.check(con, RETAIL, sn, ingest.Options("transactions", recognise(
        "transactions", sn.columns, sn.preview).mapping))
    assert again.already_loaded is not None
    assert set(again.issues["code"]) == {"duplicate_in_table"}


def test_a_c_prefix_is_a_cancellation_only_beside_plain_invoice_numbers(tmp_path):
    con = _store(["K1"])
    p = tmp_path / "orders.csv"
    p.write_text("order no,customer_id,date,product,quantity,amount\nC001,K1,2024-03-01,P,2,10\n"
                 "C002,K1,2024-03-02,P,1,5\n", encoding="utf-8")
    _, rec, rep = _check(con, p)
    assert rec.mapping.source("invoice") == "order no"
    assert rep.valid == 2 and "cancellations" not in dict(rep.warnings)
    assert list(rep.preview["quantity"]) == [2.0, 1.0] and list(rep.preview["transaction_id"]) == ["C001", "C002"]


def test_a_transaction_id_column_still_refuses_repeated_ids(tmp_path):
    """Only an invoice (order, document) number holds several lines; a line id that repeats is refused."""
    con = _store(["K1"])
    p = tmp_path / "t.csv"
    p.write_text("transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"
                 "T1,K1,2024-03-01,P,1,1,1\nT1,K1,2024-03-02,P,1,1,1\n", encoding="utf-8")
    _, rec, rep = _check(con, p)
    assert rec.mapping.source("invoice") is None
    assert list(rep.issues["code"]) == ["duplicate_in_file", "duplicate_in_file"]


# ----------------------------------------------------------------------------- Chinese ERP (GBK)
def test_chinese_erp_export_in_gbk_is_recognised_and_loads():
    con = _store(["K001", "K002", "K003"])
    sn, rec, rep = _check(con, ERP, write=True)
    assert sn.encoding == "gb18030" and sn.header
    assert dict(rec.mapping.columns) == {
        "invoice": "单据编号", "customer_id": "客户编号", "tx_date": "下单时间", "product": "物料名称",
        "quantity": "销售数量", "revenue": "含税金额", "cogs": "成本金额", "unit_price": "含税单价",
        "customer_name": "客户名称"}
    assert rec.date_times == ("tx_date",)
    assert (rep.valid, rep.rejected) == (5, 0), rep.issues
    got = con.execute("SELECT transaction_id, tx_date, revenue, cogs FROM transactions WHERE load_id = ? "
                      "ORDER BY transaction_id", [rep.load_id]).fetchall()
    assert got[0] == ("XS2024-0301/1", dt.date(2024, 3, 5), Decimal("1234.50"), Decimal("600.00"))
    assert [g[0] for g in got[1:]] == ["XS2024-0301/2", "XS2024-0302", "XS2024-0303", "XS2024-0304"]
    text = ERP.read_bytes().decode("gbk").splitlines()[1:]
    rev = sum(Decimal(next(csv.reader([ln]))[7].replace(",", "")) for ln in text)
    assert sum(g[2] for g in got) == rev == Decimal("3071.51")


def test_unit_price_times_quantity_is_exact_to_the_cent(tmp_path):
    """0.1 × 3 and 2.675 × 1 in binary floating point are 0.30000000000000004 and 2.67499…: the engine
    multiplies decimals and rounds half away from zero."""
    con = _store(["K1"])
    p = tmp_path / "p.csv"
    p.write_text("订单号,客户编号,下单时间,品名,单价,数量\nA1,K1,2024-03-01T10:00:00,P,0.1,3\n"
                 "A2,K1,2024-03-01T11:30,P,2.675,1\nA3,K1,2024/03/02 08:00,P,1.005,-1\n", encoding="utf-8")
    _, rec, rep = _check(con, p)
    assert dict(rec.how)["unit_price"] == "synonym" and rec.date_times == ("tx_date",)
    assert [Decimal(str(v)) for v in rep.preview["revenue"]] == [Decimal("0.30"), Decimal("2.68"), Decimal("-1.01")]
    assert set(rep.preview["tx_date"]) == {dt.date(2024, 3, 1), dt.date(2024, 3, 2)}


# ----------------------------------------------------------------------------- files without a header
def test_cdnow_is_read_as_whitespace_text_without_a_header():
    sn = ingest.sniff(CDNOW)
    assert (sn.delimiter, sn.header, sn.header_detected) == (" ", False, True)
    assert sn.columns == ("column 1", "column 2", "column 3", "column 4", "column 5")
    assert list(sn.preview.iloc[0]) == ["00004", "0001", "19970101", "2", "29.33"]  # the first line is data
    rec = recognise("transactions", sn.columns, sn.preview, header=sn.header)
    assert dict(rec.mapping.columns) == {"customer_id": "column 1", "tx_date": "column 3", "quantity": "column 4",
                                         "revenue": "column 5"}
    assert set(dict(rec.how).values()) == {"position"}


def test_cdnow_stages_every_line_and_numbers_lines_from_one():
    lines = CDNOW.read_text().splitlines()
    con = _store(sorted({ln.split()[0] for ln in lines}))
    sn = ingest.sniff(CDNOW)
    m = ingest.Mapping.of({"transaction_id": ingest.GENERATED_ID, "customer_id": "column 1", "tx_date": "column 3",
                           "quantity": "column 4", "revenue": "column 5"}, {"product": "CD", "cogs": "0"})
    rep = ingest.check(con, CDNOW, sn, ingest.Options("transactions", m))
    assert (rep.rows, rep.valid, rep.rejected) == (6919, 6919, 0), rep.issues.head()
    assert rep.period == (dt.date(1997, 1, 1), dt.date(1998, 6, 30))
    assert rep.preview["transaction_id"].iloc[0].endswith("-1")  # line 1 is data


@pytest.mark.parametrize(("text", "headerless"), [
    ("00001 19970101 1 11.77\n00002 19970102 2 8.00\n", True),
    ("C1,2024-01-01,3.5\nC2,2024-01-02,4\n", True),
    ("customer,date,amount\nC1,2024-01-01,3.5\n", False),   # names over dates and numbers: a header
    ("name,city\nAlice,Paris\nBob,Rome\n", False),           # text only: kept as a header
])
def test_a_header_is_told_from_data_by_the_types_below_it(tmp_path, text, headerless):
    p = tmp_path / "f.txt"
    p.write_text(text, encoding="utf-8")
    assert ingest.sniff(p).header is not headerless


def test_no_header_on_request_keeps_the_first_line_and_positions_map(tmp_path):
    con = _store(["K1", "K2"])
    p = tmp_path / "h.csv"
    p.write_text("K1,2024-03-01,P,1,10.50,4\nK2,2024-03-02,Q,2,20.00,8\n", encoding="utf-8")
    sn = ingest.sniff(p, header=False)
    assert sn.header is False and sn.header_detected is False and len(sn.preview) == 2
    cols = {dst: source_column(sn.columns, src) for src, dst in (("1", "customer_id"), ("2", "tx_date"),
                                                                 ("3", "product"), ("4", "quantity"),
                                                                 ("5", "revenue"), ("6", "cogs"))}
    m = ingest.Mapping.of({**cols, "transaction_id": ingest.GENERATED_ID})
    rep = ingest.check(con, p, sn, ingest.Options("transactions", m))
    assert (rep.rows, rep.valid) == (2, 2)
    assert list(rep.preview["revenue"]) == [10.5, 20.0]
    with pytest.raises(ingest.IngestError) as err:
        source_column(sn.columns, "7")
    assert err.value.code == "bad_position"


def test_a_header_row_given_by_the_analyst_overrides_detection():
    sn = ingest.sniff(CDNOW, header_row=0)
    assert sn.header and sn.columns[0] == "00004"


def test_looks_headerless_needs_typed_values():
    assert looks_headerless([["1", "2"], ["3", "4"]])
    assert not looks_headerless([["1", "2"]])  # nothing below to compare with
    assert not looks_headerless([["a", "b"], ["1", "x"], ["2", "y"]])


# ----------------------------------------------------------------------------- remembered per source
def test_a_remembered_mapping_is_used_for_the_same_columns_and_stated():
    sn = ingest.sniff(RETAIL)
    remembered = ingest.Mapping.of({"customer_id": "CustomerID", "tx_date": "InvoiceDate", "product": "Description",
                                    "quantity": "Quantity", "unit_price": "UnitPrice", "invoice": "InvoiceNo"})
    rec = recognise_file("transactions", sn.columns, sn.preview, remembered=remembered)
    assert rec.mapping == remembered and set(dict(rec.how).values()) == {"remembered"}
    other = recognise_file("transactions", ("a", "b"), pd.DataFrame(), remembered=remembered)
    assert other.mapping != remembered  # its columns are not in this file
    assert source_key("transactions", sn.columns) == source_key("transactions", tuple(c.lower() for c in sn.columns))
    assert source_key("transactions", sn.columns) != source_key("customers", sn.columns)
    assert source_key("transactions", ("column 1",), header=False) != source_key("transactions", ("column 1",))


# ----------------------------------------------------------------------------- customers the file describes
def test_created_customers_take_the_name_and_region_the_transactions_give():
    con = build_store()
    for path in (ERP, RETAIL):
        sn = ingest.sniff(path)
        rec = recognise("transactions", sn.columns, sn.preview)
        rep = ingest.load(con, path, sn, ingest.Options("transactions", rec.mapping), create_customers=True)
        assert rep.customers_created == {ERP: 3, RETAIL: 6}[path]
    got = dict((r[0], r[1:]) for r in con.execute(
        "SELECT customer_id, name, region, customer_type FROM customers ORDER BY 1").fetchall())
    assert got["K001"] == ("华联商厦", None, "unknown") and got["K003"] == ("陈小明", None, "unknown")
    assert got["17850"] == ("17850", "United Kingdom", "unknown")  # no name column: name = id
    assert len(got) == 9
    # Not stored with the transactions.
    assert "customer_name" not in {c[0] for c in con.execute("DESCRIBE transactions").fetchall()}
