"""The Data page's "Load from a database" panel (:mod:`analytics.ingest.database`).

Pick a saved connection (its URL without password and where the password comes from) or type a
URL and, optionally, a one-off password; write a query; preview its first rows; pull them. The
pulled rows (a Parquet file of text columns) then go through the page's own reading, mapping,
check and load, exactly as an uploaded file. The password field is a password input that is
never filled back or shown in any message; a saved connection never holds a password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from analytics.ingest import IngestError
from analytics.ingest import database as dbs
from analytics.store import db
from i18n import Translator
from i18n.markdown import escape
from ui import cache, uploads

NEW = "__new__"
SOURCES = ("file", "database")
OnRows = Callable[[str, bytes, str, Path], None]
"""``on_rows(label, data, sha256, path)``: the page's flow for a file at ``path`` named ``label``."""


def chosen(t: Translator) -> bool:
    """The page's choice between a file and a database; True for a database."""
    pick = st.radio(t("data.db.source"), SOURCES, key="data_source", horizontal=True,
                    format_func=lambda s: t(f"data.db.source.{s}"))
    return pick == "database"


def _error(t: Translator, exc: Exception) -> None:
    code = getattr(exc, "code", None)
    params = {k: escape(v) if isinstance(v, str) else v for k, v in getattr(exc, "params", {}).items()}
    if code and t.has(f"data.err.{code}"):
        try:
            st.error(t(f"data.err.{code}", **params))
            return
        except (KeyError, IndexError):
            pass
    st.error(t("common.error", error=escape(str(exc))))


def password_label(t: Translator, ps: dbs.PasswordSource) -> str:
    """Where a connection's password comes from, in words (never the password)."""
    return t(f"data.db.pw.{ps.kind}", ref=ps.ref or "")


def _connections() -> list[dbs.Connection]:
    # Not cached: saving a connection does not change the data version.
    with db.cursor(cache.connection()) as cur:
        return dbs.connections(cur)


def _save_form(t: Translator, url: str, user: str | None) -> None:
    with st.expander(t("data.db.save")):
        c1, c2, c3 = st.columns([2, 2, 3])
        name = c1.text_input(t("data.db.save.name"), key="data_db_save_name")
        kind = c2.selectbox(t("data.db.save.pw"), dbs.PASSWORD_SOURCES, key="data_db_save_kind",
                            format_func=lambda k: t(f"data.db.pw.kind.{k}"))
        ref = c3.text_input(t(f"data.db.save.ref.{kind}"), key="data_db_save_ref", disabled=kind == "pgpass")
        st.caption(t("data.db.save.note"))
        if st.button(t("data.db.save.button"), key="data_db_save_btn"):
            try:
                ps = dbs.PasswordSource(kind, ref.strip() or None if kind != "pgpass" else None)
                c = dbs.save_connection(cache.connection(), name, url, ps, user=user)
            except (IngestError, ValueError) as exc:
                _error(t, exc)
                return
            st.session_state["data_db_saved"] = c.name  # chosen on the next run, before the selectbox exists
            st.rerun()


def _source(t: Translator, user: str | None) -> tuple[dbs.Source | None, str]:
    """The chosen connection and query as a source (None until both are given), and the connection's key."""
    conns = {c.name: c for c in _connections()}
    names = [NEW, *conns]
    saved_now = st.session_state.pop("data_db_saved", None)
    if saved_now in names:
        st.session_state["data_db_conn"] = saved_now
    elif st.session_state.get("data_db_conn") not in names:
        st.session_state["data_db_conn"] = names[1] if len(names) > 1 else NEW
    choice = st.selectbox(t("data.db.connection"), names, key="data_db_conn",
                          format_func=lambda n: t("data.db.connection.new") if n == NEW else n)
    if saved_now:
        st.success(t.md("data.db.saved", name=saved_now))
    password = None
    if choice == NEW:
        c1, c2 = st.columns([3, 2])
        url = c1.text_input(t("data.db.url"), key="data_db_url", placeholder="postgresql://user@host:5432/database",
                            help=t("data.db.url.help")).strip()
        # type="password": the browser shows dots and the value is never rendered anywhere else
        password = c2.text_input(t("data.db.password"), type="password", key="data_db_password",
                                 help=t("data.db.password.help")) or None
        if url:
            try:
                clean, in_url = dbs.split_password(url)
            except IngestError as exc:
                _error(t, exc)
                return None, ""
            if in_url is not None:
                st.error(t.md("data.db.password_in_url", url=dbs.mask(url)))
                return None, ""
            _save_form(t, clean, user)
        conn_key = url
    else:
        c = conns[choice]
        st.caption(t.md("data.db.saved_info", url=c.masked_url, password=password_label(t, c.password_source)))
        url = c.url
        conn_key = f"{choice}|{c.url}|{c.password_source}"
    query = st.text_area(t("data.db.query"), key="data_db_query", height=110,
                         placeholder="select customer_id, order_date, amount from sales.orders",
                         help=t("data.db.query.help"))
    if not url or not query.strip():
        st.info(t("data.db.need"))
        return None, conn_key
    try:
        if choice == NEW:
            return dbs.Source.of(url, query, password=password), conn_key
        return conns[choice].source(query), conn_key
    except IngestError as exc:
        _error(t, exc)
        return None, conn_key


def panel(t: Translator, on_rows: OnRows, *, user: str | None = None) -> None:
    """Connection, query, preview and pull; the pulled rows go to ``on_rows`` (the page's file flow)."""
    st.caption(t("data.db.help"))
    source, conn_key = _source(t, user)
    if source is None:
        return
    sig = hashlib.sha256(f"{conn_key}\n{source.query}".encode()).hexdigest()[:16]
    c1, c2, _ = st.columns([1, 1, 3])
    if c1.button(t("data.db.preview"), key="data_db_preview_btn", width="stretch"):
        try:
            st.session_state["data_db_preview"] = (sig, dbs.preview(source))
        except IngestError as exc:
            st.session_state.pop("data_db_preview", None)
            _error(t, exc)
    if c2.button(t("data.db.pull"), key="data_db_pull_btn", type="primary", width="stretch"):
        _pull(t, source, sig)
    held = st.session_state.get("data_db_preview")
    pulled = st.session_state.get("data_db_pulled")
    if held and held[0] == sig and not (pulled and pulled["sig"] == sig):
        st.markdown(f"**{t('data.db.preview_title')}**")
        st.dataframe(held[1], hide_index=True, width="stretch")
    if not pulled or pulled["sig"] != sig:
        return
    st.success(t("data.db.pulled", n=t.num(pulled["rows"]), when=pulled["at"]))
    # on disk only in a private folder, only during this run, as an upload is
    with uploads.private_file(pulled["data"], "query.parquet") as path:
        on_rows(pulled["label"], pulled["data"], pulled["sha"], path)


def _pull(t: Translator, source: dbs.Source, sig: str) -> None:
    limit = int(st.get_option("server.maxUploadSize")) << 20
    folder = Path(tempfile.mkdtemp(prefix="cvm_db_"))
    st.session_state.pop("data_db_pulled", None)
    try:
        with st.spinner(t("data.db.pulling")):
            got = dbs.fetch(source, folder / "query.parquet")
        if got.rows == 0:
            st.info(t("data.db.no_rows"))
            return
        size = got.path.stat().st_size
        if size > limit:
            st.error(t("data.db.too_big", mb=f"{size / 2**20:,.0f}", limit=f"{limit / 2**20:,.0f}"))
            return
        data = got.path.read_bytes()
    except IngestError as exc:
        _error(t, exc)
        return
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    st.session_state["data_db_pulled"] = {
        "sig": sig, "label": source.label, "data": data, "sha": hashlib.sha256(data).hexdigest(), "rows": got.rows,
        "at": dt.datetime.now().strftime("%H:%M:%S")}
    st.session_state.pop("data_report", None)

