"""Present: run a story of charts on a projector (one per screen, keyboard steps, light or dark),
followed by saved improvement plans (two slides each, marked as projections), save it under a name,
reopen it by link (?story=NAME), and hand out a deck, a PDF, images and tables."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics import scenario as sc
from analytics.store import db
from i18n.markdown import escape, html_text
from presentation import export, meta, saved, story
from presentation import plan as plan_slides
from presentation import theme as ptheme
from ui import auth, cache, components, context, sidebar

PAGE = {"title": "nav.present", "icon": ":material/slideshow:", "order": 90, "section": "nav.section.data"}

STEPS = "pres_steps"
PLANS = "pres_plans"  # saved improvement plans: two slides each, after the steps
THEME = "pres_theme"
INDEX = "pres_index"
SHOWING = "pres_showing"
OPENED = "pres_opened"  # the story a link opened in this session (opened once, then the user is free)
FLASH = "pres_flash"
CHART_HEIGHT = 600
NOTES_BESIDE = 500  # characters of notes above which they go beside the chart

ctx = context.get()
t, f = ctx.t, ctx.filters
con = cache.connection()


# ----------------------------------------------------------------------------- state and saved stories
def _use_story(s: saved.SavedStory) -> None:
    """Show a saved story: its steps, plans and theme here, its filters in the sidebar (from the next run)."""
    st.session_state[STEPS] = list(s.steps)
    st.session_state[PLANS] = list(s.plans)
    st.session_state[THEME] = s.theme
    st.session_state[INDEX] = 0
    st.query_params["story"] = s.name
    if s.filters != f:
        sidebar.show_filters(s.filters)
    gone = ([t.md("pres.saved.dropped", steps=", ".join(s.dropped))] if s.dropped else []) + (
        [t.md("pres.saved.dropped_plans", plans=", ".join(s.dropped_plans))] if s.dropped_plans else [])
    if gone:
        st.session_state[FLASH] = ("warning", "\n\n".join(gone))


def _open(name: str) -> None:
    """Button callback: open a saved story (before the script draws the widgets)."""
    try:
        with db.cursor(con) as cur:
            s = saved.load(cur, name)
    except ValueError:  # deleted meanwhile
        st.session_state[FLASH] = ("warning", t.md("pres.saved.missing", name=name))
        return
    st.session_state[OPENED] = name
    _use_story(s)


if STEPS not in st.session_state:
    st.session_state[STEPS] = list(story.default_story())
if st.session_state.get(THEME) not in ptheme.THEMES:  # first run, or the selected theme clicked off
    linked = st.query_params.get("theme")
    st.session_state[THEME] = linked if THEME not in st.session_state and linked in ptheme.THEMES else "light"
st.session_state.setdefault(INDEX, 0)
st.session_state.setdefault(SHOWING, st.query_params.get("show") == "1")

link_name = st.query_params.get("story")
if link_name and st.session_state.get(OPENED) != link_name:
    st.session_state[OPENED] = link_name
    try:
        with db.cursor(con) as cur:
            opened = saved.load(cur, link_name)
    except ValueError:
        st.session_state[FLASH] = ("warning", t.md("pres.saved.missing", name=link_name))
    else:
        _use_story(opened)
        if opened.filters != f:
            st.rerun()  # the sidebar shows the story's filters on the next run

# The saved plans (a plan deleted meanwhile leaves the selection before the widget is drawn).
plan_names = cache.run(sc.plans.names)
st.session_state[PLANS] = [n for n in st.session_state.get(PLANS, []) if n in plan_names]

steps = [k for k in st.session_state[STEPS] if k in story.REGISTRY]
# What is shown, in order: ("step", key, 0) per step, then ("plan", name, 0 | 1) per plan (curve, levers).
Item = tuple[str, str, int]
items: list[Item] = [("step", k, 0) for k in steps] + [("plan", n, i) for n in st.session_state[PLANS] for i in (0, 1)]
theme = st.session_state[THEME]
index = min(max(int(st.session_state[INDEX]), 0), max(len(items) - 1, 0))
st.session_state[INDEX] = index


def _move(delta: int) -> None:
    n = len([k for k in st.session_state.get(STEPS, []) if k in story.REGISTRY]) + 2 * len(st.session_state.get(PLANS, []))
    st.session_state[INDEX] = min(max(st.session_state.get(INDEX, 0) + delta, 0), max(n - 1, 0))


def _show(on: bool) -> None:
    st.session_state[SHOWING] = on
    if on:
        st.query_params["show"] = "1"
    elif "show" in st.query_params:
        del st.query_params["show"]


def _title(key: str) -> str:
    return t(story.REGISTRY[key].title)


def _item_title(item: Item) -> str:
    kind, key, part = item
    return _title(key) if kind == "step" else plan_slides.titles(key, t)[part]


def _slides(item: Item, filt=f, tr=t) -> list[story.Slide]:
    """The item's slides from the result cache: a step's one, a plan's two (the deck's own builders)."""
    kind, key, _ = item
    return [cache.run(story.slide, filt, tr, key)] if kind == "step" else cache.run(plan_slides.named_slides, filt, tr, key)


def _slide(item: Item) -> story.Slide | None:
    try:
        return _slides(item)[item[2]]
    except ValueError as exc:  # a slide that cannot be drawn for these filters: say why, keep the story going
        st.warning(t.md("pres.step_failed", step=_item_title(item), error=str(exc)))
        return None


data_date = cache.run(meta.data_date)
footer = f"{meta.describe_filters(f, t)} · {meta.describe_data_date(data_date, t)}"


# ----------------------------------------------------------------------------- one slide on the screen
def _style(presenting: bool) -> None:
    """Page CSS: on this page only (st.html style blocks are removed when the page changes)."""
    components.house_style(t)  # the loading state (presenting draws no page header, which brings it elsewhere)
    p = ptheme.PALETTES[theme]
    md = '[data-testid="stMarkdownContainer"] p'
    takeaway = "clamp(1.2rem, 3.1vh, 1.75rem)" if presenting else "1.2rem"
    rules = [f"""{md}.pres-takeaway {{ font-size: {takeaway} !important; line-height: 1.35;
                 color: {p.accent} !important; font-weight: 500; margin: 0.1rem 0 0.3rem 0; }}""",
             f"{md}.pres-counter {{ text-align: right; font-size: {1.6 if presenting else 1.1}rem !important;"
             " opacity: 0.7; padding-top: 1.2rem; }",
             f"{md}.pres-foot {{ font-size: 1rem !important; opacity: 0.75; }}",
             f"{md}.pres-note {{ font-size: {1.05 if presenting else 0.9}rem !important; line-height: 1.45;"
             " opacity: 0.85; margin: 0 0 0.7rem 0; }"]
    if presenting:
        rules += [
            # No sidebar, no top bar: the chart gets the screen. (initial_sidebar_state cannot change per page.)
            '[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],'
            ' [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stExpandSidebarButton"]'
            " { display: none !important; }",
            '[data-testid="stMainBlockContainer"], .block-container'
            " { padding-top: 1.2rem !important; padding-bottom: 0.5rem !important; max-width: 100% !important; }",
            # The slide fits the screen without scrolling (1280x720 to 1920x1080): the page is one column of the
            # screen's height, and the chart's box (pres_body) takes what title, cards, takeaway, buttons and footer
            # leave; type scales with the screen's height.
            '[data-testid="stMainBlockContainer"] { height: 100vh; box-sizing: border-box; }',
            '[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] { height: 100%; gap: 0.55rem; }',
            '[data-testid="stLayoutWrapper"]:has(> .st-key-pres_body)'
            " { flex: 1 1 0 !important; height: auto !important; min-height: 11rem; }",
            ".st-key-pres_body { height: 100% !important; overflow: hidden !important; }",
            '.st-key-pres_body [data-testid="stLayoutWrapper"]:has(> [data-testid="stHorizontalBlock"]),'
            ' .st-key-pres_body [data-testid="stHorizontalBlock"], .st-key-pres_body [data-testid="stColumn"]'
            " { height: 100% !important; }",
            '[data-testid="stElementToolbar"] { display: none !important; }',  # no fullscreen button on a slide
            # While the next slide computes: a small badge in the corner, not a block that would squeeze the chart.
            '.stApp[data-test-script-state="running"] [data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"]::after'
            " { position: fixed; right: 1rem; bottom: 1rem; min-height: 0; padding: 0.4rem 0.9rem; z-index: 10; }",
            "h1 { font-size: clamp(2rem, 5.2vh, 2.9rem) !important; padding: 0.2rem 0 !important; }",
            ".st-key-pres_page_up, .st-key-pres_page_down { display: none !important; }",
            '[data-testid="stMetricValue"] { font-size: clamp(1.8rem, 4.6vh, 2.6rem) !important; }',
            '[data-testid="stMetricLabel"] p { font-size: 1.15rem !important; }',
        ]
        if theme == "dark":
            rules += [
                f'.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{ background: {p.paper} !important; '
                f"color: {p.ink}; }}",
                f'h1, p, span, label, [data-testid="stMetricValue"], [data-testid="stMetricLabel"] {{ color: {p.ink}; }}',
                f'[data-testid="stMetric"] {{ background: #111a2e; border-color: {p.grid} !important; }}',
                f'.stButton button {{ background: #111a2e; color: {p.ink}; border-color: {p.grid}; }}',
                f'[data-testid="stMetricLabel"] svg {{ color: {p.soft_ink}; fill: {p.soft_ink}; }}',
            ]
        # The headline figure: the first card, larger and in the accent colour (after the theme's ink).
        rules.append('[data-testid="stColumn"]:first-child [data-testid="stMetricValue"],'
                     ' [data-testid="stColumn"]:first-child [data-testid="stMetricValue"] *'
                     f" {{ font-size: clamp(2.3rem, 6vh, 3.4rem) !important; color: {p.accent} !important; }}")
    st.html("<style>" + "\n".join(rules) + "</style>")


def _render(s: story.Slide, presenting: bool) -> None:
    heads = s.headlines[:4]
    if heads:
        cols = st.columns(len(heads))
        for col, h in zip(cols, heads, strict=True):
            with col:
                components.metric(h.label, escape(h.value), help=h.note)  # a value may be a name from the data
    st.markdown(f'<p class="pres-takeaway">{html_text(s.takeaway)}</p>', unsafe_allow_html=True)
    # Many or long notes (a plan's levers with their assumptions) go beside the chart, as on the deck's slide:
    # above it they made a block of small print that the chart had to give its height to.
    beside = len(s.notes) > 2 or sum(map(len, s.notes)) > NOTES_BESIDE
    if s.notes and not beside:
        st.caption(escape(" ".join(s.notes)))
    fig = ptheme.projector(s.figure, theme, scale=ptheme.DEFAULT_SCALE if presenting else 1.15, height=480)
    chart_key = f"pres_chart_{index}_{s.key}_{'show' if presenting else 'edit'}"
    # Presenting, the chart fills the box the page's CSS sizes to what the screen leaves (pres_body); no toolbar.
    box = st.container(key="pres_body", height=CHART_HEIGHT, border=False) if presenting else st.container()
    size = {"height": "stretch"} if presenting else {}
    if presenting:
        fig.update_layout(height=None)
        legend_y = fig.layout.legend.y
        if legend_y is not None and legend_y < 0 and fig.layout.legend.yref in (None, "paper"):
            # A legend under the plot was placed for a known height; the screen decides the height now, so it sits
            # at the figure's foot instead (Plotly keeps the room for it).
            fig.update_layout(legend={"yref": "container", "y": 0.0, "yanchor": "bottom"})
    with box:
        if not beside:
            components.chart(fig, key=chart_key, theme=None, toolbar=False, **size)
            return
        left, right = st.columns([2.4, 1])
        with left:
            components.chart(fig, key=chart_key, theme=None, toolbar=False, **size)
        right.markdown("".join(f'<p class="pres-note">{html_text(n)}</p>' for n in s.notes), unsafe_allow_html=True)


def _nav(presenting: bool) -> None:
    """Previous / next (← → keys) and, when presenting, exit (Esc)."""
    cols = st.columns([1, 1, 1, 4] if presenting else [1, 1, 5])
    cols[0].button(t("pres.prev"), key="pres_prev", on_click=_move, args=(-1,), disabled=index <= 0,
                   shortcut="Left", width="stretch", icon=":material/chevron_left:")
    cols[1].button(t("pres.next"), key="pres_next", on_click=_move, args=(1,), disabled=index >= len(items) - 1,
                   shortcut="Right", width="stretch", icon=":material/chevron_right:")
    if presenting:
        cols[2].button(t("pres.exit"), key="pres_exit", on_click=_show, args=(False,), shortcut="Esc",
                       width="stretch", icon=":material/close:")
        cols[3].caption(t("pres.keys_hint"))
        # Presenter remotes send Page Up / Page Down: the same steps, on buttons kept out of sight.
        cols[3].button(t("pres.prev"), key="pres_page_up", on_click=_move, args=(-1,), shortcut="PageUp")
        cols[3].button(t("pres.next"), key="pres_page_down", on_click=_move, args=(1,), shortcut="PageDown")


if st.session_state[SHOWING] and items:
    _style(presenting=True)
    item = items[index]
    top = st.columns([6, 1])
    top[0].title(_item_title(item))
    top[1].markdown(f'<p class="pres-counter">{index + 1} / {len(items)}</p>', unsafe_allow_html=True)
    current = _slide(item)
    if current is not None:
        _render(current, presenting=True)
    _nav(presenting=True)
    st.markdown(f'<p class="pres-foot">{html_text(footer)}</p>', unsafe_allow_html=True)
    st.stop()


# ----------------------------------------------------------------------------- setting up (sidebar visible)
_style(presenting=False)
components.page_header(t("pres.title"), t, f, subtitle=escape(footer))
flash = st.session_state.pop(FLASH, None)
if flash:
    getattr(st, flash[0])(flash[1])

s1, s2 = st.columns([3, 2])
s1.multiselect(t("pres.steps"), story.step_keys(), key=STEPS, format_func=_title, help=t("pres.steps_help"),
               placeholder=t("pres.steps_placeholder"))
s2.multiselect(t("pres.plans"), plan_names, key=PLANS, help=t("pres.plans_help"), disabled=not plan_names,
               placeholder=t("pres.plans_placeholder") if plan_names else t("pres.plans_none"))
c1, c2, c3 = st.columns([4, 1.3, 1.2], vertical_alignment="bottom")
c1.caption(t("pres.sequence", steps=" → ".join(f"{i}. {_item_title(it)}" for i, it in enumerate(items, start=1))))
c2.segmented_control(t("pres.theme"), ptheme.THEMES, key=THEME, format_func=lambda k: t(f"pres.theme.{k}"),
                     selection_mode="single")
c3.button(t("pres.start"), type="primary", on_click=_show, args=(True,), disabled=not items, width="stretch",
          icon=":material/slideshow:", key="pres_start")
missing = [k for k in story.DEFAULT_STORY if k not in story.REGISTRY]
if missing:
    st.caption(t("pres.not_yet", steps="、".join(t(f"pres.step.{k}") for k in missing) if ctx.lang == "zh"
                 else ", ".join(t(f"pres.step.{k}") for k in missing)))

if not items:
    st.info(t("pres.no_steps"))
    st.stop()

# The saved stories and the files to hand out.
left, right = st.columns(2)
with left.container(border=True):
    st.subheader(t("pres.saved.title"))
    with db.cursor(con) as cur:
        names = saved.names(cur)
    name = st.text_input(t("pres.saved.name"), key="pres_save_name", value=st.query_params.get("story", ""),
                         max_chars=saved.MAX_NAME, placeholder=t("pres.saved.name_placeholder"))
    a, b = st.columns(2)
    if a.button(t("pres.saved.save"), key="pres_save", icon=":material/save:", width="stretch") \
            and auth.permitted(auth.ANALYST):
        try:
            stored = saved.save(con, name, steps, f, theme, user=ctx.user, plans=st.session_state[PLANS])
        except ValueError as exc:
            st.error(t.md("pres.saved.error", error=str(exc)))
        else:
            st.query_params["story"] = stored.name
            st.session_state[OPENED] = stored.name
            st.success(t.md("pres.saved.done", name=stored.name))
            st.markdown(f"[{t('pres.saved.link')}]({saved.link(stored, ctx.lang)})")
            st.code(saved.link(stored, ctx.lang), language=None)
            names = [stored.name, *[n for n in names if n != stored.name]]
    if names:
        chosen = b.selectbox(t("pres.saved.open"), names, key="pres_open_name", index=None,
                             placeholder=t("pres.saved.choose"), label_visibility="collapsed")
        if chosen:  # a callback: the story's steps and theme go into widgets already drawn above
            b.button(t("pres.saved.load"), key="pres_load", icon=":material/folder_open:", on_click=_open, args=(chosen,))
    else:
        b.caption(t("pres.saved.none"))

stem = export.file_stem(st.query_params.get("story") or t("pres.file_stem"))
story_name = st.query_params.get("story")


def _files(fmt: str):
    """A deferred download: built when clicked, on Streamlit's download thread (not this script run)."""
    shown, filt, tr, th = [it for it in items if it[2] == 0], f, t, theme

    def build() -> bytes:
        with db.cursor(con) as cur:
            m = meta.export_meta(cur, filt)
        # The slides the presenter has already shown come from the result cache; a plan gives both of its own.
        slides = [s for it in shown for s in _slides(it, filt, tr)]
        if fmt == "pptx":
            return export.pptx_bytes(slides, m, tr, name=story_name, theme=th)
        if fmt == "pdf":
            return export.pdf_bytes(slides, m, tr, name=story_name, theme=th)
        return export.tables_xlsx(slides, m, tr)

    return build


# Decks, PDFs and images need Chromium and the CJK fonts on the server: say so instead of failing on click.
no_images = export.unavailable()
with right.container(border=True):
    st.subheader(t("pres.export.title"))
    st.caption(t("pres.export.help"))
    if no_images:
        st.warning(t.md("pres.export.unavailable", reason=no_images))
    x1, x2, x3 = st.columns(3)
    x1.download_button(t("pres.export.pptx"), _files("pptx"), file_name=f"{stem}.pptx", mime=export.MIME["pptx"],
                       key="pres_dl_pptx", on_click="ignore", icon=":material/co_present:", width="stretch",
                       disabled=bool(no_images))
    x2.download_button(t("pres.export.pdf"), _files("pdf"), file_name=f"{stem}.pdf", mime=export.MIME["pdf"],
                       key="pres_dl_pdf", on_click="ignore", icon=":material/picture_as_pdf:", width="stretch",
                       disabled=bool(no_images))
    x3.download_button(t("pres.export.xlsx"), _files("xlsx"), file_name=f"{stem}.xlsx", mime=export.MIME["xlsx"],
                       key="pres_dl_xlsx", on_click="ignore", icon=":material/table:", width="stretch")

# A preview of one step at a time, with its own files.
st.divider()
item = items[index]
head = st.columns([6, 1])
head[0].subheader(f"{index + 1}. {_item_title(item)}")
head[1].markdown(f'<p class="pres-counter">{index + 1} / {len(items)}</p>', unsafe_allow_html=True)
with components.loading(t, height=480):  # the preview's place says it computes (a cold slide takes seconds)
    current = _slide(item)
if current is not None:
    _render(current, presenting=False)
    _nav(presenting=False)
    m_now = meta.ExportMeta(filters=f, data=data_date, created_at=dt.datetime.now().replace(microsecond=0))
    slide_stem = export.file_stem(f"{index + 1:02d}_{current.key}")
    y1, y2, y3, y4 = st.columns(4)
    y1.download_button(t("pres.export.png"), lambda s=current: export.chart_image(s, m_now, t, "png", theme),
                       file_name=f"{slide_stem}.png", mime=export.MIME["png"], key="pres_dl_png", on_click="ignore",
                       icon=":material/image:", width="stretch", disabled=bool(no_images))
    y2.download_button(t("pres.export.svg"), lambda s=current: export.chart_image(s, m_now, t, "svg", theme),
                       file_name=f"{slide_stem}.svg", mime=export.MIME["svg"], key="pres_dl_svg", on_click="ignore",
                       icon=":material/draw:", width="stretch", disabled=bool(no_images))
    if current.appendix is not None:
        tb = current.appendix
        y3.download_button(t("common.download_csv"), export.table_csv(tb, m_now, t), file_name=f"{slide_stem}.csv",
                           mime=export.MIME["csv"], key="pres_dl_csv", on_click="ignore", width="stretch")
        y4.download_button(t("common.download_xlsx"), lambda s=current: export.tables_xlsx([s], m_now, t),
                           file_name=f"{slide_stem}.xlsx", mime=export.MIME["xlsx"], key="pres_dl_tables",
                           on_click="ignore", width="stretch")
        with st.expander(t("pres.appendix.title", title=tb.title)):
            st.dataframe(tb.display(t), hide_index=True, width="stretch")
