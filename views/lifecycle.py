"""Lifecycle: stages over time, transitions between two dates, dormant customers to wake up, payback."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from analytics import lifecycle as lc
from analytics import profit
from charts import lifecycle as lc_charts
from charts import titles
from presentation import takeaways
from ui import cache, components, context, drill, links

PAGE = {"title": "nav.lifecycle", "icon": ":material/autorenew:", "order": 50, "section": "nav.section.views"}
WAKE_ROWS = 50

ctx = context.get()
t, f = ctx.t, ctx.filters
defaults = lc.Rules()
money_format = components.money_format(t)  # -¥5,739,947 as everywhere (a printf format wrote ¥-5,739,947)

as_of = cache.run(lc.as_of_date, f)
components.page_header(t("lc.title"), t, f, t.md("lc.subtitle", filters=components.describe_filters(f, t),
                                                         date=t.date(as_of)))
lead = st.container()  # the page's first sentence, in plain words (filled once stages and payback are known)

# ------------------------------------------------------------------ rules (page-local widgets)
with st.expander(t("lc.rules.title")):
    c1, c2, c3, c4, c5 = st.columns(5)
    new_days = c1.number_input(t("lc.rules.new_days"), 1, 3650, defaults.new_days, step=15, key="lc_new_days",
                               help=t("lc.rules.new_days.help"))
    dormant_days = c2.number_input(t("lc.rules.dormant_days"), 1, 3650, defaults.dormant_days, step=15,
                                   key="lc_dormant_days", help=t("lc.rules.dormant_days.help"))
    lost_days = c3.number_input(t("lc.rules.lost_days"), 2, 3650, defaults.lost_days, step=30, key="lc_lost_days",
                                help=t("lc.rules.lost_days.help"))
    react_days = c4.number_input(t("lc.rules.reactivated_days"), 1, 3650, defaults.reactivated_days, step=15,
                                 key="lc_reactivated_days", help=t("lc.rules.reactivated_days.help"))
    p_lost = c5.number_input(t("lc.rules.p_alive"), 0.0, 1.0, defaults.p_alive_lost, step=0.01, format="%.2f",
                             key="lc_p_alive", help=t("lc.rules.p_alive.help"))
    use_p_alive = links.choice(st.toggle, t("lc.rules.use_p_alive"), value=True, key="lc_use_p_alive", param="p_alive")
    st.caption(t("lc.rules.why"))
try:
    rules = lc.Rules(int(new_days), int(dormant_days), int(lost_days), int(react_days), float(p_lost))
except ValueError as exc:
    st.warning(t("lc.rules.invalid", error=str(exc)))
    rules = defaults

s = cache.run(lc.summary, f, rules, use_p_alive)
p_text = t.pct(rules.p_alive_lost, 0) if use_p_alive else "—"
for note in s.notes:
    st.info(t(note))

customers = sum(s.counts[k] for k in lc.CUSTOMER_STAGES)
if s.as_of is None or not (customers + sum(s.counts[k] for k in lc.PIPELINE_STAGES)):
    st.warning(t("common.no_customers"))
    st.stop()

# ------------------------------------------------------------------ stage counts on the as-of date
days = {"new": rules.new_days, "active": rules.dormant_days, "reactivated": rules.reactivated_days,
        "dormant": rules.dormant_days, "lost": rules.lost_days}
cols = st.columns(6)
with cols[0]:
    pipe = {k: t.num(s.counts[k]) for k in lc.PIPELINE_STAGES}
    components.kpi(t, "pipeline", sum(s.counts[k] for k in lc.PIPELINE_STAGES), help_args=pipe)
for col, stage in zip(cols[1:], lc.CUSTOMER_STAGES, strict=True):
    with col:
        share = s.counts[stage] / customers if customers else None
        components.metric(lc_charts.stage_name(t, stage), t.num(s.counts[stage]),
                          help=t(f"lc.kpi.help.{stage}", n=days[stage]) + "\n\n" + t("lc.kpi.share", share=t.pct(share)))

# ------------------------------------------------------------------ stages over time
# The key chart right under the cards, at a laptop's height; the rules in words and the notes under it.
show_lost = links.choice(st.toggle, t("lc.show_lost"), value=False, key="lc_show_lost", param="show_lost")
components.chart(titles.fit(cache.figure(lc_charts.stage_history, s.history, t, t("lc.chart.history"), include_lost=show_lost,
                                         height=components.KEY_CHART_HEIGHT), 1), "lc_history")
st.caption(t("lc.rules.text", new=rules.new_days, dormant=rules.dormant_days, lost=rules.lost_days,
             react=rules.reactivated_days, p=p_text))
if s.counts.get(lc.NO_PURCHASE):  # customers who never bought: apart from the cards' stages, never as lost
    st.caption(t("lc.no_purchase_note", n=t.num(s.counts[lc.NO_PURCHASE])))
if s.model_date is not None:
    st.caption(t("lc.note.p_alive_history", date=t.date(s.model_date)))

# ------------------------------------------------------------------ transitions between two month ends
months = list(s.data_months)
if len(months) >= 2:
    start_default = f.date_from - dt.timedelta(days=1) if f.date_from else months[0]
    start_default = start_default if start_default in months else months[0]
    end_default = s.as_of if s.as_of in months else months[-1]
    if start_default >= end_default:
        start_default = months[0]
    a, b = links.choice(st.select_slider, t("lc.sankey.dates"), options=months, value=(start_default, end_default),
                            format_func=t.month, key="lc_sankey", param="sankey", help=t("lc.sankey.dates.help"))
    if a == b:
        st.info(t("lc.sankey.same"))
    else:
        trans = cache.run(lc.transitions, f, a, b, rules, use_p_alive)
        if trans.empty:
            st.info(t("lc.sankey.empty"))
        else:
            def moved(to: str, frm: tuple[str, ...] | None = None) -> int:
                hit = trans["to_stage"] == to
                if frm is not None:
                    hit &= trans["from_stage"].isin(frm)
                else:
                    hit &= trans["from_stage"] != to
                return int(trans.loc[hit, "count"].sum())

            st.info(t("lc.sankey.takeaway", a=t.date(a), b=t.date(b), react=t.num(moved("reactivated")),
                      to_dormant=t.num(moved("dormant")), to_lost=t.num(moved("lost")),
                      won=t.num(moved("new", (lc.OUTSIDE, *lc.PIPELINE_STAGES)))))
            components.chart(titles.fit(cache.figure(lc_charts.transitions_sankey, trans, t, t("lc.chart.sankey", a=t.date(a), b=t.date(b))), 1),
                             "lc_sankey_chart")

# ------------------------------------------------------------------ dormant customers worth waking up
st.subheader(t("lc.wake.title"))
dormant = s.dormant
if dormant.empty:
    st.info(t("lc.wake.none"))
else:
    shown = dormant.head(WAKE_ROWS)
    st.caption(t("lc.wake.caption", n=t.num(len(dormant)), shown=t.num(len(shown))))
    worth = lc.dormant_value(dormant)
    if worth.net_value is not None:
        text = t("lc.wake.total", n=t.num(worth.customers), worth=t.num(worth.worth_waking),
                 value=t.money(worth.worth_value, compact=True))
        if worth.losing:
            text += t("lc.wake.losing", losing=t.num(worth.losing), loss=t.money(worth.losing_value, compact=True),
                      net=t.money(worth.net_value, compact=True))
        st.caption(text)
    table = shown.assign(segment=[t.value("segment", v) for v in shown["segment"]],
                         p_alive=shown["p_alive"] * 100)
    drill.customer_table(
        table, key="lc_dormant_customers", hide_index=True, width="stretch",
        column_config={
            "customer_id": components.customer_link_config(t("common.customer_id")),
            "name": st.column_config.TextColumn(t("common.name")),
            "segment": st.column_config.TextColumn(t.dimension("segment")),
            "last_purchase": st.column_config.DateColumn(t("lc.col.last_purchase")),
            "recency_days": st.column_config.NumberColumn(t("lc.col.recency"), format="%d"),
            "p_alive": st.column_config.NumberColumn(t.metric("p_alive"), format="%.0f%%"),
            "potential_value": st.column_config.NumberColumn(t.metric("potential_value"), format=money_format),
            "realized_value": st.column_config.NumberColumn(t.metric("realized_value"), format=money_format),
        },
    )
    components.downloads(dormant, "dormant_customers", t, header_lines=[components.describe_filters(f, t)],
                         key="lc_dormant")

# ------------------------------------------------------------------ acquisition payback
st.subheader(t("lc.payback.title"))
st.caption(t("lc.payback.caption"))
c1, c2 = st.columns(2)
grain = c1.segmented_control(t("lc.payback.grain"), lc.GRAINS, default="quarter", key="lc_grain",
                             format_func=lambda g: t(f"lc.grain.{g}")) or "quarter"
measure = c2.segmented_control(t("lc.payback.measure"), ("median", "mean"), default="median", key="lc_measure",
                               format_func=lambda m: t(f"lc.measure.{m}")) or "median"
pb = cache.run(lc.payback, f, grain)
paid_median = pb.cohorts["median_months_to_payback"].dropna() if not pb.cohorts.empty else pd.Series(dtype=float)
with lead:
    st.info(takeaways.lifecycle_lead(s.counts, s.as_of, float(np.median(paid_median)) if len(paid_median) else None, t),
            icon=":material/lightbulb:")
if pb.cohorts.empty:
    st.info(t("lc.payback.empty"))
    st.stop()
# Payback is profit after acquisition cost: say where cost of goods was not provided.
cogs_note = components.cogs_warning(t, cache.run(profit.cogs_unknown_for, f.without_period()))
column = "net_profit" if measure == "mean" else "median_net_profit"
payback_col = "months_to_payback" if measure == "mean" else "median_months_to_payback"
paid = pb.cohorts[payback_col].dropna()
cols = st.columns(4)
with cols[0]:
    components.kpi(t, "cohort_customers", len(pb.customers), help_args={"date": t.date(pb.as_of)})
with cols[1]:
    components.kpi(t, "acquisition_cost_mean", pb.customers["acquisition_cost"].mean())
with cols[2]:
    components.metric(t.metric("payback_months"), t.figure("payback_months", float(np.median(paid))) if len(paid) else
                      t("lc.not_yet"), help=t.metric_help("payback_months", measure=t(f"lc.measure.{measure}")))
with cols[3]:
    components.kpi(t, "unprofitable_after_year_one", pb.unprofitable_after_year_one,
                   help_args={"n": t.num(pb.year_one_customers)})
if pb.missing_cost:
    st.caption(t("lc.note.missing_cost", n=t.num(pb.missing_cost)))
label = (lambda d: lc_charts.quarter_label(d, t)) if pb.grain == "quarter" else t.month
all_cohorts = sorted(pb.curves["cohort"].unique())
# A few cohorts stand out and the rest stay faint: thirteen coloured lines are unreadable (issue 19).
highlight = st.multiselect(t("lc.payback.highlight"), all_cohorts, default=lc_charts.default_highlight(pb.curves),
                           format_func=label, key=f"lc_highlight_{pb.grain}", help=t("lc.payback.highlight.help"))
components.chart(titles.fit(cache.figure(lc_charts.payback_curves, pb.curves, pb.grain, t, column, t("lc.payback.chart"), highlight=highlight), 1),
                 "lc_payback")

c = pb.cohorts
# Months and shares as text, so that a cohort without a value reads "—" in either language.
cohorts = pd.DataFrame({
    t("lc.cohort.cohort"): [label(d) for d in c["cohort"]],
    t("lc.cohort.customers"): c["customers"],
    t("lc.cohort.cac"): c["acquisition_cost"],
    t("lc.cohort.profit"): c["profit_to_date"],
    t("lc.cohort.observed"): c["months_observed"],
    t("lc.cohort.payback_median"): [t.num(v) for v in c["median_months_to_payback"]],
    t("lc.cohort.payback"): [t.num(v) for v in c["months_to_payback"]],
    t("lc.cohort.year_one"): c["year_one_customers"],
    t("lc.cohort.unprofitable"): [t.pct(v, 0) for v in c["unprofitable_after_year_one"]],
})
st.dataframe(
    cohorts, hide_index=True, width="stretch",
    column_config={
        t("lc.cohort.customers"): st.column_config.NumberColumn(format="%,d"),
        t("lc.cohort.cac"): st.column_config.NumberColumn(format=money_format),
        t("lc.cohort.profit"): st.column_config.NumberColumn(format=money_format),
        t("lc.cohort.observed"): st.column_config.NumberColumn(format="%d"),
        t("lc.cohort.year_one"): st.column_config.NumberColumn(format="%,d"),
    },
)
components.downloads(pb.cohorts, "payback_cohorts", t, header_lines=[components.describe_filters(f, t),
                                                                  *([cogs_note] if cogs_note else [])],
                     key="lc_cohorts")
