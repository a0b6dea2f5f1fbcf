"""The Users page (admins): add with validation, change role and scope, reset, remove; the first account is an admin."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from analytics import users
from analytics.store import audit, db, schema
from i18n import Translator
from tests.ui.apptest import assert_ok, start
from tests.ui.test_auth import PW, add, sign_in

PAGE = "views/users.py"


def fill(at: AppTest, name: str, password: str, again: str | None = None, role: str | None = None,
         regions: list[str] | None = None) -> AppTest:
    t = Translator("en")
    at.text_input(key="users_add_name").input(name)
    if role:
        at.selectbox(key="users_add_role").set_value(role)
    if regions:
        at.multiselect(key="users_add_regions").set_value(regions)
    at.text_input(key="users_add_pw").input(password)
    at.text_input(key="users_add_pw2").input(password if again is None else again)
    next(b for b in at.button if b.label == t("users.add.button")).click().run()
    return at


def accounts(path) -> dict[str, users.User]:
    con = db.connect(path)
    try:
        return {u.name: u for u in users.list_users(con)}
    finally:
        con.close()


def test_single_user_mode_creates_the_first_admin_then_asks_to_sign_in(app_db):
    at = start("en", page=PAGE)
    assert_ok(at)
    t = Translator("en")
    assert t("users.none") in [i.value for i in at.info]
    assert at.selectbox(key="users_add_role").options == [t("auth.role.admin")]  # the first account is an admin
    fill(at, "boss", PW)
    assert_ok(at)
    assert accounts(app_db)["boss"].role == "admin"
    assert at.title[0].value == t("auth.title")  # from now on everyone signs in


def test_admin_adds_changes_and_removes_users(app_db):
    add(app_db, "boss", "admin")
    at = sign_in(start("en"), "boss")
    at.switch_page(PAGE).run()
    assert_ok(at)
    # validation: each mistake said, nothing written
    fill(at, "vera", PW, again="something else")
    assert [e.value for e in at.error] == [Translator("en")("users.mismatch")]
    fill(at, "vera", "short")
    assert "the password is too short" in at.error[0].value
    fill(at, "boss", PW)
    assert "already exists" in at.error[0].value
    fill(at, "ann", PW, role="admin", regions=["East"])
    assert "an admin cannot be limited" in at.error[0].value
    assert set(accounts(app_db)) == {"boss"}
    # a restricted viewer
    fill(at, "vera", PW, role="viewer", regions=["East"])
    assert_ok(at)
    assert not at.error and accounts(app_db)["vera"].regions == ("East",)
    # change: a regional analyst keeps the restriction; admin refused while restricted, scope lifted, then admin
    at.selectbox(key="users_pick").set_value("vera").run()
    at.selectbox(key="users_vera_role").set_value("analyst").run()
    at.button(key="users_vera_role_save").click().run()
    assert not at.error and accounts(app_db)["vera"].role == "analyst" and accounts(app_db)["vera"].regions == ("East",)
    at.selectbox(key="users_pick").set_value("vera").run()
    at.selectbox(key="users_vera_role").set_value("admin").run()
    at.button(key="users_vera_role_save").click().run()
    assert "an admin cannot be limited" in at.error[0].value
    at.multiselect(key="users_vera_regions").set_value([]).run()
    at.button(key="users_vera_scope_save").click().run()
    at.selectbox(key="users_pick").set_value("vera").run()
    at.selectbox(key="users_vera_role").set_value("analyst").run()
    at.button(key="users_vera_role_save").click().run()
    assert accounts(app_db)["vera"].role == "analyst" and accounts(app_db)["vera"].regions == ()
    # the last admin stays
    at.selectbox(key="users_pick").set_value("boss").run()
    at.checkbox(key="users_boss_remove_sure").check().run()
    at.button(key="users_boss_remove").click().run()
    assert "is the last admin" in at.error[0].value
    # reset a password, remove a user
    at.selectbox(key="users_pick").set_value("vera").run()
    at.text_input(key="users_vera_pw").input("brand-new-pass").run()
    at.button(key="users_vera_pw_save").click().run()
    at.selectbox(key="users_pick").set_value("vera").run()
    at.checkbox(key="users_vera_remove_sure").check().run()
    at.button(key="users_vera_remove").click().run()
    assert_ok(at)
    assert set(accounts(app_db)) == {"boss"}
    con = db.connect(app_db)
    try:
        log = audit.history(con, schema.USERS)
    finally:
        con.close()
    assert {"insert", "update", "password_reset", "delete"} <= set(log["action"])
    assert set(log.loc[log["record_key"] == "vera", "user_name"]) == {"boss"}  # changes carry the admin's name
