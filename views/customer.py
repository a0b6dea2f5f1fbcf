"""Customer 360: everything about one customer, opened by search or by ``customer?customer=<id>``."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics import concentration as conc
from analytics import customer360 as c360
from analytics.clv import comparison
from analytics.clv import value as customer_value
from analytics.filters import OutsideAllowance
from charts import customer360 as c360_charts
from charts import lifecycle as lc_charts
from i18n import fmt
from i18n.markdown import escape
from ui import cache, columns, components, context, drill

PAGE = {"title": "nav.customer", "icon": ":material/person_search:", "order": 60, "section": "nav.section.views"}
PARAM = "customer"

ctx = context.get()
t, f = ctx.t, ctx.filters


def _open(customer_id: str) -> None:
    st.query_params[PARAM] = customer_id


def _pick() -> None:
    """Selectbox callback: open the chosen suggestion."""
    chosen = st.session_state.get("c360_pick")
    if chosen:
        _open(chosen)


def search_box() -> None:
    """A search field with suggestions; choosing one opens that customer."""
    query = st.text_input(t("c360.search"), key="c360_query", placeholder=t("c360.search.placeholder"))
    if not query.strip():
        return
    matches = cache.run(c360.search, query, c360.SEARCH_LIMIT + 1, ctx.allowance)
    if matches.empty:
        st.info(t.md("c360.no_match", q=query.strip()))
        return
    shown = matches.head(c360.SEARCH_LIMIT)
    labels = {r.customer_id: f"{r.customer_id} · {r.name} · {t.value('segment', r.segment)}"
              for r in shown.itertuples()}
    st.selectbox(t("c360.pick"), list(labels), index=None, format_func=labels.get, key="c360_pick",
                 placeholder=t("c360.pick.placeholder"), on_change=_pick)
    if len(matches) > c360.SEARCH_LIMIT:
        st.caption(t("c360.more_matches", n=c360.SEARCH_LIMIT))


def starting_points() -> None:
    """With no customer chosen: the filter's most profitable and most loss-making customers, as links."""
    cols = st.columns(2)
    for col, kind in zip(cols, ("top", "loss"), strict=True):
        tab = cache.run(conc.customer_table, f, kind, 10)
        with col:
            st.subheader(t(f"c360.start.{kind}"))
            if tab.frame.empty:
                st.caption(t("c360.start.none"))
                continue
            rows = tab.frame[["customer_id", "name", "segment", "profit"]].assign(
                segment=lambda d: [t.value("segment", v) for v in d["segment"]])
            drill.customer_table(
                rows, key=f"c360_start_{kind}", hide_index=True, width="stretch",
                column_config={
                    "customer_id": components.customer_link_config(t("common.customer_id")),
                    "name": t("common.name"), "segment": t.dimension("segment"),
                    "profit": columns.money(t, t.metric("profit")),
                })


customer_id = (st.query_params.get(PARAM) or "").strip()
if not customer_id:
    components.page_header(t("c360.title"), t, f, t("c360.intro"))
    search_box()
    starting_points()
    st.stop()

try:
    r = cache.run(c360.customer360, customer_id, f, ctx.allowance)
except OutsideAllowance:  # a restricted user's link to a customer of another region or segment
    components.page_header(t("c360.title"), t, f, t("c360.intro"))
    st.error(t.md("auth.customer_refused", id=customer_id))
    search_box()
    st.stop()
except ValueError:
    components.page_header(t("c360.title"), t, f, t("c360.intro"))
    st.error(t.md("c360.unknown", id=customer_id))  # the link's text: shown as text, never as Markdown
    search_box()
    st.stop()

prof = r.profile.iloc[0]
components.page_header(escape(r.name), t, f, t.md("c360.subtitle", id=r.customer_id,
                                                  segment=t.value("segment", prof["segment"]),
                                                  region=t.value("region", prof["region"]), period=t.period(*r.period),
                                                  date=t.date(r.as_of)))
with st.expander(t("c360.search")):
    search_box()
for note in r.notes:
    st.info(t(note))
cogs_note = components.cogs_warning(t, r.cogs_unknown_share)  # cost of goods not provided for part of the revenue

# ------------------------------------------------------------------ headline figures
# Each card is a figure of analytics.metrics, with its help for one customer.
k = r.kpis
horizon = customer_value.DEFAULT_HORIZON_MONTHS
stage, tier = k["stage"], k["tier"]
if tier:
    r_level, p_level = str(tier).split("/")
    tier_text = t("c360.tier", r=t(f"c360.level.{r_level}"), p=t(f"c360.level.{p_level}"))
else:
    tier_text = None
ROWS = (
    (t("c360.section.period", period=t.period(*r.period)),
     (("revenue", k["revenue"]), ("profit", k["profit"]), ("cost_to_serve", k["cost_to_serve"]),
      ("transactions", k["tx_count"]))),
    (t("c360.section.value", date=t.date(r.as_of)),
     (("realized_value", k["realized_value"]), ("potential_value", k["potential_value"]),
      ("influence_value", k["influence_value"]), ("total_value", k["total_value"]))),
    (None,
     (("p_alive", k["p_alive"]), ("expected_purchases", k["expected_purchases"]),
      ("lifecycle_stage", lc_charts.stage_name(t, stage) if stage else None), ("value_tier", tier_text))),
)
help_args = {"potential_value": {"horizon": horizon, "rate": t.pct(customer_value.DEFAULT_ANNUAL_DISCOUNT, 0)},
             "influence_value": {"n": t.num(k["referrals"] or 0)}, "expected_purchases": {"horizon": horizon}}
# How sure the model is: each modelled figure's range at the intervals' level (analytics.clv.intervals),
# from the same valuation as the cards; cached once per date for every customer.
rng = c360.customer_ranges(cache.run(c360.value_ranges, r.as_of, r.period[0]), r.customer_id) if k["p_alive"] is not None else None
level = t.pct(rng["level"], 0) if rng else ""
RANGED = ("p_alive", "expected_purchases", "potential_value")
for heading, cards in ROWS:
    if heading:
        st.markdown(f"**{heading}**")
    for col, (key, value) in zip(st.columns(4), cards, strict=True):
        with col:
            components.kpi(t, key, value, help_args=help_args.get(key), per_customer=True)
            if rng and key in RANGED and rng[key] is not None:
                lo, hi = rng[key]
                st.caption(t("c360.range", level=level, lower=t.figure(f"{key}_lower", lo),
                             upper=t.figure(f"{key}_upper", hi)),
                           help=t("c360.range.help", level=level, draws=t.num(rng["draws"])))
used = r.model_used or {}
if k["p_alive"] is not None and used.get("model") in ("bgnbd", "pareto_nbd", "mbg_nbd"):
    # which purchase model the modelled figures and ranges come from: the holdout's choice (issue 17)
    st.caption(t("c360.model_used", model=t.model(comparison.label(used["model"], used.get("variant")))))
if rng and rng["spans_tiers"]:
    lo_level, hi_level = rng["levels"]
    lo, hi = rng["potential_value"]
    st.info(t("c360.range.spans", level=level, lower=t.figure("potential_value_lower", lo),
              upper=t.figure("potential_value_upper", hi), lo=t(f"c360.level.{lo_level}"), hi=t(f"c360.level.{hi_level}")))
if k["realized_value"] is None and "c360.note.no_values" not in r.notes:
    st.caption(t("c360.no_value", date=t.date(r.as_of)))

# ------------------------------------------------------------------ profile and trend
left, right = st.columns([1, 2])
with left:
    st.subheader(t("c360.profile"))
    referrer = prof["referred_by"]
    if isinstance(referrer, str) and referrer:
        referrer_text = f"{referrer} · {prof['referrer_name']}" if isinstance(prof["referrer_name"], str) else referrer
    else:
        referrer_text = "—"
    acquired = prof["acquired_on"]
    rows = [
        (t("common.customer_id"), r.customer_id),
        (t("common.name"), str(prof["name"])),
        *((t.dimension(d), t.value(d, prof[d])) for d in ("customer_type", "segment", "region", "industry", "channel", "plan")),
        (t("c360.field.acquired_on"), t.date(None if pd.isna(acquired) else pd.Timestamp(acquired).date())),
        (t("c360.field.acquisition_cost"), t.money(None if pd.isna(prof["acquisition_cost"])
                                                   else float(prof["acquisition_cost"]))),
        (t("c360.field.referred_by"), referrer_text),
    ]
    st.dataframe(pd.DataFrame(rows, columns=[t("c360.field"), t("c360.value")]), hide_index=True, width="stretch",
                 height=35 * (len(rows) + 1) + 3,
                 column_config={t("c360.value"): st.column_config.TextColumn(width="large")})
with right:
    if r.monthly.empty:
        st.info(t("c360.no_trend", date=t.date(r.as_of)))
    else:
        components.chart(c360_charts.profit_trend(r.monthly, t, t("c360.chart.trend")), "c360_trend")
if not r.stages.empty:
    components.chart(c360_charts.stage_strip(r.stages, t, t("c360.chart.stages")), "c360_stages")

# ------------------------------------------------------------------ the records
header = [components.describe_filters(f, t), f"{r.customer_id} {r.name}", *([cogs_note] if cogs_note else [])]
tabs = st.tabs([
    t("c360.tab.transactions", n=t.num(r.counts.get("transactions", 0))),
    t("c360.tab.activities", n=t.num(r.counts.get("activities", 0))),
    t("c360.tab.feedback", n=t.num(len(r.feedback))),
    t("c360.tab.assessments", n=t.num(len(r.assessments))),
    t("c360.tab.referrals", n=t.num(len(r.referrals))),
    t("c360.tab.stages"),
    t("c360.tab.opportunities", n=t.num(len(r.opportunities))),
])


def _table(df: pd.DataFrame, config: dict[str, object], categories: dict[str, str] | None = None,
           total: int | None = None, download: str | None = None, empty: str = "c360.none",
           texts: dict[str, Callable[[object], str]] | None = None) -> None:
    """One list of records: stored category codes translated, shown in ``config``'s column order
    (plain text cells: uploaded text is never rendered as Markdown or HTML), a customer id clicked
    opens their own page here, a note when the list is capped, optional downloads (of the stored values).
    ``texts`` turns columns with missing numbers into text for display ("—" where missing)."""
    if df.empty:
        st.caption(t(empty))
        return
    if total is not None and total > len(df):
        st.caption(t("c360.capped", total=t.num(total), shown=t.num(len(df))))
    shown = df.assign(**{col: [t.value(kind, v) for v in df[col]] for col, kind in (categories or {}).items()},
                      **{col: [("—" if pd.isna(v) else fn(v)) for v in df[col]] for col, fn in (texts or {}).items()})
    # A missing value reads "—" in either language, a date or number too (Streamlit would draw "None").
    text = [c for c in shown.columns if shown[c].dtype == object or pd.api.types.is_string_dtype(shown[c])]
    shown[text] = shown[text].fillna("—")
    if "customer_id" in config:  # referrer, referrals: a click opens that customer here
        drill.customer_table(shown, key=f"c360_{download or empty}", hide_index=True, width="stretch",
                             column_order=list(config), column_config=config, placeholder=fmt.DASH)
    else:
        st.dataframe(shown, hide_index=True, width="stretch", column_order=list(config), column_config=config,
                     placeholder=fmt.DASH)
    if download:
        components.downloads(df, f"{download}_{r.customer_id}", t, header_lines=header, key=f"c360_{download}")


def money(label: str, cents: bool = False) -> object:
    """A money column in the data's currency, written as every other money figure (``-¥5,739,947``)."""
    return columns.money(t, label, cents)


with tabs[0]:
    _table(r.transactions, {
        "tx_date": st.column_config.DateColumn(t("c360.col.date")),
        "transaction_id": st.column_config.TextColumn(t("c360.col.transaction_id")),
        "product": st.column_config.TextColumn(t.dimension("product")),
        "quantity": st.column_config.NumberColumn(t("common.quantity"), format="%g"),
        "revenue": money(t.metric("revenue"), cents=True),
        "cogs": money(t.metric("cost_of_goods"), cents=True),
        "gross_profit": money(t("common.gross_profit"), cents=True),
    }, {"product": "product"}, r.counts.get("transactions", 0), "transactions")

with tabs[1]:
    if not r.activity_totals.empty:
        components.chart(c360_charts.activity_cost(r.activity_totals, t, t("c360.chart.activity_cost")), "c360_costs")
    _table(r.activities, {
        "activity_date": st.column_config.DateColumn(t("c360.col.date")),
        "activity_id": st.column_config.TextColumn(t("c360.col.activity_id")),
        "activity": st.column_config.TextColumn(t("common.activity")),
        "quantity": st.column_config.NumberColumn(t("common.quantity"), format="%,g"),
        "unit": st.column_config.TextColumn(t("c360.col.unit")),
        "unit_cost": st.column_config.TextColumn(t("c360.col.unit_cost")),
        "cost": money(t("common.cost"), cents=True),
    }, {"activity": "activity", "unit": "unit"}, r.counts.get("activities", 0), "activities",
        texts={"unit_cost": lambda v: fmt.unit_cost(v, t.currency, t.lang)})

with tabs[2]:
    if not r.feedback.empty:
        st.caption(t("c360.feedback.caption"))
    _table(r.feedback, {
        "feedback_date": st.column_config.DateColumn(t("c360.col.date")),
        "kind": st.column_config.TextColumn(t("c360.col.kind")),
        "nps_score": st.column_config.TextColumn(t("c360.col.nps")),
        "channel": st.column_config.TextColumn(t("wom.dim.feedback_channel")),
        "topic": st.column_config.TextColumn(t("wom.dim.topic")),
        "text": st.column_config.TextColumn(t("c360.col.text"), width="large"),
        "feedback_id": st.column_config.TextColumn(t("c360.col.feedback_id")),
    }, {"kind": "kind", "channel": "feedback_channel", "topic": "topic"}, texts={"nps_score": lambda v: f"{int(v)}"})

with tabs[3]:
    a = r.assessments
    if not a.empty:
        st.caption(t("c360.assess.caption"))
    if len(a) > 1:
        components.chart(c360_charts.delivered_value(a, t, t("c360.chart.delivered")), "c360_delivered")
    _table(a, {
        "assessed_on": st.column_config.DateColumn(t("c360.col.date")),
        "assessment_id": st.column_config.TextColumn(t("c360.col.assessment_id")),
        **{c: st.column_config.NumberColumn(t(f"c360.col.{c}"), format="%.1f")
           for c in ("delivered_value", "customer_value", "customer_cost", "product_value", "service_value",
                     "personnel_value", "image_value", "money_cost", "time_cost", "energy_cost", "psychic_cost")},
        "gap_overall": st.column_config.NumberColumn(t("c360.col.gap"), format="%+.2f"),
    })

with tabs[4]:
    st.markdown(f"**{t('c360.referrer')}**")
    people = {"customer_id": None, "name": st.column_config.TextColumn(t("common.name")),
              "segment": st.column_config.TextColumn(t.dimension("segment"))}
    _table(r.referrer, people, {"segment": "segment"}, empty="c360.referrer.none")
    st.markdown(f"**{t('c360.referred')}**")
    _table(r.referrals, {**people, "acquired_on": st.column_config.DateColumn(t("c360.col.acquired_on")),
                         "realized_value": money(t.metric("realized_value"))},
           {"segment": "segment"}, empty="c360.referred.none")

with tabs[5]:
    _table(r.stage_periods, {
        "stage": st.column_config.TextColumn(t("c360.col.stage")),
        "start": st.column_config.DateColumn(t("c360.col.from")),
        "end": st.column_config.DateColumn(t("c360.col.to")),
        "months": st.column_config.NumberColumn(t("c360.col.months"), format="%d"),
    }, {"stage": "lifecycle_stage"})

with tabs[6]:
    _table(r.opportunities, {
        "opportunity_id": st.column_config.TextColumn(t("c360.col.opportunity_id")),
        "stage": st.column_config.TextColumn(t("c360.col.stage")),
        "created_on": st.column_config.DateColumn(t("c360.col.created_on")),
        "closed_on": st.column_config.DateColumn(t("c360.col.closed_on")),
        "amount": money(t("c360.col.amount")),
        "region": st.column_config.TextColumn(t.dimension("region")),
        "channel": st.column_config.TextColumn(t.dimension("channel")),
    }, {"stage": "stage", "region": "region", "channel": "channel"})
