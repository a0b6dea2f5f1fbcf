"""Drill-through in place: a customer clicked in any table opens Customer 360 in this tab and session,
with a link back to the page (its filter and its own choices) it was opened from.

A link column (``st.column_config.LinkColumn``) always opens a new browser tab, which is a new
Streamlit session (10–12 s on the demo). Customer tables therefore show the id as text and select
the clicked cell or row (``on_select="rerun"``); the selection switches page with
:func:`st.switch_page`, whose query string keeps the customer, the language, the filter and
``back`` = the page of origin with its own parameters (``concentration?conc_dim=region``), so that a
copied link reopens the same customer with the same way back.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, urlencode

import pandas as pd
import streamlit as st

from analytics.filters import ATTRIBUTES, Filters
from charts.text import plain
from ui import context, pages, sidebar

CUSTOMER_PAGE = "customer"
CUSTOMER_SCRIPT = f"views/{CUSTOMER_PAGE}.py"
CUSTOMER_PARAM = "customer"
BACK_PARAM = "back"
_PAGE_KEY = "_drill_current_page"  # the url_path of the page this run shows (set by app.py)
_FRAME_PARAMS = frozenset({sidebar.LANG_KEY, *sidebar.FILTER_PARAMS})  # written by the frame on every run


def set_current_page(url_path: str) -> None:
    """Called by app.py before the page runs: the page a drill-through starts from."""
    st.session_state[_PAGE_KEY] = url_path


def current_page() -> str:
    return st.session_state.get(_PAGE_KEY, "")


def page_params(params: Mapping[str, str]) -> dict[str, str]:
    """The page's own parameters of a query string: everything but the language and the filter."""
    return {k: v for k, v in params.items() if k not in _FRAME_PARAMS}


def frame_params(params: Mapping[str, str]) -> dict[str, str]:
    """The language and the filter of a query string."""
    return {k: v for k, v in params.items() if k in _FRAME_PARAMS}


def back_value(page: str, params: Mapping[str, str]) -> str:
    """The ``back`` parameter for a drill from ``page`` whose own parameters are ``params``."""
    own = {k: v for k, v in page_params(params).items() if k != BACK_PARAM}
    return f"{page}?{urlencode(own)}" if own else page


def parse_back(value: str) -> tuple[pages.PageSpec, dict[str, str]]:
    """The page and its own parameters named by a ``back`` value; ValueError naming the value when it
    names no page of the app."""
    path, _, query = value.partition("?")
    specs = {s.url_path: s for s in pages.discover()}
    if path not in specs or path == CUSTOMER_PAGE:
        raise ValueError(f"unknown page {path!r}")
    return specs[path], page_params(dict(parse_qsl(query)))


def customer_params(customer_id: str, params: Mapping[str, str], origin: str) -> dict[str, str]:
    """The query string of Customer 360 opened on ``customer_id`` from page ``origin`` whose query
    string is ``params``: the customer, the language and filter, and the way back."""
    out = {CUSTOMER_PARAM: customer_id, **frame_params(params)}
    if origin and origin != CUSTOMER_PAGE:
        out[BACK_PARAM] = back_value(origin, params)
    elif params.get(BACK_PARAM):  # from one customer to another: the way back stays the first page's
        out[BACK_PARAM] = params[BACK_PARAM]
    return out


def open_customer(customer_id: str) -> None:
    """Open Customer 360 on ``customer_id`` in this tab (ends this run)."""
    st.switch_page(CUSTOMER_SCRIPT, query_params=customer_params(
        customer_id, {k: st.query_params.get(k) for k in st.query_params}, current_page()))


def selected_customer(selection: Mapping[str, object], df: pd.DataFrame, column: str = "customer_id") -> str | None:
    """The customer of a table's selection: the selected row's, or that of the clicked id or name cell."""
    rows = list(selection.get("rows") or [])
    # A click on the customer's id or name opens it; one on a figure only selects that cell.
    cells = [c for c in selection.get("cells") or [] if c[1] in (column, "name")]
    if not rows and cells:
        rows = [cells[0][0]]
    if not rows or not 0 <= int(rows[0]) < len(df):
        return None
    value = df[column].iloc[int(rows[0])]
    return None if pd.isna(value) else str(value)


def customer_table(df: pd.DataFrame, *, key: str, column: str = "customer_id", **kwargs: object) -> None:
    """``st.dataframe(df, **kwargs)`` whose rows open their customer's Customer 360 in this tab when a
    cell or the row is clicked. ``df[column]`` holds plain customer ids (not links); a link config
    given for it in ``column_config`` is replaced by a text column with the same label."""
    t = context.get().t
    config = dict(kwargs.pop("column_config", None) or {})
    given = config.get(column)
    label = given.get("label") if isinstance(given, Mapping) else given if isinstance(given, str) else None
    config[column] = st.column_config.TextColumn(label or t("common.customer_id"), help=t("drill.hint"))
    event = st.dataframe(df, key=key, on_select="rerun", selection_mode=["single-row", "single-cell"],
                         column_config=config, **kwargs)
    st.caption(t("drill.hint"))
    chosen = selected_customer(event.selection, df, column) if event is not None else None
    if chosen:
        open_customer(chosen)


def customer_link(customer_id: str, label: str) -> None:
    """A link that opens Customer 360 on ``customer_id`` in this tab, with the way back to this page."""
    st.page_link(CUSTOMER_SCRIPT, label=label, icon=":material/person_search:", query_params=customer_params(
        customer_id, {k: st.query_params.get(k) for k in st.query_params}, current_page()))


def back_link() -> None:
    """On a page opened by drill-through (``back`` in the link): a link back to the page of origin with
    the session's language and filter and that page's own choices. A ``back`` naming no page is said
    in the link notices (:mod:`ui.links`)."""
    raw = st.query_params.get(BACK_PARAM)
    if not raw:
        return
    t = context.get().t
    try:
        spec, own = parse_back(raw)
    except ValueError:
        from ui import links  # the notices module draws at the top of the page

        links.notice(t("links.bad_back", value=raw))
        return
    params = {**frame_params({k: st.query_params.get(k) for k in st.query_params}), **own}
    st.page_link(spec.script, label=t("drill.back", page=t(spec.title)), icon=":material/arrow_back:",
                 query_params=params)


# ------------------------------------------------------------------------- charts that filter the view
_CHIP = "_drill_chip"  # session: the filter a chart click set, and what it replaced (for "clear")


def _field(column: str) -> str:
    """The Filters field of a customer attribute column ("segment" -> "segments")."""
    return dict((col, name) for name, col in ATTRIBUTES)[column]


def picked_value(points: list[Mapping[str, object]], labels: Mapping[str, str]) -> str | None:
    """The stored value of the first selected point whose category (y for horizontal bars, x else)
    is one of ``labels`` (label drawn -> stored value)."""
    for p in points:
        for axis in ("y", "x"):
            label = p.get(axis)
            if isinstance(label, str):
                label = _TAGS.sub("", label)  # a label drawn bold or red (<b><span …>SMB</span></b>) names SMB too
                if label in labels:
                    return labels[label]
    return None


_TAGS = re.compile(r"<[^>]*>")


def chart_filter(key: str, column: str, values: Iterable[object], hint: bool = True) -> dict[str, object]:
    """``st.plotly_chart`` options (``components.chart(fig, key, **chart_filter(...))``) by which a click
    on a bar of customer attribute ``column`` (one of its stored ``values``, drawn as ``t.value``) filters every page by it:
    the sidebar's filter takes that value, and a chip above the page says so and clears it. ``hint``
    draws a caption saying so (above the chart: this runs before it)."""
    t = context.get().t
    labels = {plain(t.value(column, v)): str(v) for v in values}
    if hint:
        st.caption(t("drill.chart_hint", dimension=t.dimension(column).lower() if t.lang == "en" else t.dimension(column)))

    def picked() -> None:
        event = st.session_state.get(key) or {}
        value = picked_value(list((event.get("selection") or {}).get("points") or []), labels)
        if value is None:
            return
        current, field = _current_filter(), _field(column)
        st.session_state[_CHIP] = {"column": column, "value": value, "before": list(getattr(current, field))}
        sidebar.show_filters(dataclasses.replace(current, **{field: (value,)}))

    return {"on_select": picked, "selection_mode": "points"}


def _current_filter() -> Filters:
    """The sidebar's filter, as the frame wrote it into the link this run (before any restriction)."""
    return Filters.from_params(frame_params({k: st.query_params.get(k) for k in st.query_params}))


def _clear_chip() -> None:
    chip = st.session_state.pop(_CHIP, None)
    if chip:
        sidebar.show_filters(dataclasses.replace(_current_filter(), **{_field(chip["column"]): tuple(chip["before"])}))


# The chip is a pill at the top of the sidebar, above the pages' list, out of the page's flow: drawn as a row of its own
# above the title it pushed every page's key chart ~55 px down, below a 1366x768 laptop's first screen, and beside the
# title it covered long ones (issue 19). It stays in view while the page scrolls, next to the pages it applies to.
# With the sidebar closed it goes back into the flow above the title.
_CHIP_CSS = """
.st-key-drill_chip { position: fixed; top: 0.5rem; left: 0.75rem; z-index: 1000100; width: auto; max-width: 14rem;
  padding: 0.2rem 0.15rem 0.2rem 0.65rem; border-radius: 0.9rem; background: #e8eef8; border: 1px solid #b9c9e4; }
.st-key-drill_chip > div { width: auto !important; flex: 0 1 auto !important; min-width: 0; }
.st-key-drill_chip [data-testid="stMarkdownContainer"] p { font-size: 0.8rem; line-height: 1.25; max-width: 8.6rem; }
.st-key-drill_chip button { min-height: 1.6rem; padding: 0 0.25rem; white-space: nowrap; }
.stApp:has([data-testid="stSidebar"][aria-expanded="false"]) .st-key-drill_chip,
.stApp:has([data-testid="stSidebar"][data-collapsed="true"]) .st-key-drill_chip { position: static; max-width: none; }
"""


def filter_chip() -> None:
    """At the top of the sidebar: "Filtered by Segment: SMB  ✕ Clear", while the filter a chart click set holds (a
    filter changed in the sidebar since ends it)."""
    chip = st.session_state.get(_CHIP)
    if not chip:
        return
    f = context.get().filters
    if tuple(getattr(f, _field(chip["column"]))) != (chip["value"],):
        st.session_state.pop(_CHIP, None)
        return
    t = context.get().t
    st.html(f"<style>{_CHIP_CSS}</style>")
    with st.container(key="drill_chip", width="content", horizontal=True, vertical_alignment="center", gap="xsmall",
                      wrap=False):
        st.markdown(":material/filter_alt: " + t.md("drill.chip", dimension=t.dimension(chip["column"]),
                                                    value=t.value(chip["column"], chip["value"])), width="content")
        st.button(t("drill.chip_clear"), key="drill_chip_clear", on_click=_clear_chip, icon=":material/close:",
                  type="tertiary")


# ---------------------------------------------------------------- charts that filter their own page
# A click on a chart picks a value (a quadrant, a week) that narrows the page's other charts and tables. The
# link is the pick's only home (``?quadrant=win_win``): a shared link, a saved view and the way back from
# Customer 360 keep it, and an invalid one is named in the link notices (ui.links).


def point_values(points: Sequence[Mapping[str, object]], field: str = "customdata") -> list[object]:
    """``field`` of each selected point (a list customdata gives its first item)."""
    out = []
    for p in points:
        v = p.get(field)
        out.append(v[0] if isinstance(v, (list, tuple)) and v else v)
    return out


def chart_pick(chart_key: str, param: str, value_of: Callable[[list[Mapping[str, object]]], str | None]) -> dict[str, object]:
    """``st.plotly_chart`` options (``components.chart(fig, key, **chart_pick(...))``) by which a click on the
    chart picks a value for its page: ``value_of`` turns the selected points into the value written to the link's
    ``param`` (None: the click was on nothing that picks). :func:`picked` reads it and :func:`pick_chip` clears it."""

    def picked_now() -> None:
        event = st.session_state.get(chart_key) or {}
        value = value_of(list((event.get("selection") or {}).get("points") or []))
        if value is not None:
            st.query_params[param] = value

    return {"on_select": picked_now, "selection_mode": "points"}


def pick_key(chart_key: str, param: str) -> str:
    """The key to draw a picking chart under: a new one per pick, so that after a pick or its Clear the chart
    starts without the old selection (a click on the same bar again then picks again)."""
    value = st.query_params.get(param)
    return f"{chart_key}__{re.sub(r'[^0-9A-Za-z_-]', '_', value)}" if value else chart_key


def picked(param: str, valid: Callable[[str], object], label: str, default: str | None = None) -> object:
    """The page's pick (the link's ``param``) made valid by ``valid`` (its value, or ValueError); None when there
    is none. An invalid one is named in a notice (the choice ``label``; ``default``: what is shown instead) and
    dropped from the link."""
    raw = st.query_params.get(param)
    if not raw:
        return None
    try:
        return valid(raw)
    except ValueError:
        from ui import links  # the notices module draws at the top of the page

        t = context.get().t
        links.notice(t.md("links.bad_choice", label=label, value=raw) + (
            ("" if t.lang == "zh" else " ") + t.md("links.bad_choice_default", default=default) if default else ""))
        del st.query_params[param]
        return None


def _clear_pick(param: str) -> None:
    if param in st.query_params:
        del st.query_params[param]


def pick_chip(param: str, dimension: str, value: str, key: str) -> None:
    """Where a pick applies: "Filtered by Quadrant: Win-win (from a chart click), on this page — Clear"
    (``dimension`` and ``value`` as shown; plain text)."""
    t = context.get().t
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.info(t.md("drill.pick_chip", dimension=dimension, value=value), icon=":material/filter_alt:")
    right.button(t("drill.chip_clear"), key=key, on_click=_clear_pick, args=(param,), icon=":material/close:",
                 width="stretch")
