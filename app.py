"""The frame of the dashboard: page config, language, sign-in, global filters, navigation.

Run with ``streamlit run app.py``. Page scripts live in ``views/`` (not ``pages/``: with
``st.navigation``, Streamlit 1.67 treats a ``pages/`` folder beside the main script specially,
which skips this frame on reruns under AppTest and loses the first widget change in a browser).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from analytics import filters as flt
from analytics import users
from analytics.store import db
from i18n import Translator
from ui import (
    auth,
    cache,
    components,
    context,
    drill,
    links,
    pages,
    refresh,
    saved_views,
    session_handover,
    sidebar,
)

session_handover.install()  # before any fragment run: a timed fragment rerun must not lose a page's "finished"

# A file shipped with the app, served by Streamlit itself: a ":material/…:" favicon is fetched from
# fonts.gstatic.com by every visitor's browser.
ICON = Path(__file__).resolve().parent / "ui" / "assets" / "icon.png"
st.set_page_config(page_title="CVM · 客户价值管理", page_icon=ICON, layout="wide",
                   initial_sidebar_state="expanded")

links.new_run()
lang = sidebar.language()
t = Translator(lang)
# The house style first: while this frame and then the page compute, its placeholder says so (issue 19).
components.house_style(t)

try:
    con = cache.connection()
except db.StoreInUse as exc:  # a second app (or a writing command) on the same file
    st.error(t.md("app.db_in_use", path=str(exc.path)))
    st.stop()
except db.DatabaseError as exc:
    st.error(t.md("app.db_error", error=str(exc)))
    st.stop()

if cache.created_now():
    with cache.first_start_lock(), db.cursor(con) as cur:
        if flt.data_bounds(cur) is None and db.get_meta(cur, "auto_demo") is None:
            from analytics import demo  # only here: it imports SciPy, which the first page does not need

            with st.status(t("app.creating_demo"), expanded=True) as status:
                bar = st.progress(0.0)
                summary = demo.generate(con, progress=lambda x, step: bar.progress(x, text=t("app.demo_step", step=step)))
                with db.write(con) as w:
                    db.set_meta(w, "auto_demo", "1")
                refresh.after_write()  # the models for the demo data, in the background
                status.update(label=t("app.demo_done", customers=f"{summary.customers:,}",
                                      transactions=f"{summary.transactions:,}"), state="complete", expanded=False)

# Nobody sees a page, nor the sidebar's filter values, before signing in (when accounts exist).
ident = auth.identify(con, t)
if ident is None:  # the sign-in page is drawn; the URL's page is kept for after it, and none runs
    st.navigation([st.Page(spec.script, url_path=spec.url_path, default=i == 0)
                   for i, spec in enumerate(pages.discover())], position="hidden")
    st.stop()
auth.sidebar(ident, t)
auth.show_refusal()
bounds = cache.run(flt.data_bounds)
options = ident.allowance.options(cache.run(flt.options))  # a restricted user is offered only their values
with db.cursor(con) as cur:
    t = Translator(lang, db.currency(cur))
as_of = cache.run(flt.data_as_of)  # the data's last date (or the date they are stated complete through)
f = sidebar.filters(options, bounds, t, ident.allowance, as_of, latest=cache.run(flt.latest_period))
sidebar.write_query_params(lang, f)
try:  # row-level restriction: every page's queries, exports and decks take this filter
    f = ident.allowance.apply(f)
except flt.OutsideAllowance as exc:
    st.error(t.md("auth.outside", asked=sidebar.allowed_text(exc.outside, t), allowed=sidebar.allowed_text(exc.allowed, t)))
    st.stop()
if ident.allowance.restricted:
    st.sidebar.caption(t.md("auth.restricted", allowed=sidebar.allowed_text(
        {k: v for k, v in (("regions", ident.allowance.regions), ("segments", ident.allowance.segments)) if v}, t)))
refresh.sidebar_progress(t)
if as_of:
    st.sidebar.caption(t.md("app.data_as_of", date=t.date(as_of)))
context.publish(context.PageContext(lang=lang, t=t, filters=f, data_as_of=as_of, user=ident.name,
                                    role=ident.role, allowance=ident.allowance,
                                    partial_month=flt.partial_month(f, as_of)))

# A page the user's role may not open is hidden from the navigation, and its URL shows a refusal.
sections: dict[str, list[st.Page]] = {}
refused: dict[str, pages.PageSpec] = {}
for i, spec in enumerate(pages.discover()):
    allowed = users.can(ident.role, spec.role)
    if not allowed:
        refused[spec.url_path] = spec
    sections.setdefault(t(spec.section), []).append(
        st.Page(spec.script, title=t(spec.title), icon=spec.icon, url_path=spec.url_path, default=i == 0,
                visibility="visible" if allowed else "hidden"))
if bounds is None:
    st.info(t("app.no_data"))
page = st.navigation(sections)
# The link's invalid values (found by the sidebar above, and by the page's choices) are named at the top.
current = page.url_path or pages.discover()[0].url_path  # the default page's url_path is ""
drill.set_current_page(current)
links.begin(current, t("links.dismiss"))
if current in saved_views.analysis_pages():
    saved_views.sidebar_panel(current)
if page.url_path in refused:
    st.title(page.title)
    st.error(t("auth.page_refused", page=page.title, role=t(f"auth.role.{refused[page.url_path].role}")))
else:
    drill.back_link()  # opened by a drill-through: the way back to the page it came from
    drill.filter_chip()  # a chart click's filter, and how to clear it
    page.run()
