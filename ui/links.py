"""Links that reopen the same view: a page's own choices mirrored in the URL, and a link's invalid
values named in a notice at the top of the page instead of being dropped silently.

A page's choice widget (radio, select box, segmented control, pills, toggle, select slider) is drawn
through :func:`choice`: the widget starts from the link's value when the link names a valid one (the
page's default otherwise, with a notice naming the invalid value), and every run writes its value back
to the query string (left out when it is the default), so a copied link reopens the same choices. The
starting value is given through the widget's ``index``/``default``/``value`` argument, never by writing
its session-state key, as the sidebar does for the filter.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

_NOTICES = "_link_notices"  # session: [(page or None, markdown text)]
_RUN = threading.local()  # this run's notice container (each session's script runs in a thread of its own)
# The choice widgets' keys per page (url_path): a saved view opened on its page forgets them, so that
# the widgets start again from the view's link.
REGISTRY: dict[str, set[str]] = {}
RANGE_SEP = "~"  # a (start, end) choice in a link: 2025-01-01~2025-06-01
_INDEXED = {"radio", "selectbox"}
_DEFAULTED = {"segmented_control", "pills"}
_BOOLEAN = {"toggle", "checkbox"}


# ----------------------------------------------------------------------------------------- notices
def notice(text: str) -> None:
    """Say ``text`` (Markdown: escape values from the link) at the top of the page, from now until the
    user dismisses it or opens another page."""
    items = st.session_state.setdefault(_NOTICES, [])
    if any(item[1] == text for item in items):
        return
    items.append((getattr(_RUN, "page", None), text))
    slot = getattr(_RUN, "slot", None)
    if slot is not None:  # found while the page runs: joins the others above the page, with the button
        slot.warning(text, icon=":material/link_off:")
        _dismiss_button()


def new_run() -> None:
    """Called first by app.py on every run: no notice container yet (a script thread serves several runs)."""
    _RUN.page = _RUN.slot = _RUN.button = None


def begin(page: str, dismiss_label: str) -> None:
    """Called by app.py before the page runs: the notices of this page (those found before the page was
    known belong to it), drawn in a container that later ones of this run join."""
    items = [(p or page, text) for p, text in st.session_state.get(_NOTICES, []) if p in (None, page)]
    st.session_state[_NOTICES] = items
    box = st.container()
    _RUN.page, _RUN.slot, _RUN.button, _RUN.label = page, box.container(), box.empty(), dismiss_label
    for _, text in items:
        _RUN.slot.warning(text, icon=":material/link_off:")
    if items:
        _dismiss_button()


def _dismiss_button() -> None:
    """One button under the notices (drawn once per run, in the place kept for it)."""
    if getattr(_RUN, "button", None) is not None:
        _RUN.button.button(_RUN.label, key="links_dismiss", on_click=_dismiss, icon=":material/close:")
        _RUN.button = None


def _dismiss() -> None:
    st.session_state[_NOTICES] = []


def notices() -> list[str]:
    """The notices kept for the session (tests)."""
    return [text for _, text in st.session_state.get(_NOTICES, [])]


# ----------------------------------------------------------------------------------- page choices
def encode(value: object) -> str:
    """A choice's value as written in the link."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (tuple, list)):
        return RANGE_SEP.join(encode(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def decode(raw: str, options: Sequence[Any] | None, boolean: bool = False, pair: bool = False) -> Any:
    """The option a link's ``raw`` names (matched by its written form), or ValueError."""
    if boolean:
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise ValueError(raw)
    written = {encode(o): o for o in options or ()}
    if pair:
        parts = raw.split(RANGE_SEP)
        if len(parts) != 2 or any(p not in written for p in parts):
            raise ValueError(raw)
        return written[parts[0]], written[parts[1]]
    if raw not in written:
        raise ValueError(raw)
    return written[raw]


def current(key: str, options: Sequence[Any], default: Any) -> Any:
    """The value of the one-option choice widget ``key`` (radio, selectbox), read before it is drawn in this run:
    ``default`` when it holds none, or holds something that is not one of ``options`` — after a language switch
    Streamlit can keep the option's label from the other language there. Such a value is dropped, so the widget
    starts again from its default."""
    value = st.session_state.get(key, default)
    if value not in options:
        st.session_state.pop(key, None)
        return default
    return value


def choice(widget: Callable[..., Any], label: str, options: Sequence[Any] | None = None, *, key: str,
           param: str | None = None, url_default: Any = None, **kwargs: Any) -> Any:
    """Draw ``widget(label, options, key=key, **kwargs)`` with its value mirrored in the link's
    ``param`` (default: ``key``); returns the widget's value.

    ``widget`` is one of ``st.radio``, ``st.selectbox`` (starting value by ``index``),
    ``st.segmented_control``, ``st.pills`` (``default``), ``st.toggle``, ``st.checkbox`` (``value``,
    no options) or ``st.select_slider`` (``value``, one option or a pair). ``url_default`` is the value
    left out of the link when the widget's own starting value is not fixed (a session's setting).
    """
    kind = getattr(widget, "__name__", "")
    param = param or key
    page = getattr(_RUN, "page", None)
    if page:
        REGISTRY.setdefault(page, set()).add(key)
    opts = list(options) if options is not None else None
    if kind in _INDEXED:
        index = kwargs.get("index", 0)
        default = opts[index] if opts and index is not None and index < len(opts) else None
    elif kind in _BOOLEAN:
        default = bool(kwargs.get("value", False))
    elif kind == "select_slider":
        default = kwargs.get("value", opts[0] if opts else None)
    else:
        default = kwargs.get("default")
    if kind in _INDEXED and opts is not None and key in st.session_state:
        current(key, opts, default)  # a label left from the other language is not kept as the value
    raw = st.query_params.get(param)
    if raw is not None and key not in st.session_state:  # a new widget: start from the link
        try:
            linked = decode(raw, opts, boolean=kind in _BOOLEAN, pair=isinstance(default, (tuple, list)))
        except ValueError:
            from ui import context

            t = context.get().t
            notice(t.md("links.bad_choice", label=label, value=raw)
                   + (("" if t.lang == "zh" else " ") + t.md("links.bad_choice_default", default=_shown(default, kwargs)) if default is not None
                      else ""))
        else:
            if kind in _INDEXED:
                kwargs["index"] = opts.index(linked)
            elif kind in _BOOLEAN or kind == "select_slider":
                kwargs["value"] = linked
            else:
                kwargs["default"] = linked
    value = widget(label, key=key, **kwargs) if opts is None else widget(label, opts, key=key, **kwargs)
    if value is None or _same(value, default if url_default is None else url_default):
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != encode(value):
        st.query_params[param] = encode(value)
    return value


def _same(a: object, b: object) -> bool:
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return tuple(a) == tuple(b)
    return a == b


def _shown(value: object, kwargs: dict[str, Any]) -> str:
    """A default as the widget shows it (through its ``format_func``); plain text (``t.md`` escapes it)."""
    fmt = kwargs.get("format_func")
    if isinstance(value, (tuple, list)):
        return " – ".join(_shown(v, kwargs) for v in value)
    return str(fmt(value) if fmt and not isinstance(value, bool) else value)


def forget(page: str) -> None:
    """Drop the choice widgets of ``page`` (a callback), so that they start again from the link."""
    for key in REGISTRY.get(page, ()):
        st.session_state.pop(key, None)
