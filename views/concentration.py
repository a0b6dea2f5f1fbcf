"""Profit concentration: the whale curve and the 20/80/30 figures, who makes and who destroys profit,
what drives their cost, groups compared, and the activity rates behind it (what-if or saved)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import streamlit as st

from analytics import concentration as conc
from analytics import rates
from charts import concentration as conc_charts
from charts import titles
from i18n.markdown import escape
from presentation import takeaways
from ui import auth, cache, columns, components, context, drill, links, refresh

PAGE = {"title": "nav.concentration", "icon": ":material/water:", "order": 10, "section": "nav.section.views"}

EDITOR = "conc_rates"
MODE = "conc_rate_mode"
FLASH = "conc_flash"
ALL = "__all__"
ROWS = (10, 20, 50, 100, 500)

ctx = context.get()
t, f = ctx.t, ctx.filters
money_format = components.money_format(t)

components.page_header(t("conc.title"), t, f, subtitle=t.md("conc.subtitle", filters=components.describe_filters(f, t)))
lead = st.container()  # the page's first sentence: the 20/80/30 rule in words (filled once the figures are known)
banner = st.container()
cards = st.container()


# ----------------------------------------------------------------------------- rate editor (first: it sets the rates)
def _editor_frame(latest: pd.DataFrame, default_from: dt.date) -> pd.DataFrame:
    return pd.DataFrame({
        "activity": latest["activity"],
        "name": [t.value("activity", a) for a in latest["activity"]],
        "unit": [t.value("unit", u) for u in latest["unit"]],
        "unit_cost": latest["unit_cost"].astype(float),
        "since": pd.to_datetime(latest["valid_from"]).dt.date,
        "new_cost": latest["unit_cost"].astype(float),
        "new_from": default_from,
    })


def _differs(a: object, b: object) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return a is not b
    try:
        return not math.isclose(float(a), float(b), rel_tol=0, abs_tol=5e-5)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _problem_text(p: rates.RateProblem) -> str:
    return t.md(f"conc.rates.problem.{p.code}", activity=t.value("activity", p.activity) if p.activity else "—",
                value=p.value)


def _clear_editor() -> None:
    st.session_state.pop(EDITOR, None)


def rate_editor() -> dict[str, float]:
    """The analysts' rate table; returns the what-if unit costs in force (empty when none)."""
    latest = cache.run(rates.latest)
    if latest.empty:
        st.info(t("conc.rates.none"))
        return {}
    default_from = f.date_from or dt.date.today().replace(day=1)
    base = _editor_frame(latest, default_from)
    modes = ["whatif", "save"] if auth.current().can(auth.ANALYST) else ["whatif"]  # viewers: what-if only
    mode = st.radio(t("conc.rates.mode"), modes, key=MODE, horizontal=True,
                    format_func=lambda m: t(f"conc.rates.mode.{m}"), help=t("conc.rates.mode_help"))
    st.caption(t("conc.rates.whatif_hint") if mode == "whatif" else t("conc.rates.save_hint"))
    edited = st.data_editor(
        base, key=EDITOR, num_rows="fixed", hide_index=True, width="stretch",
        column_order=["name", "unit", "unit_cost", "since", "new_cost", "new_from"],
        disabled=["name", "unit", "unit_cost", "since"],
        column_config={
            "name": st.column_config.TextColumn(t("common.activity")),
            "unit": st.column_config.TextColumn(t("conc.rates.unit")),
            "unit_cost": st.column_config.NumberColumn(t("conc.rates.current"), format="%.4g"),
            "since": st.column_config.DateColumn(t("conc.rates.since"), format="YYYY-MM-DD"),
            "new_cost": st.column_config.NumberColumn(t("conc.rates.new_cost"), min_value=0.0, step=0.0001,
                                                      format="%.4g", help=t("conc.rates.new_cost_help")),
            "new_from": st.column_config.DateColumn(t("conc.rates.new_from"), format="YYYY-MM-DD",
                                                    help=t("conc.rates.new_from_help")),
        },
    )
    if mode == "whatif":
        proposed = [{"activity": r.activity, "unit_cost": r.new_cost, "valid_from": default_from}
                    for r in edited.itertuples() if _differs(r.new_cost, r.unit_cost)]
        try:
            with_values = {ch.activity: ch.unit_cost for ch in _validated(proposed)}
        except rates.RateError as exc:
            st.error("\n\n".join(_problem_text(p) for p in exc.problems))
            return {}
        return with_values
    changes = [{"activity": r.activity, "unit_cost": r.new_cost, "valid_from": r.new_from}
               for r in edited.itertuples()
               if _differs(r.new_cost, r.unit_cost) or r.new_from != default_from]
    if not changes:
        st.caption(t("conc.rates.nothing_to_save"))
    else:
        st.markdown(t("conc.rates.pending", n=len(changes)) + "\n" + "\n".join(
            f"- {escape(t.value('activity', ch['activity']))}: {escape(_cost_text(ch['unit_cost']))} "
            f"{t('conc.rates.from_date', date=t.date(ch['valid_from']) if isinstance(ch['valid_from'], dt.date) else '—')}"
            for ch in changes))
    if st.button(t("conc.rates.save", n=len(changes)), key="conc_rates_save", type="primary", disabled=not changes) \
            and auth.permitted(auth.ANALYST, whole_store=True):  # rates apply to every customer
        try:
            result = rates.save(cache.connection(), changes, user=ctx.user, allowance=ctx.allowance)
        except rates.Restricted:  # restricted between the check above and the save
            st.error(t.md("auth.refused_whole_store", allowed=auth.allowance_text(ctx.allowance, t)))
        except rates.RateError as exc:
            st.error(t("conc.rates.refused") + "\n\n" + "\n\n".join(_problem_text(p) for p in exc.problems))
        else:
            st.session_state[FLASH] = t("conc.rates.saved", n=result.changed, months=len(result.months))
            refresh.after_write()
            _clear_editor()
            st.rerun()
    return {}


def _cost_text(v: object) -> str:
    try:
        return f"{float(v):,.4g}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(v)


def _validated(proposed: list[dict[str, object]]) -> list[rates.RateChange]:
    # As frozen RateChange rows: ui.cache freezes dicts inside a list but hands them back frozen.
    rows = tuple(rates.RateChange(str(p["activity"]), p["unit_cost"], p["valid_from"]) for p in proposed)  # type: ignore[arg-type]
    return cache.run(rates.validate, rows) if rows else []


# The whale curve and the bridge are drawn after the rate editor (whose rates they use) but shown above it, so the
# key chart starts on a laptop's first screen.
key_charts = st.container()
more_cards = st.container()  # the cards after the first row, and their notes: under the key charts
with st.expander(t("conc.rates.title"), icon=":material/tune:"):
    edit_tab, history_tab = st.tabs([t("conc.rates.edit_tab"), t("conc.rates.history")])
    with edit_tab:
        whatif = rate_editor()
        flash = st.session_state.pop(FLASH, None)
        if flash:
            st.success(flash)
    with history_tab:
        hist = cache.run(rates.history)
        st.dataframe(
            hist.assign(activity=[t.value("activity", a) for a in hist["activity"]],
                        unit=[t.value("unit", u) for u in hist["unit"]]),
            hide_index=True, width="stretch", placeholder="—",
            column_config={
                "activity": t("common.activity"), "unit": t("conc.rates.unit"),
                "unit_cost": st.column_config.NumberColumn(t("conc.rates.unit_cost"), format="%.4g"),
                "valid_from": st.column_config.DateColumn(t("conc.rates.since"), format="YYYY-MM-DD"),
                "valid_to": st.column_config.DateColumn(t("conc.rates.until"), format="YYYY-MM-DD"),
                "changed_by": t("conc.rates.changed_by"),
                "changed_at": st.column_config.DatetimeColumn(t("conc.rates.changed_at"), format="YYYY-MM-DD HH:mm"),
            })
if flash:
    st.toast(flash, icon=":material/check_circle:")

R = whatif or None
s = cache.run(conc.summary, f, rates=R)
saved = cache.run(conc.summary, f) if R else s
fig = s.figures

# ----------------------------------------------------------------------------- what-if banner and headline cards
with banner:
    if R:
        latest = cache.run(rates.latest)
        latest_costs = dict(zip(latest["activity"], latest["unit_cost"], strict=True))
        st.warning(t.md("conc.whatif.banner", changes=t("conc.list_sep").join(
            f"{t.value('activity', a)} {_cost_text(latest_costs.get(a))} → {_cost_text(v)}" for a, v in R.items())),
            icon=":material/science:")
        st.button(t("conc.whatif.discard"), on_click=_clear_editor, key="conc_whatif_discard", icon=":material/undo:")

if not fig.customers:
    with cards:
        st.warning(t("common.no_customers"))
    st.stop()
with banner:  # cost of goods not provided for part of the revenue: said above every profit figure
    cogs_note = components.cogs_warning(t, s.cogs_unknown_share)


def _share(v: float | None, digits: int = 0) -> str:
    return t.pct(v, digits) if v is not None else "—"


undefined_note = "" if fig.shares_defined else "\n\n" + t("common.undefined_share")
b = saved.figures
# Each card is a figure of analytics.metrics (label, format, help, whether a rise is good); under a what-if,
# the change is against the saved rates.
CARDS = (("profit", "total_profit"), ("top20_profit_share",), ("whale_peak_share",), ("whale_peak_customer_share",),
         ("loss_customers",), ("loss_customer_share",), ("loss_profit",), ("breakeven_profit",),
         ("bottom30_profit",), ("bottom30_share_of_peak",), ("gini",), ("customers",))
help_args = {"top": f"{fig.top20_customers:,}", "bottom": f"{fig.bottom30_customers:,}", "n": f"{fig.customers:,}"}
with cards:  # the first row here, the other two under the key charts (a laptop's first screen holds the curve)
    card_columns = st.columns(4)
with more_cards:
    card_columns += [c for _ in range(2) for c in st.columns(4)]
    for col, (key, *field) in zip(card_columns, CARDS, strict=True):
        name = field[0] if field else key
        now, before = getattr(fig, name), getattr(b, name)
        change = now - before if R and key != "customers" and now is not None and before is not None else None
        with col:
            components.kpi(t, key, now, change, help_args=help_args,
                           note=undefined_note if key in ("top20_profit_share", "whale_peak_share") else "")
    if R:
        st.caption(t("conc.whatif.deltas"))
with lead:
    (st.info if fig.shares_defined else st.warning)(
        takeaways.concentration_lead(fig, t), icon=":material/lightbulb:" if fig.shares_defined else ":material/warning:")
with more_cards:
    if not s.unpriced.empty:
        st.caption(t.md("conc.unpriced", items=t("conc.list_sep").join(
            f"{t.value('activity', a)} ({t.num(q)})" for a, q in zip(s.unpriced["activity"], s.unpriced["quantity"], strict=True))))


# ----------------------------------------------------------------------------- whale curve and waterfall
def _share_range(event: object) -> tuple[float, float] | None:
    """The range of customer shares (fractions) selected on the curve: a box, or the selected points."""
    selection = event.get("selection", {}) if hasattr(event, "get") else {}
    for box in selection.get("box") or []:
        xs = box.get("x") or []
        if len(xs) == 2:
            return min(xs) / 100, max(xs) / 100
    xs = [p["x"] for p in selection.get("points") or [] if isinstance(p.get("x"), (int, float))]
    return (min(xs) / 100, max(xs) / 100) if xs else None


with key_charts:
    left, right = st.columns([3, 2], gap="medium")
with left:
    st.subheader(t("conc.curve.title"))
    curve_event = components.chart(
        cache.figure(conc_charts.whale_curve, s.curve, fig, t, height=components.KEY_CHART_HEIGHT, selectable=True), "conc_curve",
        on_select="rerun", selection_mode=("box", "points"))
    share_range = _share_range(curve_event)
    st.caption(t("conc.curve.hint"))
with right:
    st.subheader(t("conc.bridge.title"))
    scope = links.choice(st.radio, t("conc.bridge.scope"), ["all", "segment", "customer"], key="conc_bridge_scope", param="bridge", horizontal=True,
                     format_func=lambda v: t(f"conc.bridge.scope.{v}"))
    bridge, bridge_label = None, t("conc.bridge.all", n=f"{fig.customers:,}")
    if scope == "segment":
        segs = cache.run(conc.compare, f, "segment", rates=R)["group"].tolist()
        seg = links.choice(st.selectbox, t.dimension("segment"), segs, key="conc_bridge_segment", param="bridge_segment",
                           format_func=lambda v: conc_charts.group_label(t, "segment", v))
        if seg is not None:
            bridge = cache.run(conc.bridge, f, rates=R, column="segment", value=seg)
            bridge_label = t("conc.bridge.segment", segment=conc_charts.group_label(t, "segment", seg), n=f"{bridge.customers:,}")
    elif scope == "customer":
        query = st.text_input(t("conc.bridge.search"), key="conc_bridge_q", placeholder=t("conc.bridge.search_ph"))
        found = cache.run(conc.search_customers, f, query, 50) if query.strip() else None
        if found is None:
            st.caption(t("conc.bridge.search_hint"))
        elif found.empty:
            st.info(t.md("conc.bridge.not_found", query=query.strip()))
        else:
            labels = {r.customer_id: f"{r.customer_id} · {r.name}" for r in found.itertuples()}
            cid = st.selectbox(t("common.customer"), list(labels), key="conc_bridge_customer", format_func=labels.get)
            if cid is not None:
                bridge = cache.run(conc.bridge, f, rates=R, customer_id=cid)
                bridge_label = labels[cid]
                drill.customer_link(cid, t("conc.open_customer"))
    if scope == "all":
        bridge = cache.run(conc.bridge, f, rates=R)
    if bridge is not None:
        components.chart(titles.fit(cache.figure(conc_charts.profit_bridge, bridge.revenue, bridge.cogs, bridge.costs, t,
                                                              title=bridge_label, height=400), 5 / 2), "conc_bridge")


# ----------------------------------------------------------------------------- groups compared, loss drivers
def dim_label(d: str) -> str:
    """A comparison dimension's name: a customer attribute's from analytics.metrics, else the page's own."""
    return t(f"conc.dim.{d}") if d == "period" else t.dimension(d)


st.divider()
st.subheader(t("conc.cmp.title"))
c1, c2 = st.columns([3, 1])
with c1:
    dim = links.choice(st.segmented_control, t("conc.cmp.by"), list(conc.DIMENSIONS), key="conc_dim", param="compare_by", default="segment",
                               format_func=dim_label, required=True) or "segment"
with c2:
    unit = "quarter"
    if dim == "period":
        unit = links.choice(st.segmented_control, t("conc.cmp.unit"), list(conc.PERIOD_UNITS), key="conc_unit", param="unit", default="quarter",
                                    format_func=lambda u: t(f"conc.unit.{u}"), required=True) or "quarter"
groups = cache.run(conc.compare, f, dim, rates=R, period_unit=unit)
if dim == "product":
    st.caption(t("conc.cmp.product_note"))
elif dim == "period":
    st.caption(t("conc.cmp.period_note"))
group_event = components.chart(titles.fit(cache.figure(conc_charts.group_comparison, groups, t, dim,
                                                                       title=t("conc.cmp.chart", dim=dim_label(dim)))),
                               "conc_groups", on_select="rerun", selection_mode=("points", "box"))
options = [ALL, *groups["group"].tolist()]
points = (group_event.get("selection", {}) if hasattr(group_event, "get") else {}).get("points") or []
picked = [g for g in options[1:] if g in {str(p["customdata"][0]) for p in points if p.get("customdata")}]
focus_key, pick_key = f"conc_group_{dim}_{unit}", f"conc_group_pick_{dim}_{unit}"
if st.session_state.get(focus_key) not in (None, *options):
    del st.session_state[focus_key]
if picked != st.session_state.get(pick_key, []):  # a new selection on the bars moves the focus
    st.session_state[pick_key] = picked
    st.session_state[focus_key] = picked[0] if picked else ALL
GROUP_FIGURES = {"customers": "customers", "revenue": "revenue", "cost_to_serve": "cost_to_serve", "total_profit": "profit",
                 "top20_profit_share": "top20_profit_share", "whale_peak_share": "whale_peak_share",
                 "loss_customers": "loss_customers", "loss_profit": "loss_profit",
                 "bottom30_share_of_peak": "bottom30_share_of_peak", "gini": "gini"}  # column: figure (analytics.metrics)
group_table = groups.assign(group=[conc_charts.group_label(t, dim, g) for g in groups["group"]])[["group", *GROUP_FIGURES]]
with st.expander(t("conc.cmp.table"), icon=":material/table:"):
    st.dataframe(group_table, hide_index=True, width="stretch", placeholder="—", column_config={
        "group": dim_label(dim), **{c: components.figure_column(t, k) for c, k in GROUP_FIGURES.items()}})
    components.downloads(group_table.rename(columns={"group": dim_label(dim), **{c: t.metric(k) for c, k in GROUP_FIGURES.items()}}),
                         f"concentration_by_{dim}", t, header_lines=[components.describe_filters(f, t),
                                                                      *([cogs_note] if cogs_note else [])],
                         key="conc_dl_groups")

focus = links.choice(st.selectbox, t("conc.cmp.focus"), options, key=focus_key, param="group",
                     format_func=lambda g: t("conc.cmp.focus_all") if g == ALL else conc_charts.group_label(t, dim, g),
                     help=t("conc.cmp.focus_help"))
group = None if focus in (None, ALL) else focus
group_name = conc_charts.group_label(t, dim, group) if group else t("conc.cmp.focus_all")
drivers = cache.run(conc.loss_drivers, f, dim if group else None, group, rates=R, period_unit=unit)
st.subheader(t.md("conc.drivers.title", group=group_name))
if drivers.loss_customers:
    st.caption(t("conc.drivers.summary", n=f"{drivers.loss_customers:,}", total=f"{drivers.customers:,}",
                 loss=t.money(-drivers.loss_profit, compact=True), cts=t.money(drivers.loss_cost_to_serve, compact=True)))
    components.chart(cache.figure(conc_charts.loss_drivers, drivers, t), "conc_drivers")
    a = drivers.activities
    st.dataframe(a.assign(activity=[t.value("activity", x) for x in a["activity"]])[
        ["activity", "loss_cost", "loss_cost_share", "loss_cost_per_customer", "other_cost_per_customer",
         "loss_cost_per_revenue", "other_cost_per_revenue"]],
        hide_index=True, width="stretch", placeholder="—", column_config={
            "activity": t("common.activity"),
            "loss_cost": st.column_config.NumberColumn(t("conc.drivers.col.loss_cost"), format=money_format,
                                                       help=t("conc.drivers.col.loss_cost_help")),
            "loss_cost_share": st.column_config.NumberColumn(t("conc.drivers.col.share"), **columns.share_spec(),
                                                             help=t("conc.drivers.col.share_help")),
            "loss_cost_per_customer": st.column_config.NumberColumn(t("conc.drivers.loss"), format=money_format),
            "other_cost_per_customer": st.column_config.NumberColumn(t("conc.drivers.other"), format=money_format),
            "loss_cost_per_revenue": st.column_config.NumberColumn(t("conc.drivers.col.loss_rev"), **columns.share_spec(),
                                                                   help=t("conc.drivers.col.rev_help")),
            "other_cost_per_revenue": st.column_config.NumberColumn(t("conc.drivers.col.other_rev"), **columns.share_spec(),
                                                                    help=t("conc.drivers.col.rev_help")),
        })
else:
    st.success(t.md("conc.drivers.none", group=group_name))


# ----------------------------------------------------------------------------- customer tables
st.divider()
st.subheader(t("conc.tables.title"))
notes = []
if share_range is not None:
    first, last = conc.rank_range(fig.customers, share_range)
    notes.append(t("conc.tables.ranks", first=f"{first:,}", last=f"{max(first, last):,}",
                   lo=t.pct(share_range[0]), hi=t.pct(share_range[1])))
if group:
    notes.append(t("conc.tables.group", dim=dim_label(dim), group=group_name))
    if dim in ("product", "period"):
        notes.append(t(f"conc.tables.units.{dim}"))
if notes:
    st.info(escape(" ".join(notes)), icon=":material/filter_alt:")  # a group's name comes from the data
else:
    st.caption(t("conc.tables.hint"))
n_rows = links.choice(st.selectbox, t("conc.tables.rows"), ROWS, index=1, key="conc_rows", param="rows")
header = [components.describe_filters(f, t), *notes, *([cogs_note] if cogs_note else [])]
if R:
    header.append(t("conc.whatif.export", changes=t("conc.list_sep").join(
        f"{t.value('activity', a)} {_cost_text(v)}" for a, v in R.items())))

BASE_COLUMNS = ["rank", "customer_id", "name", "segment", "region", "channel", "revenue", "cogs", "cost_to_serve",
                "profit", "main_driver", "main_driver_share"]
OFF_SCREEN = ["region", "channel", "cogs"]  # in the downloads only, so that the activity costs stay in view


def customer_table(kind: str) -> None:
    tab = cache.run(conc.customer_table, f, kind, n_rows, rates=R, share_range=share_range,
                    dimension=dim if group else None, group=group, period_unit=unit)
    st.markdown(f"**{t(f'conc.tables.{kind}')}** · " + t("conc.tables.count", shown=f"{len(tab.frame):,}",
                                                         matched=f"{tab.matched:,}"))
    if tab.frame.empty:
        st.caption(t("conc.tables.empty"))
        return
    df = tab.frame[BASE_COLUMNS + [f"cost:{a}" for a in tab.activities]].copy()
    for column in ("segment", "region", "channel"):
        df[column] = [t.value(column, v) for v in df[column]]
    df["main_driver"] = [t.value("activity", v) if v else "—" for v in df["main_driver"]]
    labels = {"rank": t("conc.col.rank"), "customer_id": t("common.customer_id"), "name": t("common.name"),
              **{d: t.dimension(d) for d in ("segment", "region", "channel")},
              "revenue": t.metric("revenue"), "cogs": t.metric("cost_of_goods"), "cost_to_serve": t.metric("cost_to_serve"),
              "profit": t.metric("profit"), "main_driver": t("conc.col.main_driver"),
              "main_driver_share": t("conc.col.main_driver_share"),
              **{f"cost:{a}": t("conc.col.activity_cost", activity=t.value("activity", a)) for a in tab.activities}}
    money_cols = ["revenue", "cogs", "cost_to_serve", "profit", *(f"cost:{a}" for a in tab.activities)]
    config: dict[str, object] = {c: st.column_config.NumberColumn(labels[c], format=money_format) for c in money_cols}
    config.update({
        "rank": st.column_config.NumberColumn(labels["rank"], help=t("conc.col.rank_help")),
        "customer_id": components.customer_link_config(labels["customer_id"]),
        "name": labels["name"], "segment": labels["segment"], "region": labels["region"], "channel": labels["channel"],
        "main_driver": st.column_config.TextColumn(labels["main_driver"], help=t("conc.col.main_driver_help"), width="medium"),
        "main_driver_share": columns.share(labels["main_driver_share"]),
    })
    drill.customer_table(df, hide_index=True, width="stretch", placeholder="—",
                 column_order=[c for c in df.columns if c not in OFF_SCREEN], column_config=config,
                 height=min(35 * (len(df) + 1) + 3, 738), key=f"conc_table_{kind}")
    components.downloads(df.rename(columns=labels), f"concentration_{kind}_customers", t, header_lines=header,
                         key=f"conc_dl_{kind}")


customer_table("top")
customer_table("loss")
