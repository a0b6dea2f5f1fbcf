"""Page building blocks shared by every view: headers, metric cards, charts, downloads."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx

from analytics import tabular
from analytics.filters import Filters
from analytics.metrics import metric as registered
from charts import partial
from i18n import Translator, fmt
from i18n.markdown import escape, html_text
from presentation import takeaways
from presentation.meta import describe_filters  # one definition for captions, downloads and exports
from ui import context
from ui.columns import MONEY_FORMATS, money_spec, share_spec  # one money and share format for every table

CUSTOMER_PAGE = "customer"  # views/customer.py: everything about one customer (?customer=ID)
CHART_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
_DELTA_COLORS = {1: "normal", -1: "inverse", 0: "off"}
LOADING_DELAY_S = 0.3  # a chart ready sooner shows no placeholder (no flicker on quick reruns)
LOADING_HEIGHT = 360  # px of a chart's placeholder while it computes
# px of a page's key chart: the whole of it on the first screen of a 1366x768 or 1280x720 laptop under the page's
# title, lead sentence and first row of cards (tests/browser/test_responsive.py)
KEY_CHART_HEIGHT = 330
_NUMBER_UNITS = ("count", "points", "ratio", "score", "per_month")

# The house CSS, on every page (``house_style``). Why each rule:
# - laptops (1280-1600 px with the sidebar open): less padding around the page, so cards and the key chart
#   get the room and the first chart sits above the fold at 1366x768;
# - KPI cards never cut a figure off with an ellipsis: the value's size follows the card's width (container
#   query units) and label, value and change wrap when they still do not fit;
# - while the script runs, a placeholder where the next element will appear (the end of the page so far):
#   a page never sits blank under its title while its figures and charts compute.
_HOUSE_CSS = """
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
@media (max-width: 1600px) {
  [data-testid="stMainBlockContainer"] { padding-left: 2.5rem; padding-right: 2.5rem; }
  [data-testid="stMain"] h1 { font-size: 2.2rem; padding-top: 0.5rem; }
}
/* Short screens (laptops: 1366x768, 1280x720): the header, lead and cards take less height, so a page's whole key
   chart fits the first screen; with the sidebar closed its open button sits where the title would. */
@media (max-height: 860px) {
  [data-testid="stMainBlockContainer"] { padding-top: 1.25rem; }
  .stApp:has([data-testid="stSidebar"][data-collapsed="true"]) [data-testid="stMainBlockContainer"] { padding-top: 3rem; }
  [data-testid="stMain"] h1 { font-size: 1.9rem; padding: 0 0 0.35rem; }
  [data-testid="stMain"] h3 { font-size: 1.35rem; padding: 0.25rem 0 0.5rem; }
  [data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.55rem; }
  [data-testid="stMain"] [data-testid="stAlertContainer"] { padding: 0.55rem 0.9rem; }
  [data-testid="stMain"] [data-testid="stMetric"] > div { padding-top: 0.6rem; padding-bottom: 0.6rem; }
  [data-testid="stMain"] [data-testid="stMetricValue"] { font-size: clamp(1.25rem, 21cqi, 1.9rem) !important; }
}
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetric"] .stMarkdownEllipsis, [data-testid="stMetric"] [data-testid="stMarkdownContainer"],
[data-testid="stMetric"] [data-testid="stMarkdownContainer"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere; }
[data-testid="stMetricValue"] { font-size: clamp(1.25rem, 21cqi, 2.25rem) !important; line-height: 1.2; }
[data-testid="stMetricLabel"] { height: auto; min-height: 1.5rem; }
@keyframes cvm-appear { to { opacity: 1; } }
@keyframes cvm-shimmer { from { background-position: 100% 0; } to { background-position: -100% 0; } }
@keyframes cvm-spin { to { transform: rotate(360deg); } }
.cvm-loading, .stApp[data-test-script-state="running"] [data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"]::after {
  display: flex; align-items: center; justify-content: center; gap: 0.6rem; box-sizing: border-box;
  min-height: 9rem; border-radius: 0.5rem; color: #52606d; font-size: 0.95rem;
  background: linear-gradient(90deg, #eef1f5 30%, #f8f9fb 50%, #eef1f5 70%); background-size: 200% 100%;
  opacity: 0; animation: cvm-appear 0.2s 0.4s forwards, cvm-shimmer 1.4s linear infinite; }
.cvm-loading .cvm-spinner { width: 1.1rem; height: 1.1rem; border: 2px solid #c5cdd8; border-top-color: #2f5fa7;
  border-radius: 50%; animation: cvm-spin 0.8s linear infinite; }
"""


def _css_string(text: str) -> str:
    """A CSS string literal (for ``content:``)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def uploader_texts(t: Translator, types: Sequence[str], limit_mb: int) -> None:
    """Streamlit draws its file uploader's button and size line in English only; in Chinese, replace
    them by CSS (the original text is kept for screen readers' layout but drawn at size 0)."""
    if t.lang == "en":
        return
    size = f"{limit_mb // 1024} GB" if limit_mb >= 1024 and limit_mb % 1024 == 0 else f"{limit_mb} MB"
    line = t("common.uploader.limit", size=size, types="、".join(x.upper() for x in types))
    zone = '[data-testid="stFileUploaderDropzone"]'
    st.html(f"""<style>
{zone} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
{zone} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p::after {{
  content: {_css_string(t("common.uploader.button"))}; font-size: 14px; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: {_css_string(line)}; font-size: 14px; }}
</style>""")


def house_style(t: Translator) -> None:
    """The house CSS (:data:`_HOUSE_CSS`) with the loading placeholder's words in ``t``'s language. A style-only
    ``st.html`` takes no room on the page; calling it twice in a run is harmless."""
    tail = ('.stApp[data-test-script-state="running"] [data-testid="stMainBlockContainer"] > '
            f'[data-testid="stVerticalBlock"]::after {{ content: {_css_string(t("common.computing"))}; }}')
    st.html(f"<style>{_HOUSE_CSS}\n{tail}</style>")


def page_header(title: str, t: Translator, f: Filters, subtitle: str | None = None) -> None:
    """Title and caption (the filter in words by default), with the house CSS. Both are Markdown: pass values
    from the data through :func:`i18n.markdown.escape` or ``t.md``."""
    house_style(t)
    st.title(title)
    st.caption(subtitle or escape(describe_filters(f, t)))
    ctx = context.current()
    if ctx is not None and ctx.partial_month is not None:  # chosen by the user: say what it does to figures
        st.warning(t("app.partial_note", month=t.month(ctx.partial_month), date=t.date(ctx.data_as_of)),
                   icon=":material/hourglass_bottom:")


def _placeholder(slot: object, t: Translator, height: int) -> None:
    """A chart-sized box with a spinner and "Computing…" (styled by :data:`_HOUSE_CSS`)."""
    slot.markdown(f'<div class="cvm-loading" style="height:{int(height)}px"><span class="cvm-spinner"></span>'  # type: ignore[attr-defined]
                  f'{html_text(t("common.computing"))}</div>', unsafe_allow_html=True)


@contextlib.contextmanager
def loading(t: Translator, height: int = LOADING_HEIGHT) -> Iterator[object]:
    """While the block computes, a placeholder of ``height`` px (a spinner and "Computing…") in a new
    ``st.empty()``, shown only when the block takes longer than :data:`LOADING_DELAY_S` (as ``st.spinner``) and
    removed when it ends. Yields the slot: draw the result into it after the block, in the placeholder's place."""
    slot = st.empty()
    lock, state = threading.Lock(), {"done": False, "shown": False}

    def show() -> None:
        with lock:
            if not state["done"]:
                _placeholder(slot, t, height)
                state["shown"] = True

    timer = threading.Timer(LOADING_DELAY_S, show)
    add_script_run_ctx(timer)  # the timer writes to this session's page
    timer.start()
    try:
        yield slot
    finally:
        with lock:  # a placeholder being drawn now is finished first; none is drawn after
            state["done"] = True
        timer.cancel()
        if state["shown"]:
            slot.empty()


def chart(fig: go.Figure | Callable[[], go.Figure], key: str, *, toolbar: bool = True, t: Translator | None = None,
          **kwargs: object) -> object:
    """Render a Plotly figure full width with the house config; returns the selection event if any.
    A partial month in the period (:attr:`ui.context.PageContext.partial_month`) is marked on it.

    ``fig`` may be a function that builds the figure (with its computation): the chart's place then shows a
    loading placeholder while it runs, in the language of ``t`` (the page's by default). ``toolbar=False``
    leaves out Plotly's toolbar (slides)."""
    config = CHART_CONFIG if toolbar else {**CHART_CONFIG, "displayModeBar": False}
    ctx = context.current()

    def draw(figure: go.Figure, where: object = st) -> object:
        if ctx is not None and ctx.partial_month is not None:
            figure = partial.mark(figure, ctx.partial_month, ctx.data_as_of, ctx.t)
        return where.plotly_chart(figure, key=key, width="stretch", config=config, **kwargs)  # type: ignore[attr-defined]

    if not callable(fig):
        return draw(fig)
    words = t or (ctx.t if ctx is not None else None)
    if words is None:
        raise ValueError("chart: a figure built here needs a translator for its loading placeholder (t=)")
    with loading(words) as slot:
        built = fig()
    return draw(built, slot)  # after the block: a placeholder, if drawn at all, was drawn before


def metric(label: str, value: str, delta: str | None = None, help: str | None = None,
           inverse: bool = False, delta_raw: float | None = None) -> None:
    """A metric card; ``inverse`` colours a rise red (for losses and complaints)."""
    color = "inverse" if inverse else "normal"
    if delta is None or delta_raw is None or delta_raw == 0:
        color = "off" if delta is not None else color
    st.metric(label, value, delta=delta, help=help, delta_color=color, border=True)


def kpi(t: Translator, key: str, value: object, change: float | None = None, *, help_args: dict[str, object] | None = None,
        note: str = "", delta: str | None = None, per_customer: bool = False) -> None:
    """The metric card of figure ``key`` (:mod:`analytics.metrics`): its label, ``value`` in its format,
    ``change`` as a delta coloured by whether a rise is good, its help (placeholders from ``help_args``)
    and ``note`` appended. ``delta`` overrides the delta's text (e.g. a change the figure's unit cannot say);
    ``per_customer`` takes the help that speaks of one customer (Customer 360)."""
    direction = registered(key).direction
    text = delta if delta is not None else t.figure_delta(key, change)
    color = _DELTA_COLORS[direction] if text is not None and change else "off"
    st.metric(t.metric(key), t.figure(key, value), delta=text, delta_color=color, border=True,
              help=t.metric_help(key, per_customer, **(help_args or {})) + note + exact_note(t, key, value))


def exact_note(t: Translator, key: str, value: object) -> str:
    """The exact value of figure ``key`` for its card's help ("Exact value: ¥45,130,123"), when the card shows it
    in compact units (¥45.1M, ¥4513万); "" when the card already shows it whole."""
    m = registered(key)
    if not m.fmt.compact or m.unit not in ("money", *_NUMBER_UNITS):
        return ""
    exact = (t.money(value, signed=m.fmt.signed) if m.unit == "money"  # type: ignore[arg-type]
             else fmt.number(value, t.lang, digits=m.fmt.decimals, signed=m.fmt.signed))  # type: ignore[arg-type]
    if exact in (fmt.DASH, t.figure(key, value)):
        return ""
    return "\n\n" + t("common.exact_value", value=escape(exact))


def money_format(t: Translator) -> str:
    """The column-config money format for ``t``'s currency."""
    return MONEY_FORMATS.get(t.currency.upper(), "localized")


def figure_column(t: Translator, key: str, **kwargs: object) -> object:
    """A table column showing figure ``key``: its label and a format by its unit (money in the currency,
    shares as %, other numbers at the figure's decimals; counts as Streamlit writes whole numbers)."""
    m = registered(key)
    if m.unit in ("money", "share"):  # as i18n.fmt writes them: -¥5,739,947, 75.7%
        for name, value in (money_spec(t.currency) if m.unit == "money" else share_spec()).items():
            kwargs.setdefault(name, value)
    elif m.fmt.decimals:
        kwargs.setdefault("format", f"%.{m.fmt.decimals}f")
    return st.column_config.NumberColumn(t.metric(key), **kwargs)


def downloads(df: pd.DataFrame, name: str, t: Translator, header_lines: Sequence[str] = (), key: str = "") -> None:
    """CSV and Excel download buttons for a table (formula injection neutralised, filters in the header).

    Both files are built only when clicked (deferred downloads): a workbook costs about a third of
    a second per thousand rows, a CSV of 40,000 customers half a second, which every rerun of the
    page would otherwise pay.
    """
    c1, c2 = st.columns(2)
    frame, lines = df.copy(), list(header_lines)
    c1.download_button(t("common.download_csv"), lambda: tabular.csv_bytes(frame, lines), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key or name}_csv", width="stretch", on_click="ignore")
    c2.download_button(t("common.download_xlsx"), lambda: tabular.xlsx_bytes(frame, name, lines), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key or name}_xlsx", width="stretch", on_click="ignore")


def cogs_warning(t: Translator, share: float | None) -> str | None:
    """Say plainly, above the figures, that cost of goods was not provided for part of the revenue
    (nothing when every cost is known); returns the statement for the page's downloads."""
    note = takeaways.cogs_unknown(share, t)
    if note:
        st.warning(note, icon=":material/warning:")
    return note


def customer_url(customer_id: str, lang: str, f: Filters) -> str:
    """Relative link to the customer page for one customer, keeping the language and filters."""
    from urllib.parse import urlencode

    return f"{CUSTOMER_PAGE}?" + urlencode({"customer": customer_id, "lang": lang, **f.to_params()})


def with_customer_links(df: pd.DataFrame, lang: str, f: Filters, column: str = "customer_id") -> pd.DataFrame:
    """A copy of ``df`` whose ``column`` holds links to the customer page (show it with
    :func:`customer_link_config`)."""
    out = df.copy()
    out[column] = [customer_url(str(c), lang, f) for c in out[column]]
    return out


def customer_link_config(label: str) -> object:
    """Column config that shows a customer link as the customer's id."""
    return st.column_config.LinkColumn(label, display_text=r"customer=([^&]+)")
