"""What every page needs from the frame: the language, the translator, the global filter and the user.

app.py builds a :class:`PageContext` on every run, before the page script runs, and stores it
under one session-state key; pages read it with :func:`get` and never write it.
"""

from __future__ import annotations

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
    data_as_of: str | None
    user: str = "unknown"
    # The signed-in user's role and the customers they may see (ui.auth); ``filters`` already obeys it.
    role: str = "admin"
    allowance: Allowance = field(default_factory=Allowance)


def publish(ctx: PageContext) -> None:
    """Called by app.py only."""
    st.session_state[_KEY] = ctx


def get() -> PageContext:
    """The context app.py published for this run."""
    ctx = st.session_state.get(_KEY)
    if ctx is None:
        raise RuntimeError("page scripts run inside app.py (streamlit run app.py), which sets the page context")
    return ctx
