"""Roles: pages a role may not open are refused by URL; every write checks the role on the server side."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from analytics import users
from analytics.store import audit, db
from i18n import Translator
from tests.ui.apptest import assert_ok, start
from tests.ui.test_auth import add, sign_in
from tests.ui.test_plans import _add as add_lever
from ui import refresh


def test_a_viewer_has_no_data_or_users_page_and_their_urls_refuse(app_db):
    add(app_db, "boss", "admin")
    add(app_db, "vera", "viewer")
    at = sign_in(start("en"), "vera")
    assert_ok(at)
    t = Translator("en")
    for page, role in (("views/data.py", "analyst"), ("views/users.py", "admin")):
        at.switch_page(page).run()
        assert_ok(at)
        title = t("nav.data" if "data" in page else "nav.users")
        assert [e.value for e in at.error] == [t("auth.page_refused", page=title, role=t(f"auth.role.{role}"))]
        assert not at.get("file_uploader") and not at.dataframe


def test_a_viewer_cannot_save_by_replaying_widgets(app_db):
    """The buttons' messages reach the server (a replayed click): each write checks the role there."""
    add(app_db, "boss", "admin")
    add(app_db, "vera", "viewer")
    at = sign_in(start("en"), "vera")
    con = db.connect(app_db)
    try:
        before = (db.fingerprint(con), db.data_version(con), len(audit.history(con, limit=None)))
    finally:
        con.close()
    refusal = Translator("en")("auth.refused", role="analyst")
    # the rate editor offers a viewer what-if only
    at.switch_page("views/concentration.py").run()
    assert len(at.radio(key="conc_rate_mode").options) == 1
    assert "conc_rates_save" not in [b.key for b in at.button]
    # a saved story
    at.switch_page("views/present.py").run()
    at.text_input(key="pres_save_name").input("mine").run()
    at.button(key="pres_save").click().run()
    assert refusal in [e.value for e in at.error]
    # a saved plan
    at.switch_page("views/plans.py").run()
    add_lever(at, "process_improvement", who="loss_makers", activity="delivery", cut=15.0)  # a projection: allowed
    at.text_input(key="plans_name").input("mine")
    at.button(key="plans_save").click().run()
    assert refusal in [e.value for e in at.error]
    assert_ok(at)
    con = db.connect(app_db)
    try:
        assert (db.fingerprint(con), db.data_version(con), len(audit.history(con, limit=None))) == before
    finally:
        con.close()


def _analyst_saves_a_rate(app_db) -> AppTest:
    """An admin and the analyst ann exist; ann signs in and saves one new activity rate on Concentration."""
    add(app_db, "boss", "admin")
    add(app_db, "ann", "analyst")
    at = sign_in(start("en"), "ann")
    at.switch_page("views/concentration.py").run()
    at.radio(key="conc_rate_mode").set_value("save").run()
    at.session_state["conc_rates"] = {"edited_rows": {3: {"new_cost": 1.5, "new_from": "2026-01-01"}},
                                      "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="conc_rates_save").click().run()
    return at


def test_changes_carry_the_signed_in_user(app_db, monkeypatch):
    monkeypatch.setenv("CVM_USER", "os.account")
    at = _analyst_saves_a_rate(app_db)
    assert_ok(at)
    assert any(s.value.startswith("Saved 1 rate change(s)") for s in at.success)
    con = db.connect(app_db)
    try:
        h = audit.history(con, "activity_rates")
    finally:
        con.close()
    assert set(h["user_name"]) == {"ann"}


def test_a_demoted_analyst_is_refused_at_the_next_write(app_db):
    add(app_db, "boss", "admin")
    add(app_db, "ann", "analyst")
    at = sign_in(start("en"), "ann")
    at.switch_page("views/present.py").run()
    at.text_input(key="pres_save_name").input("mine").run()
    con = db.connect(app_db)
    try:
        users.set_role(con, "ann", "viewer", by="boss")  # while ann's page is open
    finally:
        con.close()
    at.button(key="pres_save").click().run()
    assert Translator("en")("auth.refused", role="analyst") in [e.value for e in at.error]


def test_the_audit_log_filters_by_user_and_admins_export_it(app_db, monkeypatch):
    monkeypatch.setenv("CVM_USER", "os.account")
    monkeypatch.setattr(refresh, "after_write", lambda: None)  # the model refresh is not what this test is about
    at = _analyst_saves_a_rate(app_db)
    at.switch_page("views/data.py").run()
    assert_ok(at)
    assert "ann" in at.selectbox(key="audit_user").options
    assert "audit_export" not in [b.key for b in at.get("download_button")]  # analysts do not export it
    at.sidebar.button(key="auth_sign_out").click().run()
    sign_in(at, "boss")
    at.switch_page("views/data.py").run()
    t = Translator("en")
    at.selectbox(key="audit_user").set_value("ann").run()
    assert_ok(at)
    log = at.dataframe[-1].value
    assert len(log) and set(log[t("data.h.user")]) == {"ann"}
    assert "audit_export" in [b.key for b in at.get("download_button")]
