"""What every page needs from the frame: the language, the translator and the global filter.

app.py builds a :class:`PageContext` on every run, before the page script runs, and stores it
under one session-state key; pages read it with :func:`get` and never write it.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from analytics.filters import Filters
from i18n import Translator

_KEY = "_page_context"


@dataclass(frozen=True)
class PageContext:
    lang: str
    t: Translator
    filters: Filters
    data_as_of: str | None
    user: str = "unknown"


def publish(ctx: PageContext) -> None:
    """Called by app.py only."""
    st.session_state[_KEY] = ctx


def get() -> PageContext:
    """The context app.py published for this run."""
    ctx = st.session_state.get(_KEY)
    if ctx is None:
        raise RuntimeError("page scripts run inside app.py (streamlit run app.py), which sets the page context")
    return ctx
