"""Saved views: a name for one analysis page's filter and its own choices (the query string that
reopens it), stored in ``saved_views`` (:mod:`analytics.store.saved`) as kind ``view``.

The payload is the page and its parameters: ``{"page": "concentration", "params": {"region": "East",
"compare_by": "region"}}`` (the language is the reader's, never saved). Opening a view on its page
sets the sidebar's filter and the page's choices from it; the sidebar lists the views of the page shown.

A view that follows the latest data keeps no period (no ``from``/``to``): it opens on the default period of
the data at that time (:func:`analytics.filters.latest_period`, the last complete months), so after a new
month is loaded it shows the new last months. A view with a period keeps that period. Saving offers the
choice, on by default while the page shows the default period.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import streamlit as st

from analytics import filters as flt
from analytics.filters import Filters
from analytics.store import db
from analytics.store import saved as store
from i18n import Translator
from ui import auth, cache, context, drill, links, pages, sidebar

KIND = "view"
MAX_NAME = 80
NAME_KEY = "views_name"
PICK_KEY = "views_pick"
FOLLOW_KEY = "views_follow"  # + the period shown: the checkbox's default follows the period
PERIOD_PARAMS = ("from", "to")  # left out of a view that follows the latest data
_FLASH = "_views_flash"  # (kind, message) drawn on the next run


@dataclass(frozen=True)
class SavedPageView:
    name: str
    page: str
    params: dict[str, str]
    saved_at: dt.datetime | None = None

    def payload(self) -> str:
        return json.dumps({"page": self.page, "params": self.params}, ensure_ascii=False, sort_keys=True)

    @property
    def follows_latest(self) -> bool:
        """Whether the view opens on the data's default period when opened (it keeps no period of its own)."""
        return not any(k in self.params for k in PERIOD_PARAMS)


def analysis_pages() -> set[str]:
    """The pages a view can be saved of: the analysis section's, but Customer 360 (one customer)."""
    return {s.url_path for s in pages.discover() if s.section == "nav.section.views" and s.url_path != drill.CUSTOMER_PAGE}


def check_name(name: str) -> str:
    """The name stripped; ValueError when empty, too long or with control characters."""
    clean = (name or "").strip()
    if not clean:
        raise ValueError("a saved view needs a name")
    if len(clean) > MAX_NAME:
        raise ValueError(f"a saved view's name has at most {MAX_NAME} characters")
    if any(ord(ch) < 32 for ch in clean):
        raise ValueError("a saved view's name cannot contain control characters")
    return clean


def view_params(params: Mapping[str, str]) -> dict[str, str]:
    """What a view keeps of a query string: the filter and the page's own choices, not the language,
    a drill-through's customer or way back."""
    return {k: str(v) for k, v in params.items()
            if k not in (sidebar.LANG_KEY, drill.BACK_PARAM, drill.CUSTOMER_PARAM) and v not in (None, "")}


def parse(name: str, payload: str, saved_at: dt.datetime | None = None) -> SavedPageView:
    """A stored payload as a view; ValueError naming the view when it is not one."""
    try:
        data = json.loads(payload)
        page, params = data["page"], data["params"]
        if not isinstance(page, str) or not isinstance(params, dict):
            raise TypeError
        Filters.from_params(params)  # a malformed filter is refused here, not when opened
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"saved view {name!r} is not a valid view: {exc}") from None
    return SavedPageView(name, page, {str(k): str(v) for k, v in params.items()}, saved_at)


def save(con: duckdb.DuckDBPyConnection, name: str, page: str, params: Mapping[str, str],
         user: str | None = None, *, follow_latest: bool = False) -> SavedPageView:
    """Save (or replace) view ``name`` of ``page``; ValueError for a bad name, an unknown page, or a name
    used by a saved story or plan. ``follow_latest`` leaves the period out: the view opens on the latest
    data's default period (see the module's docstring); otherwise it keeps the period in ``params``."""
    if page not in analysis_pages():
        raise ValueError(f"unknown page {page!r}")
    kept = {k: v for k, v in view_params(params).items() if not (follow_latest and k in PERIOD_PARAMS)}
    view = SavedPageView(check_name(name), page, kept, dt.datetime.now().replace(microsecond=0))
    with db.write(con, data=False) as cur:
        store.put(cur, view.name, KIND, view.payload(), view.saved_at, user=user)
    return view


def listed(cur: duckdb.DuckDBPyConnection, page: str | None = None) -> list[SavedPageView]:
    """The saved views (of ``page``), most recently saved first; an unreadable one is left out."""
    out = []
    for row in store.listed(cur, KIND):
        try:
            view = parse(row.name, row.payload, row.saved_at)
        except ValueError:
            continue
        if page is None or view.page == page:
            out.append(view)
    return out


def delete(con: duckdb.DuckDBPyConnection, name: str, user: str | None = None) -> None:
    """Delete view ``name`` (ValueError when there is none)."""
    with db.write(con, data=False) as cur:
        if not store.remove(cur, name, KIND, user=user):
            raise ValueError(f"no saved view named {name!r}")


# ------------------------------------------------------------------------------------------- sidebar
def _open(view: SavedPageView) -> None:
    """Button callback: the view's filter in the sidebar, its choices in the link and the page's widgets."""
    sidebar.show_filters(Filters.from_params(view.params))
    links.forget(view.page)
    lang = st.query_params.get(sidebar.LANG_KEY)
    st.query_params.clear()
    st.query_params.from_dict({**({sidebar.LANG_KEY: lang} if lang else {}), **view.params})
    st.session_state[_FLASH] = ("success", context.get().t.md("views.opened", name=view.name))


def _save(page: str, follow_key: str) -> None:
    ctx = context.get()
    if not auth.permitted(auth.ANALYST, in_callback=True):
        return
    try:
        view = save(cache.connection(), st.session_state.get(NAME_KEY, ""), page,
                    {k: st.query_params.get(k) for k in st.query_params}, user=ctx.user,
                    follow_latest=bool(st.session_state.get(follow_key)))
    except ValueError as exc:
        st.session_state[_FLASH] = ("error", ctx.t.md("views.refused", error=str(exc)))
        return
    st.session_state[PICK_KEY] = view.name
    st.session_state[_FLASH] = ("success", ctx.t.md("views.saved", name=view.name))


def _delete(name: str) -> None:
    ctx = context.get()
    if not auth.permitted(auth.ANALYST, in_callback=True):
        return
    try:
        delete(cache.connection(), name, user=ctx.user)
    except ValueError as exc:
        st.session_state[_FLASH] = ("error", ctx.t.md("views.refused", error=str(exc)))
        return
    st.session_state.pop(PICK_KEY, None)
    st.session_state[_FLASH] = ("success", ctx.t.md("views.deleted", name=name))


def on_default_period(f: Filters, latest: tuple[dt.date | None, dt.date | None]) -> bool:
    """Whether ``f`` shows the default period ``latest`` (:func:`analytics.filters.latest_period`)."""
    first, last = latest
    return first is not None and last is not None and (f.date_from, f.date_to) == (first, flt.month_end(last))


def period_text(view: SavedPageView, t: Translator) -> str:
    """The view's period as listed: "follows the latest data", or its fixed period."""
    if view.follows_latest:
        return t("views.follows")
    f = Filters.from_params(view.params)
    return t.period(f.date_from, f.date_to)


def sidebar_panel(page: str) -> None:
    """The sidebar's saved views of ``page``: open or delete one, save the view shown under a name."""
    ctx = context.get()
    t, f = ctx.t, ctx.filters
    with db.cursor(cache.connection()) as cur:
        views = {v.name: v for v in listed(cur, page)}
    # A fixed label: an expander whose label changes is a new one, drawn closed.
    with st.sidebar.expander(t("views.title"), icon=":material/bookmarks:"):
        flash = st.session_state.pop(_FLASH, None)
        if flash:
            getattr(st, flash[0])(flash[1])
        if views:
            if st.session_state.get(PICK_KEY) not in views:
                st.session_state.pop(PICK_KEY, None)
            name = st.selectbox(t("views.pick"), list(views), key=PICK_KEY,
                                format_func=lambda n: f"{n} · {period_text(views[n], t)}")
            st.caption(t("views.period.follows") if views[name].follows_latest
                       else t("views.period.fixed", period=period_text(views[name], t)))
            c1, c2 = st.columns(2)
            c1.button(t("views.open"), key="views_open", on_click=_open, args=(views[name],), width="stretch",
                      icon=":material/open_in_browser:")
            c2.button(t("views.delete"), key="views_delete", on_click=_delete, args=(name,), width="stretch",
                      icon=":material/delete:")
            st.caption(t("views.count", n=len(views)))
        else:
            st.caption(t("views.none"))
        st.text_input(t("views.name"), key=NAME_KEY, max_chars=MAX_NAME, placeholder=t("views.name_placeholder"))
        # Keyed by the period shown, so that its default follows it: on while the page shows the default period.
        follow_key = f"{FOLLOW_KEY}_{f.date_from}_{f.date_to}"
        st.checkbox(t("views.follow"), value=on_default_period(f, cache.run(flt.latest_period)), key=follow_key,
                    help=t("views.follow.help", period=t.period(f.date_from, f.date_to)))
        st.button(t("views.save"), key="views_save", on_click=_save, args=(page, follow_key), width="stretch",
                  icon=":material/bookmark_add:")
        st.caption(t("views.hint"))
