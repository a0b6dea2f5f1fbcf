"""Delivered value: what the company gives and costs its customers, where they fall short of their
expectations, and where both sides win (DOMAIN.md §2)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import delivered_value as dv
from analytics import profit
from analytics.filters import ATTRIBUTES
from charts import delivered_value as dv_charts
from charts import titles
from charts.theme import LOSS
from i18n.fmt import unit as money_unit
from presentation import takeaways
from ui import cache, components, context, drill, links

PAGE = {"title": "nav.delivered_value", "icon": ":material/volunteer_activism:", "order": 20,
        "section": "nav.section.views"}

ctx = context.get()
t, f = ctx.t, ctx.filters
fmt = dv_charts.score
MAX_ROWS = 1000

r = cache.run(dv.delivered_value, f)
s, prev = r.summary, r.previous
components.page_header(t("dv.title"), t, f, subtitle=t.md("dv.subtitle", period=components.describe_filters(f, t),
                                                              currency=money_unit(t.currency, t.lang)))  # 元 / ¥, not CNY
filter_line = components.describe_filters(f, t)
lead = st.container()  # the page's first sentence, in plain words (filled once the figures are known)
# The customer tables show profit: say where cost of goods was not provided (also in their downloads).
cogs_note = components.cogs_warning(t, cache.run(profit.cogs_unknown_for, f))


def dim_label(d: str) -> str:
    """A group dimension's name: the registry's for customer attributes; "main product" is this page's own
    (each customer's product with the most revenue in the period)."""
    return t("dv.main_product") if d == "product" else t.dimension(d)


def customer_table(df: pd.DataFrame, columns: dict[str, str], key: str, name: str) -> None:
    """A table of customers with links to the customer page and downloads (columns: key -> header)."""
    shown = df[list(columns)].copy()
    # Translate each distinct code once (a list of 40,000 customers has a handful of them).
    labels = {"move": lambda m: t(f"dv.move.{m}"), "product": lambda v: dv_charts.group_label("product", v, t)}
    for col in ("quadrant", "quadrant_previous", "quadrant_current"):
        labels[col] = lambda q: t(f"dv.quadrant.{q}") if isinstance(q, str) else "—"
    for col in ("segment", "region", "customer_type"):
        labels[col] = lambda v, c=col: t.value(c, v)
    for col, label in labels.items():
        if col in shown:
            codes = shown[col].astype(object).where(shown[col].notna(), None)
            shown[col] = codes.map({v: label(v) for v in set(codes)})
    config: dict[str, object] = {c: label for c, label in columns.items()}
    config["customer_id"] = components.customer_link_config(columns["customer_id"])
    for col in ("delivered_value", "customer_value", "customer_cost", "gap_overall"):
        if col in shown:
            config[col] = st.column_config.NumberColumn(columns[col], format="%.2f")
    if "assessed_on" in shown:  # the same date form as t.date
        config["assessed_on"] = st.column_config.DateColumn(
            columns["assessed_on"], format="YYYY年M月D日" if ctx.lang == "zh" else "YYYY-MM-DD")
    for col in ("revenue", "profit"):
        if col in shown:  # whole units, as everywhere else money is shown
            shown[col] = shown[col].astype(float).round(0)
            config[col] = st.column_config.NumberColumn(columns[col], format="localized")
    # A browser table of tens of thousands of linked rows slows every rerun; the downloads keep them all.
    on_screen = shown.head(MAX_ROWS)
    drill.customer_table(on_screen, hide_index=True, width="stretch",
                 column_config=config, key=key, height=min(420, 38 + 35 * max(len(on_screen), 1)))
    if len(shown) > MAX_ROWS:
        st.caption(t("dv.rows_shown", shown=f"{MAX_ROWS:,}", total=f"{len(shown):,}"))
    components.downloads(shown.rename(columns=columns), name, t, header_lines=[filter_line, *([cogs_note] if cogs_note else [])],
                         key=key)


COMMON_COLUMNS = {"customer_id": t("common.customer_id"), "name": t("common.name"), "segment": t.dimension("segment"),
                  "region": t.dimension("region")}
MONEY_COLUMNS = {"revenue": t.metric("revenue"), "profit": t.metric("profit")}

if not s.assessed_customers:
    if not s.unassessed_customers:
        st.warning(t("common.no_customers"))
        st.stop()
    st.info(t("dv.no_assessments", n=f"{s.unassessed_customers:,}"))
    with st.expander(t("dv.unassessed.list")):
        customer_table(r.unassessed, {**COMMON_COLUMNS, **MONEY_COLUMNS},
                       "dv_unassessed", "unassessed_customers")
    st.stop()


# ------------------------------------------------------------------------- headline figures
# Each card is a figure of analytics.metrics; the change is against the previous period.
CARDS = ("delivered_value_mean", "customer_value_mean", "customer_cost_mean", "value_cost_ratio",
         "satisfaction_gap_mean", "share_below_expectation", "winwin_share", "assessed_customers")
help_args = {"winwin_share": {"rev": t.pct(s.winwin_revenue_share)}, "assessed_customers": {"n": f"{s.unassessed_customers:,}"}}


def card(key: str) -> None:
    now, before = getattr(s, key), getattr(prev, key) if prev is not None else None
    components.kpi(t, key, now, now - before if now is not None and before is not None else None,
                   help_args=help_args.get(key), note="\n\n" + t("dv.definition") if key == "delivered_value_mean" else "")


for col, key in zip(st.columns(4), CARDS[:4], strict=True):  # the other four under the key chart
    with col:
        card(key)

notes = []
if r.previous_period and prev is not None:
    notes.append(t("dv.vs_previous", period=t.period(*r.previous_period)))
if r.driver:
    ch = r.changes.set_index("part")
    notes.append(t("dv.driver", change=fmt(ch["contribution"].sum(), t, signed=True), part=t(f"dv.part.{r.driver}"),
                   contribution=fmt(ch.loc[r.driver, "contribution"], t, signed=True)))
with lead:
    st.info(takeaways.delivered_value_lead(s, lambda v: fmt(v, t), t), icon=":material/lightbulb:")


def group_parts(i: int) -> dict[str, float | None]:
    return {p: groups[p].iloc[i] for p in dv.PARTS}


# --------------------------------------------------------------------------------- waterfall
# The key chart sits right under the cards (on a laptop's first screen): the grouping is chosen beside it and the
# notices about who was not assessed follow it.
st.subheader(t("dv.section.waterfall"))
left, right = st.columns(2)
with right:
    dim = links.choice(st.selectbox, t("dv.group_by"), dv.DIMENSIONS, format_func=dim_label, key="dv_group_by",
                       param="compare_by", help=t("dv.group_by.help"))
groups = r.groups[dim]
group_names = {i: dv_charts.group_label(dim, g, t) for i, g in enumerate(groups["group"])}
with left:
    scope = links.choice(st.segmented_control, t("dv.scope"), ("selection", "group", "customer"), default="selection",
                                 format_func=lambda k: t(f"dv.scope.{k}"), key="dv_scope", param="scope") or "selection"
    if scope == "group" and len(groups):
        gi = st.selectbox(t("dv.scope.pick_group"), list(group_names), format_func=group_names.get,
                          key=f"dv_scope_group_{dim}")
        parts, scope_name = group_parts(gi), group_names[gi]
        info = t("dv.scope.group_info", n=f"{int(groups['customers'].iloc[gi]):,}")
    elif scope == "customer":
        cust = r.customers.set_index("customer_id")
        cid = st.selectbox(t("dv.scope.pick_customer"), list(cust.index),
                           format_func=lambda c: f"{c} · {cust.loc[c, 'name']}", key="dv_scope_customer")
        row = cust.loc[cid]
        parts, scope_name = {p: row[p] for p in dv.PARTS}, f"{row['name']}"
        info = t.md("dv.scope.customer_info", name=row["name"], date=t.date(row["assessed_on"]), id=row["assessment_id"])
    else:
        parts, scope_name = s.part_means, t("dv.scope.selection")
        info = t("dv.scope.group_info", n=f"{s.assessed_customers:,}")
    components.chart(titles.fit(cache.figure(dv_charts.waterfall, parts, t, title=t("dv.chart.waterfall", scope=scope_name),
                                             height=components.KEY_CHART_HEIGHT), 2), "dv_waterfall")
    st.caption(info)
with right:
    st.markdown(f"**{t('dv.compare')}**")
    if len(groups) < 2:
        st.caption(t("dv.compare.need_two"))
    else:
        ca, cb = st.columns(2)
        ia = ca.selectbox(t("dv.compare.a"), list(group_names), index=0, format_func=group_names.get,
                          key=f"dv_cmp_a_{dim}")
        ib = cb.selectbox(t("dv.compare.b"), list(group_names), index=len(group_names) - 1,
                          format_func=group_names.get, key=f"dv_cmp_b_{dim}")
        n_a, n_b = int(groups["customers"].iloc[ia]), int(groups["customers"].iloc[ib])
        components.chart(titles.fit(cache.figure(dv_charts.compare,
            group_parts(ia), group_parts(ib), t("dv.compare.label", group=group_names[ia], n=f"{n_a:,}"),
            t("dv.compare.label", group=group_names[ib], n=f"{n_b:,}"), t,
            title=t("dv.chart.compare", a=group_names[ia], b=group_names[ib]), height=440), 2), "dv_compare")

for col, key in zip(st.columns(4), CARDS[4:], strict=True):
    with col:
        card(key)
if notes:  # what the cards' changes compare with and what moved them: under the key chart
    st.caption(" ".join(notes))
if s.unassessed_customers:
    st.warning(t("dv.unassessed", n=f"{s.unassessed_customers:,}", share=t.pct(s.unassessed_revenue_share)))
    with st.expander(t("dv.unassessed.list")):
        customer_table(r.unassessed, {**COMMON_COLUMNS, **MONEY_COLUMNS},
                       "dv_unassessed", "unassessed_customers")
if s.inactive_assessed_customers:
    st.caption(t("dv.inactive", n=f"{s.inactive_assessed_customers:,}"))

st.markdown(f"**{t('dv.groups.title', dim=dim_label(dim))}**")
SCORE_COLS = ("delivered_value", "customer_value", "customer_cost", "value_cost_ratio", "gap_overall")
SHARE_COLS = ("share_below", "winwin_share")
headers = {"customers": t.metric("customers"), "delivered_value": t("dv.col.delivered"),
           "customer_value": t("dv.col.value"), "customer_cost": t("dv.col.cost"), "value_cost_ratio": t("dv.col.ratio"),
           "gap_overall": t("dv.col.gap"), "share_below": t("dv.col.below"), "winwin_share": t("dv.col.winwin")}
table = pd.concat([pd.DataFrame({t("dv.col.group"): [group_names[i] for i in range(len(groups))]}),
                   groups[list(headers)].astype(float).rename(columns=headers)], axis=1)
table[headers["customers"]] = groups["customers"].astype(int)
# Text cells: Streamlit shows a missing number as "None" whatever the Styler says; "—" reads right in both languages.
shown_table = table.copy()
shown_table[headers["customers"]] = [t.num(v) for v in groups["customers"]]
for col in SCORE_COLS:
    shown_table[headers[col]] = [fmt(v, t, signed=col == "gap_overall") for v in groups[col]]
for col in SHARE_COLS:
    shown_table[headers[col]] = [t.pct(v) for v in groups[col]]
short = groups["falls_short"].to_numpy(dtype=bool)
styled = shown_table.style.apply(lambda col: [f"color: {LOSS}; font-weight: 600" if x else "" for x in short],
                                 subset=[t("dv.col.group"), t("dv.col.gap")])
st.dataframe(styled, hide_index=True, width="stretch", key="dv_groups",
             column_config={h: st.column_config.TextColumn(h, alignment="right") for h in headers.values()})
st.caption(t("dv.groups.caption"))
components.downloads(table, f"delivered_value_by_{dim}", t, header_lines=[filter_line], key="dv_groups_dl")

# ------------------------------------------------------------------------------------ trend
st.subheader(t("dv.section.trend"))
freq = links.choice(st.segmented_control, t("dv.freq"), dv.FREQS, default="month", format_func=lambda k: t(f"dv.freq.{k}"),
                            key="dv_freq", param="freq", help=t("dv.freq.help")) or "month"
tr = cache.run(dv.trend, f, freq)
if tr.table.empty:
    st.caption(t("dv.map.empty"))
else:
    components.chart(titles.fit(cache.figure(dv_charts.trend, tr, t, title=t("dv.chart.trend")), 1), "dv_trend")
    if tr.driver:
        ch = tr.changes.set_index("part")
        first, last = tr.table["bucket"].iloc[0], tr.table["bucket"].iloc[-1]
        st.caption(t("dv.trend.summary", start=dv_charts.bucket_label(first, freq, t),
                     end=dv_charts.bucket_label(last, freq, t), change=fmt(ch["contribution"].sum(), t, signed=True),
                     part=t(f"dv.part.{tr.driver}"), contribution=fmt(ch.loc[tr.driver, "contribution"], t, signed=True))
                   + " " + t("dv.trend.note"))
    else:
        st.caption(t("dv.trend.one_bucket"))

# ------------------------------------------------------------------------- satisfaction gap
st.subheader(t("dv.section.gap"))
if not s.satisfaction_customers:
    st.caption(t("dv.gap.no_scores"))
else:
    overall = dv.aggregate(r.customers)
    # A group's dot filters every page by it (as Overview's segment bars do), where the grouping is a filter.
    gap_click = drill.chart_filter("dv_gap", dim, groups["group"].dropna(), hint=False) if dim in dict(ATTRIBUTES).values() else {}
    if gap_click:
        st.caption(t("dv.gap.click", dimension=dim_label(dim).lower() if ctx.lang == "en" else dim_label(dim)))
    components.chart(titles.fit(cache.figure(dv_charts.gap_dumbbell, groups, overall, dim, t, title=t("dv.chart.gap")), 1), "dv_gap",
                     **gap_click)
    falling = [group_names[i] for i in range(len(groups)) if groups["falls_short"].iloc[i]]
    if falling:
        st.error(t.md("dv.gap.short_groups", groups="、".join(falling) if ctx.lang == "zh" else ", ".join(falling)))
    else:
        st.success(t("dv.gap.none_short"))
    lines = [t("dv.gap.level_line", level=t(f"dv.level.{lv.level}"), gap=fmt(lv.gap, t, signed=True),
               below=t.pct(lv.share_below), n=f"{int(lv.customers):,}")
             for lv in r.levels.itertuples() if lv.customers]
    st.caption(t("dv.gap.levels") + " " + ("；" if ctx.lang == "zh" else "; ").join(lines))
    st.caption(t.metric_help("satisfaction_gap_mean"))

# ---------------------------------------------------------------------------------- win-win
st.subheader(t("dv.section.winwin"))
steps = dv.buckets(f.with_period(*r.period), freq)
step_labels = [t("dv.winwin.whole")] + [dv_charts.bucket_label(a, freq, t) for a, _ in steps]
step = links.choice(st.select_slider, t("dv.winwin.step"), options=list(range(len(step_labels))), value=0,
                        format_func=lambda i: step_labels[i], key=f"dv_step_{freq}", param="step", help=t("dv.winwin.step.help"))
if step == 0:
    points = r.customers
    step_name = t.period(*r.period)
    quadrants = r.quadrants
else:
    a, b = steps[step - 1]
    points = cache.run(dv.winwin_points, f.with_period(a, b))
    step_name = f"{step_labels[step]} · {t.period(a, b)}"
    quadrants = dv.quadrant_table(points)


def _quadrant(raw: str) -> str:
    if raw not in dv.QUADRANTS:
        raise ValueError(raw)
    return raw


quadrant = drill.picked("quadrant", _quadrant, t("dv.col.quadrant"), default=t("common.all_customers"))
if quadrant:
    drill.pick_chip("quadrant", t("dv.col.quadrant"), t(f"dv.quadrant.{quadrant}"), "dv_pick_clear")
in_quadrant = points if quadrant is None or points.empty else points.loc[points["quadrant"] == quadrant]
shown = dv.map_sample(in_quadrant)
map_col, side = st.columns([3, 2])
with map_col:
    if points.empty:
        st.caption(t("dv.map.empty"))
        event = None
    else:
        scale = links.choice(st.segmented_control, t("dv.map.scale"), ("symlog", "linear"), default="symlog",
                                     format_func=lambda k: t(f"dv.map.scale.{k}"), key="dv_map_scale", param="scale",
                                     help=t("dv.map.scale.help")) or "symlog"
        st.caption(t("dv.map.click"))
        event = components.chart(titles.fit(cache.figure(dv_charts.winwin_map, shown, t, title=t("dv.chart.map", step=step_name), scale=scale,
                                                      everyone=points), 5 / 3),
                                 f"dv_map_{freq}_{step}", on_select="rerun", selection_mode=("points", "box", "lasso"))
        st.caption(t("dv.map.note"))
        if len(shown) < len(in_quadrant):
            st.caption(t("dv.map.sampled", shown=f"{len(shown):,}", total=f"{len(points):,}"))
with side:
    win = quadrants.set_index("quadrant").loc[dv.WIN_WIN]
    components.metric(t.metric("winwin_share") + f" · {step_labels[step]}", t.figure("winwin_share", win["customer_share"]),
                      help=t.metric_help("winwin_share", rev=t.pct(win["revenue_share"])))
    if r.previous_period:
        st.markdown(f"**{t('dv.moves.title', period=t.period(*r.previous_period))}**")
    if prev is None:
        st.caption(t("dv.moves.none"))
    else:
        mc = r.move_counts
        m1, m2 = st.columns(2)
        with m1:
            components.metric(t.metric("winwin_entered"), t.figure("winwin_entered", mc["entered"]))
        with m2:
            components.metric(t.metric("winwin_left"), t.figure("winwin_left", mc["left"]))
        st.caption(" · ".join(f"{t(f'dv.move.{k}')}: {mc[k]:,}" for k in ("stayed_in", "stayed_out", "only_current",
                                                                           "only_previous")))

st.markdown(f"**{t('dv.quadrants.title')}** · {step_name}")
qt = pd.DataFrame({
    t("dv.col.quadrant"): [t(f"dv.quadrant.{q}") for q in quadrants["quadrant"]],
    t.metric("customers"): [t.num(v) for v in quadrants["customers"]],
    t("dv.col.customer_share"): [t.pct(v) for v in quadrants["customer_share"]],
    t("dv.col.revenue_share"): [t.pct(v) for v in quadrants["revenue_share"]],
    t("dv.col.dv_mean"): [fmt(v, t) for v in quadrants["delivered_value"]],
})
st.dataframe(qt, hide_index=True, width="stretch", key="dv_quadrants",
             column_config={h: st.column_config.TextColumn(h, alignment="right") for h in list(qt.columns)[1:]})

try:  # a PlotlyState: {"selection": {"points": [{"customdata": id, ...}, ...], "box": [...], "lasso": [...]}}
    selection = event["selection"] if event is not None else {}
    chosen = selection["points"]
except (KeyError, TypeError):
    selection, chosen = {}, []
selected_ids = drill.point_values(chosen)
if len(selected_ids) == 1 and not (selection.get("box") or selection.get("lasso")):
    drill.open_customer(str(selected_ids[0]))  # one point clicked: its Customer 360, in this tab
picked = dv.selected_customers(points, selected_ids) if len(points) else points
if len(picked):
    st.markdown(f"**{t('dv.selected.title', n=f'{len(picked):,}')}**")
    customer_table(picked, {**COMMON_COLUMNS, "delivered_value": t("dv.col.delivered"), "profit": t.metric("profit"),
                            "revenue": t.metric("revenue"), "quadrant": t("dv.col.quadrant")},
                   "dv_selected", "win_win_selection")
elif quadrant:
    st.markdown(f"**{t('dv.quadrant_customers.title', quadrant=t(f'dv.quadrant.{quadrant}'), n=f'{len(in_quadrant):,}')}**")
    customer_table(dv.selected_customers(in_quadrant, in_quadrant["customer_id"]),
                   {**COMMON_COLUMNS, "delivered_value": t("dv.col.delivered"), "profit": t.metric("profit"),
                    "revenue": t.metric("revenue"), "quadrant": t("dv.col.quadrant")}, "dv_selected", "win_win_selection")
else:
    st.caption(t("dv.selected.hint"))

if len(steps) > 1:
    step_table = cache.run(dv.winwin_steps, f, freq)
    st.caption(t("dv.steps.click"))
    steps_key = drill.pick_key("dv_steps", "quadrant")
    components.chart(titles.fit(cache.figure(dv_charts.quadrant_steps, step_table, step_labels[1:], t, title=t("dv.chart.steps")), 1), steps_key,
                     **drill.chart_pick(steps_key, "quadrant", lambda ps: next(
                         (str(q) for q in drill.point_values(ps) if q in dv.QUADRANTS), None)))
    # The whole period's win-win share and each step's differ by construction: say how (issue 19).
    wins = step_table.loc[step_table["quadrant"] == dv.WIN_WIN, "customer_share"].dropna()
    if len(wins):
        st.caption(t(f"dv.winwin.period_vs_steps.{freq}", share=t.pct(s.winwin_share), n=t.num(s.assessed_customers),
                     low=t.pct(float(wins.min()), 0), high=t.pct(float(wins.max()), 0)))
if prev is not None:
    st.markdown(f"**{t('dv.moves.transitions')}**")
    labels = {q: t(f"dv.quadrant.{q}") for q in r.transitions.index}
    trans = r.transitions.rename(index=labels, columns=labels).rename_axis(index=None, columns=None)
    trans.insert(0, t("dv.col.previous"), trans.index)
    st.dataframe(trans, hide_index=True, width="stretch", key="dv_transitions",
                 column_config={c: st.column_config.NumberColumn(c, format="localized") for c in labels.values()})
    moved = r.moves[r.moves["move"].isin(("entered", "left"))]
    if len(moved):
        with st.expander(t("dv.moves.list")):
            customer_table(moved, {"customer_id": t("common.customer_id"), "name": t("common.name"),
                                   "quadrant_previous": t("dv.col.previous"), "quadrant_current": t("dv.col.current"),
                                   "move": t("dv.col.move")}, "dv_moves", "win_win_moves")

with st.expander(t("dv.customers.title")):
    listed = r.customers if quadrant is None else r.customers.loc[r.customers["quadrant"] == quadrant]
    by_revenue = listed.sort_values(["revenue", "customer_id"], ascending=[False, True])
    customer_table(by_revenue, {**COMMON_COLUMNS, "customer_type": t.dimension("customer_type"),
                                "product": dim_label("product"), "assessed_on": t("dv.col.assessed_on"),
                                "customer_value": t("dv.col.value"), "customer_cost": t("dv.col.cost"),
                                "delivered_value": t("dv.col.delivered"), "gap_overall": t("dv.col.gap"),
                                **MONEY_COLUMNS, "quadrant": t("dv.col.quadrant")}, "dv_customers", "delivered_value_customers")
