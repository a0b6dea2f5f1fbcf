"""Who uses this session, and what they may do: sign-in, sign-out, idle expiry, role checks.

app.py calls :func:`identify` before any page. Three modes:

* **OIDC**: ``.streamlit/secrets.toml`` has an ``[auth]`` section: Streamlit's ``st.login`` signs
  people in with the identity provider; the role and allowance are those of the local account named
  by the person's e-mail (``python -m analytics users add EMAIL …``), else a viewer of everything.
* **local**: otherwise, when any account exists (:mod:`analytics.users`): a sign-in form before any page.
* **open**: no account at all: single-user mode, everyone acts as the operating-system user with
  every right, and every page says so.

A local sign-in is a random token kept in this process (:data:`_SESSIONS`) and in a browser cookie
(``cvm_session``, ``SameSite=Strict``), so that a reload, a customer link opened in a new tab or a
page typed in the address bar stays signed in; it ends after :func:`idle_minutes` without a run
(``$CVM_SESSION_IDLE_MINUTES``, default 30), at sign-out, or when the server restarts. Every write a page makes checks the role again, against the store (:func:`permitted`):
a widget message replayed by a viewer, or an account demoted a second ago, is refused there.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass, field

import duckdb
import streamlit as st

from analytics import users
from analytics.filters import Allowance
from analytics.store import audit, db
from i18n import Translator
from ui import cache, context
from ui.sidebar import allowed_text

OPEN, LOCAL, OIDC = "open", "local", "oidc"
VIEWER, ANALYST, ADMIN = users.VIEWER, users.ANALYST, users.ADMIN  # for pages: auth.permitted(auth.ANALYST)
IDLE_ENV = "CVM_SESSION_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 30.0
_STATE = "_auth"  # session state: {"name": str, "seen": clock() of the last run}
_NOTICE = "_auth_notice"  # why this session was signed out (an i18n key), shown on the sign-in form
_IDENTITY = "_auth_identity"
_REFUSAL = "_auth_refusal"  # a refusal from a widget callback, drawn by the run that follows
_COOKIE_TODO = "_auth_cookie"  # the cookie to write (a token) or clear ("") on this run
COOKIE = "cvm_session"
# Signed-in sessions of this process: token -> {"name": user name, "seen": clock() at the last run}.
_SESSIONS: dict[str, dict[str, object]] = {}
clock = time.time  # what idle time is measured by (tests move it forward)
_SESSIONS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Identity:
    """The person behind this session: name (for the audit log), role, allowance and sign-in mode."""

    name: str
    role: str
    allowance: Allowance = field(default_factory=Allowance)
    mode: str = OPEN

    def can(self, role: str) -> bool:
        return users.can(self.role, role)


def idle_minutes() -> float:
    """Minutes without a run after which a signed-in session must sign in again (``$CVM_SESSION_IDLE_MINUTES``)."""
    raw = os.environ.get(IDLE_ENV, "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_IDLE_MINUTES
    except ValueError:
        value = DEFAULT_IDLE_MINUTES
    return value if value > 0 else DEFAULT_IDLE_MINUTES


def oidc_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` configures an identity provider (an ``[auth]`` section)."""
    try:
        return st.secrets.load_if_toml_exists() and "auth" in st.secrets
    except Exception:  # an unreadable secrets file: no provider (Streamlit reports the file itself)
        return False


def _provider() -> str | None:
    """The provider to sign in with: None when ``[auth]`` configures one directly, else the first
    ``[auth.NAME]`` section's name."""
    cfg = st.secrets["auth"]
    if "client_id" in cfg:
        return None
    named = [k for k, v in cfg.items() if hasattr(v, "keys")]
    return named[0] if named else None


def identify(con: duckdb.DuckDBPyConnection, t: Translator) -> Identity | None:
    """This session's identity; None when nobody is signed in, after drawing the sign-in page (the
    caller then ends the run without a page)."""
    if oidc_configured():
        ident = _oidc(con, t)
    else:
        with db.cursor(con) as cur:
            accounts = users.has_accounts(cur)
        if not accounts:
            ident = Identity(audit.current_user(), users.ADMIN, Allowance(), OPEN)
        else:
            ident = _local(con, t)
    if ident is not None:
        st.session_state[_IDENTITY] = ident
    return ident


def current() -> Identity:
    """The identity :func:`identify` found for this run."""
    ident = st.session_state.get(_IDENTITY)
    if ident is None:
        raise RuntimeError("ui.auth.identify runs in app.py before any page")
    return ident


def _expired(state: dict) -> bool:
    return clock() - float(state.get("seen", 0)) > idle_minutes() * 60


def _session(token: str | None) -> dict[str, object] | None:
    """The signed-in session of ``token``, or None (unknown, or ended and forgotten here)."""
    if not token:
        return None
    with _SESSIONS_LOCK:
        found = _SESSIONS.get(token)
        if found is not None and _expired(found):
            del _SESSIONS[token]
            return {**found, "expired": True}
        return found


def _cookie_token() -> str | None:
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # no browser behind this run (AppTest, bare mode)
        return None


def _local(con: duckdb.DuckDBPyConnection, t: Translator) -> Identity | None:
    token = st.session_state.get(_STATE, {}).get("token") or _cookie_token()
    found = _session(token)
    if found is not None and found.get("expired"):
        sign_out(notice="auth.expired")
    elif found is not None:
        with db.cursor(con) as cur:
            u = users.get_user(cur, str(found["name"]))
        if u is None:  # removed while signed in
            sign_out(notice="auth.removed")
        else:
            found["seen"] = clock()
            st.session_state[_STATE] = {"token": token}
            _write_cookie()
            return Identity(u.name, u.role, u.allowance, LOCAL)
    elif st.session_state.pop(_STATE, None) is not None:  # signed in here, but the server forgot it
        st.session_state[_COOKIE_TODO] = ""
    _write_cookie()
    _sign_in_page(con, t)
    return None


def _write_cookie() -> None:
    """Set (after a sign-in) or clear (after a sign-out) the session cookie in the browser, once."""
    todo = st.session_state.pop(_COOKIE_TODO, None)
    if todo is None:
        return
    # A browser-session cookie (the server decides idle expiry), or an expired one to clear it. The token is
    # URL-safe base64: nothing in it can leave the string.
    expiry = "" if todo else " max-age=0;"
    st.html(f"<script>document.cookie = '{COOKIE}={todo}; path=/;{expiry} SameSite=Strict';</script>",
            unsafe_allow_javascript=True)


def _oidc(con: duckdb.DuckDBPyConnection, t: Translator) -> Identity | None:
    if not st.user.is_logged_in:
        _heading(t)
        st.button(t("auth.oidc.sign_in"), type="primary", on_click=st.login, args=(_provider(),),
                  key="auth_oidc_login")
        return None
    state = st.session_state.setdefault(_STATE, {"seen": clock()})
    if _expired(state):
        st.session_state.pop(_STATE, None)
        st.logout()
    state["seen"] = clock()
    name = str(st.user.get("email") or st.user.get("name") or st.user.get("sub") or "unknown")
    with db.cursor(con) as cur:
        u = users.get_user(cur, name)
    if u is None:
        return Identity(name, users.VIEWER, Allowance(), OIDC)
    return Identity(u.name, u.role, u.allowance, OIDC)


def _heading(t: Translator) -> None:
    st.title(t("auth.title"))
    st.caption(t("app.tagline"))


def _sign_in_page(con: duckdb.DuckDBPyConnection, t: Translator) -> None:
    """The sign-in form (the only thing a visitor sees until signed in)."""
    _heading(t)
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.info(t(notice, minutes=f"{idle_minutes():g}"))
    with st.form("auth_form", width=420):
        name = st.text_input(t("auth.name"), key="auth_name", autocomplete="username")
        password = st.text_input(t("auth.password"), type="password", key="auth_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("auth.sign_in"), type="primary", width="stretch")
    if not submitted:
        return
    try:
        u = users.authenticate(con, name, password)
    except users.SignInError as exc:
        if exc.code == "locked" and exc.until:
            st.error(t("auth.locked", until=exc.until.strftime("%Y-%m-%d %H:%M")))
        else:
            st.error(t("auth.invalid"))
        return
    token = secrets.token_urlsafe(32)
    with _SESSIONS_LOCK:
        for old in [k for k, v in _SESSIONS.items() if _expired(v)]:  # sessions left idle, never looked up again
            del _SESSIONS[old]
        _SESSIONS[token] = {"name": u.name, "seen": clock()}
    st.session_state[_STATE] = {"token": token}
    st.session_state[_COOKIE_TODO] = token
    st.rerun()


def sign_out(notice: str | None = None) -> None:
    """End this session's sign-in (a button callback, or on expiry): forgotten here, cookie cleared."""
    token = st.session_state.pop(_STATE, {}).get("token") or _cookie_token()
    with _SESSIONS_LOCK:
        _SESSIONS.pop(token or "", None)
    st.session_state.pop("auth_password", None)
    st.session_state[_COOKIE_TODO] = ""
    if notice:
        st.session_state[_NOTICE] = notice


def sidebar(ident: Identity, t: Translator) -> None:
    """Who is signed in and the sign-out button, or the single-user-mode notice (on every page)."""
    sb = st.sidebar
    if ident.mode == OPEN:
        sb.caption(t("auth.open_mode", user=ident.name))
        return
    sb.caption(t("auth.signed_in", user=ident.name, role=t(f"auth.role.{ident.role}")))
    if ident.mode == OIDC:
        sb.button(t("auth.sign_out"), key="auth_sign_out", on_click=st.logout, icon=":material/logout:")
    else:
        sb.button(t("auth.sign_out"), key="auth_sign_out", on_click=sign_out, icon=":material/logout:")


def permitted(needed: str, *, in_callback: bool = False, whole_store: bool = False) -> bool:
    """Whether this session's user may do what needs role ``needed``, checked now against the store
    (the role may have changed since the run started); when not, an error saying so is drawn (from a
    widget callback, ``in_callback=True``: the frame draws it at the top of the run that follows).

    ``whole_store``: a company-wide change (activity rates), refused also to a user limited to regions or
    segments, with a message saying who can do it.

    Every page action that writes calls it right before the write: ``if st.button(…) and auth.permitted(ANALYST):``.
    """
    ident = current()
    role, allowance = ident.role, ident.allowance
    if ident.mode != OPEN:
        with db.cursor(cache.connection()) as cur:
            u = users.get_user(cur, ident.name)
        role = u.role if u is not None else (users.VIEWER if ident.mode == OIDC else None)
        allowance = u.allowance if u is not None else Allowance()
    else:
        with db.cursor(cache.connection()) as cur:
            if users.has_accounts(cur):  # accounts created since this session opened: sign in first
                role = None
    t = context.get().t
    if role is not None and users.can(role, needed):
        if not (whole_store and allowance.restricted):
            return True
        message = t.md("auth.refused_whole_store", allowed=allowance_text(allowance, t))  # names from data
    else:
        message = t("auth.refused", role=t(f"auth.role.{needed}"))
    if in_callback:
        st.session_state[_REFUSAL] = message
    else:
        st.error(message)
    return False


def allowance_text(allowance: Allowance, t: Translator) -> str:
    """'regions East; segments SMB', translated: what a restricted user may see and change."""
    return allowed_text({k: v for k, v in (("regions", allowance.regions), ("segments", allowance.segments))
                        if v}, t)


def show_refusal() -> None:
    """Draw a refusal a widget callback recorded (app.py, before the page)."""
    message = st.session_state.pop(_REFUSAL, None)
    if message:
        st.error(message)
