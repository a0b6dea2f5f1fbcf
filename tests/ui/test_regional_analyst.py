"""A regional analyst (issue 15): sees only their regions like a restricted viewer, and the Data and
Profit concentration pages refuse, on the server side, every change outside them, in zh and en."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli
from analytics import ingest, overview, users
from analytics.store import audit, db
from i18n import Translator
from tests.ui.apptest import assert_ok, start
from tests.ui.test_auth import PW, sign_in
from tests.ui.test_data import db_rows, upload

REGIONS = ["East", "North"]
TX = "transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"


@pytest.fixture
def regional(app_db: Path) -> Path:
    con = db.connect(app_db)
    try:
        users.add_user(con, "boss", PW, "admin")
        users.add_user(con, "east", PW, "analyst", regions=REGIONS)
    finally:
        con.close()
    return app_db


def customer_of(path: Path, region: str) -> str:
    con = db.connect(path)
    try:
        return con.execute("SELECT min(customer_id) FROM customers WHERE region = ?", [region]).fetchone()[0]
    finally:
        con.close()


def report(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert cli.main(["report", "--db", str(path), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def state(path: Path) -> tuple:
    """Everything a refused change must leave as it was: the data, their version and the audit log."""
    con = duckdb_con(path)
    try:
        return db.fingerprint(con), db.data_version(con), len(audit.history(con, limit=None))
    finally:
        con.close()


def duckdb_con(path: Path):
    import duckdb

    return duckdb.connect(str(path), config=db.CONFIG)  # the app's instance when it is open in this process


def test_report_as_a_regional_analyst_equals_the_filtered_report(regional, capsys):
    mine = report(regional, capsys, "--as", "east")
    assert mine == report(regional, capsys, "--region", ",".join(REGIONS))
    assert mine["customers"] < report(regional, capsys)["customers"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_regional_analyst_sees_only_their_regions_and_the_rate_save_is_refused(regional, capsys, lang):
    rep = report(regional, capsys, "--as", "east")
    t = Translator(lang, rep["currency"])
    at = sign_in(start(lang), "east")
    assert_ok(at)
    assert at.sidebar.multiselect(key="flt_regions").options == [t.value("region", r) for r in REGIONS]
    assert [c.value for c in at.metric] == [t.figure(k, rep[k]) for k in overview.KPI_KEYS]
    # Activity rates apply to every customer: the save is refused, saying who can do it.
    at.switch_page("views/concentration.py").run()
    at.radio(key="conc_rate_mode").set_value("save").run()
    at.session_state["conc_rates"] = {"edited_rows": {3: {"new_cost": 1.5, "new_from": "2026-01-01"}},
                                      "added_rows": [], "deleted_rows": []}
    at.run()
    before = state(regional)
    at.button(key="conc_rates_save").click().run()
    assert_ok(at)
    allowed = t("auth.allowed.regions", values=", ".join(t.value("region", r) for r in REGIONS))
    assert t.md("auth.refused_whole_store", allowed=allowed) in [e.value for e in at.error]
    assert state(regional) == before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_upload_with_another_regions_customer_is_refused_naming_file_line_and_column(regional, lang):
    east, west = customer_of(regional, "East"), customer_of(regional, "West")
    t = Translator(lang)
    at = sign_in(start(lang), "east")
    at.switch_page("views/data.py").run()
    data = (TX + f"RA-1,{east},2026-06-15,Broadband,1,90,10\nRA-2,{west},2026-06-16,Broadband,1,90,10\n").encode()
    upload(at, "week.csv", data)
    before = state(regional)
    at.button(key="data_check").click().run()
    assert_ok(at)
    allowed = t("auth.allowed.regions", values=", ".join(t.value("region", r) for r in REGIONS))
    want = t.md("data.err.outside_allowance", file="week.csv", line=3, column="customer_id", value=west, rows=1,
                allowed=allowed)
    assert want in [e.value for e in at.error], [e.value for e in at.error]
    assert not [b for b in at.button if b.key == "data_load"]
    # A replacing load is company-wide: refused at the check, saying who can do it.
    upload(at, "east.csv", (TX + f"RA-3,{east},2026-06-15,Broadband,1,90,10\n").encode())
    at.radio(key="data_mode").set_value("replace_table").run()
    at.button(key="data_check").click().run()
    assert t.md("data.err.whole_store", allowed=allowed) in [e.value for e in at.error]
    assert state(regional) == before
    # Their own region's rows load.
    at.radio(key="data_mode").set_value("append").run()
    at.button(key="data_check").click().run()
    at.button(key="data_load").click().run()
    assert_ok(at)
    assert db_rows(regional, "SELECT customer_id FROM transactions WHERE transaction_id = 'RA-3'") == [(east,)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_forms_and_undo_refuse_records_outside_the_allowance(regional, lang):
    east, west = customer_of(regional, "East"), customer_of(regional, "West")
    # An admin's load touching both regions: the regional analyst may not undo it.
    con = duckdb_con(regional)
    try:
        p = regional.parent / "mixed.csv"
        p.write_text(TX + f"MX-1,{east},2026-06-15,Broadband,1,90,10\nMX-2,{west},2026-06-15,Broadband,1,90,10\n",
                     encoding="utf-8")
        sn = ingest.sniff(p)
        load_id = ingest.load(con, p, sn, ingest.Options("transactions", ingest.auto_map("transactions", sn.columns)),
                              user="boss").load_id
        west_tx = con.execute("SELECT min(transaction_id) FROM transactions WHERE customer_id = ?", [west]).fetchone()[0]
    finally:
        con.close()
    t = Translator(lang)
    allowed = t("auth.allowed.regions", values=", ".join(t.value("region", r) for r in REGIONS))
    at = sign_in(start(lang), "east")
    at.switch_page("views/data.py").run()
    before = state(regional)
    # The customer picker offers only their customers.
    at.selectbox(key="data_form_table").set_value("transactions").run()
    picker = next(s for s in at.selectbox if s.key and s.key.endswith("_customer_id"))
    ids = {o.split(" — ")[0] for o in picker.options}
    assert east in ids and west not in ids
    # Another region's record is not opened for correction.
    at.radio(key="data_form_action").set_value("correct").run()
    at.text_input(key="data_form_key_transactions").input(west_tx).run()
    assert t.md("data.form.outside_record", table=t("data.table.transactions"), record=west_tx,
                allowed=allowed) in [w.value for w in at.warning]
    # A new customer in another region (a value typed into the region box): refused by the server.
    at.radio(key="data_form_action").set_value("add").run()
    at.selectbox(key="data_form_table").set_value("customers").run()
    region = next(s for s in at.selectbox if s.key and s.key.endswith("_region"))
    region.set_value("West").run()
    next(x for x in at.text_input if x.key and x.key.endswith("_name")).input("Western Newco").run()
    next(s for s in at.selectbox if s.key and s.key.endswith("_customer_type")).set_value("enterprise").run()
    at.button(key="data_form_save_customers_add").click().run()
    assert_ok(at)
    assert t.md("data.err.record_outside_allowance", value="West", allowed=allowed) in [e.value for e in at.error]
    # Undo of the admin's mixed load: refused before the button, which is not offered.
    assert t.md("data.err.undo_outside_allowance", load_id=load_id, rows=1, allowed=allowed) in [e.value for e in at.error]
    assert not [b for b in at.button if b.key == "data_undo"]
    assert state(regional) == before
    # The audit log lists only their own changes: the admin's rows name other regions' customers.
    assert t("audit.own_only") in [c.value for c in at.caption]
    assert not [b for b in at.selectbox if b.key == "audit_user"]
    users_shown = {u for d in at.dataframe if t("data.h.user") in d.value.columns and t("data.h.field") in d.value.columns
                   for u in d.value[t("data.h.user")]}
    assert "boss" not in users_shown
