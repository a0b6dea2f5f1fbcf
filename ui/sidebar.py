"""The sidebar: language switch and global filters, mirrored in the URL's query string.

On a session's first run the widgets take their values from the query string (so a copied
link reopens the same view); on every run the current values are written back to it. Invalid
values in a link are dropped with a warning rather than failing the page.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics import filters as flt
from analytics.filters import ATTRIBUTES, Allowance, Filters, OutsideAllowance
from analytics.metrics import FILTER_DIMENSIONS
from i18n import LANG_NAMES, LANGS, Translator

LANG_KEY = "lang"
PERIOD_KEY = "flt_period"
_INIT_KEY = "_sidebar_initialised"
_SET_KEY = "_flt_set"  # show_filters asked for a filter: the next run sets the widgets to it
_DEFAULT_SEEN_KEY = "_flt_default_period"  # the default period when the slider was last drawn
FILTER_PARAMS = ("from", "to", *(d.param for d in FILTER_DIMENSIONS))


def _widget_key(name: str) -> str:
    return f"flt_{name}"


def initial_language() -> str:
    """The language of a new session: the link's ``lang``, else the browser's, else Chinese."""
    lang = st.query_params.get(LANG_KEY)
    if lang in LANGS:
        return lang
    if lang:  # named once the page is drawn (ui.links)
        from ui import links

        links.notice(Translator("en").md("links.bad_lang", value=lang) + " · " + Translator("zh").md("links.bad_lang", value=lang))
    locale = (getattr(st.context, "locale", None) or "").lower()
    if locale.startswith("en"):
        return "en"
    return "zh"


def language() -> str:
    """Render the language switch and return the chosen language."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = initial_language()
    t = Translator(st.session_state[LANG_KEY])
    st.sidebar.segmented_control(t("sidebar.language"), LANGS, key=LANG_KEY, format_func=LANG_NAMES.get,
                                 selection_mode="single")
    if st.session_state.get(LANG_KEY) not in LANGS:  # a click on the selected option unselects it
        st.session_state[LANG_KEY] = "zh"
    return st.session_state[LANG_KEY]


def months_between(bounds: tuple[dt.date, dt.date]) -> list[dt.date]:
    months, m = [], bounds[0].replace(day=1)
    while m <= bounds[1]:
        months.append(m)
        m = flt.add_months(m, 1)
    return months


def allowed_text(allowed: dict[str, tuple[str, ...]], t: Translator) -> str:
    """'regions East, North; segments SMB', translated, from :attr:`OutsideAllowance.allowed`."""
    column = {name: col for name, col in ATTRIBUTES}
    return "; ".join(t(f"auth.allowed.{name}", values=", ".join(t.value(column[name], v) for v in values))
                     for name, values in allowed.items())


def _initial_values(options: dict[str, list[str]], months: list[dt.date], t: Translator,
                    allowance: Allowance | None = None) -> dict[str, object]:
    """A session's starting filter: the link's values where valid, else the defaults. A link asking for
    customers outside the user's allowance is refused, saying what they may see."""
    from ui import links  # the link's invalid values are named at the top of the page

    try:
        linked = Filters.from_params(dict(st.query_params))
    except ValueError as exc:
        links.notice(t.md("sidebar.bad_params", error=str(exc)))  # the link's text: shown as text
        linked = Filters()
    if allowance is not None:
        try:
            allowance.apply(linked)
        except OutsideAllowance as exc:
            st.error(t.md("auth.outside", asked=allowed_text(exc.outside, t), allowed=allowed_text(exc.allowed, t)))
    init: dict[str, object] = {name: [v for v in getattr(linked, name) if v in options[name]] for name, _ in ATTRIBUTES}
    for name, column in ATTRIBUTES:
        unknown = [v for v in getattr(linked, name) if v not in options[name]]
        if unknown:
            links.notice(t.md("links.unknown_values", dimension=t.dimension(column), values=", ".join(unknown)))
    init["period"] = None
    if months and (linked.date_from or linked.date_to):
        start = max((linked.date_from or months[0]).replace(day=1), months[0])
        end = min((linked.date_to or months[-1]).replace(day=1), months[-1])
        if start <= end:
            init["period"] = (start, end)
        if (linked.date_from and linked.date_from < months[0]) or (linked.date_to and linked.date_to > flt.month_end(months[-1])):
            links.notice(t.md("links.period_clamped", asked=f"{linked.date_from or '…'} – {linked.date_to or '…'}",
                              first=t.month(months[0]), last=t.month(months[-1])))
    return init


def filters(options: dict[str, list[str]], bounds: tuple[dt.date, dt.date] | None, t: Translator,
            allowance: Allowance | None = None, as_of: dt.date | None = None, *,
            latest: tuple[dt.date | None, dt.date | None]) -> Filters:
    """Render the filter widgets and return the filter they describe.

    ``options`` are the values offered (for a restricted user, only the allowed ones:
    :meth:`Allowance.options`); ``allowance`` refuses a link's values outside it, with the allowed ones;
    ``as_of`` is the date the data are complete through (:func:`analytics.filters.data_as_of`): a last
    month it does not complete is left out of the default period and marked partial in the slider;
    ``latest`` is the store's default period (:func:`analytics.filters.latest_period`), which also
    never opens on a period without transactions.

    Widgets get their starting values through ``value``/``default`` (fixed for the session), never
    by writing their keys, so Streamlit keeps each widget's identity and state across reruns. A session
    still on the default period follows the default when a write moves it (a load completing a month).
    """
    months = months_between(bounds) if bounds else []
    init = st.session_state.get(_INIT_KEY)
    if init is None:
        init = st.session_state[_INIT_KEY] = _initial_values(options, months, t, allowance)
    # After show_filters, the widgets' values are set before they are drawn, not only their defaults:
    # Streamlit 1.67 keys a multiselect's and a select slider's identity by their key alone, so a
    # forgotten value left the browser showing the old selection while the filter had changed.
    setting = st.session_state.pop(_SET_KEY, False)
    sb = st.sidebar
    sb.subheader(t("sidebar.filters"))
    date_from = date_to = None
    if months and bounds:
        first, last = latest  # both set when there are data (bounds)
        if first is None or last is None:
            raise ValueError("no default period without data")
        default = (first, last.replace(day=1))  # the slider's (first, last) months
        period = init.get("period")
        if not period or period[0] not in months or period[1] not in months:
            period = default
        current = st.session_state.get(PERIOD_KEY)
        seen = st.session_state.get(_DEFAULT_SEEN_KEY)
        if current is not None and not (isinstance(current, (tuple, list)) and len(current) == 2
                                        and all(m in months for m in current)):
            del st.session_state[PERIOD_KEY]  # the data changed under the widget: start again
        elif current is not None and seen is not None and seen != default and tuple(current) == seen:
            # Still on the default the data had when it was drawn, not a choice: follow the new default. Set,
            # not forgotten: Streamlit 1.67 keys the slider by its key alone, and the browser would keep
            # showing (and send back) a forgotten value.
            st.session_state[PERIOD_KEY] = default
            period = default
            init["period"] = None
        st.session_state[_DEFAULT_SEEN_KEY] = default
        if setting:
            st.session_state[PERIOD_KEY] = tuple(period)
        partial = flt.partial_month(Filters(), as_of)  # the data's last month when they do not complete it
        if len(months) > 1:
            start, end = sb.select_slider(
                t("sidebar.period"), options=months, value=tuple(period), key=PERIOD_KEY,
                format_func=lambda m: t("sidebar.partial_option", month=t.month(m)) if m == partial else t.month(m),
                help=t("sidebar.period_help"))
        else:
            start = end = months[0]
        date_from, date_to = start, flt.month_end(end)
        if partial is not None and as_of is not None and end < partial:
            sb.caption(t("sidebar.partial_left_out", month=t.month(partial), date=t.date(as_of)))
    chosen: dict[str, tuple[str, ...]] = {}
    for name, column in ATTRIBUTES:
        key = _widget_key(name)
        current = st.session_state.get(key)
        if current is not None and any(v not in options[name] for v in current):
            del st.session_state[key]
        if setting:
            st.session_state[key] = [v for v in init[name] if v in options[name]]
        chosen[name] = tuple(sb.multiselect(
            t.dimension(column), options[name], default=[v for v in init[name] if v in options[name]], key=key,
            placeholder=t("sidebar.all"), format_func=lambda v, c=column: t.value(c, v),
        ))
    sb.button(t("sidebar.reset"), width="stretch", on_click=_reset)
    sb.caption(t("sidebar.link_hint"))
    return Filters(date_from=date_from, date_to=date_to, **chosen)


def _reset() -> None:
    """Button callback: back to the defaults (the widgets are recreated from their defaults)."""
    show_filters(Filters())


def show_filters(f: Filters) -> None:
    """Make the sidebar show ``f`` from the next run on (a saved view's filters).

    Call it from a widget callback, or from a page followed by ``st.rerun()``: the filter widgets
    take ``f``'s values on the next run (a period not in whole months is widened to its months).
    """
    for key in [PERIOD_KEY, *(_widget_key(n) for n, _ in ATTRIBUTES)]:
        st.session_state.pop(key, None)
    st.session_state[_SET_KEY] = True
    period = None
    if f.date_from and f.date_to:
        period = (f.date_from.replace(day=1), f.date_to.replace(day=1))
    st.session_state[_INIT_KEY] = {**{n: list(getattr(f, n)) for n, _ in ATTRIBUTES}, "period": period}


def write_query_params(lang: str, f: Filters) -> None:
    """Mirror the language and filter into the URL, leaving other parameters (a page's own) alone."""
    wanted = {LANG_KEY: lang, **f.to_params()}
    for key in FILTER_PARAMS:
        if key not in wanted and key in st.query_params:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
