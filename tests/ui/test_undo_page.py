"""AppTest of undo on the Data page: a whole-table replace of the demo's 200,000 transactions undone in the
app's own process, and a load whose rows were corrected by hand afterwards, which the page will not undo."""

from __future__ import annotations

import duckdb

from analytics.ingest import records
from analytics.store import db
from tests.ui.apptest import assert_ok, start
from tests.ui.test_data import db_rows, upload


def test_replacing_the_whole_table_then_undo_gives_every_row_back(app_db):
    before = db_rows(app_db, "SELECT count(*), sum(hash(transaction_id, revenue)) FROM transactions")
    assert before[0][0] > 122_880
    at = start("en", page="views/data.py")
    upload(at, "one.csv", b"transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"
                          b"ONE-1,C000001,2026-06-15,Broadband,1,90,10\n")
    at.radio(key="data_mode").set_value("replace_table").run()
    at.button(key="data_check").click().run()
    at.button(key="data_load").click().run()
    assert_ok(at)
    assert db_rows(app_db, "SELECT count(*) FROM transactions") == [(1,)]
    load_id = db_rows(app_db, "SELECT max(load_id) FROM ingest_log")[0][0]
    at.checkbox(key=f"data_undo_confirm_{load_id}").check().run()
    at.button(key="data_undo").click().run()
    assert_ok(at)
    assert any("undone" in s.value and f"{before[0][0]:,} restored" in s.value for s in at.success)
    # Read in the app's process (same DuckDB instance), by a scan of every row.
    assert db_rows(app_db, "SELECT count(*), sum(hash(transaction_id, revenue)) FROM transactions") == before


def test_a_load_whose_rows_were_corrected_afterwards_is_not_undone(app_db):
    at = start("en", page="views/data.py")
    upload(at, "master.csv", b"customer_id,name,customer_type,segment\nC000001,Renamed Ltd,enterprise,SMB\n",
           table="customers")
    at.radio(key="data_mode").set_value("update").run()
    at.button(key="data_check").click().run()
    at.button(key="data_load").click().run()
    assert_ok(at)
    con = duckdb.connect(str(app_db), config=db.CONFIG)  # the app's instance: same process
    try:
        assert records.correct(con, "customers", "C000001", {"segment": "Key account"}, user="carol").ok
    finally:
        con.close()
    at.run()
    assert_ok(at)
    why = [e.value for e in at.error if "C000001" in e.value]
    assert why and "carol" in why[0] and "can no longer be undone" in why[0]
    assert not [b for b in at.button if b.key == "data_undo"]
    loads = next(d.value for d in at.dataframe if "Can be undone" in d.value.columns)
    assert "C000001" in loads["Can be undone"].iloc[0]
    assert db_rows(app_db, "SELECT segment FROM customers WHERE customer_id = 'C000001'") == [("Key account",)]
