"""Word of mouth: praise, complaints and NPS over time, their response to service quality, alerts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import word_of_mouth as wom
from analytics.filters import as_date
from analytics.metrics import DIMENSIONS
from charts import titles
from charts import word_of_mouth as charts
from presentation import takeaways
from ui import cache, components, context, drill, links, nps

PAGE = {"title": "nav.word_of_mouth", "icon": ":material/campaign:", "order": 30, "section": "nav.section.views"}

ctx = context.get()
t, f = ctx.t, ctx.filters
components.page_header(t("wom.title"), t, f)
lead = st.container()  # the page's first sentence, in plain words (filled once the summary is known)
cards = st.container()  # the headline figures, once known
# The first section's title and the page's two controls in one row, above the key chart (a laptop's first screen).
head_col, pop_col, gran_col = st.columns([2.2, 2, 1.3], vertical_alignment="center")
head_col.subheader(t("wom.time.title"))
with pop_col:
    population = nps.control(t)  # which scored feedback NPS counts; kept for the session (Overview, Present)
s = cache.run(wom.summary, f, population)
if s.praise + s.complaints + s.other == 0:
    st.info(t("wom.no_feedback"))
    st.stop()

comp, praise_curve, tp = s.complaint_curve, s.praise_curve, s.turning_points


def dim_label(d: str) -> str:
    """A breakdown dimension's name: the registry's for customer attributes (region, segment); the feedback's
    own attributes (channel, topic) are this page's."""
    return t.dimension(d) if d in DIMENSIONS else t(f"wom.dim.{d}")


def interval(c: wom.ResponseCurve) -> str:
    low = ("≤" if c.open_low else "") + t.num(c.low, 1)
    high = ("≥" if c.open_high else "") + t.num(c.high, 1)
    return t("wom.interval", low=low, high=high)


# ------------------------------------------------------------------------------ headline
latest = t.date(tp.dates[-1]) if tp.dates else "—"
cols = cards.columns(6)  # figures of analytics.metrics
with cols[0]:
    components.kpi(t, "nps", s.nps.nps, help_args={"n": f"{s.nps.responses:,}"}, note=" " + nps.note(t, population))
with cols[1]:
    components.kpi(t, "praise", s.praise)
with cols[2]:
    components.kpi(t, "complaints", s.complaints)
with cols[3]:
    components.kpi(t, "complaint_trend_slope", s.complaint_trend_slope)
with cols[4]:
    components.metric(t.metric("quality_threshold"), t.figure("quality_threshold", comp.threshold),
                      help=(t.metric_help("quality_threshold", interval=interval(comp)) if comp.threshold is not None
                            else t(f"wom.curve.{comp.status}.short")))
with cols[5]:  # the report lists the turning points' dates; the card counts them
    components.metric(t.metric("turning_points"), t.num(len(tp.dates)), help=t.metric_help("turning_points", latest=latest))
with lead:
    st.info(takeaways.word_of_mouth_lead(s, t), icon=":material/lightbulb:")

# ----------------------------------------------------------------------------- over time
with gran_col:
    granularity = links.choice(st.segmented_control, t("wom.granularity"), wom.GRANULARITIES, default="week", key="wom_granularity",
                               param="granularity", format_func=lambda g: t(f"wom.granularity.{g}")) or "week"
ser = cache.run(wom.series, f, granularity, nps_population=population)
fits = cache.run(wom.trends, f, granularity, nps_population=population)


def fit_notes(names: tuple[str, ...]) -> None:
    unit = t(f"wom.unit.{granularity}")
    for name in names:
        fit = fits[name]
        label = t(f"wom.series.{name}")
        if fit.status != "ok":
            st.warning(t(f"wom.trend.{fit.status}", series=label, n=fit.n, need=fit.min_trend, unit=unit))
        elif fit.forecast_status in ("too_short", "failed"):
            st.info(t(f"wom.forecast.{fit.forecast_status}", series=label, n=fit.n, need=fit.min_forecast, unit=unit))


def _picked_period(raw: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period (first and last day, inside the filter) of the link's day, at this granularity; ValueError
    for a day that is not a date of the filter's period."""
    day = as_date(raw)
    if day is None or not s.period[0] <= day <= s.period[1]:
        raise ValueError(raw)
    starts = sorted(periods)  # the series' periods cover the filter's period
    i = max(k for k, p in enumerate(starts) if p <= pd.Timestamp(day))
    end = starts[i + 1] - pd.Timedelta(days=1) if i + 1 < len(starts) else pd.Timestamp(s.period[1])
    return max(starts[i], pd.Timestamp(s.period[0])), min(end, pd.Timestamp(s.period[1]))


def _clicked_period(points: list) -> str | None:
    """The period of a clicked point of the series (its x, a period's first day); None for forecasts."""
    for p in points:
        x = pd.to_datetime(p.get("x"), errors="coerce")
        if not pd.isna(x) and x.normalize() in periods:
            return x.date().isoformat()
    return None


# A period clicked on the key chart narrows the customers and the breakdown below (ui.drill.chart_pick; in the link).
periods = set(pd.to_datetime(ser["period"]))
pick = drill.picked("period", _picked_period, t("wom.pick.dimension"), default=t("wom.pick.all"))
pick_name = charts.period_label(pick[0], granularity, t) if pick else None
scope = f.with_period(pick[0].date(), pick[1].date()) if pick else f
# The key chart first, right under the cards (on a laptop's first screen); its fits' notices under it.
st.caption(t(f"wom.time.click.{granularity}"))
volumes_key = drill.pick_key("wom_volumes", "period")
components.chart(titles.fit(cache.figure(charts.volumes, ser, fits, tp.points, t, granularity, title=t("wom.chart.volumes"),
                                         height=components.KEY_CHART_HEIGHT), 1), volumes_key,
                 **drill.chart_pick(volumes_key, "period", _clicked_period))
if pick:
    drill.pick_chip("period", t("wom.pick.dimension"), pick_name, "wom_pick_clear")
# Whom NPS counts and the latest turning point (the cards'), then the fits' notices: under the key chart.
st.caption(t("wom.kpi.caption", nps=nps.stated(t, s.nps.responses, population), latest=latest))
fit_notes(("complaints", "praise"))
fit_notes(("nps",))
components.chart(titles.fit(cache.figure(charts.nps, ser, fits["nps"], t, granularity, title=t("wom.chart.nps")), 1), "wom_nps")
method = fits["complaints"]
if method.status == "ok":
    unit = t(f"wom.unit.{granularity}")
    forecast = t(f"wom.method.forecast.{method.forecast_method}") if method.forecast_method else "—"
    st.caption(t("wom.time.caption.plain", level=f"{method.level:.0%}", horizon=method.horizon, unit=unit))
    with st.expander(t("lead.method"), icon=":material/functions:"):
        st.caption(t("wom.time.caption", trend=t(f"wom.method.trend.{method.trend_method}", window=method.trend_window,
                                                  unit=unit),
                     forecast=forecast, level=f"{method.level:.0%}", horizon=method.horizon, unit=unit))

# --------------------------------------------------------------------------------- alerts
st.subheader(t("wom.alerts.title"))
al = wom.build_alerts(s)


def region_name(value: object) -> str:
    return t.value("region", value) if value is not None and not pd.isna(value) else t("wom.unknown")


def alert_text(a: pd.Series) -> str:
    """The alert in words, for a Markdown box: region, channel and topic come from the data (escaped)."""
    if a["kind"] == "turning_point":
        scope = t("wom.alert.scope", region=region_name(a["scope"])) if a["scope"] is not None and not pd.isna(a["scope"]) else ""
        return t.md(f"wom.alert.tp.{a['series']}.{a['direction']}", date=t.date(pd.Timestamp(a["date"]).date()), scope=scope,
                 region=region_name(a["region"]), channel=t.value("feedback_channel", a["feedback_channel"]),
                 topic=t.value("topic", a["topic"]))
    curve = comp if a["series"] == "complaints" else praise_curve
    _, _, ratio = curve.expected_change(a["threshold"], a["low"])
    return t.md(f"wom.alert.{a['kind']}", region=region_name(a["region"]), quality=t.num(a["quality"], 1),
             low=t.num(a["low"], 1), threshold=t.num(a["threshold"], 1), days=int(a["days"]),
             gap=t.num(a["quality"] - a["threshold"], 1), ratio=t.num(ratio, 1))


SHOW = {"high": st.error, "medium": st.warning, "info": st.success}
ICONS = {"high": ":material/warning:", "medium": ":material/error:", "info": ":material/trending_up:"}
if al.empty:
    st.success(t("wom.alerts.none"))
else:
    first, rest = al.head(4), al.iloc[4:]
    for _, a in first.iterrows():
        SHOW[a["severity"]](alert_text(a), icon=ICONS[a["severity"]])
    if not rest.empty:
        with st.expander(t("wom.alerts.more", n=len(rest))):
            for _, a in rest.iterrows():
                SHOW[a["severity"]](alert_text(a), icon=ICONS[a["severity"]])

with st.container():
    st.markdown(f"**{t('wom.tp.title')}**")
    if tp.status != "ok":
        st.info(t("wom.tp.too_short", n=tp.weeks, need=tp.min_weeks))
    elif tp.points.empty:
        st.info(t("wom.tp.none"))
    else:
        p = tp.points
        table = pd.DataFrame({
            "date": [pd.Timestamp(d).date() for d in p["date"]],
            "what": [t(f"wom.tp.{a}.{b}") for a, b in zip(p["series"], p["direction"], strict=True)],
            "scope": [region_name(v) if v is not None and not pd.isna(v) else t("wom.tp.overall") for v in p["scope"]],
            "region": [f"{region_name(r)} ({v:+.1f})" if v is not None and not pd.isna(v) else region_name(r)
                       for r, v in zip(p["region"], p["region_change"], strict=True)],
            "channel": [t.value("feedback_channel", v) for v in p["feedback_channel"]],
            "topic": [t.value("topic", v) for v in p["topic"]],
            "segment": [t.value("segment", v) for v in p["segment"]],
        })
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "date": st.column_config.DateColumn(t("wom.col.date"), format="YYYY-MM-DD"),
            "what": t("wom.col.what"), "scope": t("wom.col.scope"),
            "region": st.column_config.TextColumn(t("wom.col.region"), help=t("wom.col.region.help")),
            "channel": t("wom.col.channel"), "topic": t("wom.col.topic"), "segment": t("wom.col.segment"),
        })
        st.caption(t("wom.tp.caption.plain"))
        with st.expander(t("lead.method"), icon=":material/functions:"):
            st.caption(t("wom.tp.caption", basis=t(f"wom.basis.{tp.basis}")))
            st.dataframe(table[["date", "what", "scope"]].assign(p=p["p_value"].to_numpy()), hide_index=True,
                         width="stretch", key="wom_tp_p", column_config={
                             "date": st.column_config.DateColumn(t("wom.col.date"), format="YYYY-MM-DD"),
                             "what": t("wom.col.what"), "scope": t("wom.col.scope"),
                             "p": st.column_config.NumberColumn(t("wom.col.p"), format="%.4f", help=t("wom.col.p.help"))})

with st.container():
    ups = tp.points.loc[(tp.points["series"] == "complaints") & (tp.points["direction"] == "up")] if not tp.points.empty else tp.points
    since = pd.Timestamp(ups["date"].max()).date() if not ups.empty else (
        pd.Timestamp(s.period[1]) - pd.Timedelta(days=27)).date()
    since = max(since, s.period[0]) if s.period[0] else since
    if pick:  # the period clicked on the key chart
        st.markdown(f"**{t('wom.customers.title_period', period=pick_name)}**")
        people = cache.run(wom.feedback_customers, scope)
    else:
        st.markdown(f"**{t('wom.customers.title', since=t.date(since))}**")
        people = cache.run(wom.feedback_customers, f, since)
    if people.empty:
        st.info(t("wom.customers.none"))
    else:
        shown = people.assign(
            segment=[t.value("segment", v) for v in people["segment"]],
            region=[t.value("region", v) for v in people["region"]],
            topics=[", ".join(t.value("topic", x) for x in str(v).split(", ")) if v else "" for v in people["topics"]])
        drill.customer_table(shown, key="wom_people", hide_index=True, width="stretch",
                     column_order=["customer_id", "name", "complaints", "praise", "last_date", "topics", "region",
                                   "segment", "last_text"],
                     column_config={
                         "customer_id": components.customer_link_config(t("common.customer_id")),
                         "name": t("common.name"), "complaints": t("wom.col.complaints"),
                         "praise": t("wom.col.praise"),
                         "last_date": st.column_config.DateColumn(t("wom.col.last"), format="YYYY-MM-DD"),
                         "topics": t("wom.col.topics"), "region": t.dimension("region"), "segment": t.dimension("segment"),
                         "last_text": t("wom.col.text")})
        components.downloads(shown, "complaint_customers", t, header_lines=[components.describe_filters(f, t)],
                             key="wom_customers")

# ------------------------------------------------------------------------ response curve
st.subheader(t("wom.curve.title"))
window = links.choice(st.segmented_control, t("wom.curve.window"), wom.CURVE_WINDOWS, default="history", key="wom_curve_window", param="window",
                              format_func=lambda w: t(f"wom.curve.window.{w}"), help=t("wom.curve.window.help")) or "history"
curves = ({"complaint": comp, "praise": praise_curve} if window == "history"  # the summary's own fits
          else cache.run(wom.response_curves, f, window))
left, right = st.columns(2)
for col, kind in ((left, "complaint"), (right, "praise")):
    c = curves[kind]
    with col:
        components.chart(titles.fit(cache.figure(charts.response_curve, c, t, title=t(f"wom.chart.curve.{kind}")), 2), f"wom_curve_{kind}")
        if c.status == "ok":
            st.caption(t(f"wom.curve.plain.{kind}", threshold=t.num(c.threshold, 1), steep=t.pct(c.steep_effect, 0),
                         flat=t.pct(c.flat_effect, 0, signed=True)))
            with st.expander(t("lead.method"), icon=":material/functions:"):
                st.caption(t(f"wom.curve.caption.{kind}", threshold=t.num(c.threshold, 1), interval=interval(c),
                             steep=t.pct(c.steep_effect, 1), flat=t.pct(c.flat_effect, 1, signed=True),
                             p=f"{c.p_value:.1e}", phi=t.num(c.dispersion, 2), days=f"{c.n_days:,}",
                             events=f"{c.events:,}", start=t.date(c.window[0]), end=t.date(c.window[1])))
        else:
            series = t(f"wom.series.{'complaints' if kind == 'complaint' else 'praise'}")
            st.info(t(f"wom.curve.{c.status}", days=f"{c.n_days:,}", events=f"{c.events:,}", min_days=wom.MIN_CURVE_DAYS,
                      min_events=wom.MIN_CURVE_EVENTS, series=series))
            if c.status == "no_threshold" and c.p_value is not None:
                with st.expander(t("lead.method"), icon=":material/functions:"):
                    st.caption(t("wom.curve.no_threshold.test", series=series, p=f"{c.p_value:.2f}"))

c = curves["complaint"]
now = c.per_month_shift(0.0)
if now is not None and c.status == "ok":  # without a threshold the curve is too flat to reason from
    st.markdown(f"**{t('wom.whatif.title')}**")
    delta = st.slider(t("wom.whatif.slider"), min_value=-10.0, max_value=10.0, value=-5.0, step=0.5,
                      key="wom_whatif", help=t("wom.whatif.help"))
    then = c.per_month_shift(delta)
    m1, m2, m3 = st.columns(3)
    with m1:
        components.metric(t("wom.whatif.now", q=t.num(c.recent_quality, 1)), t.num(now, 0),
                          help=t("wom.whatif.now.help", customers=f"{c.customers_now:,}", factor=t.num(c.calibration, 2)))
    with m2:
        components.metric(t("wom.whatif.then", delta=f"{delta:+.1f}"), t.num(then, 0), delta=f"{then - now:+,.0f}",
                          inverse=True, delta_raw=then - now, help=t("wom.whatif.then.help"))
    with m3:
        components.metric(t("wom.whatif.ratio"), t.pct(then / now - 1 if now else None, 0, signed=True),
                          help=t("wom.whatif.ratio.help"))

rd = cache.run(wom.region_days, f.with_period(None, f.date_to) if window == "history" else f)
components.chart(titles.fit(cache.figure(charts.quality, rd, t, curves["complaint"].threshold, curves["praise"].threshold,
                                title=t("wom.chart.quality")), 1), "wom_quality")

# ----------------------------------------------------------------------------- breakdown
st.subheader(t("wom.breakdown.title"))
b1, b2 = st.columns(2)
with b1:
    dimension = links.choice(st.segmented_control, t("wom.breakdown.by"), wom.DIMENSIONS, default="topic", key="wom_dimension", param="breakdown",
                                     format_func=dim_label) or "topic"
with b2:
    kind = links.choice(st.segmented_control, t("wom.breakdown.kind"), ("complaints", "praise"), default="complaints", key="wom_kind", param="kind",
                                format_func=lambda k: t(f"wom.series.{k}")) or "complaints"
by_unit = "day" if pick else granularity  # a clicked week or month, day by day
by = cache.run(wom.series, scope, by_unit, dimension)
breakdown_title = (t("wom.chart.breakdown_period", series=t(f"wom.series.{kind}"), dim=dim_label(dimension).lower(), period=pick_name)
                   if pick else t("wom.chart.breakdown", series=t(f"wom.series.{kind}"), dim=dim_label(dimension).lower()))
left, right = st.columns([3, 2])
with left:
    components.chart(titles.fit(cache.figure(charts.breakdown, by, t, dimension, kind, by_unit, title=breakdown_title), 5 / 3),
                     "wom_breakdown")
with right:
    matrix = cache.run(wom.topic_channel, scope, "complaint" if kind == "complaints" else "praise")
    components.chart(titles.fit(cache.figure(charts.heatmap, matrix, t, kind, title=t("wom.chart.heatmap", series=t(f"wom.series.{kind}"))), 3),
                     "wom_heatmap")

with st.expander(t("wom.method.title")):
    st.markdown(t("wom.method.body", per=f"{int(wom.PER):,}", alpha=wom.BREAK_ALPHA, draws=f"{wom.BREAK_DRAWS:,}"))
