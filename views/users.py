"""Users (admins only): the sign-in accounts, their roles and what they may see; add, change, remove.

Every change is validated by :mod:`analytics.users` (unknown role, short password, taken name, the last
admin, a restricted admin are refused with the reason) and checks the admin role again right before
it writes (:func:`ui.auth.permitted`). With no account yet (single-user mode) the first one created
must be an admin; from then on everyone signs in.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import filters as flt
from analytics import users
from analytics.store import audit, db, schema
from i18n import fmt
from ui import auth, cache, context

PAGE = {"title": "nav.users", "icon": ":material/group:", "order": 95, "section": "nav.section.data",
        "role": "admin"}
FLASH = "users_flash"

ctx = context.get()
t = ctx.t
con = cache.connection()


def role_name(role: str) -> str:
    return t(f"auth.role.{role}")


def flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def when(d: object) -> str:
    """A date-time as text, empty when there is none (never "None")."""
    return "" if d is None else str(d)


def _error(exc: Exception) -> None:
    st.error(t.md("users.error", error=str(exc)))  # names typed in a form: shown as text


st.title(t("users.title"))
st.caption(t("users.intro"))
if FLASH in st.session_state:
    kind, text = st.session_state.pop(FLASH)
    getattr(st, kind)(text)

with db.cursor(con) as cur:
    accounts = users.list_users(cur)
options = cache.run(flt.options)
first = not accounts

# ---------------------------------------------------------------------------- the accounts
if first:
    st.info(t("users.none"))
else:
    every = t("users.all")
    st.dataframe(pd.DataFrame({
        t("users.h.name"): [u.name for u in accounts],
        t("users.h.role"): [role_name(u.role) for u in accounts],
        t("users.h.regions"): [", ".join(t.value("region", v) for v in u.regions) or every for u in accounts],
        t("users.h.segments"): [", ".join(t.value("segment", v) for v in u.segments) or every for u in accounts],
        t("users.h.last"): [when(u.last_sign_in) for u in accounts],
        t("users.h.failed"): [u.failed_attempts for u in accounts],
        t("users.h.locked"): [when(u.locked_until) for u in accounts],
        t("users.h.created"): [when(u.created_at) for u in accounts],
        t("users.h.by"): [u.created_by or "" for u in accounts],
    }), hide_index=True, width="stretch")

# ---------------------------------------------------------------------------- add
left, right = st.columns(2)
with left.container(border=True):
    st.subheader(t("users.add"))
    if first:
        st.caption(t("users.first_admin"))
    with st.form("users_add", clear_on_submit=True, border=False):
        name = st.text_input(t("users.h.name"), key="users_add_name", max_chars=users.MAX_NAME)
        roles = [users.ADMIN] if first else list(users.ROLES)
        role = st.selectbox(t("users.h.role"), roles, format_func=role_name, key="users_add_role")
        regions = st.multiselect(t("users.h.regions"), options["regions"], key="users_add_regions",
                                 format_func=lambda v: t.value("region", v), placeholder=t("sidebar.all"),
                                 help=t("users.scope.help"))
        segments = st.multiselect(t("users.h.segments"), options["segments"], key="users_add_segments",
                                  format_func=lambda v: t.value("segment", v), placeholder=t("sidebar.all"))
        pw = st.text_input(t("auth.password"), type="password", key="users_add_pw", autocomplete="new-password",
                           help=t("users.password_help", n=users.MIN_PASSWORD))
        pw2 = st.text_input(t("users.password2"), type="password", key="users_add_pw2", autocomplete="new-password")
        submitted = st.form_submit_button(t("users.add.button"), type="primary")
    if submitted and auth.permitted(users.ADMIN):
        if pw != pw2:
            st.error(t("users.mismatch"))
        else:
            try:
                u = users.add_user(con, name, pw, role, regions=regions, segments=segments, by=ctx.user)
            except ValueError as exc:
                _error(exc)
            else:
                flash("success", t.md("users.added", name=u.name, role=role_name(u.role)))
                st.rerun()

# ---------------------------------------------------------------------------- change
with right.container(border=True):
    st.subheader(t("users.edit"))
    names = [u.name for u in accounts]
    picked = st.selectbox(t("users.pick"), names, index=None, key="users_pick", placeholder=t("users.pick"),
                          disabled=not names)
    u = next((x for x in accounts if x.name == picked), None)
    if u is not None:
        k = f"users_{u.name}"
        a, b = st.columns([3, 2], vertical_alignment="bottom")
        new_role = a.selectbox(t("users.h.role"), users.ROLES, index=users.ROLES.index(u.role), format_func=role_name,
                               key=f"{k}_role")
        if b.button(t("users.role.button"), key=f"{k}_role_save", width="stretch") and auth.permitted(users.ADMIN):
            try:
                users.set_role(con, u.name, new_role, by=ctx.user)
            except ValueError as exc:
                _error(exc)
            else:
                flash("success", t.md("users.role.done", name=u.name, role=role_name(new_role)))
                st.rerun()
        new_regions = st.multiselect(t("users.h.regions"), sorted({*options["regions"], *u.regions}), default=u.regions,
                                     key=f"{k}_regions", format_func=lambda v: t.value("region", v),
                                     placeholder=t("sidebar.all"), help=t("users.scope.help"))
        new_segments = st.multiselect(t("users.h.segments"), sorted({*options["segments"], *u.segments}),
                                      default=u.segments, key=f"{k}_segments", placeholder=t("sidebar.all"),
                                      format_func=lambda v: t.value("segment", v))
        if st.button(t("users.scope.button"), key=f"{k}_scope_save") and auth.permitted(users.ADMIN):
            try:
                users.set_allowance(con, u.name, regions=new_regions, segments=new_segments, by=ctx.user)
            except ValueError as exc:
                _error(exc)
            else:
                flash("success", t.md("users.scope.done", name=u.name))
                st.rerun()
        a, b = st.columns([3, 2], vertical_alignment="bottom")
        new_pw = a.text_input(t("auth.password"), type="password", key=f"{k}_pw", autocomplete="new-password",
                              help=t("users.password_help", n=users.MIN_PASSWORD))
        if b.button(t("users.reset.button"), key=f"{k}_pw_save", width="stretch") and auth.permitted(users.ADMIN):
            try:
                users.reset_password(con, u.name, new_pw, by=ctx.user)
            except ValueError as exc:
                _error(exc)
            else:
                st.session_state.pop(f"{k}_pw", None)
                flash("success", t.md("users.reset.done", name=u.name))
                st.rerun()
        sure = st.checkbox(t.md("users.remove.confirm", name=u.name), key=f"{k}_remove_sure")
        removing = st.button(t("users.remove.button"), key=f"{k}_remove", disabled=not sure, icon=":material/delete:")
        if removing and auth.permitted(users.ADMIN):
            try:
                users.remove_user(con, u.name, by=ctx.user)
            except ValueError as exc:
                _error(exc)
            else:
                st.session_state.pop("users_pick", None)
                flash("success", t.md("users.remove.done", name=u.name))
                st.rerun()

# ---------------------------------------------------------------------------- what happened
st.subheader(t("users.audit"))
with db.cursor(con) as cur:
    log = audit.history(cur, schema.USERS, limit=200)
if log.empty:
    st.caption(t("users.audit.none"))
else:
    st.dataframe(pd.DataFrame({
        t("data.h.when"): log["changed_at"], t("data.h.user"): log["user_name"], t("users.h.name"): log["record_key"],
        t("data.h.action"): [t(f"data.action.{a}") if t.has(f"data.action.{a}") else a for a in log["action"]],
        t("data.h.field"): [t(f"users.col.{c}") if isinstance(c, str) and t.has(f"users.col.{c}") else (c or "")
                            for c in log["column_name"]],
        t("data.h.old"): log["old_value"], t("data.h.new"): log["new_value"],
    }), hide_index=True, width="stretch", placeholder=fmt.DASH)  # a missing old or new value: "—", never "None"
