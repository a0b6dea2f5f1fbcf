"""Page building blocks shared by every view: headers, metric cards, charts, downloads."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import tabular
from analytics.filters import Filters
from analytics.metrics import metric as registered
from charts import partial
from i18n import Translator
from i18n.markdown import escape
from presentation import takeaways
from presentation.meta import describe_filters  # one definition for captions, downloads and exports
from ui import context

CUSTOMER_PAGE = "customer"  # views/customer.py: everything about one customer (?customer=ID)
CHART_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
# Streamlit's money formats for table columns by currency; others are written as plain localized numbers.
MONEY_FORMATS = {"CNY": "yen", "RMB": "yen", "JPY": "yen", "USD": "dollar", "EUR": "euro"}
_DELTA_COLORS = {1: "normal", -1: "inverse", 0: "off"}


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


def page_header(title: str, t: Translator, f: Filters, subtitle: str | None = None) -> None:
    """Title and caption (the filter in words by default). Both are Markdown: pass values from the data
    through :func:`i18n.markdown.escape` or ``t.md``."""
    st.title(title)
    st.caption(subtitle or escape(describe_filters(f, t)))
    ctx = context.current()
    if ctx is not None and ctx.partial_month is not None:  # chosen by the user: say what it does to figures
        st.warning(t("app.partial_note", month=t.month(ctx.partial_month), date=t.date(ctx.data_as_of)),
                   icon=":material/hourglass_bottom:")


def chart(fig: go.Figure, key: str, **kwargs: object) -> object:
    """Render a Plotly figure full width with the house config; returns the selection event if any.
    A partial month in the period (:attr:`ui.context.PageContext.partial_month`) is marked on it."""
    ctx = context.current()
    if ctx is not None and ctx.partial_month is not None:
        fig = partial.mark(fig, ctx.partial_month, ctx.data_as_of, ctx.t)
    return st.plotly_chart(fig, key=key, width="stretch", config=CHART_CONFIG, **kwargs)


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
              help=t.metric_help(key, per_customer, **(help_args or {})) + note)


def money_format(t: Translator) -> str:
    """The column-config money format for ``t``'s currency."""
    return MONEY_FORMATS.get(t.currency.upper(), "localized")


def figure_column(t: Translator, key: str, **kwargs: object) -> object:
    """A table column showing figure ``key``: its label and a format by its unit (money in the currency,
    shares as %, other numbers at the figure's decimals; counts as Streamlit writes whole numbers)."""
    m = registered(key)
    if m.unit == "money":
        kwargs.setdefault("format", money_format(t))
    elif m.unit == "share":
        kwargs.setdefault("format", "percent")
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
