"""Overview: headline figures against the previous period, and the headline charts."""

from __future__ import annotations

import streamlit as st

from analytics import overview as ov
from charts import concentration as conc_charts
from charts import overview as ov_charts
from ui import cache, components, context, drill, nps

PAGE = {"title": "nav.overview", "icon": ":material/dashboard:", "order": 0, "section": "nav.section.views"}

ctx = context.get()
t, f = ctx.t, ctx.filters

o = cache.run(ov.overview, f, nps.population())  # NPS over the session's population (Word of mouth page)
components.page_header(t("overview.title"), t, f)

if not o.figures.customers:
    st.warning(t("common.no_customers"))
    st.stop()
# Cost of goods not provided for part of the revenue: said before any profit figure.
components.cogs_warning(t, o.cogs_unknown_share)

fig = o.figures
# The page leads with the 20/80/30 rule in words and its numbers (a share above 100 % explained in place):
# an executive reads it before any card or chart.
(st.info if fig.shares_defined else st.warning)(ov_charts.lead(fig, t), icon=":material/lightbulb:")

prev = o.previous_period
delta_note = t("common.vs_previous", period=t.period(*prev)) if prev else None
k = o.kpis
# Each card is a figure of analytics.metrics: its label, format, help and whether a rise is good.
help_args = {"customers": {}, "revenue": {}, "profit": {}, "loss_customers": {},
             "top20_profit_share": {"top": f"{fig.top20_customers:,}", "n": f"{fig.customers:,}"},
             "nps": {"n": f"{o.nps.responses:,}"}}
notes = {"customers": "\n\n" + t("overview.customers_note"),
         "top20_profit_share": "" if k["top20_profit_share"].value is not None else "\n\n" + t("common.undefined_share"),
         "nps": " " + nps.note(t)}
for col, key in zip(st.columns(len(ov.KPI_KEYS)), ov.KPI_KEYS, strict=True):
    with col:
        components.kpi(t, key, k[key].value, k[key].change, help_args=help_args[key], note=notes.get(key, ""))

# The headline charts at a laptop's height, right under the cards: the whole key chart on the first screen.
left, right = st.columns(2)
with left:
    components.chart(cache.figure(conc_charts.whale_curve, o.curve, fig, t, title=t("overview.chart.whale"),
                                  height=components.KEY_CHART_HEIGHT), "ov_whale")
with right:
    components.chart(cache.figure(ov_charts.segment_profit, o.segments, t, title=t("overview.chart.segments")), "ov_segments",
                     **drill.chart_filter("ov_segments", "segment", o.segments["group"]))  # a bar filters by it
# What the cards' changes compare with and whom NPS counts: under the first charts.
st.caption(" · ".join(x for x in (delta_note, nps.stated(t, o.nps.responses)) if x))
left, right = st.columns(2)
with left:
    components.chart(cache.figure(ov_charts.monthly, o.monthly, t, title=t("overview.chart.monthly")), "ov_monthly")
with right:
    components.chart(cache.figure(conc_charts.profit_bridge, o.revenue, o.cogs, o.activities, t, title=t("overview.chart.bridge")),
                     "ov_bridge")
