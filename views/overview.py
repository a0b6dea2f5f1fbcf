"""Overview: headline figures against the previous period, and the headline charts."""

from __future__ import annotations

import streamlit as st

from analytics import overview as ov
from charts import concentration as conc_charts
from charts import overview as ov_charts
from ui import cache, components, context

PAGE = {"title": "nav.overview", "icon": ":material/dashboard:", "order": 0, "section": "nav.section.views"}

ctx = context.get()
t, f = ctx.t, ctx.filters

o = cache.run(ov.overview, f)
components.page_header(t("overview.title"), t, f)

if not o.figures.customers:
    st.warning(t("common.no_customers"))
    st.stop()

prev = o.previous_period
delta_note = t("common.vs_previous", period=t.period(*prev)) if prev else None
k = o.kpis


def _delta_money(kpi: ov.Kpi) -> str | None:
    return None if kpi.change is None else t.money(kpi.change, compact=True, signed=True)


def _delta_count(kpi: ov.Kpi) -> str | None:
    return None if kpi.change is None else f"{kpi.change:+,.0f}"


def _delta_pts(kpi: ov.Kpi, scale: float = 1.0) -> str | None:
    return None if kpi.change is None else t("overview.delta_pts", v=f"{kpi.change * scale:+.1f}")


cols = st.columns(6)
with cols[0]:
    components.metric(t("overview.kpi.customers"), t.num(k["customers"].value), _delta_count(k["customers"]),
                      t("overview.kpi.customers.help"), delta_raw=k["customers"].change)
with cols[1]:
    components.metric(t("overview.kpi.revenue"), t.money(k["revenue"].value, compact=True), _delta_money(k["revenue"]),
                      t("overview.kpi.revenue.help"), delta_raw=k["revenue"].change)
with cols[2]:
    components.metric(t("overview.kpi.profit"), t.money(k["profit"].value, compact=True), _delta_money(k["profit"]),
                      t("overview.kpi.profit.help"), delta_raw=k["profit"].change)
with cols[3]:
    top = k["top20_profit_share"]
    components.metric(t("overview.kpi.top20"), t.pct(top.value, 0) if top.value is not None else "—",
                      _delta_pts(top, 100), t("overview.kpi.top20.help") + ("" if top.value is not None
                                                                             else "\n\n" + t("common.undefined_share")),
                      delta_raw=None)
with cols[4]:
    components.metric(t("overview.kpi.loss"), t.num(k["loss_customers"].value), _delta_count(k["loss_customers"]),
                      t("overview.kpi.loss.help"), inverse=True, delta_raw=k["loss_customers"].change)
with cols[5]:
    components.metric(t("overview.kpi.nps"), t.num(k["nps"].value, 1), _delta_pts(k["nps"]),
                      t("overview.kpi.nps.help", n=f"{o.nps.responses:,}"), delta_raw=k["nps"].change)
if delta_note:
    st.caption(delta_note)

fig = o.figures
if fig.shares_defined:
    st.info(t("overview.takeaway", top20=t.pct(fig.top20_profit_share, 0), loss=f"{fig.loss_customers:,}",
              lossprofit=t.money(-fig.loss_profit, compact=True)))
else:
    st.warning(t("overview.takeaway_undefined", loss=f"{fig.loss_customers:,}",
                 lossprofit=t.money(-fig.loss_profit, compact=True)))

left, right = st.columns(2)
with left:
    components.chart(conc_charts.whale_curve(o.curve, fig, t, title=t("overview.chart.whale"), height=400), "ov_whale")
with right:
    components.chart(ov_charts.segment_profit(o.segments, t, title=t("overview.chart.segments")), "ov_segments")
left, right = st.columns(2)
with left:
    components.chart(ov_charts.monthly(o.monthly, t, title=t("overview.chart.monthly")), "ov_monthly")
with right:
    components.chart(conc_charts.profit_bridge(o.revenue, o.cogs, o.activities, t, title=t("overview.chart.bridge")),
                     "ov_bridge")
