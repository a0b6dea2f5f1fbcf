"""What every page needs from the frame: the language, the translator, the global filter and the user.

app.py builds a :class:`PageContext` on every run, before the page script runs, and stores it
under one session-state key; pages read it with :func:`get` and never write it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import streamlit as st

from analytics.filters import Allowance, Filters
from i18n import Translator

_KEY = "_page_context"


@dataclass(frozen=True)
class PageContext:
    lang: str
    t: Translator
    filters: Filters
    # The date the data are complete through (analytics.filters.data_as_of), None without transactions.
    data_as_of: dt.date | None
    user: str = "unknown"
    # The signed-in user's role and the customers they may see (ui.auth); ``filters`` already obeys it.
    role: str = "admin"
    allowance: Allowance = field(default_factory=Allowance)
    # The first day of the period's month that the data cover only in part (chosen by the user; the
    # default period leaves it out), marked on every page and monthly chart; None when all are complete.
    partial_month: dt.date | None = None


def publish(ctx: PageContext) -> None:
    """Called by app.py only."""
    st.session_state[_KEY] = ctx


def current() -> PageContext | None:
    """The context of this run, or None outside the app (a component drawn by a test on its own)."""
    return st.session_state.get(_KEY)


def get() -> PageContext:
    """The context app.py published for this run."""
    ctx = st.session_state.get(_KEY)
    if ctx is None:
        raise RuntimeError("page scripts run inside app.py (streamlit run app.py), which sets the page context")
    return ctx
