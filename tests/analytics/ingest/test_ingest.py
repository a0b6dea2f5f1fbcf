"""Ingest engine: encodings, dialects, value normalisation, validation, loads, replace, undo.

Expected figures are worked out by hand from the fixture files (tests/fixtures/ingest/) or the
small files written here; every refusal is checked to leave the store's fingerprint unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from analytics import ingest, tabular
from analytics.ingest.read.encoding import detect_encoding
from analytics.store import aggregates, db, schema
from tests.helpers import D, build_store, customer

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "ingest"
TX_HEADER = "transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"


@pytest.fixture
def store():
    """Customers C001–C005; rates for visit and call; one January transaction of C001."""
    con = build_store(
        customers=[customer(f"C00{i}") for i in range(1, 6)],
        activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"},
                        {"activity": "call", "unit_cost": 10, "valid_from": D("2024-01-01"), "unit": "call"}],
        transactions=[{"transaction_id": "T0", "customer_id": "C001", "tx_date": D("2024-01-02"), "product": "P",
                       "quantity": 1, "revenue": 50, "cogs": 20}],
    )
    yield con
    con.close()


def run(con, path: Path, table: str, *, write: bool = False, mapping: ingest.Mapping | None = None,
        sniff_kw: dict | None = None, **opts):
    sn = ingest.sniff(path, **(sniff_kw or {}))
    m = mapping if mapping is not None else ingest.auto_map(table, sn.columns, sn.preview)
    o = ingest.Options(table, m, **opts)
    return (ingest.load if write else ingest.check)(con, path, sn, o)


def put(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def refused(con, fn, code: str):
    """``fn()`` raises IngestError ``code`` and leaves the store exactly as it was."""
    before, version = db.fingerprint(con), db.data_version(con)
    with pytest.raises(ingest.IngestError) as info:
        fn()
    assert info.value.code == code, (info.value.code, str(info.value))
    assert db.fingerprint(con) == before
    assert db.data_version(con) == version
    return info.value


# ----------------------------------------------------------------------------- encodings
def test_messy_gbk_export_lists_every_bad_row_and_loads_the_rest(store):
    path = FIX / "gbk_erp_export.csv"
    sn = ingest.sniff(path)
    assert (sn.encoding, sn.encoding_confident, sn.delimiter, sn.header_row) == ("gb18030", True, ",", 2)
    assert sn.columns == ("订单编号", "客户编号", "交易日期", "产品名称", "数量", "金额(元)", "销售成本")
    m = ingest.auto_map("transactions", sn.columns, sn.preview)
    # An order number names a document (its lines get ids from it: the number itself when it has one line).
    assert dict(m.columns) == {"invoice": "订单编号", "customer_id": "客户编号", "tx_date": "交易日期",
                               "product": "产品名称", "quantity": "数量", "revenue": "金额(元)", "cogs": "销售成本"}
    rep = run(store, path, "transactions")
    # Lines: 1 title, 2 blank, 3 header, 4–9 orders, 10 the total row.
    assert (rep.rows, rep.valid, rep.rejected) == (7, 4, 3)
    got = {(r.line, r.column, r.code) for r in rep.issues.itertuples()}
    assert got == {(7, "customer_id", "unknown_reference"), (8, "quantity", "not_number"),
                   (10, "customer_id", "required"), (10, "tx_date", "required"), (10, "product", "required")}
    # (no cogs issue on the total row since schema version 5: an empty cost of goods is unknown, not an error;
    # the row is still refused for its missing customer and date)
    assert [d.labels for d in rep.dates] == [("YYYY-MM-DD", "YYYY年M月D日")]
    refused(store, lambda: run(store, path, "transactions", write=True), "rejected_rows")
    done = run(store, path, "transactions", write=True, on_reject="skip")
    assert done.written == 4 and done.load_id == 1
    got = rows(store, "SELECT transaction_id, tx_date, product, quantity, revenue, cogs FROM transactions "
                      "WHERE load_id = 1 ORDER BY 1")
    assert got == [
        ("SO-001", dt.date(2024, 3, 5), "Broadband", 2.0, Decimal("1234.50"), Decimal("600.00")),
        ("SO-002", dt.date(2024, 3, 6), "Mobile plan", 1.0, Decimal("880.00"), Decimal("300.00")),
        ("SO-003", dt.date(2024, 3, 7), "Cloud services", 3.0, Decimal("2000.00"), Decimal("1100.25")),
        ("SO-006", dt.date(2024, 3, 10), "Devices", -1.0, Decimal("-450.00"), Decimal("-300.00")),
    ]
    log = rows(store, "SELECT file_name, rows, mode, period_from, period_to, sha256 FROM ingest_log")
    assert log[0][:5] == ("gbk_erp_export.csv", 4, "append", dt.date(2024, 3, 5), dt.date(2024, 3, 10))
    assert len(log[0][5]) == 64


def test_big5_utf16_and_bom_files_load_their_chinese_text_intact(store):
    rep = run(store, FIX / "big5_export.csv", "customers", write=True)
    assert rep.written == 3 and rep.encoding == "big5"
    assert rows(store, "SELECT customer_id, name, customer_type, region FROM customers WHERE load_id = ? ORDER BY 1",
                [rep.load_id]) == [("C101", "臺北華聯股份有限公司", "enterprise", "華東"),
                                   ("C102", "高雄東方明珠集團", "enterprise", "華南"),
                                   ("C103", "陳小明", "individual", "華北")]
    rep = run(store, FIX / "utf16_export.txt", "customers", write=True)
    assert (rep.encoding, rep.delimiter, rep.written) == ("utf-16", "\t", 2)
    assert rows(store, "SELECT name, customer_type, region FROM customers WHERE customer_id IN ('C201', 'C202') "
                "ORDER BY 1") == [("上海东方明珠", "individual", "East"), ("北京华联商厦", "enterprise", "North")]
    rep = run(store, FIX / "utf8_bom.csv", "customers", write=True)
    assert rep.encoding == "utf-8-sig"
    assert rows(store, "SELECT name FROM customers WHERE customer_id = 'C301'") == [("Café Ünïcode",)]


def test_utf16_without_bom_and_plain_ascii_are_detected(tmp_path, store):
    text = "customer_id,name,customer_type\nC701,王芳,个人\n"
    p = put(tmp_path, "le.csv", text, "utf-16-le")
    assert ingest.sniff(p).encoding == "utf-16-le"
    assert run(store, p, "customers", write=True).written == 1
    assert rows(store, "SELECT name, customer_type FROM customers WHERE customer_id = 'C701'") == [("王芳", "individual")]
    assert detect_encoding(b"a,b\n1,2\n").encoding == "utf-8"


def test_gb_and_big5_are_told_apart_and_short_samples_are_not_confident():
    gb = "客户名称,区域\n北京华联商厦股份有限公司,华北\n上海东方明珠集团,华东\n".encode("gb18030")
    b5 = "客戶名稱,區域\n臺北華聯股份有限公司,華北\n高雄東方明珠集團,華東\n".encode("big5")
    assert detect_encoding(gb).encoding == "gb18030" and detect_encoding(gb).confident
    assert detect_encoding(b5).encoding == "big5" and detect_encoding(b5).confident
    short = detect_encoding("客户".encode("gbk"))
    assert short.encoding == "gb18030" and not short.confident and set(short.candidates) == {"gb18030", "big5"}


def test_invalid_bytes_deep_in_a_file_stop_the_read_with_their_line(tmp_path, store):
    body = "customer_id,name,customer_type\n" + "".join(f"C{i},名称{i},企业\n" for i in range(60_000))
    data = body.encode("gb18030") + b"CX,\x81\x20bad,enterprise\n"
    p = tmp_path / "late.csv"
    p.write_bytes(data)
    assert len(data) > (1 << 20)
    err = refused(store, lambda: run(store, p, "customers"), "decode_error")
    assert err.params["line"] == 60_002


def test_binary_empty_and_header_only_files_are_clear_errors(tmp_path, store):
    bin_path = tmp_path / "x.csv"
    bin_path.write_bytes(b"\x00\x01\x02binary\x00" * 100)
    refused(store, lambda: ingest.sniff(bin_path), "binary")
    refused(store, lambda: ingest.sniff(FIX / "empty.csv"), "empty")
    refused(store, lambda: run(store, FIX / "header_only.csv", "transactions", write=True), "header_only")
    refused(store, lambda: ingest.sniff(put(tmp_path, "blank.csv", "\n\n  \n")), "empty")


# ----------------------------------------------------------------------------- dialects
@pytest.mark.parametrize(("name", "delim"), [("semicolon.csv", ";"), ("whitespace.txt", " ")])
def test_delimiters_are_detected(store, name, delim):
    rep = run(store, FIX / name, "customers", write=True)
    assert rep.delimiter == delim and rep.written == 2
    names = [r[0] for r in rows(store, "SELECT name FROM customers WHERE load_id = ? ORDER BY customer_id",
                                [rep.load_id])]
    assert names == (["Alpha, Inc.", "Beta"] if delim == ";" else ["Alpha", "Beta Ltd"])


def test_pipe_and_tab_files(tmp_path, store):
    p = put(tmp_path, "p.txt", "customer_id|name|customer_type\nC801|A|enterprise\n")
    assert run(store, p, "customers", write=True).written == 1
    t = put(tmp_path, "t.tsv", "customer_id\tname\tcustomer_type\nC802\tB, C\tindividual\n")
    assert run(store, t, "customers", write=True).written == 1
    assert rows(store, "SELECT name FROM customers WHERE customer_id = 'C802'") == [("B, C",)]


def test_a_wrong_delimiter_is_a_clear_error(store):
    err = refused(store, lambda: run(store, FIX / "semicolon.csv", "customers", write=True,
                                     sniff_kw={"delimiter": ","}), "required_unmapped")
    assert "customer_id" in str(err)


def test_title_rows_above_the_header_are_skipped_and_header_line_can_be_chosen(tmp_path, store):
    p = put(tmp_path, "t.csv", "Customer list\nexported 2024-05-01\ncustomer_id,name,customer_type\nC901,A,enterprise\n")
    sn = ingest.sniff(p)
    assert sn.header_row == 2 and sn.columns == ("customer_id", "name", "customer_type")
    rep = run(store, p, "customers")
    assert rep.valid == 1 and rep.issues.empty
    assert ingest.sniff(p, header_row=0).columns == ("Customer list",)


# ----------------------------------------------------------------------------- structure
def test_ragged_rows_are_listed_and_never_dropped_silently(store):
    rep = run(store, FIX / "ragged.csv", "transactions")
    assert (rep.rows, rep.valid, rep.rejected) == (4, 2, 2)
    assert [(r.line, r.code, r.a, r.b) for r in rep.issues.itertuples()] == [
        (3, "too_few_columns", "7", "6"), (4, "too_many_columns", "7", "8")]
    refused(store, lambda: run(store, FIX / "ragged.csv", "transactions", write=True), "rejected_rows")
    done = run(store, FIX / "ragged.csv", "transactions", write=True, on_reject="skip")
    assert rows(store, "SELECT transaction_id FROM transactions WHERE load_id = ? ORDER BY 1", [done.load_id]) == [
        ("T1",), ("T4",)]


def test_an_unterminated_quote_swallows_the_rest_and_says_so(store):
    rep = run(store, FIX / "unterminated_quote.csv", "transactions")
    assert (rep.rows, rep.valid, rep.rejected) == (2, 1, 1)
    issue = rep.issues.iloc[0]
    assert (issue.line, issue.code, issue.b) == (3, "unterminated_quote", "2")
    assert "2 lines" in issue.message


def test_quoted_line_breaks_and_blank_lines_keep_line_numbers_exact(tmp_path, store):
    text = (TX_HEADER
            + 'T1,C001,2024-01-05,"two\nline product",1,100,60\n'   # lines 2-3
            + "\n"                                                   # line 4: blank
            + "T2,C002,2024-01-06,P,x,100,60\n"                     # line 5: bad quantity
            + 'T3,C003,2024-01-07,"a\n\nb",1,100,60\n'              # lines 6-8 (blank inside quotes)
            + "T4,C004,2024-01-08,P,1,100\n"                        # line 9: too few columns
            + "T5,C009,2024-01-09,P,1,100,60\n")                    # line 10: unknown customer
    rep = run(store, put(tmp_path, "q.csv", text), "transactions")
    assert [(r.line, r.code) for r in rep.issues.itertuples()] == [
        (5, "not_number"), (9, "too_few_columns"), (10, "unknown_reference")]
    assert (rep.rows, rep.valid, rep.empty_rows) == (5, 2, 1)
    done = run(store, put(tmp_path, "q.csv", text), "transactions", write=True, on_reject="skip")
    assert rows(store, "SELECT product FROM transactions WHERE load_id = ? ORDER BY 1", [done.load_id]) == [
        ("a\n\nb",), ("two\nline product",)]


def test_a_3mb_line_is_rejected_with_a_reason_and_the_rest_loads(tmp_path, store):
    from tests.fixtures.ingest.make_fixtures import long_line_csv

    p = tmp_path / "long.csv"
    long_line_csv(p)
    rep = run(store, p, "feedback")
    assert [(r.line, r.column, r.code, r.b) for r in rep.issues.itertuples()] == [(3, "text", "too_long", "32768")]
    assert int(rep.issues.iloc[0].a) == (3 << 20) // 3
    small = ingest.Limits(max_line_bytes=1 << 20)
    sn = ingest.sniff(p)
    rep = ingest.check(store, p, sn, ingest.Options("feedback", ingest.auto_map("feedback", sn.columns)), limits=small)
    assert [(r.line, r.code) for r in rep.issues.itertuples()] == [(3, "line_too_long")]
    assert rep.valid == 2


def test_duplicate_column_names_need_an_explicit_choice(store):
    path = FIX / "duplicate_columns.csv"
    sn = ingest.sniff(path)
    assert sn.columns[5:7] == ("amount", "amount (2)") and sn.duplicate_columns == ("amount",)
    refused(store, lambda: run(store, path, "transactions", write=True), "required_unmapped")
    m = ingest.auto_map("transactions", sn.columns)
    chosen = ingest.Mapping.of({**dict(m.columns), "revenue": "amount (2)"})
    rep = run(store, path, "transactions", write=True, mapping=chosen)
    assert ("duplicate_header", (("names", "amount"),)) in rep.warnings
    assert rows(store, "SELECT revenue FROM transactions WHERE transaction_id = 'T1'") == [(Decimal("999.00"),)]


# ----------------------------------------------------------------------------- values
def test_fullwidth_digits_currency_and_separators(store):
    rep = run(store, FIX / "fullwidth_money.csv", "transactions", write=True, on_reject="skip")
    assert [(r.line, r.column, r.code) for r in rep.issues.itertuples()] == [(5, "revenue", "not_number")]
    assert rows(store, "SELECT transaction_id, quantity, revenue, cogs FROM transactions WHERE load_id = ? ORDER BY 1",
                [rep.load_id]) == [("T1", 12.0, Decimal("1234.50"), Decimal("1000.00")),
                                   ("T2", 1.0, Decimal("99.90"), Decimal("-12.50")),
                                   ("T3", 1.0, Decimal("15000.00"), Decimal("300.00"))]


def test_percent_scales_and_integers(tmp_path, store):
    text = ("quality_date,region,quality_index\n2024-01-01,North,85%\n2024-01-02,North,０.５\n"
            "2024-01-03,North,101\n2024-01-04,North,-1\n")
    rep = run(store, put(tmp_path, "q.csv", text), "service_quality", write=True, on_reject="skip")
    assert [(r.line, r.code, r.a) for r in rep.issues.itertuples()] == [(4, "above_max", "100"), (5, "below_min", "0")]
    assert rows(store, "SELECT quality_index FROM service_quality ORDER BY quality_date") == [(85.0,), (0.5,)]
    fb = ("feedback_id,customer_id,feedback_date,kind,nps_score\nF1,C001,2024-01-01,表扬,9\nF2,C001,2024-01-01,"
          "complaint,7.5\nF3,C002,2024-01-02,投诉,11\nF4,C002,2024-01-02,rant,5\n")
    rep = run(store, put(tmp_path, "f.csv", fb), "feedback")
    assert [(r.line, r.column, r.code) for r in rep.issues.itertuples()] == [
        (3, "nps_score", "not_integer"), (4, "nps_score", "above_max"), (5, "kind", "not_choice")]
    assert list(rep.preview["kind"]) == ["praise"]


def test_negative_quantities_are_returns_where_the_table_allows_them(tmp_path, store):
    tx = TX_HEADER + "R1,C001,2024-02-01,P,-2,-200,-120\n"
    assert run(store, put(tmp_path, "r.csv", tx), "transactions").issues.empty
    act = "activity_id,customer_id,activity_date,activity,quantity\nA1,C001,2024-02-01,visit,-1\n"
    assert run(store, put(tmp_path, "a.csv", act), "activities").issues.empty
    ass = ("assessment_id,customer_id,assessed_on,product_value,service_value,personnel_value,image_value,"
           "money_cost,time_cost,energy_cost,psychic_cost\nS1,C001,2024-02-01,-1,5,5,5,5,5,5,5\n")
    rep = run(store, put(tmp_path, "s.csv", ass), "assessments")
    assert [(r.column, r.code) for r in rep.issues.itertuples()] == [("product_value", "below_min")]


def test_ambiguous_dates_block_the_load_until_a_format_is_chosen(store):
    path = FIX / "ambiguous_dates.csv"
    rep = run(store, path, "transactions")
    (d,) = rep.ambiguous
    assert d.column == "tx_date" and d.examples == ("03/05/2024", "04/06/2024", "12/11/2024")
    assert "%m/%d/%Y" in d.alternatives and not rep.loadable
    refused(store, lambda: run(store, path, "transactions", write=True), "ambiguous_dates")
    done = run(store, path, "transactions", write=True, date_formats=(("tx_date", ("%m/%d/%Y",)),))
    assert [r[0] for r in rows(store, "SELECT tx_date FROM transactions WHERE load_id = ? ORDER BY transaction_id",
                               [done.load_id])] == [dt.date(2024, 3, 5), dt.date(2024, 4, 6), dt.date(2024, 12, 11)]


def test_a_deciding_value_settles_day_first(store):
    rep = run(store, FIX / "day_first_dates.csv", "transactions")
    assert not rep.ambiguous and rep.dates[0].labels == ("DD/MM/YYYY",)
    assert list(rep.preview["tx_date"]) == [dt.date(2024, 5, 3), dt.date(2024, 6, 25)]


def test_excel_serial_dates(store):
    rep = run(store, FIX / "excel_serial.csv", "transactions")
    assert rep.dates[0].labels == ("Excel serial",)
    assert list(rep.preview["tx_date"]) == [dt.date(2024, 3, 5), dt.date(2024, 3, 6)]


def test_dates_out_of_range_and_bad_dates(tmp_path, store):
    text = TX_HEADER + "T1,C001,1850-01-01,P,1,1,1\nT2,C001,2024-02-30,P,1,1,1\nT3,C001,2024-02-29,P,1,1,1\n"
    rep = run(store, put(tmp_path, "d.csv", text), "transactions")
    assert [(r.line, r.code) for r in rep.issues.itertuples()] == [(2, "date_out_of_range"), (3, "not_date")]


def test_formula_text_and_html_are_stored_as_typed_and_exported_inert(store):
    rep = run(store, FIX / "formula_html.csv", "customers", write=True)
    assert rep.written == 2 and ("formula_text", (("n", 3),)) in rep.warnings
    got = dict(rows(store, "SELECT customer_id, name FROM customers WHERE load_id = ?", [rep.load_id]))
    assert got == {"C601": '=HYPERLINK("http://evil.example","click")',
                   "C602": "<script>alert('x')</script><b>Bold</b>"}
    out = tabular.csv_bytes(pd.DataFrame({"name": list(got.values())})).decode("utf-8-sig")
    assert "'=HYPERLINK" in out


def test_ids_lose_fullwidth_forms_and_spreadsheet_float_suffixes(tmp_path, store):
    text = "customer_id,name,customer_type\nＣ９０１,A,企业\n17850.0,B,个人\n"
    rep = run(store, put(tmp_path, "i.csv", text), "customers")
    assert list(rep.preview["customer_id"]) == ["C901", "17850"]
    assert list(rep.preview["customer_type"]) == ["enterprise", "individual"]


# ----------------------------------------------------------------------------- keys and references
def test_duplicate_keys_in_the_file_and_against_the_table(tmp_path, store):
    text = TX_HEADER + "T0,C001,2024-02-01,P,1,1,1\nT7,C001,2024-02-01,P,1,1,1\nT7,C002,2024-02-02,P,1,1,1\n"
    rep = run(store, put(tmp_path, "k.csv", text), "transactions")
    assert [(r.line, r.code, r.a) for r in rep.issues.itertuples()] == [
        (2, "duplicate_in_table", None), (3, "duplicate_in_file", "3"), (4, "duplicate_in_file", "3")]


def test_unknown_activities_and_self_references(tmp_path, store):
    act = "activity_id,customer_id,activity_date,activity,quantity\nA1,C001,2024-02-01,销售拜访,1\nA2,C001,2024-02-01,call,2\n"
    rep = run(store, put(tmp_path, "a.csv", act), "activities")
    assert [(r.column, r.code, r.value, r.a) for r in rep.issues.itertuples()] == [
        ("activity", "unknown_reference", "sales_visit", "activity_rates")]
    cust = "customer_id,name,customer_type,referred_by\nN1,A,enterprise,N2\nN2,B,enterprise,C001\nN3,C,enterprise,ZZ\n"
    rep = run(store, put(tmp_path, "c.csv", cust), "customers")
    assert [(r.line, r.column, r.code) for r in rep.issues.itertuples()] == [(4, "referred_by", "unknown_reference")]


# ----------------------------------------------------------------------------- mapping
def test_constants_generated_ids_and_unit_price(tmp_path, store):
    text = "Invoice,CustomerID,InvoiceDate,Description,Quantity,UnitPrice\n5001,C001,2024-02-01 08:26:00,MUG,3,2.55\n"
    p = put(tmp_path, "u.csv", text)
    sn = ingest.sniff(p)
    auto = ingest.auto_map("transactions", sn.columns, sn.preview)
    assert auto.source(ingest.UNIT_PRICE) == "UnitPrice" and auto.source("quantity") == "Quantity"
    m = ingest.Mapping.of({**dict(auto.columns), "transaction_id": ingest.GENERATED_ID, "customer_id": "CustomerID",
                           "tx_date": "InvoiceDate", "product": "Description"}, {"cogs": "0"})
    rep = ingest.load(store, p, sn, ingest.Options("transactions", m))
    assert ("derived_revenue", ()) in rep.warnings
    tid, rev, cogs, day = rows(store, "SELECT transaction_id, revenue, cogs, tx_date FROM transactions WHERE load_id = ?",
                               [rep.load_id])[0]
    assert tid == f"{rep.sha256[:8]}-2" and rev == Decimal("7.65") and cogs == Decimal("0.00")
    assert day == dt.date(2024, 2, 1)


def test_mappings_are_saved_and_reused(store):
    m = ingest.Mapping.of({"customer_id": "客户编号", "name": "客户名称"}, {"customer_type": "enterprise"})
    ingest.save_mapping(store, "crm", "customers", m)
    ingest.save_mapping(store, "crm", "customers", m)  # overwriting is fine
    assert ingest.saved_mappings(store, "customers") == {"crm": m}
    assert ingest.saved_mappings(store, "transactions") == {}
    assert ingest.Mapping.from_json(m.to_json()) == m
    with pytest.raises(ingest.IngestError):
        ingest.save_mapping(store, " ", "customers", m)


@pytest.mark.parametrize("table", ingest.UPLOAD_TABLES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_templates_map_back_onto_every_column(tmp_path, table, lang):
    for fmt in ("csv", "xlsx"):
        p = tmp_path / f"t.{fmt}"
        p.write_bytes(ingest.template_bytes(table, lang, fmt))
        heads = ingest.template_headers(table, lang)
        sn = ingest.sniff(p) if fmt == "xlsx" else None
        cols = sn.columns if sn else tuple(heads)
        assert list(cols) == heads
        m = ingest.auto_map(table, cols)
        assert {t for t, _ in m.columns} == set(schema.TABLES[table].column_names), (table, lang, fmt)


# ----------------------------------------------------------------------------- Excel and Parquet
def test_a_workbook_with_a_title_row_loads_with_sheet_row_numbers(tmp_path, store):
    from tests.fixtures.ingest.make_fixtures import workbook_bytes

    data = workbook_bytes([
        ["交易编号", "客户编号", "交易日期", "产品", "数量", "收入", "成本"],
        ["X1", 1.0, dt.datetime(2024, 3, 5, 9, 30), "宽带", 2, 100.5, 40],
        ["X2", "C002", 45357, "宽带", 1, "¥2,000", 900],
        ["X3", "C003", "2024-03-07", "宽带", "abc", 1, 1],
        [None, None, None, None, None, None, None],
    ], title="三月交易")
    p = tmp_path / "m.xlsx"
    p.write_bytes(data)
    store.execute("INSERT INTO customers (customer_id, name, customer_type) VALUES ('1', 'one', 'enterprise')")
    sn = ingest.sniff(p)
    assert (sn.kind, sn.header_row, sn.sheet) == ("xlsx", 2, "Sheet")
    rep = run(store, p, "transactions", write=True, on_reject="skip")
    assert [(r.line, r.column, r.code) for r in rep.issues.itertuples()] == [(6, "quantity", "not_number")]
    assert rows(store, "SELECT transaction_id, customer_id, tx_date, revenue FROM transactions WHERE load_id = ? "
                "ORDER BY 1", [rep.load_id]) == [("X1", "1", dt.date(2024, 3, 5), Decimal("100.50")),
                                                 ("X2", "C002", dt.date(2024, 3, 6), Decimal("2000.00"))]


def test_parquet_files_load(tmp_path, store):
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "t.parquet"
    pq.write_table(pa.table({
        "transaction_id": ["P1", "P2"], "customer_id": ["C001", "C002"],
        "tx_date": pa.array([dt.date(2024, 4, 1), dt.date(2024, 4, 2)]), "product": ["A", "B"],
        "quantity": [1.5, 2.0], "revenue": pa.array([Decimal("10.25"), Decimal("20.00")], pa.decimal128(10, 2)),
        "cogs": [5, 6]}), p)
    rep = run(store, p, "transactions", write=True)
    assert rep.kind == "parquet" and rep.written == 2
    assert rows(store, "SELECT transaction_id, tx_date, quantity, revenue, cogs FROM transactions WHERE load_id = ? "
                "ORDER BY 1", [rep.load_id]) == [("P1", dt.date(2024, 4, 1), 1.5, Decimal("10.25"), Decimal("5.00")),
                                                 ("P2", dt.date(2024, 4, 2), 2.0, Decimal("20.00"), Decimal("6.00"))]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from tests.fixtures.ingest.make_fixtures import binary_fixtures

    return binary_fixtures(tmp_path_factory.mktemp("hostile"))


def test_a_parquet_file_claiming_too_many_rows_is_refused_from_its_footer(hostile, store):
    p = hostile["bomb.parquet"]
    assert p.stat().st_size < 1_000_000  # 30 GB of values once expanded
    sn = ingest.sniff(p)  # the footer is small and honest: the expansion is found by the streaming scan
    opts = ingest.Options("customers", ingest.auto_map("customers", sn.columns))
    refused(store, lambda: ingest.check(store, p, sn, opts, limits=ingest.Limits(parquet_max_rows=1000)),
            "parquet_bomb")


# ----------------------------------------------------------------------------- writes, replace, undo
def _tx_file(tmp_path: Path, name: str, lines: list[str]) -> Path:
    return put(tmp_path, name, TX_HEADER + "".join(line + "\n" for line in lines))


def test_append_refreshes_aggregates_and_bumps_the_version(tmp_path, store):
    v0 = db.data_version(store)
    p = _tx_file(tmp_path, "a.csv", ["T1,C002,2024-02-10,P,1,300,100", "T2,C002,2024-03-10,P,1,50,10"])
    assert db.data_version(store) == v0
    run(store, p, "transactions")  # a check writes nothing
    assert db.data_version(store) == v0
    run(store, p, "transactions", write=True)
    assert db.data_version(store) == v0 + 1 and aggregates.is_fresh(store)
    got = rows(store, "SELECT customer_id, month, revenue FROM agg_customer_month ORDER BY 1, 2")
    assert got == [("C001", dt.date(2024, 1, 1), Decimal("50.00")), ("C002", dt.date(2024, 2, 1), Decimal("300.00")),
                   ("C002", dt.date(2024, 3, 1), Decimal("50.00"))]


def test_the_same_file_twice_is_recognised_and_undo_allows_it_again(tmp_path, store):
    p = _tx_file(tmp_path, "a.csv", ["T1,C002,2024-02-10,P,1,300,100"])
    before = db.fingerprint(store)
    first = run(store, p, "transactions", write=True)
    err = refused(store, lambda: run(store, p, "transactions", write=True), "already_loaded")
    assert err.params["load_id"] == first.load_id
    assert run(store, p, "transactions").already_loaded is not None
    res = ingest.undo_last(store)
    assert (res.load_id, res.removed, res.restored) == (first.load_id, 1, 0)
    assert db.fingerprint(store) == before
    again = run(store, p, "transactions", write=True)
    assert again.load_id == first.load_id + 1
    assert rows(store, "SELECT load_id, undone_at IS NOT NULL FROM ingest_log ORDER BY 1") == [(1, True), (2, False)]
    actions = rows(store, "SELECT action, record_key FROM audit_log WHERE column_name = 'rows' ORDER BY audit_id")
    assert actions == [("load", "load 1"), ("undo", "load 1"), ("load", "load 2")]


def test_replace_a_period_and_undo_restores_exactly(tmp_path, store):
    base = run(store, _tx_file(tmp_path, "base.csv", ["J1,C002,2024-01-15,P,1,10,1", "F1,C002,2024-02-10,P,1,20,2",
                                                       "F2,C003,2024-02-20,P,1,30,3", "M1,C003,2024-03-01,P,1,40,4"]),
               "transactions", write=True)
    assert base.written == 4
    before = db.fingerprint(store)
    new = _tx_file(tmp_path, "feb.csv", ["F9,C004,2024-02-05,P,1,99,9", "X1,C004,2024-03-05,P,1,1,1"])
    opts = {"mode": "replace_period", "period": (dt.date(2024, 2, 1), dt.date(2024, 2, 29))}
    rep = run(store, new, "transactions", **opts)
    assert rep.replaces == 2 and [(r.line, r.code) for r in rep.issues.itertuples()] == [(3, "outside_period")]
    done = run(store, new, "transactions", write=True, on_reject="skip", **opts)
    assert done.written == 1
    assert [r[0] for r in rows(store, "SELECT transaction_id FROM transactions ORDER BY 1")] == ["F9", "J1", "M1", "T0"]
    assert rows(store, "SELECT sum(revenue) FROM agg_customer_month WHERE month = '2024-02-01'") == [(Decimal("99.00"),)]
    res = ingest.undo_last(store)
    assert (res.removed, res.restored) == (1, 2)
    assert db.fingerprint(store) == before
    assert rows(store, "SELECT sum(revenue) FROM agg_customer_month WHERE month = '2024-02-01'") == [(Decimal("50.00"),)]
    _assert_aggregates_match_a_rebuild(store)


def test_replace_whole_table_and_undo(tmp_path, store):
    before = db.fingerprint(store)
    p = _tx_file(tmp_path, "all.csv", ["N1,C005,2024-05-05,P,1,5,1"])
    rep = run(store, p, "transactions", write=True, mode="replace_table")
    assert rep.replaces == 1 and rows(store, "SELECT transaction_id FROM transactions") == [("N1",)]
    _assert_aggregates_match_a_rebuild(store)
    ingest.undo_last(store)
    assert db.fingerprint(store) == before
    refused(store, lambda: ingest.undo_last(store), "nothing_to_undo")


def test_update_by_key_replaces_known_customers_adds_new_ones_and_undoes(tmp_path, store):
    """The weekly customer master: C002 changed segment, C006 is new; C002's transactions stay attached."""
    before = db.fingerprint(store)
    p = put(tmp_path, "week.csv", "customer_id,name,customer_type,segment\n"
                                  "C002,Two renamed,enterprise,Key account\nC006,Six,individual,Mass\n")
    refused(store, lambda: run(store, p, "customers", write=True), "rejected_rows")  # append: C002 exists
    rep = run(store, p, "customers", mode="update")
    assert (rep.valid, rep.rejected, rep.replaces) == (2, 0, 1)
    done = run(store, p, "customers", write=True, mode="update")
    assert done.written == 2
    assert rows(store, "SELECT customer_id, name, segment FROM customers WHERE customer_id IN ('C002', 'C006') "
                       "ORDER BY 1") == [("C002", "Two renamed", "Key account"), ("C006", "Six", "Mass")]
    # Columns the file does not carry keep their values for known customers; new ones get the defaults.
    assert rows(store, "SELECT customer_id, region, channel, plan, acquired_on FROM customers "
                       "WHERE customer_id IN ('C002', 'C006') ORDER BY 1") == [
        ("C002", "North", "Direct sales", "Postpaid", dt.date(2023, 1, 1)), ("C006", None, None, None, None)]
    assert rows(store, "SELECT count(*) FROM customers") == [(6,)]
    res = ingest.undo_last(store)
    assert (res.removed, res.restored) == (2, 1)
    assert db.fingerprint(store) == before


def test_update_by_key_corrects_transactions_and_their_months(tmp_path, store):
    # T0 (C001, 2024-01-02, revenue 50) is corrected and moved to February; T7 is new.
    p = _tx_file(tmp_path, "fix.csv", ["T0,C001,2024-02-03,P,1,80,20", "T7,C002,2024-01-09,P,1,10,1",
                                       "T7,C002,2024-01-09,P,1,10,1"])
    rep = run(store, p, "transactions", mode="update")
    assert [(r.line, r.code) for r in rep.issues.itertuples()] == [(3, "duplicate_in_file"), (4, "duplicate_in_file")]
    p = _tx_file(tmp_path, "fix2.csv", ["T0,C001,2024-02-03,P,1,80,20", "T7,C002,2024-01-09,P,1,10,1"])
    done = run(store, p, "transactions", write=True, mode="update")
    assert (done.written, done.replaces) == (2, 1)
    assert rows(store, "SELECT month, sum(revenue) FROM agg_customer_month GROUP BY 1 ORDER BY 1") == [
        (dt.date(2024, 1, 1), Decimal("10.00")), (dt.date(2024, 2, 1), Decimal("80.00"))]
    _assert_aggregates_match_a_rebuild(store)
    ingest.undo_last(store)
    assert rows(store, "SELECT transaction_id, revenue FROM transactions") == [("T0", Decimal("50.00"))]
    _assert_aggregates_match_a_rebuild(store)


def test_update_by_key_needs_the_key_in_the_file():
    with pytest.raises(ingest.IngestError) as info:
        ingest.Options("activities", ingest.Mapping.of({"customer_id": "c"}), mode="update")
    assert info.value.code == "update_needs_key" and "activity_id" in str(info.value)
    # Transactions without an id column get ids made from their rows (schema version 5): a key to update by.
    ingest.Options("transactions", ingest.Mapping.of({"customer_id": "c"}), mode="update")


def test_replacing_customers_may_not_orphan_their_rows(tmp_path, store):
    p = put(tmp_path, "c.csv", "customer_id,name,customer_type\nC002,Two,enterprise\n")
    err = refused(store, lambda: run(store, p, "customers", write=True, mode="replace_table"), "orphans")
    assert err.params["table"] == "transactions" and err.params["example"] == "C001"


def test_undo_of_customers_still_referred_to_is_refused(tmp_path, store):
    from analytics.ingest import records

    p = put(tmp_path, "c.csv", "customer_id,name,customer_type\nC050,New,enterprise\n")
    run(store, p, "customers", write=True)
    assert records.add(store, "transactions", {"transaction_id": "H1", "customer_id": "C050", "tx_date": dt.date(
        2024, 6, 1), "product": "P", "quantity": 1, "revenue": 1, "cogs": 1}).ok
    refused(store, lambda: ingest.undo_last(store), "orphans")


def test_options_are_checked():
    m = ingest.Mapping()
    with pytest.raises(ingest.IngestError):
        ingest.Options("nope", m)
    with pytest.raises(ingest.IngestError):
        ingest.Options("transactions", m, mode="merge")
    with pytest.raises(ingest.IngestError):
        ingest.Options("transactions", m, mode="replace_period")
    with pytest.raises(ingest.IngestError):
        ingest.Options("transactions", m, date_formats=(("tx_date", ("%d/%m",)),))


def _assert_aggregates_match_a_rebuild(con) -> None:
    now = rows(con, "SELECT * FROM agg_customer_month ORDER BY ALL"), rows(con, "SELECT * FROM agg_activity_month ORDER BY ALL")
    cur = con.cursor()
    cur.execute("BEGIN")  # rebuild in a transaction that is then abandoned
    aggregates.refresh(cur)
    rebuilt = (cur.execute("SELECT * FROM agg_customer_month ORDER BY ALL").fetchall(),
               cur.execute("SELECT * FROM agg_activity_month ORDER BY ALL").fetchall())
    cur.execute("ROLLBACK")
    cur.close()
    assert now == rebuilt


def test_progress_reports_every_phase(tmp_path, store):
    seen: dict[str, list[float]] = {}
    p = _tx_file(tmp_path, "a.csv", ["T1,C002,2024-02-10,P,1,300,100"])
    sn = ingest.sniff(p)
    ingest.load(store, p, sn, ingest.Options("transactions", ingest.auto_map("transactions", sn.columns)),
                progress=lambda ph, x: seen.setdefault(ph, []).append(x))
    assert set(seen) == {"read", "validate", "write"}
    for values in seen.values():
        assert values == sorted(values) and values[-1] == 1.0 and all(0 <= v <= 1 for v in values)


def test_report_to_dict_is_json_ready(store):
    import json

    rep = run(store, FIX / "ragged.csv", "transactions")
    out = json.loads(json.dumps(rep.to_dict(), default=str))
    assert out["rejected"] == 2 and out["issues"][0]["line"] == 3 and out["mapping"]["columns"]["cogs"] == "cogs"


def test_load_log_lists_loads_newest_first(tmp_path, store):
    run(store, _tx_file(tmp_path, "a.csv", ["T1,C002,2024-02-10,P,1,300,100"]), "transactions", write=True)
    run(store, put(tmp_path, "c.csv", "customer_id,name,customer_type\nC060,A,enterprise\nbad\n"), "customers",
        write=True, on_reject="skip")
    df = ingest.loads(store)
    assert list(df["load_id"]) == [2, 1] and list(df["rejected"]) == [1, 0]
    assert ingest.last_load(store)["table_name"] == "customers"


def test_check_leaves_no_temporary_tables(store, tmp_path):
    run(store, FIX / "ragged.csv", "transactions")
    left = rows(store, "SELECT table_name FROM duckdb_tables() WHERE temporary")
    assert left == []


def test_columns_table_describes_the_contract():
    df = ingest.columns_table("feedback", "zh")
    assert list(df["column"][:4]) == ["feedback_id", "customer_id", "feedback_date", "kind"]
    assert df.set_index("column").loc["kind", "choices"] == "praise, complaint, other"
    assert df.set_index("column").loc["nps_score", "max"] == 10


def test_io_roundtrip_of_templates_in_excel_keeps_a_description_sheet():
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(ingest.template_bytes("customers", "zh", "xlsx")))
    assert wb.sheetnames == ["数据", "说明"]
    assert [c.value for c in wb["数据"][1]][:3] == ["客户编号", "客户名称", "客户类型"]


# ----------------------------------------------------------------------------- the whole hostile suite
SUITE = [  # (file, table, outcome): an error code, or the number of rows a refuse-mode load writes
    ("empty.csv", "transactions", "empty"),
    ("header_only.csv", "transactions", "header_only"),
    ("gbk_erp_export.csv", "transactions", "rejected_rows"),
    ("big5_export.csv", "customers", 3),
    ("utf16_export.txt", "customers", 2),
    ("utf8_bom.csv", "customers", 2),
    ("semicolon.csv", "customers", 2),
    ("whitespace.txt", "customers", 2),
    ("ragged.csv", "transactions", "rejected_rows"),
    ("unterminated_quote.csv", "transactions", "rejected_rows"),
    ("duplicate_columns.csv", "transactions", "required_unmapped"),
    ("fullwidth_money.csv", "transactions", "rejected_rows"),
    ("ambiguous_dates.csv", "transactions", "ambiguous_dates"),
    ("day_first_dates.csv", "transactions", 2),
    ("excel_serial.csv", "transactions", 2),
    ("formula_html.csv", "customers", 2),
    ("zip_bomb.xlsx", "customers", "xlsx_bomb"),
    ("xml_bomb.xlsx", "customers", "xml_bomb"),
    ("corrupt.xlsx", "customers", "corrupt_xlsx"),
    ("encrypted.xlsx", "customers", "encrypted"),
    ("legacy.xls", "customers", "legacy_xls"),
    ("bomb.parquet", "customers", "parquet_bomb"),
    ("long_line.csv", "feedback", "rejected_rows"),
]


@pytest.mark.parametrize(("name", "table", "outcome"), SUITE, ids=[s[0] for s in SUITE])
def test_every_hostile_or_messy_file_is_a_clear_error_or_a_correct_load(hostile, store, name, table, outcome):
    path = hostile.get(name, FIX / name)

    def attempt():
        sn = ingest.sniff(path)
        return ingest.load(store, path, sn, ingest.Options(table, ingest.auto_map(table, sn.columns, sn.preview)))

    if isinstance(outcome, str):
        err = refused(store, attempt, outcome)
        assert str(err) and "Traceback" not in str(err)
    else:
        rep = attempt()
        assert rep.written == outcome and rep.rejected == 0
        assert store.execute(f"SELECT count(*) FROM {table} WHERE load_id = ?", [rep.load_id]).fetchone()[0] == outcome


def test_a_write_conflict_is_reported_as_busy_and_writes_nothing(tmp_path, store, monkeypatch):
    import contextlib

    import duckdb

    real = db.write

    @contextlib.contextmanager
    def conflicting(con):
        with real(con) as cur:
            yield cur
            raise duckdb.TransactionException("Conflict on tuple deletion")

    monkeypatch.setattr(db, "write", conflicting)
    p = _tx_file(tmp_path, "a.csv", ["T1,C002,2024-02-10,P,1,300,100"])
    refused(store, lambda: run(store, p, "transactions", write=True), "busy")


def test_old_mac_line_ends_are_read(tmp_path, store):
    p = tmp_path / "cr.csv"
    p.write_bytes(b"customer_id,name,customer_type\rC1,A,enterprise\rC2,B,individual\r")
    assert run(store, p, "customers", write=True).written == 2


def test_lines_the_reader_cannot_account_for_stop_the_load(tmp_path, store, monkeypatch):
    """The safety net behind every read: if DuckDB dropped lines without rejecting them (here: blank lines
    left in place, which it skips silently), the line count does not reconcile and nothing loads."""
    from analytics.ingest.read import text as read_text

    monkeypatch.setattr(read_text._BlankFinder, "finish", lambda self: [])
    p = _tx_file(tmp_path, "b.csv", ["T1,C002,2024-02-10,P,1,300,100", "", "T2,C002,2024-02-11,P,1,300,100"])
    err = refused(store, lambda: run(store, p, "transactions", write=True), "unreconciled")
    assert (err.params["lines"], err.params["accounted"]) == (4, 3)
