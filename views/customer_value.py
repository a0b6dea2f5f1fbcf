"""Customer value: realized, potential and influence value, the 3 × 3 value tiers with their strategies,
P(alive) and CLV distributions, and the backtest that shows how good the predictions are."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import profit
from analytics.clv import comparison, intervals, tracking
from analytics.clv import value as cv
from analytics.clv.backtest import backtest
from analytics.contracts import retention
from charts import customer_value as cv_charts
from charts import titles
from i18n.markdown import escape
from presentation import takeaways
from ui import cache, columns, components, context, drill, links

PAGE = {"title": "nav.customer_value", "icon": ":material/diamond:", "order": 40, "section": "nav.section.views"}

CELL = "cv_cell"  # the tier cell whose customers are listed (session state)
ALL = "all"
HORIZONS = (3, 6, 12, 18, 24, 36, 48, 60)
CUT_OPTIONS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 1 / 3, 0.4, 0.45, 0.5, 0.55, 0.6, 2 / 3, 0.7, 0.75, 0.8, 0.85, 0.9,
               0.95)
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
SHOWN = 500  # rows of a cell's customers shown on the page (downloads hold all)
WARN_NOTES = ("cv.note.bgnbd_average", "cv.note.realized_only", "cv.note.gg_average")

ctx = context.get()
t, f = ctx.t, ctx.filters
money_format = components.money_format(t)

# ----------------------------------------------------------------------------- assumptions
header = st.container()
# In the sidebar, folded: the subtitle states the horizon and rate in force, and the whole key chart then fits a
# laptop's first screen.
with st.sidebar.expander(t("cv.controls"), icon=":material/tune:"):
    horizon = st.select_slider(t("cv.horizon"), HORIZONS, value=cv.DEFAULT_HORIZON_MONTHS, key="cv_horizon",
                               help=t("cv.horizon.help"))
    discount_pct = st.number_input(t("cv.discount"), min_value=0, max_value=50, step=1,
                                   value=round(cv.DEFAULT_ANNUAL_DISCOUNT * 100), key="cv_discount",
                                   help=t("cv.discount.help"))
    cuts = st.select_slider(t("cv.cuts"), CUT_OPTIONS, value=cv.DEFAULT_CUTS, key="cv_cuts",
                            format_func=lambda q: t.pct(q, 0), help=t("cv.cuts.help"))
    weight = st.select_slider(t("cv.second_level"), WEIGHTS, value=0.0, key="cv_weight",
                              format_func=lambda w: t.pct(w, 0), help=t("cv.second_level.help"))
if cuts[0] == cuts[1]:  # a range slider may be dragged onto one point; keep two distinct cuts
    i = CUT_OPTIONS.index(cuts[0])
    cuts = (CUT_OPTIONS[max(i - 1, 0)], CUT_OPTIONS[max(i - 1, 0) + 1])
discount = discount_pct / 100

# The purchase model: chosen in the "Which model" section below (its widget's state is read here first);
# by default the holdout comparison's choice, as on Lifecycle, Customer 360, the report and the deck.
purchase_model = links.current("cv_model", comparison.CHOICES, comparison.AUTO)
# Compared on every customer's holdout, whatever the filter (stored by the refresh): a filter never refits the models.
company = cache.run(comparison.company_filter)
try:
    values = cache.run(cv.customer_values, f, horizon_months=horizon, annual_discount=discount, cuts=tuple(cuts),
                       second_level_weight=weight, model=purchase_model)
except ValueError as exc:
    with header:
        components.page_header(t("cv.title"), t, f)
    st.warning(escape(str(exc)))
    st.stop()


def model_name(kind: str, fit: object = None) -> str:
    """A purchase model's name as fitted (analytics.clv.comparison.label: the limit named as such)."""
    return t.model(comparison.label(kind, comparison.variant_of(fit)))


def model_basis() -> None:
    """Which purchase model the values use and why, before the figures (issue 17): the holdout's choice
    by default, or the model picked in the "Which model" section below."""
    used = values.extra.get("purchase_model")
    if used not in comparison.KINDS:
        return
    try:
        comp = cache.run(tracking.diagnostics, company)[0]  # the "Which model" section's comparison (stored)
    except ValueError:
        comp = None
    used_name = model_name(used, values.extra.get("purchase_fit"))
    if comp is None or comp.chosen not in comparison.KINDS:
        st.caption(t("cv.model.using", model=used_name))
        return
    name = {k: model_name(k, comp.model(k)) for k in comparison.KINDS}
    rows = comp.rows.set_index("model")

    def why(other: str | None) -> str:
        """Why the comparison chose its model over ``other``: the rule of analytics.clv.comparison."""
        if other is None or other not in comp.fits:
            return t("cv.model.why.alone")
        a, b = rows.loc[comp.chosen], rows.loc[other]
        words = {"other": name[other], "err": t.pct(a["aggregate_error"], 1, signed=True),
                 "err2": t.pct(b["aggregate_error"], 1, signed=True)}
        if abs(abs(a["aggregate_error"]) - abs(b["aggregate_error"])) <= comparison.TIE:
            return t("cv.model.why.tie", **words, mae=t.num(a["mae"], 3), mae2=t.num(b["mae"], 3))
        return t("cv.model.why.total", **words)

    section = t("cv.section.models")
    if used == comp.chosen:
        # On a filtered view, say that the choice is the company-wide one (on the opening view it goes without
        # saying, and the line would push the key chart below a laptop's first screen).
        st.caption(t("cv.model.basis.chosen", model=used_name, why=why(comp.runner_up), section=section)
                   + ("" if f == company else " " + t("cv.model.company")))
    else:  # picked below, or the choice could not be fitted at the valuation date (a note says so)
        st.caption(t("cv.model.basis.picked", model=used_name, chosen=name[comp.chosen], section=section))


# Ranges from the models' parameter uncertainty (stored for the default assumptions, else computed here).
try:
    ranges = cache.run(intervals.value_intervals, f, horizon_months=horizon, annual_discount=discount, cuts=tuple(cuts),
                       model=purchase_model)
except ValueError:
    ranges = None
LEVEL = {"level": t.pct(intervals.DEFAULT_LEVEL, 0)}
table = values.table
with header:
    components.page_header(t("cv.title"), t, f, subtitle=t.md(
        "cv.caption", date=t.date(values.valuation_date), horizon=horizon, rate=t.pct(discount, 0),
        filters=components.describe_filters(f, t)))
    if not table.empty:  # the page's first sentence, in plain words with its numbers
        st.info(takeaways.customer_value_lead(values.summary(), values.tiers, horizon, t), icon=":material/lightbulb:")
        model_basis()

if table.empty:
    st.warning(t("cv.no_customers"))
    st.stop()
# Realized and potential value are profit up to the valuation date: say where cost of goods was not provided.
cogs_note = components.cogs_warning(t, cache.run(profit.cogs_unknown_for, f.with_period(None, values.valuation_date)))

# ----------------------------------------------------------------------------- headline figures
s = values.summary()
cols = st.columns(6)  # figures of analytics.metrics
with cols[0]:
    # Everyone who has bought up to the valuation date: named apart from Overview's customers of the period.
    components.kpi(t, "valued_customers", s["customers"], help_args={"date": t.date(values.valuation_date)})
with cols[1]:
    components.kpi(t, "realized_value", s["realized_value"])
with cols[2]:
    components.kpi(t, "potential_value", s["potential_value"], help_args={"horizon": horizon, "rate": t.pct(discount, 0)})
with cols[3]:
    components.kpi(t, "influence_value", s["influence_value"])
with cols[4]:
    components.kpi(t, "mean_p_alive", s["mean_p_alive"])
with cols[5]:
    components.kpi(t, "expected_purchases", s["expected_purchases"], help_args={"horizon": horizon})

# ----------------------------------------------------------------------------- composition by group
def _lower(label: str) -> str:
    """A group name inside an English sentence ("by customer type"); Chinese has no case."""
    return label.lower() if ctx.lang == "en" else label


head_col, by_col = st.columns([1, 2], vertical_alignment="center")  # the section's title and its control in one row
head_col.subheader(t("cv.section.composition"))
with by_col:
    by = links.choice(st.segmented_control, t("cv.group_by"), list(cv.GROUP_COLUMNS), default="segment", key="cv_group",
                      param="value_by", format_func=t.dimension, required=True) or "segment"
components.chart(titles.fit(cv_charts.composition(values.by_group(by), by, t, title=t("cv.chart.composition", group=_lower(t.dimension(by))),
                                                  height=components.KEY_CHART_HEIGHT), 1), "cv_composition")
st.caption(t("cv.composition.note"))
st.caption(t("cv.caption_history"))  # under the key chart, not between the title and the lead
# The sums' ranges under the key chart too (above it they pushed it off a laptop's first screen).
if ranges is not None:  # the sums' range, in plain words (figures of analytics.metrics)
    r = intervals.interval_summary(ranges)
    st.caption(t("cv.range.aggregate", **LEVEL, value=t.figure("potential_value", r["potential_value"]),
                 lower=t.figure("potential_value_lower", r["lower"]), upper=t.figure("potential_value_upper", r["upper"]),
                 ep=t.figure("expected_purchases", r["expected_purchases"]),
                 ep_lower=t.figure("expected_purchases_lower", r["expected_purchases_lower"]),
                 ep_upper=t.figure("expected_purchases_upper", r["expected_purchases_upper"])),
               help=t.metric_help("clv_interval", **LEVEL, draws=t.num(r["draws"])))
else:
    st.caption(t("cv.range.none"))

# The model's notes follow the key chart (above it they pushed it off a laptop's first screen): fallbacks that
# weaken the estimate are warnings; the others (pooled parameters, model caveats) notes.
warn = [t(k, **p) for k, p in values.notes if k.startswith(WARN_NOTES)]
info = [t(k, **p) for k, p in values.notes if not k.startswith(WARN_NOTES)]
for texts, box in ((warn, st.warning), (info, st.info)):
    if texts:
        box("\n".join(f"- {x}" for x in texts) if len(texts) > 1 else texts[0], icon=":material/info:")

# ----------------------------------------------------------------------------- tiers
st.subheader(t("cv.section.tiers"))
r1, r2 = values.realized_cuts
p1, p2 = values.potential_cuts
st.caption(t("cv.tiers.intro", r1=t.money(r1, compact=True), r2=t.money(r2, compact=True),
             p1=t.money(p1, compact=True), p2=t.money(p2, compact=True), c1=t.pct(cuts[0], 0), c2=t.pct(cuts[1], 0)))
st.info(t("cv.tiers.principles"), icon=":material/balance:")
spans = intervals.tier_span_counts(values, ranges) if ranges is not None else {}  # per tier: ranges across a cut
if sum(spans.values()):
    st.caption(t("cv.tiers.spans", **LEVEL, n=t.num(sum(spans.values())), p1=t.money(p1, compact=True),
                 p2=t.money(p2, compact=True)), help=t.metric_help("tier_span_customers", **LEVEL))

if values.tiers["value_share"].isna().all():
    st.caption(t("cv.share_undefined"))
elif share_note := takeaways.tier_share_note(values.tiers, t):  # shares above 100 % or below 0, in words
    st.caption(share_note)

selected = st.session_state.get(CELL, ALL)
if selected not in (ALL, *cv.TIERS):
    selected = ALL
tiers = values.tiers.set_index("tier")
head = st.columns([0.55, 1, 1, 1])
for col, level in zip(head[1:], cv.LEVELS, strict=True):
    col.markdown(f"**{t('cv.axis.potential_level', level=t(f'cv.level.{level}'))}** →")
for r_level in reversed(cv.LEVELS):
    row = st.columns([0.55, 1, 1, 1])
    row[0].markdown(f"**{t('cv.axis.realized_level', level=t(f'cv.level.{r_level}'))}**")
    for col, p_level in zip(row[1:], cv.LEVELS, strict=True):
        code = cv.tier_code(r_level, p_level)
        cell = tiers.loc[code]
        with col.container(border=True):
            st.markdown(f"**{t(f'cv.cell.{r_level}.{p_level}')}**")
            vs = cell["value_share"]
            share = t.pct(vs, 1 if abs(vs) < 0.1 else 0) if pd.notna(vs) else "—"  # "0.4%", not "0%"
            st.caption(t("cv.cell.stats", n=t.num(cell["customers"]), share=share), help=t("cv.value_share.help"))
            if spans.get(code):
                st.caption(t("cv.cell.spans", n=t.num(spans[code])))
            st.markdown(f"<small>{t(f'cv.strategy.{r_level}.{p_level}')}</small>", unsafe_allow_html=True)
            if st.button(t("cv.cell.button"), key=f"cv_cell_{r_level}_{p_level}", width="stretch",
                         type="primary" if code == selected else "secondary", disabled=not cell["customers"]):
                st.session_state[CELL] = code
                st.rerun()

# The customers of the chosen cell (all customers until a cell is chosen), largest total value first.
if selected == ALL:
    listed = table
    st.markdown(f"**{t('common.all_customers')}** · {t.num(len(listed))}")
    st.caption(t("cv.cell.pick"))
else:
    listed = values.customers_in(selected)
    r_level, p_level = selected.split("/")
    top = st.columns([4, 1])
    top[0].markdown("**" + t("cv.cell.selected", cell=t(f"cv.cell.{r_level}.{p_level}"), r=t(f"cv.level.{r_level}"),
                             p=t(f"cv.level.{p_level}"), n=t.num(len(listed))) + "**")
    if top[1].button(t("common.all_customers"), key="cv_cell_all", width="stretch"):
        st.session_state[CELL] = ALL
        st.rerun()
    st.caption(t(f"cv.strategy.{r_level}.{p_level}"))
RANGES = ("potential_value_lower", "potential_value_upper", "p_alive_lower", "p_alive_upper")  # analytics.metrics
if ranges is not None:
    listed = listed.merge(ranges.customers[["customer_id", *RANGES, "spans_tiers"]], on="customer_id", how="left")
else:
    listed = listed.assign(**{c: float("nan") for c in RANGES}, spans_tiers=False)
COLUMNS = {
    "customer_id": t("common.customer_id"), "name": t("common.name"), "segment": t.dimension("segment"),
    "tier": t("cv.col.tier"), "spans_tiers": t("cv.col.spans_tiers"),
    **{c: t.metric(c) for c in ("realized_value", "potential_value", "potential_value_lower", "potential_value_upper",
                                "influence_value", "total_value", "p_alive", "p_alive_lower", "p_alive_upper",
                                "expected_purchases")},
    "profit_per_purchase": t("cv.col.profit_per_purchase"),
    "frequency": t("cv.col.frequency"), "last_purchase": t("cv.col.last_purchase"), "referrals": t("cv.col.referrals"),
}
MONEY = ("realized_value", "potential_value", "potential_value_lower", "potential_value_upper", "influence_value",
         "total_value", "profit_per_purchase")
shown = listed[list(COLUMNS)].assign(
    segment=[t.value("segment", v) for v in listed["segment"]],
    tier=[t(f"cv.cell.{c.replace('/', '.')}") for c in listed["tier"]],
    # whole money units; + 0.0 turns the −0 of tiny negative values into 0 (no "-¥0")
    **{c: listed[c].round(0) + 0.0 for c in MONEY},
)
if len(shown) > SHOWN:
    st.caption(t("cv.cell.more", shown=t.num(SHOWN), n=t.num(len(shown))))
if shown.empty:
    st.info(t("cv.cell.empty"))
else:
    drill.customer_table(
        shown.head(SHOWN), hide_index=True, width="stretch",
        key="cv_customers",
        column_config={
            "customer_id": components.customer_link_config(COLUMNS["customer_id"]),
            **{c: st.column_config.NumberColumn(COLUMNS[c], format=money_format) for c in MONEY},
            **{c: columns.share(COLUMNS[c])
               for c in ("p_alive", "p_alive_lower", "p_alive_upper")},
            "spans_tiers": st.column_config.CheckboxColumn(COLUMNS["spans_tiers"], help=t.metric_help("tier_span_customers", **LEVEL)),
            "expected_purchases": st.column_config.NumberColumn(COLUMNS["expected_purchases"], format="%.1f"),
            "frequency": st.column_config.NumberColumn(COLUMNS["frequency"], format="%d"),
            "last_purchase": st.column_config.DateColumn(COLUMNS["last_purchase"], format="YYYY-MM-DD"),
            **{c: COLUMNS[c] for c in ("name", "segment", "tier", "referrals")},
        },
    )
    components.downloads(shown.rename(columns=COLUMNS), f"{t('cv.download_name')}_{selected.replace('/', '-')}", t,
                         header_lines=[components.describe_filters(f, t),
                                       t("cv.caption", date=t.date(values.valuation_date), horizon=horizon,
                                         rate=t.pct(discount, 0), filters=""), *([cogs_note] if cogs_note else [])],
                         key="cv_dl")

# ----------------------------------------------------------------------------- distributions
st.subheader(t("cv.section.distributions"))
left, right = st.columns(2)
with left:
    if values.fit.bgnbd is None:
        st.info(t("cv.palive.none"))
    else:
        components.chart(titles.fit(cv_charts.p_alive_histogram(values.p_alive_histogram(), t, title=t("cv.chart.palive")), 2),
                         "cv_palive")
with right:
    hist = values.potential_histogram()
    components.chart(titles.fit(cv_charts.potential_histogram(hist, t, title=t("cv.chart.clv")), 2), "cv_clv")
    st.caption(t("cv.clv.log_note"))

# ----------------------------------------------------------------------------- backtest
st.subheader(t("cv.section.backtest"))
try:
    bt = cache.run(backtest, f)
except ValueError as exc:
    bt = None
    st.info(t.md("cv.backtest.error", error=str(exc)))
if bt is not None and bt.model is None:
    st.info(t("cv.backtest.failed"))
elif bt is not None:
    unit = t(f"cv.unit.{bt.time_unit}")
    start = bt.calibration_end + pd.Timedelta(days=1)
    st.caption(t("cv.backtest.intro", cal=t.date(bt.calibration_end), start=t.date(start), end=t.date(bt.holdout_end),
                 length=t.num(bt.holdout_length, 1), unit=unit, n=t.num(len(bt.customers))))
    if bt.model.source == "pooled":
        st.info(t("cv.backtest.pooled"))
    m1, m2, m3, m4 = st.columns(4)
    with m1:
        components.kpi(t, "backtest_mae", bt.mae)
    with m2:
        components.kpi(t, "backtest_aggregate_error", bt.aggregate_error)
    with m3:
        components.metric(t.metric("backtest_predicted"), t.figure("backtest_predicted", bt.predicted_total))
    with m4:
        components.metric(t.metric("backtest_actual"), t.figure("backtest_actual", bt.actual_total))
    components.chart(titles.fit(cv_charts.backtest(bt, t, title=t("cv.chart.backtest")), 1), "cv_backtest")
    st.caption(t("cv.backtest.rmse", rmse=t.num(bt.rmse, 2)))

# ----------------------------------------------------------------------------- which model
def which_model() -> None:
    """BG/NBD, Pareto/NBD and MBG/NBD on the backtest's split, the choice in plain words, the selector
    of the values' model, and the fit diagnostics (analytics.clv.comparison, analytics.clv.tracking)."""
    st.subheader(t("cv.section.models"))
    try:
        comp, tr = cache.run(tracking.diagnostics, company)
    except ValueError as exc:
        st.info(t.md("cv.backtest.error", error=str(exc)))
        return
    name = {k: model_name(k, comp.model(k)) for k in comparison.KINDS}
    start = comp.calibration_end + pd.Timedelta(days=1)
    st.caption(t("cv.compare.intro", cal=t.date(comp.calibration_end), start=t.date(start), end=t.date(comp.holdout_end))
               + " " + t("cv.model.company"))
    rows = comp.rows.set_index("model")
    if comp.chosen is None:
        st.info(t("cv.compare.none"))
        return
    best = rows.loc[comp.chosen]
    runner = rows.loc[comp.runner_up] if comp.runner_up is not None else None
    if runner is not None and abs(abs(runner["aggregate_error"]) - abs(best["aggregate_error"])) <= comparison.TIE:
        st.markdown(t.md("cv.compare.chosen_tie", model=name[comp.chosen], runner=name[comp.runner_up],
                         err=t.pct(best["aggregate_error"], 1, signed=True),
                         err2=t.pct(runner["aggregate_error"], 1, signed=True), tie=t.pct(comparison.TIE, 1),
                         mae=t.num(best["mae"], 3), mae2=t.num(runner["mae"], 3)))
    elif comp.runner_up is not None:
        st.markdown(t.md("cv.compare.chosen", model=name[comp.chosen], pred=t.num(best["predicted"], 0),
                         actual=t.num(best["actual"]), err=t.pct(best["aggregate_error"], 1, signed=True),
                         runner=name[comp.runner_up],
                         err2=t.pct(rows.loc[comp.runner_up, "aggregate_error"], 1, signed=True)))
    else:
        st.markdown(t.md("cv.compare.chosen_alone", model=name[comp.chosen], pred=t.num(best["predicted"], 0),
                         actual=t.num(best["actual"]), err=t.pct(best["aggregate_error"], 1, signed=True)))
    table = pd.DataFrame({
        t("cv.compare.col.model"): [name[k] + (" ✓" if k == comp.chosen else "") for k in comp.rows["model"]],
        t("cv.compare.col.n_params"): comp.rows["n_params"],
        t("cv.compare.col.log_likelihood"): [t.num(v, 2) if pd.notna(v) else "—" for v in comp.rows["log_likelihood"]],
        t("cv.compare.col.bic"): [t.num(v, 1) if pd.notna(v) else "—" for v in comp.rows["bic"]],
        t("cv.compare.col.predicted"): [t.num(v, 0) if pd.notna(v) else "—" for v in comp.rows["predicted"]],
        t("cv.compare.col.actual"): [t.num(v) for v in comp.rows["actual"]],
        t("cv.compare.col.aggregate_error"): [t.pct(v, 1, signed=True) if pd.notna(v) else "—"
                                              for v in comp.rows["aggregate_error"]],
        t("cv.compare.col.mae"): [t.num(v, 3) if pd.notna(v) else "—" for v in comp.rows["mae"]],
        t("cv.compare.col.note"): [t("cv.compare.unfitted") if isinstance(r, str) else "" for r in comp.rows["reason"]],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    unfitted = [name[k] for k, r in zip(comp.rows["model"], comp.rows["reason"], strict=True) if isinstance(r, str)]
    if unfitted:
        st.caption(t("cv.compare.unfitted_why", models=" · ".join(unfitted)))
    limit = comp.model("pareto_nbd")
    if comparison.variant_of(limit) == "homogeneous_dropout":  # the limit, fitted where s ran away
        st.caption(t("cv.compare.limit", model=t.model("pareto_nbd"), r=f"{limit.r:.3f}", alpha=f"{limit.alpha:.3f}",
                     mu=f"{limit.mu:.5f}", unit=t(f"cv.unit.{limit.time_unit}")))
    links.choice(st.radio, t("cv.model.select"), comparison.CHOICES, key="cv_model", param="model", index=comparison.CHOICES.index(comparison.AUTO),
             horizontal=True, help=t("cv.model.select.help"),
             format_func=lambda k: t("cv.model.option.auto", model=name[comp.chosen]) if k == comparison.AUTO else name[k])
    used = values.extra.get("purchase_model")
    used_name = model_name(used, values.extra.get("purchase_fit")) if used in name else None
    if used_name and comp.chosen in name and used != comp.chosen:
        st.caption(t("cv.model.using_other", model=used_name, chosen=name[comp.chosen]))
    elif used_name:
        st.caption(t("cv.model.using", model=used_name))
    if not tr.weeks.empty:
        st.caption(t("cv.tracking.caption", cal=t.date(comp.calibration_end), n=t.num(len(comp.customers))))
        c1, c2 = st.columns(2)
        with c1:
            components.chart(titles.fit(cv_charts.tracking(tr, t, title=t("cv.chart.tracking")), 2), "cv_tracking")
        with c2:
            components.chart(titles.fit(cv_charts.tracking(tr, t, cumulative=True, title=t("cv.chart.tracking_cum")), 2),
                             "cv_tracking_cum")
    c1, c2 = st.columns(2)
    with c1:
        components.chart(titles.fit(cv_charts.conditional(tr, t, title=t("cv.chart.conditional")), 2), "cv_conditional")
    if not tr.p_alive.empty:
        with c2:
            components.chart(titles.fit(cv_charts.p_alive_matrix(tr, t, title=t(
                "cv.chart.palive_matrix", model=t.model(tr.label()), T=t.num(tr.matrix_T, 1),
                unit=t(f"cv.unit.{tr.time_unit}"))), 2), "cv_palive_matrix")


which_model()

# ----------------------------------------------------------------------------- contract customers
def contract_customers() -> None:
    """Contract customers: sBG retention per plan (actual, fitted, projected), the fits in plain
    words, contractual CLV, and which customers each model values (analytics.contracts.retention)."""
    st.subheader(t("cv.section.contracts"))
    k = cache.run(retention.contract_values, f, annual_discount=discount)
    if k.empty:
        st.info(t("cv.contracts.none"))
        return
    st.caption(t("cv.contracts.intro", date=t.date(k.as_of)))
    c1, c2 = st.columns(2)
    with c1:
        components.kpi(t, "contract_customers", len(k.customers))
    with c2:
        components.kpi(t, "contractual_clv", k.total_clv if discount > 0 else None, help_args={"rate": t.pct(discount, 0)})
    if discount <= 0:
        st.warning(t("cv.contracts.no_discount"))
    years = sorted(int(y) for y in k.cohort_curves["cohort"].unique()) if len(k.cohort_curves) else []
    year = links.choice(st.selectbox, t("cv.contracts.cohort_pick"), [0, *years], key="cv_contract_cohort", param="cohort",
                        format_func=lambda y: t("cv.contracts.cohort_all") if y == 0 else str(y),
                        help=t("cv.contracts.cohort_pick.help"))
    if year:
        shown_curves = k.cohort_curves[k.cohort_curves["cohort"] == year]
        title = t("cv.contracts.chart.cohort", year=year)
    else:
        shown_curves, title = k.curves, t("cv.contracts.chart")
    components.chart(titles.fit(cv_charts.contract_retention(shown_curves, t, title=title), 1), "cv_contracts")
    horizon_years = retention.PROJECT_MONTHS // 12
    for p in k.plans.itertuples(index=False):
        curve = k.curves[k.curves["plan"] == p.plan].set_index("period")
        plan = escape(t.value("plan", p.plan))
        common = {"plan": plan, "term": t.num(p.term_months), "n": t.num(p.customers), "years": horizon_years,
                  "derl": t.num(p.mean_derl, 1) if pd.notna(p.mean_derl) else "—",
                  "clv": t.money(p.contract_clv, compact=True) if pd.notna(p.contract_clv) else "—"}
        if p.fit in ("ok", "homogeneous"):
            s5 = curve.loc[curve["months"] <= retention.PROJECT_MONTHS, "survival_fitted"].iloc[-1]
            kth = min(6, int(curve.index.max()))
            common.update(r1=t.pct(p.first_renewal, 0), s5=t.pct(s5, 0), churn=t.pct(p.alpha / (p.alpha + p.beta), 0))
        if p.fit == "ok":
            st.markdown(t("cv.contracts.plain", **common, k=kth, rk=t.pct(curve.loc[kth, "retention_fitted"], 0),
                          alpha=t.num(p.alpha, 2), beta=t.num(p.beta, 2), alpha_se=t.num(p.alpha_se, 2),
                          beta_se=t.num(p.beta_se, 2)))
        elif p.fit == "homogeneous":
            st.markdown(t("cv.contracts.plain.homogeneous", **common))
        else:
            st.markdown(t("cv.contracts.plain.nofit", plan=plan, n=t.num(p.customers), cancelled=t.num(p.cancelled)))
    def text(df: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
        """Fitted figures as text, "—" without a fit (α and β too in the geometric limit, where they are unbounded)."""
        none = ~df["fit"].isin(["ok"])
        out = {c: ["—" if pd.isna(v) or (c in ("alpha", "beta") and n) else t.num(v, 3) for v, n in zip(df[c], none, strict=True)]
               for c in ("alpha", "beta")}
        for c in cols:
            out[c] = ["—" if pd.isna(v) else t.pct(v, 1) for v in df[c]]
        return df.assign(plan=[t.value("plan", v) for v in df["plan"]], fit=[t(f"cv.contracts.fit.{v}") for v in df["fit"]],
                         **out)

    cols = ("plan", "term_months", "customers", "active", "cancelled", "fit", "alpha", "beta", "log_likelihood",
            "first_renewal", "mean_derl", "contract_clv")
    names = {c: t(f"cv.contracts.col.{'term' if c == 'term_months' else c}") for c in cols}
    plans = text(k.plans, ("first_renewal",))[list(cols)]
    st.dataframe(plans.rename(columns=names), hide_index=True, width="stretch", key="cv_contract_plans",
                 column_config={names["contract_clv"]: st.column_config.NumberColumn(format=money_format),
                                names["log_likelihood"]: st.column_config.NumberColumn(format="%.1f"),
                                names["mean_derl"]: st.column_config.NumberColumn(format="%.2f")})
    with st.expander(t("cv.contracts.cohorts"), icon=":material/calendar_month:"):
        st.caption(t("cv.contracts.cohorts.note"))
        ccols = ("plan", "cohort", "customers", "cancelled", "first_renewal_actual", "first_renewal", "fit", "alpha",
                 "beta")
        cnames = {c: t(f"cv.contracts.col.{c}") for c in ccols}
        cohorts = text(k.cohorts, ("first_renewal_actual", "first_renewal"))[list(ccols)]
        st.dataframe(cohorts.rename(columns=cnames), hide_index=True, width="stretch", key="cv_contract_cohorts",
                     column_config={cnames["cohort"]: st.column_config.NumberColumn(format="%d")})
    st.caption(t("cv.contracts.coverage", n=t.num(len(k.customers))))


contract_customers()

# ----------------------------------------------------------------------------- models and definitions
with st.expander(t("cv.section.model"), icon=":material/functions:"):
    m = values.fit
    used = values.extra.get("purchase_model")
    method = (t("cv.method.model", model=model_name(used, values.extra.get("purchase_fit")))
              if used in ("pareto_nbd", "mbg_nbd") else t(f"cv.method.{m.purchase_method}"))
    st.markdown(t("cv.method.purchases", method=method) + "  \n"
                + t("cv.method.spend", method=t({"pooled": "cv.method.gg_pooled"}.get(m.spend_method,
                                                                                    f"cv.method.{m.spend_method}"))))
    fit = values.extra.get("purchase_fit")
    if used in ("pareto_nbd", "mbg_nbd") and fit is not None:  # the values' model, when not BG/NBD
        key = f"cv.model.{comparison.label(used, comparison.variant_of(fit))}"
        st.markdown("- " + t(key, **{k: f"{v:.5g}" for k, v in fit.params().items()}, unit=t(f"cv.unit.{fit.time_unit}"),
                             model=model_name(used, fit),
                             ll=t.num(fit.log_likelihood, 1), n=t.num(fit.customers)))
    if m.bgnbd is not None and used not in ("pareto_nbd", "mbg_nbd"):
        b = m.bgnbd
        st.markdown("- " + t("cv.model.bgnbd", model=t.model("bgnbd"), r=f"{b.r:.3f}", alpha=f"{b.alpha:.3f}", unit=t(f"cv.unit.{b.time_unit}"),
                             a=f"{b.a:.3f}", b=f"{b.b:.3f}", ll=t.num(b.log_likelihood, 1), n=t.num(b.customers),
                             repeat=t.num(b.repeat_customers))
                    + (" " + t("cv.model.pooled") if b.source == "pooled" else ""))
    if m.gamma_gamma is not None:
        g = m.gamma_gamma
        st.markdown("- " + t("cv.model.gg", p=f"{g.p:.3f}", q=f"{g.q:.3f}", gamma=t.num(g.gamma, 2),
                             ll=t.num(g.log_likelihood, 1), n=t.num(g.customers))
                    + (" " + t("cv.model.pooled") if g.source == "pooled" else ""))
    if m.bgnbd is None and m.gamma_gamma is None:
        st.caption(t("cv.model.none"))
    for key, params in values.notes:  # the statistics behind the plain notes at the top of the page
        if t.has(f"{key}.detail"):
            st.markdown("- " + t(f"{key}.detail", **params))
    st.markdown(t("cv.definitions", model=model_name(used, fit) if used in comparison.KINDS else t.model("bgnbd")))
