"""Sign-in, roles and row-level restriction in the app (AppTest on a copy of the demo store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import users
from analytics.store import db
from i18n import Translator
from tests.ui.apptest import ROOT, assert_ok, metrics, start
from ui import auth

PW = "pass-word-1"


def add(path: Path, name: str, role: str, **scope: list[str]) -> None:
    con = db.connect(path)
    try:
        users.add_user(con, name, PW, role, **scope)
    finally:
        con.close()


def _sign_in_form(at: AppTest) -> list[object]:
    """The sign-in form's fields on the page (other text inputs, e.g. a saved view's name, are not it)."""
    return [w for w in at.text_input if str(w.key).startswith("auth_")]


def sign_in(at: AppTest, name: str, password: str = PW) -> AppTest:
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    at.button[0].click().run()
    return at


def test_no_account_runs_open_and_says_so(app_db):
    for lang in ("en", "zh"):
        at = start(lang)
        assert_ok(at)
        caption = " ".join(c.value for c in at.sidebar.caption)
        t = Translator(lang)
        assert t("auth.open_mode", user="X").split("X")[0] in caption, caption
        assert not _sign_in_form(at)
        assert metrics(at)  # the Overview is drawn


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_with_an_account_the_sign_in_form_comes_first(app_db, lang):
    add(app_db, "boss", "admin")
    at = start(lang)
    assert_ok(at)
    t = Translator(lang)
    assert at.title[0].value == t("auth.title") and not at.metric and not at.get("plotly_chart")
    sign_in(at, "boss", "wrong password")
    assert [e.value for e in at.error] == [t("auth.invalid")] and not at.metric
    sign_in(at, "boss")
    assert_ok(at)
    assert metrics(at) and t("auth.signed_in", user="boss", role=t("auth.role.admin")) in [c.value for c in at.sidebar.caption]
    # sign out: back to the form
    at.sidebar.button(key="auth_sign_out").click().run()
    assert at.title[0].value == t("auth.title") and not at.metric


def test_failed_sign_ins_are_logged_and_lock_the_account(app_db):
    add(app_db, "boss", "admin")
    at = start("en")
    for _ in range(users.MAX_FAILURES):
        sign_in(at, "boss", "not the password")
    assert "locked until" in at.error[0].value
    sign_in(at, "boss")  # the right password, but locked
    assert "locked until" in at.error[0].value and not at.metric


def test_the_session_expires_when_idle(app_db, monkeypatch):
    add(app_db, "boss", "admin")
    at = start("en")
    sign_in(at, "boss")
    assert at.metric
    now = auth.clock()
    monkeypatch.setattr(auth, "clock", lambda: now + 31 * 60)  # half an hour and a minute without a run
    at.run()
    assert at.title[0].value == Translator("en")("auth.title") and not at.metric
    assert "30 minutes without activity" in at.info[0].value
    monkeypatch.setenv("CVM_SESSION_IDLE_MINUTES", "120")
    sign_in(at, "boss")
    monkeypatch.setattr(auth, "clock", lambda: now + 62 * 60)
    at.run()
    assert at.metric  # within the configured two hours


def test_a_new_session_with_the_cookie_stays_signed_in(app_db, monkeypatch):
    """A reload or a link opened in a new tab is a new Streamlit session: the cookie's token resumes the sign-in,
    an unknown or signed-out token does not."""
    add(app_db, "boss", "admin")
    at = sign_in(start("en"), "boss")
    token = at.session_state["_auth"]["token"]
    monkeypatch.setattr(auth, "_cookie_token", lambda: token)
    again = start("en")  # a new session, the browser sending the cookie
    assert again.metric and not _sign_in_form(again)
    at.sidebar.button(key="auth_sign_out").click().run()
    assert start("en").text_input  # signed out: the token no longer opens anything
    monkeypatch.setattr(auth, "_cookie_token", lambda: "forged-token")
    assert start("en").text_input


def test_an_analyst_opens_data_but_not_users(app_db):
    add(app_db, "boss", "admin")
    add(app_db, "ann", "analyst")
    at = sign_in(start("en"), "ann")
    at.switch_page("views/data.py").run()
    assert_ok(at)
    assert not at.error and at.get("file_uploader")
    at.switch_page("views/users.py").run()
    assert len(at.error) == 1 and "admin" in at.error[0].value


def _oidc_app(user: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.user = user
    at.query_params["lang"] = "en"
    at.run()
    return at


def test_oidc_signs_in_with_the_provider_and_takes_the_accounts_role(app_db, monkeypatch):
    """With an [auth] section in secrets.toml: st.login's button first; the role of the account named by the
    e-mail, else a viewer."""
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    monkeypatch.setattr(auth, "_provider", lambda: None)
    add(app_db, "boss", "admin")
    add(app_db, "ann@example.com", "analyst")
    t = Translator("en")
    at = _oidc_app({"is_logged_in": False})
    assert_ok(at)
    assert at.button(key="auth_oidc_login").label == t("auth.oidc.sign_in") and not at.metric
    at = _oidc_app({"is_logged_in": True, "email": "ann@example.com"})
    assert_ok(at)
    assert at.metric and t("auth.signed_in", user="ann@example.com", role=t("auth.role.analyst")) in \
        [c.value for c in at.sidebar.caption]
    at.switch_page("views/data.py").run()
    assert not at.error
    at = _oidc_app({"is_logged_in": True, "email": "someone@example.com"})
    assert t("auth.signed_in", user="someone@example.com", role=t("auth.role.viewer")) in \
        [c.value for c in at.sidebar.caption]
    at.switch_page("views/data.py").run()
    assert [e.value for e in at.error] == [t("auth.page_refused", page=t("nav.data"), role=t("auth.role.analyst"))]
