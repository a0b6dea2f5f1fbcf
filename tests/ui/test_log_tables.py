"""No "None" in the log tables (issue 19 'consistency'): the Data page's load log and audit log and the
Users page's log draw a missing value as "—" (Streamlit draws it as "None" unless told otherwise)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.store import db
from i18n import Translator, fmt
from tests.ui.apptest import assert_ok, start
from tests.ui.test_auth import add, sign_in
from tests.ui.test_data import upload


def _has_missing(frame: pd.DataFrame) -> bool:
    return bool(frame.isna().to_numpy().any())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_data_pages_logs_draw_missing_values_as_a_dash(app_db, lang):
    t = Translator(lang)
    at = start(lang, page="views/data.py")
    # A load never undone (no undo time) whose rows' audit entries have no old value.
    upload(at, "master.csv", b"customer_id,name,customer_type,segment\nC999901,New Ltd,enterprise,SMB\n",
           table="customers")
    at.button(key="data_check").click().run()
    at.button(key="data_load").click().run()
    at.run()
    assert_ok(at)
    logs = [d for d in at.dataframe if t("data.h.undone") in d.value.columns or t("data.h.old") in d.value.columns]
    assert len(logs) == 2  # the load log and the audit log
    loads, audit = (d.value for d in logs)
    assert pd.isna(loads[t("data.h.undone")].iloc[0]) and _has_missing(audit)  # values Streamlit would draw as "None"
    assert [d.proto.placeholder for d in logs] == [fmt.DASH, fmt.DASH]


def test_the_users_pages_log_draws_missing_values_as_a_dash(app_db):
    add(app_db, "boss", "admin")  # an account created: its audit row has no old value
    at = sign_in(start("zh"), "boss")
    at.switch_page("views/users.py").run()
    assert_ok(at)
    t = Translator("zh")
    log = next(d for d in at.dataframe if t("data.h.old") in d.value.columns)
    assert _has_missing(log.value) and log.proto.placeholder == fmt.DASH


def test_customer_360s_tables_draw_missing_values_as_a_dash(app_db):
    """A missing date or number in Customer 360's records (an opportunity not closed yet) reads "—"."""
    con = db.connect(app_db)  # the app holds it read-write in this process; a second handle must match
    try:
        cid = con.execute("SELECT min(customer_id) FROM opportunities WHERE closed_on IS NULL").fetchone()[0]
    finally:
        con.close()
    at = start("zh", page="views/customer.py", customer=cid)
    assert_ok(at)
    with_missing = [d for d in at.dataframe if _has_missing(d.value)]
    assert with_missing  # the open opportunity's close date at least
    assert {d.proto.placeholder for d in with_missing} == {fmt.DASH}
