"""The audit log's user filter and its export (admins), for the Data page's log.

The export is the whole log (of the chosen user, when one is chosen), read when the button is
pressed, written by :mod:`analytics.tabular` (formula triggers neutralised).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import tabular
from analytics.store import audit, db
from i18n import Translator
from ui import auth, cache

USER_KEY = "audit_user"


def user_filter(t: Translator) -> str | None:
    """A choice of one user's changes (None: everyone's). A user limited to regions or segments sees only their
    own changes: the others' rows hold the old and new values of customers outside what they may see."""
    ident = auth.current()
    if ident.allowance.restricted:
        st.caption(t("audit.own_only"))
        return ident.name
    names = cache.run(audit.user_names)
    chosen = st.selectbox(t("audit.user"), names, index=None, key=USER_KEY, placeholder=t("sidebar.all"))
    return chosen or None


def history(user: str | None, limit: int | None = 500) -> pd.DataFrame:
    """The latest audit rows, of ``user`` when given (newest first)."""
    return cache.run(audit.history, None, limit, user)


def export(t: Translator, user: str | None) -> None:
    """Admins only: the audit log as CSV (one user's part when one is chosen)."""
    if not auth.current().can(auth.ADMIN):
        return

    def whole_log() -> bytes:
        with db.cursor(cache.connection()) as cur:
            return tabular.csv_bytes(audit.history(cur, None, None, user))

    st.download_button(t("audit.export"), whole_log, file_name="audit_log.csv",
                       mime="text/csv", key="audit_export", icon=":material/download:", on_click="ignore")
