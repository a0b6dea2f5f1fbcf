"""AppTest of the Data page: upload a messy GBK export, fix the mapping, see the rejected rows, load the
valid ones, undo, load again, and enter an activity cost by hand — with the Overview following."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from analytics.store import db
from i18n.markdown import escape
from tests.ui.apptest import assert_ok, metrics, start

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
GBK = ("客户订单导出\n订单编号,客户编号,交易日期,产品名称,数量,金额(元),备注金额,销售成本\n"
       "UP-1,C000001,2026年3月5日,宽带,2,\"￥1,234.50\",0,600\n"
       "UP-2,C000002,2026-03-06,移动套餐,１,８８０.００,0,300\n"
       "UP-3,C999999,2026-03-07,宽带,1,100,0,50\n"
       "UP-4,C000003,2026-03-08,宽带,x,100,0,50\n").encode("gbk")


def widget(at, kind: str, prefix: str, suffix: str = ""):
    found = [w for w in getattr(at, kind) if w.key and w.key.startswith(prefix) and w.key.endswith(suffix)]
    assert len(found) == 1, [w.key for w in getattr(at, kind)]
    return found[0]


def db_rows(path: Path, sql: str, params=None):
    # the same process holds the store open: share its instance (same configuration as db.connect)
    con = duckdb.connect(str(path), config=db.CONFIG)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def upload(at, name: str, data: bytes, table: str = "transactions"):
    at.selectbox(key="data_table").set_value(table).run()
    at.file_uploader(key="data_file").set_value((name, data, "text/csv")).run()
    assert_ok(at)
    return at


def test_upload_check_load_undo_and_load_again(app_db):
    at = start("en", page="views/data.py")
    assert_ok(at)
    assert at.title[0].value == "Data: upload, enter and correct"
    upload(at, "订单.csv", GBK)
    assert any("GB18030" in c.value and "line 2" in c.value for c in at.caption)
    # The amount matched automatically; the analyst checks that the second amount column is not used.
    revenue = widget(at, "selectbox", "data_map_", "_revenue")
    assert revenue.value == "金额(元)"
    revenue.set_value("备注金额").run()  # a wrong choice first …
    at.radio(key="data_on_reject").set_value("skip").run()
    at.button(key="data_check").click().run()
    assert_ok(at)
    assert metrics(at)["Valid rows"] == "2"
    widget(at, "selectbox", "data_map_", "_revenue").set_value("金额(元)").run()  # … then the right one
    assert any("check the file again" in i.value for i in at.info)
    at.button(key="data_check").click().run()
    m = metrics(at)
    assert (m["Data rows"], m["Valid rows"], m["Rejected rows"]) == ("4", "2", "2")
    table = at.dataframe[-2].value  # rejected rows, then the normalised preview
    assert list(table["Line"]) == [5, 6] and list(table["Column"]) == ["Customer ID", "Quantity"]
    assert "'x' is not a number" in list(table["Reason"])
    at.checkbox(key="data_accept").check().run()
    at.button(key="data_load").click().run()
    assert_ok(at)
    assert any("Loaded 2 rows" in s.value for s in at.success)
    assert db_rows(app_db, "SELECT transaction_id, revenue FROM transactions WHERE load_id IS NOT NULL ORDER BY 1") == [
        ("UP-1", Decimal("1234.50")), ("UP-2", Decimal("880.00"))]
    # The same file again is recognised.
    at.button(key="data_check").click().run()
    assert any("already loaded" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "data_load"]
    # Undo, then load again.
    load_id = db_rows(app_db, "SELECT max(load_id) FROM ingest_log")[0][0]
    at.checkbox(key=f"data_undo_confirm_{load_id}").check().run()
    at.button(key="data_undo").click().run()
    assert any("undone" in s.value for s in at.success)
    assert db_rows(app_db, "SELECT count(*) FROM transactions WHERE load_id IS NOT NULL") == [(0,)]
    at.button(key="data_check").click().run()
    at.checkbox(key="data_accept").check().run()
    at.button(key="data_load").click().run()
    assert db_rows(app_db, "SELECT count(*) FROM transactions WHERE load_id IS NOT NULL") == [(2,)]
    actions = [r[0] for r in db_rows(app_db, "SELECT action FROM audit_log WHERE column_name = 'rows' ORDER BY audit_id")]
    assert actions == ["load", "undo", "load"]


def test_the_overview_follows_a_load(app_db):
    at = start("en")
    before = metrics(at)["Revenue"]
    at.switch_page("views/data.py").run()
    big = (b"transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"
           b"BIG-1,C000001,2026-06-15,Broadband,1,90000000,1000\n")
    upload(at, "big.csv", big)
    at.button(key="data_check").click().run()
    at.button(key="data_load").click().run()
    assert_ok(at)
    at.switch_page("views/overview.py").run()
    assert_ok(at)
    assert metrics(at)["Revenue"] != before


def test_saved_mapping_is_offered_again(app_db):
    at = start("zh", page="views/data.py")
    upload(at, "订单.csv", GBK)
    at.text_input(key="data_mapsave_transactions").input("ERP 订单").run()
    at.button(key="data_mapsave_btn_transactions").click().run()
    assert_ok(at)
    assert any("ERP 订单" in s.value for s in at.success)
    assert "ERP 订单" in at.selectbox(key="data_mapname_transactions").options


def test_hostile_and_empty_files_show_a_clear_error(app_db):
    at = start("zh", page="views/data.py")
    upload(at, "empty.csv", b"")
    assert [e.value for e in at.error] == ["文件是空的。"]
    at.file_uploader(key="data_file").set_value(("x.xlsx", b"PK\x03\x04not really a zip", "application/zip")).run()
    assert at.error and "损坏" in at.error[0].value


def test_html_in_uploaded_names_is_shown_as_text(app_db):
    at = start("en", page="views/data.py")
    upload(at, "<b>x</b>.csv", (FIX / "formula_html.csv").read_bytes(), table="customers")
    at.button(key="data_check").click().run()
    assert_ok(at)
    assert not any("<script>" in m.value for m in at.markdown)
    assert any(escape("<b>x</b>") in c.value for c in at.caption)
    assert any("<script>" in str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())


def test_enter_an_activity_with_its_cost_and_correct_a_transaction(app_db):
    at = start("en", page="views/data.py")
    at.selectbox(key="data_form_table").set_value("activities").run()
    # Issue 19: the customer is picked by search among "id — name", not typed blind.
    picker = widget(at, "selectbox", "data_f_activities_add_", "_customer_id")
    name = db_rows(app_db, "SELECT name FROM customers WHERE customer_id = 'C000001'")[0][0]
    assert picker.value is None and f"C000001 — {name}" in picker.options
    picker.set_value("C000001").run()
    widget(at, "selectbox", "data_f_activities_add_", "_activity").set_value("sales_visit").run()
    widget(at, "date_input", "data_f_activities_add_", "_activity_date").set_value(
        dt.date(2026, 3, 2)).run()
    widget(at, "number_input", "data_f_activities_add_", "_quantity").set_value(2.0).run()
    note = [i.value for i in at.info if "rate of Sales visits" in i.value]
    assert note and "¥1,200 per visit" in note[0] and "2 × ¥1,200 = ¥2,400" in note[0]
    new_id = widget(at, "text_input", "data_f_activities_add_", "_activity_id").value
    at.button(key="data_form_save_activities_add").click().run()
    assert_ok(at)
    assert any(escape(new_id) in s.value for s in at.success)
    assert db_rows(app_db, "SELECT customer_id, activity, quantity FROM activities WHERE activity_id = ?", [new_id]) == [
        ("C000001", "sales_visit", 2.0)]
    # A correction is validated the same way and audited old → new.
    at.selectbox(key="data_form_table").set_value("transactions").run()
    at.radio(key="data_form_action").set_value("correct").run()
    at.text_input(key="data_form_key_transactions").input("T0000000001").run()
    old_cogs = widget(at, "number_input", "data_f_transactions_correct_", "_cogs").value
    # The record's customer is preselected in the picker (no unknown id can be typed any more: issue 19).
    own = db_rows(app_db, "SELECT customer_id FROM transactions WHERE transaction_id = 'T0000000001'")[0][0]
    assert widget(at, "selectbox", "data_f_transactions_correct_", "_customer_id").value == own
    day = widget(at, "date_input", "data_f_transactions_correct_", "_tx_date")
    good_day = day.value
    day.set_value(dt.date(2099, 1, 1)).run()
    at.button(key="data_form_save_transactions_correct").click().run()
    assert at.error  # validated the same way as an upload (a date in the future is refused)
    widget(at, "date_input", "data_f_transactions_correct_", "_tx_date").set_value(good_day).run()
    widget(at, "number_input", "data_f_transactions_correct_", "_cogs").set_value(old_cogs + 10).run()
    at.button(key="data_form_save_transactions_correct").click().run()
    assert any("record T0000000001: 1 field." in s.value for s in at.success)
    audit = db_rows(app_db, "SELECT column_name, old_value, new_value FROM audit_log WHERE record_key = 'T0000000001'")
    assert [a[0] for a in audit] == ["cogs"]
    assert float(audit[0][1]) == pytest.approx(old_cogs) and float(audit[0][2]) == pytest.approx(old_cogs + 10)
    shown = at.dataframe[-1].value
    assert "T0000000001" in list(shown["Record"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_table_shows_its_template_and_form(app_db, lang):
    at = start(lang, page="views/data.py")
    for table in ("customers", "transactions", "activities", "activity_rates", "feedback", "assessments",
                  "service_quality", "opportunities"):
        at.selectbox(key="data_table").set_value(table).run()
        assert_ok(at)
        assert len([b for b in at.get("download_button") if b.key and b.key.startswith(f"data_tpl_{table}")]) == 4
    for table in ("customers", "transactions", "activities", "assessments", "feedback"):
        at.selectbox(key="data_form_table").set_value(table).run()
        assert_ok(at)


def test_update_by_key_replaces_a_known_customer(app_db):
    """The weekly customer master: append refuses a known id; update by key replaces it, and undo restores."""
    at = start("en", page="views/data.py")
    before = db_rows(app_db, "SELECT name, segment FROM customers WHERE customer_id = 'C000001'")
    others = db_rows(app_db, "SELECT region, channel, acquired_on FROM customers WHERE customer_id = 'C000001'")
    upload(at, "master.csv", b"customer_id,name,customer_type,segment\nC000001,Renamed Ltd,enterprise,SMB\n",
           table="customers")
    at.button(key="data_check").click().run()
    assert metrics(at)["Rejected rows"] == "1"  # append: the id is already in the table
    at.radio(key="data_mode").set_value("update").run()
    at.button(key="data_check").click().run()
    assert_ok(at)
    m = metrics(at)
    assert (m["Valid rows"], m["Rejected rows"], m["Existing rows to replace"]) == ("1", "0", "1")
    at.button(key="data_load").click().run()
    assert any("Loaded 1 row into" in s.value for s in at.success)
    assert db_rows(app_db, "SELECT name, segment FROM customers WHERE customer_id = 'C000001'") == [("Renamed Ltd", "SMB")]
    assert db_rows(app_db, "SELECT region, channel, acquired_on FROM customers WHERE customer_id = 'C000001'") == others
    load_id = db_rows(app_db, "SELECT max(load_id) FROM ingest_log")[0][0]
    at.checkbox(key=f"data_undo_confirm_{load_id}").check().run()
    at.button(key="data_undo").click().run()
    assert db_rows(app_db, "SELECT name, segment FROM customers WHERE customer_id = 'C000001'") == before


def test_uploads_sit_in_a_private_folder_only_while_used(app_db, tmp_path, monkeypatch):
    """Before the fix uploads stayed a day, world-readable, in a shared /tmp/cvm_uploads folder."""
    import stat
    import tempfile

    from analytics import ingest

    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    seen = []
    real_sniff = ingest.sniff

    def sniff(path, *args, **kwargs):
        p = Path(path)
        seen.append((p.parent.parent, stat.S_IMODE(p.parent.stat().st_mode), stat.S_IMODE(p.stat().st_mode)))
        return real_sniff(path, *args, **kwargs)

    monkeypatch.setattr(ingest, "sniff", sniff)
    at = start("en", page="views/data.py")
    upload(at, "订单.csv", GBK)
    assert list(root.iterdir()) == []  # nothing left between reruns
    at.radio(key="data_on_reject").set_value("skip").run()
    at.button(key="data_check").click().run()
    at.checkbox(key="data_accept").check().run()
    at.button(key="data_load").click().run()
    assert_ok(at)
    assert any("Loaded 2 rows" in s.value for s in at.success)
    upload(at, "empty.csv", b"")  # refused by the engine
    assert at.error
    assert seen and set(seen) == {(root, 0o700, 0o600)}
    assert list(root.iterdir()) == []
