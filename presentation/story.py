"""The registry of story steps: each step turns (cursor, filters, Translator) into a :class:`Slide`.

A slide is one chart per screen: the figure (built by ``charts/`` from an ``analytics/`` result,
in the house style, without a title), its title, a one-line takeaway written from the numbers in
the reader's language (:mod:`presentation.takeaways`), its headline figures (the first is the big
one) and an optional appendix table. Steps call the views' public analytics and chart functions;
they never compute a figure another way.

A story is a sequence of step keys; :data:`DEFAULT_STORY` is the meeting the issue describes
(concentration → loss-makers → delivered value → word of mouth → value tiers), restricted to the
steps registered here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import duckdb
import pandas as pd
import plotly.graph_objects as go

from analytics import concentration, filters, profit
from analytics import delivered_value as dv
from analytics.filters import Filters
from i18n import Translator
from presentation import takeaways

# Cell formats of appendix tables (how a value is written on a slide or a PDF page).
FORMATS = ("text", "int", "money", "pct", "num", "score")


@dataclass(frozen=True)
class Headline:
    """A headline figure: ``label`` and the formatted ``value`` (``note`` for a caveat)."""

    label: str
    value: str
    note: str | None = None


@dataclass(frozen=True)
class Table:
    """An appendix table: raw values (numbers stay numbers for Excel) under translated headers.

    ``formats`` gives each column's format (:data:`FORMATS`), used when a table is written as text.
    """

    title: str
    frame: pd.DataFrame
    formats: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.formats) != len(self.frame.columns):
            raise ValueError("an appendix table needs one format per column")
        bad = set(self.formats) - set(FORMATS)
        if bad:
            raise ValueError(f"unknown cell format(s): {', '.join(sorted(bad))}")

    def display(self, t: Translator, max_rows: int | None = None) -> pd.DataFrame:
        """The table as text, each cell formatted in ``t``'s language (first ``max_rows`` rows)."""
        df = self.frame if max_rows is None else self.frame.head(max_rows)
        out = pd.DataFrame(index=df.index)
        for col, kind in zip(df.columns, self.formats, strict=True):
            out[col] = [format_cell(v, kind, t) for v in df[col]]
        return out.reset_index(drop=True)


def format_cell(value: object, kind: str, t: Translator) -> str:
    """One cell as text: money compact, shares as percentages, counts with separators; "—" if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind == "money":
        return t.money(float(value), compact=True)
    if kind == "pct":
        return t.pct(float(value), 0)
    if kind == "int":
        return t.num(float(value))
    if kind == "num":
        return t.num(float(value), 1)
    if kind == "score":  # assessment scores: two decimals, as on the Delivered value page
        return t.num(float(value), 2)
    return str(value)


@dataclass(frozen=True)
class Slide:
    """One screen of a story (see the module docstring). ``page`` is the view the chart comes from."""

    key: str
    title: str
    figure: go.Figure
    takeaway: str
    headlines: tuple[Headline, ...]
    appendix: Table | None = None
    notes: tuple[str, ...] = ()
    page: str | None = None
    # "Cost of goods not provided for N % of revenue": also the first note; every export of the slide says it.
    caveat: str | None = None


Builder = Callable[[duckdb.DuckDBPyConnection, Filters, Translator], Slide]


@dataclass(frozen=True)
class Step:
    """A registered story step: its key, title (i18n key), source page and builder."""

    key: str
    title: str
    page: str
    build: Builder = field(repr=False)


REGISTRY: dict[str, Step] = {}
# The purchase model (which one forecasts best on the holdout, how it tracks) follows the values it underlies:
# an analyst is asked which model and how well it fits right after the value tiers (issue 17).
DEFAULT_STORY = ("concentration", "loss_makers", "delivered_value", "word_of_mouth", "value_tiers", "model_fit")


def step(key: str, title: str, page: str) -> Callable[[Builder], Builder]:
    """Register a builder under ``key`` (decorator); the registry keeps registration order."""

    def register(fn: Builder) -> Builder:
        if key in REGISTRY:
            raise ValueError(f"story step {key!r} registered twice")
        REGISTRY[key] = Step(key, title, page, fn)
        return fn

    return register


def step_keys() -> tuple[str, ...]:
    """Every registered step, in registration order."""
    return tuple(REGISTRY)


def default_story() -> tuple[str, ...]:
    """:data:`DEFAULT_STORY` without the steps not (yet) registered."""
    return tuple(k for k in DEFAULT_STORY if k in REGISTRY)


def check_steps(keys: Sequence[str]) -> tuple[str, ...]:
    """``keys`` as a tuple, or ValueError naming the first unknown step (and the known ones)."""
    keys = tuple(keys)
    if not keys:
        raise ValueError("a story needs at least one step")
    for k in keys:
        if k not in REGISTRY:
            raise ValueError(f"unknown story step {k!r}; use one of {', '.join(REGISTRY)}")
    return keys


# Steps whose figures or tables show profit: their first note says where cost of goods was not provided.
PROFIT_STEPS = frozenset({"concentration", "loss_makers", "loss_drivers", "win_win", "value_tiers", "profit_bridge",
                          "monthly"})


def slide(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator, key: str) -> Slide:
    """The slide of step ``key`` for ``f`` (open period ends resolved to the data, as the views do)."""
    check_steps([key])
    g = f.resolved(filters.data_bounds(cur))
    s = REGISTRY[key].build(cur, g, t)
    note = takeaways.cogs_unknown(profit.cogs_unknown_for(cur, g), t) if key in PROFIT_STEPS else None
    return replace(s, notes=(note, *s.notes), caveat=note) if note else s


def slides(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator, keys: Sequence[str]) -> list[Slide]:
    """The slides of a story, in order."""
    return [slide(cur, f, t, k) for k in check_steps(keys)]


# ----------------------------------------------------------------------------------- the steps
def table(title: str, columns: Sequence[tuple[str, Iterable[object], str]]) -> Table | None:
    """An appendix table from one ``(header, values, format)`` per column; None when it has no rows."""
    frame = pd.DataFrame({header: list(values) for header, values, _ in columns})
    return Table(title, frame, tuple(fmt for _, _, fmt in columns)) if len(frame) else None


def _values(t: Translator, column: str, raw: Iterable[object]) -> list[str | None]:
    """Stored category values in the reader's language (missing stays missing)."""
    return [t.value(column, v) if isinstance(v, str) else None for v in raw]


@step("concentration", "pres.step.concentration", page="concentration")
def _concentration(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from charts import concentration as conc_charts

    s = concentration.summary(cur, f, max_points=1500)
    fig = s.figures
    undefined = t("common.undefined_share")
    heads = [
        Headline(t.metric("top20_profit_share"), t.pct(fig.top20_profit_share, 0) if fig.shares_defined else "—",
                 None if fig.shares_defined else undefined),
        Headline(t.metric("whale_peak_share"), t.pct(fig.whale_peak_share, 0) if fig.shares_defined else "—",
                 t("pres.head.peak_at", at=t.pct(fig.whale_peak_customer_share, 0)) if fig.shares_defined else None),
        Headline(t.metric("profit"), t.money(fig.total_profit, compact=True)),
        Headline(t.metric("customers"), t.num(fig.customers)),
    ]
    g = concentration.compare(cur, f, "segment")
    appendix = table(t("pres.appendix.segments"), [] if g.empty else [
        (t.dimension("segment"), _values(t, "segment", g["group"]), "text"),
        (t.metric("customers"), g["customers"], "int"),
        (t.metric("profit"), g["total_profit"], "money"),
        (t.metric("top20_profit_share"), g["top20_profit_share"], "pct"),
        (t.metric("loss_customers"), g["loss_customers"], "int"),
        (t.metric("loss_profit"), g["loss_profit"], "money"),
    ])
    return Slide(
        key="concentration", title=t("pres.step.concentration"),
        figure=conc_charts.whale_curve(s.curve, fig, t),
        takeaway=takeaways.concentration(fig, t), headlines=tuple(heads), appendix=appendix,
        notes=() if fig.shares_defined or not fig.customers else (undefined,), page="concentration",
    )


@step("loss_makers", "pres.step.loss_makers", page="concentration")
def _loss_makers(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from charts import overview as ov_charts

    fig = concentration.figures(profit.customer_pnl(cur, f))
    groups = concentration.compare(cur, f, "segment")
    heads = (
        Headline(t.metric("loss_customers"), t.num(fig.loss_customers),
                 t("pres.head.of_customers", share=t.pct(fig.loss_customer_share, 0)) if fig.customers else None),
        Headline(t.metric("loss_profit"), t.money(fig.loss_profit, compact=True)),
        Headline(t.metric("breakeven_profit"), t.money(fig.breakeven_profit, compact=True)),
        Headline(t.metric("profit"), t.money(fig.total_profit, compact=True)),
    )
    c = concentration.customer_table(cur, f, "loss", n=15).frame
    appendix = table(t("pres.appendix.loss_makers"), [
        (t("pres.col.rank"), c["rank"], "int"),
        (t("common.customer_id"), c["customer_id"].astype(str), "text"),
        (t("common.name"), c["name"], "text"),
        (t.dimension("segment"), _values(t, "segment", c["segment"]), "text"),
        (t.metric("revenue"), c["revenue"], "money"),
        (t.metric("cost_to_serve"), c["cost_to_serve"], "money"),
        (t.metric("profit"), c["profit"], "money"),
        (t("pres.col.main_driver"), _values(t, "activity", c["main_driver"]), "text"),
    ])
    return Slide(
        key="loss_makers", title=t("pres.step.loss_makers"),
        figure=ov_charts.segment_profit(groups, t, column="segment") if not groups.empty else go.Figure(),
        takeaway=takeaways.loss_makers(fig, t), headlines=heads, appendix=appendix, page="concentration",
    )


@step("loss_drivers", "pres.step.loss_drivers", page="concentration")
def _loss_drivers(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from charts import concentration as conc_charts

    d = concentration.loss_drivers(cur, f)
    a = d.activities
    top = a.iloc[0] if len(a) and float(a["loss_cost"].iloc[0]) > 0 else None
    heads = [Headline(t("pres.head.top_driver"), t.value("activity", top["activity"]) if top is not None else "—",
                      t("pres.head.of_loss_cts", share=t.pct(float(top["loss_cost_share"]), 0)) if top is not None else None),
             Headline(t.metric("loss_customers"), t.num(d.loss_customers)),
             Headline(t("pres.head.loss_cts"), t.money(d.loss_cost_to_serve, compact=True)),
             Headline(t.metric("loss_profit"), t.money(d.loss_profit, compact=True))]
    appendix = table(t("pres.appendix.drivers"), [
        (t("common.activity"), _values(t, "activity", a["activity"]), "text"),
        (t("pres.col.loss_cost"), a["loss_cost"], "money"),
        (t("common.share"), a["loss_cost_share"], "pct"),
        (t("pres.col.loss_per"), a["loss_cost_per_customer"], "money"),
        (t("pres.col.other_per"), a["other_cost_per_customer"], "money"),
    ])
    return Slide(
        key="loss_drivers", title=t("pres.step.loss_drivers"), figure=conc_charts.loss_drivers(d, t),
        takeaway=takeaways.loss_drivers(d, t), headlines=tuple(heads), appendix=appendix, page="concentration",
    )


@step("delivered_value", "pres.step.delivered_value", page="delivered_value")
def _delivered_value(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from charts import delivered_value as dv_charts

    r = dv.delivered_value(cur, f)
    s = r.summary

    def score(v: float | None) -> str:
        return dv_charts.score(v, t)

    heads = (Headline(t.metric("delivered_value_mean"), score(s.delivered_value_mean)),
             Headline(t.metric("customer_value_mean"), score(s.customer_value_mean)),
             Headline(t.metric("customer_cost_mean"), score(s.customer_cost_mean)),
             Headline(t.metric("winwin_share"), t.pct(s.winwin_share, 0)))
    g = r.groups["segment"]
    appendix = table(t("pres.appendix.dv_segments"), [
        (t.dimension("segment"), [dv_charts.group_label("segment", v, t) for v in g["group"]], "text"),
        (t.metric("customers"), g["customers"], "int"),
        *((t.metric(k), g[col], "score") for k, col in (("delivered_value_mean", "delivered_value"),
                                                        ("customer_value_mean", "customer_value"),
                                                        ("customer_cost_mean", "customer_cost"),
                                                        ("satisfaction_gap_mean", "gap_overall"))),
        (t.metric("winwin_share"), g["winwin_share"], "pct"),
    ])
    return Slide(
        key="delivered_value", title=t("pres.step.delivered_value"), figure=dv_charts.waterfall(s.part_means, t),
        takeaway=takeaways.delivered_value(s, score, t), headlines=heads, appendix=appendix, page="delivered_value",
    )


@step("win_win", "pres.step.win_win", page="delivered_value")
def _win_win(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from charts import delivered_value as dv_charts

    points = dv.winwin_points(cur, f)
    q = dv.quadrant_table(points)
    win = q.set_index("quadrant").loc[dv.WIN_WIN]
    heads = (Headline(t.metric("winwin_share"), t.pct(win["customer_share"], 0)),
             Headline(t("pres.col.revenue_share"), t.pct(win["revenue_share"], 0)),
             Headline(t.metric("assessed_customers"), t.num(len(points))))
    appendix = table(t("pres.appendix.quadrants"), [
        (t("pres.col.quadrant"), [t(f"dv.quadrant.{v}") for v in q["quadrant"]], "text"),
        (t.metric("customers"), q["customers"], "int"),
        (t("pres.col.customer_share"), q["customer_share"], "pct"),
        (t.metric("revenue"), q["revenue"], "money"),
        (t("pres.col.revenue_share"), q["revenue_share"], "pct"),
        (t.metric("profit"), q["profit"], "money"),
    ])
    return Slide(
        key="win_win", title=t("pres.step.win_win"), figure=dv_charts.winwin_map(dv.map_sample(points), t, everyone=points),
        takeaway=takeaways.win_win(q, t), headlines=heads, appendix=appendix, page="delivered_value",
    )


@step("word_of_mouth", "pres.step.word_of_mouth", page="word_of_mouth")
def _word_of_mouth(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from analytics import word_of_mouth as wom
    from charts import word_of_mouth as wom_charts

    s = wom.summary(cur, f)  # NPS over the default population, said on the slide
    c = s.complaint_curve
    heads = (Headline(t.metric("nps"), t.num(s.nps.nps, 1),
                      t(f"wom.nps_population.stated.{s.nps_population}", n=f"{s.nps.responses:,}")),
             Headline(t.metric("quality_threshold"), t.num(c.threshold, 1),
                      None if c.threshold is not None else t(f"wom.curve.{c.status}.short")),
             Headline(t("pres.head.steep"), t.pct(c.steep_effect, 0) if c.threshold is not None else "—"),
             Headline(t.metric("complaints"), t.num(s.complaints)))
    o = c.observed
    appendix = table(t("pres.appendix.curve"), [] if o.empty else [
        (t("pres.col.quality"), o["quality"], "num"),
        (t("pres.col.days"), o["days"], "int"),
        (t.metric("complaints"), o["events"], "int"),
        (t("pres.col.rate"), o["rate"], "num"),
    ])
    return Slide(
        key="word_of_mouth", title=t("pres.step.word_of_mouth"), figure=wom_charts.response_curve(c, t),
        takeaway=takeaways.word_of_mouth(c, s.nps.nps, t), headlines=heads, appendix=appendix, page="word_of_mouth",
    )


@step("value_tiers", "pres.step.value_tiers", page="customer_value")
def _value_tiers(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from analytics.clv import value as cv
    from charts import customer_value as cv_charts

    values = cv.customer_values(cur, f)  # the page's default assumptions
    sm = values.summary()
    tiers = values.tiers
    top = tiers.set_index("tier").loc[cv.tier_code("high", "high")]
    heads = (Headline(t("pres.head.top_tier"), t.pct(top["value_share"], 0),
                      t("pres.head.top_tier_n", n=t.num(top["customers"]), share=t.pct(top["customer_share"], 0))),
             *(Headline(t.metric(k), t.money(sm[k], compact=True))
               for k in ("realized_value", "potential_value", "influence_value")))
    appendix = table(t("pres.appendix.tiers"), [
        (t("pres.col.realized_level"), [t(f"cv.level.{v}") for v in tiers["realized_level"]], "text"),
        (t("pres.col.potential_level"), [t(f"cv.level.{v}") for v in tiers["potential_level"]], "text"),
        (t.metric("customers"), tiers["customers"], "int"),
        (t("pres.col.customer_share"), tiers["customer_share"], "pct"),
        (t("pres.col.tier_value"), tiers["value"], "money"),
        (t("pres.col.value_share"), tiers["value_share"], "pct"),
    ])
    notes = tuple(t(k, **kw) for k, kw in values.notes)
    return Slide(
        key="value_tiers", title=t("pres.step.value_tiers"),
        figure=cv_charts.composition(values.by_group("segment"), "segment", t),
        takeaway=takeaways.value_tiers(tiers, sm["potential_value"], t), headlines=heads, appendix=appendix,
        notes=notes, page="customer_value",
    )


@step("model_fit", "pres.step.model_fit", page="customer_value")
def _model_fit(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    """Which purchase model and how well it tracks: the cumulative tracking plot, the comparison as the
    appendix (analytics.clv.comparison, analytics.clv.tracking)."""
    from analytics.clv import comparison, tracking
    from charts import customer_value as cv_charts

    title = t("pres.step.model_fit")
    try:
        comp, tr = tracking.diagnostics(cur, f)
    except ValueError:
        comp = tr = None
    if comp is None or tr is None or comp.chosen is None or tr.weeks.empty:
        return Slide(key="model_fit", title=title, figure=go.Figure(), takeaway=t("pres.take.no_customers"),
                     headlines=(), page="customer_value")
    # each model named as fitted (Pareto/NBD's homogeneous drop-out limit as such), the page's rule
    name = {k: t.model(comp.label(k)) for k in comparison.KINDS}
    rows = comp.rows.set_index("model")
    best = rows.loc[comp.chosen]
    heads = tuple(Headline(name[k], t.pct(rows.loc[k, "aggregate_error"], 1, signed=True) if k in comp.fits
                           else t("cv.compare.unfitted"), t("pres.head.model_fit_note") if k == comp.chosen else None)
                  for k in comparison.KINDS)
    appendix = table(t("pres.appendix.model_fit"), [
        (t("cv.compare.col.model"), [name[k] for k in comp.rows["model"]], "text"),
        (t("cv.compare.col.log_likelihood"), comp.rows["log_likelihood"], "num"),
        (t("cv.compare.col.bic"), comp.rows["bic"], "num"),
        (t("cv.compare.col.predicted"), comp.rows["predicted"], "num"),
        (t("cv.compare.col.actual"), comp.rows["actual"], "int"),
        (t("cv.compare.col.aggregate_error"), comp.rows["aggregate_error"], "pct"),
        (t("cv.compare.col.mae"), comp.rows["mae"], "num"),
    ])
    takeaway = t("pres.take.model_fit", model=name[comp.chosen], pred=t.num(best["predicted"], 0),
                 actual=t.num(best["actual"]), err=t.pct(best["aggregate_error"], 1, signed=True),
                 end=t.date(comp.calibration_end))
    return Slide(
        key="model_fit", title=title,
        figure=cv_charts.tracking(tr, t, cumulative=True),
        takeaway=takeaway, headlines=heads, appendix=appendix,
        notes=(t("cv.tracking.caption", cal=t.date(comp.calibration_end), n=t.num(len(comp.customers))),),
        page="customer_value",
    )


@step("model_tracking", "pres.step.model_tracking", page="customer_value")
def _model_tracking(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    """The weekly (incremental) tracking plot of the page (issue 17): the cohort's repeat purchases each week,
    actual against each model named as fitted; headlines: the holdout's mean a week, actual and the chosen
    model's (analytics.clv.tracking)."""
    from analytics.clv import tracking
    from charts import customer_value as cv_charts

    title = t("pres.step.model_tracking")
    try:
        comp, tr = tracking.diagnostics(cur, f)
    except ValueError:
        comp = tr = None
    if comp is None or tr is None or comp.chosen is None or tr.weeks.empty:
        return Slide(key="model_tracking", title=title, figure=go.Figure(), takeaway=t("pres.take.no_customers"),
                     headlines=(), page="customer_value")
    name = t.model(comp.label(comp.chosen))
    w = tr.weeks
    ends = w["week_end"]
    if len(w) > 1 and (ends.iloc[-1] - ends.iloc[-2]).days < 7:
        w = w.iloc[:-1]  # a last week of a few days, left out as on the chart
    hold = w[w["period"] == "holdout"]
    actual, expected = float(hold["actual"].mean()), float(hold["expected"].mean())
    heads = (Headline(t("pres.head.tracking_actual"), t.num(actual, 0)),
             Headline(t("pres.head.tracking_expected", model=name), t.num(expected, 0)))
    takeaway = t("pres.take.model_tracking", model=name, weeks=t.num(len(hold)), expected=t.num(expected, 0),
                 actual=t.num(actual, 0))
    return Slide(
        key="model_tracking", title=title, figure=cv_charts.tracking(tr, t, title=t("cv.chart.tracking")),
        takeaway=takeaway, headlines=heads,
        notes=(t("cv.tracking.caption", cal=t.date(comp.calibration_end), n=t.num(len(comp.customers))),),
        page="customer_value",
    )


MATRIX_ROWS = (0, 1, 2, 3, 5, 10, 20)  # repeat purchases shown of the P(alive) matrix (the page shows every row)
MATRIX_COLUMNS = 6  # recency columns of the slide's table, evenly from 0 to the cohort's age


@step("model_diagnostics", "pres.step.model_diagnostics", page="customer_value")
def _model_diagnostics(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    """The page's other fit diagnostics (issue 17): conditional expectations by calibration repeat purchases
    (the chart, each model named as fitted) and the chosen model's frequency × recency P(alive) matrix (the
    appendix), from analytics.clv.tracking."""
    from analytics.clv import tracking
    from charts import customer_value as cv_charts

    title = t("pres.step.model_diagnostics")
    try:
        comp, tr = tracking.diagnostics(cur, f)
    except ValueError:
        comp = tr = None
    if comp is None or tr is None or comp.chosen is None or tr.by_frequency.empty:
        return Slide(key="model_diagnostics", title=title, figure=go.Figure(), takeaway=t("pres.take.no_customers"),
                     headlines=(), page="customer_value")
    name = t.model(comp.label(comp.chosen))
    by = tr.by_frequency.set_index("bucket")
    col = f"expected_{comp.chosen}"
    heads = tuple(Headline(t("pres.head.conditional", bucket=b), t.num(by.loc[b, "actual"], 2),
                           t("pres.head.conditional_note", model=name, value=t.num(by.loc[b, col], 2)))
                  for b in (by.index[0], by.index[-1]))
    appendix = None
    if not tr.p_alive.empty:
        m = tr.p_alive
        rows = [r for r in MATRIX_ROWS if r in m.index]
        picks = sorted({round(i * (len(m.columns) - 1) / (MATRIX_COLUMNS - 1)) for i in range(MATRIX_COLUMNS)})
        unit = t(f"cv.unit.{tr.time_unit}")
        appendix = table(t("cv.chart.palive_matrix", model=name, T=t.num(tr.matrix_T, 1), unit=unit), [
            (t("pres.col.repeat_purchases"), rows, "int"),
            *((t("pres.col.recency_at", recency=t.num(float(m.columns[j]), 1), unit=unit),
               m.loc[rows].iloc[:, j].to_numpy(), "pct") for j in picks)])
    first, last = by.index[0], by.index[-1]
    takeaway = t("pres.take.model_diagnostics", model=name, b0=first, a0=t.num(by.loc[first, "actual"], 2),
                 e0=t.num(by.loc[first, col], 2), b1=last, a1=t.num(by.loc[last, "actual"], 2),
                 e1=t.num(by.loc[last, col], 2))
    return Slide(
        key="model_diagnostics", title=title, figure=cv_charts.conditional(tr, t, title=t("cv.chart.conditional")),
        takeaway=takeaway, headlines=heads, appendix=appendix,
        notes=(t("cv.tracking.caption", cal=t.date(comp.calibration_end), n=t.num(len(comp.customers))),
               *([t("pres.note.palive_matrix", unit=t(f"cv.unit.{tr.time_unit}"))] if appendix is not None else [])),
        page="customer_value",
    )


@step("lifecycle", "pres.step.lifecycle", page="lifecycle")
def _lifecycle(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from analytics import lifecycle as lc
    from charts import lifecycle as lc_charts

    s = lc.summary(cur, f)  # the page's default rules, with P(alive)
    wake = s.dormant.head(15)
    top_n = min(20, len(s.dormant))
    wake_value = s.dormant["potential_value"].head(top_n).astype(float)
    heads = (Headline(t("pres.head.dormant"), t.num(s.counts.get("dormant", 0))),
             Headline(t("pres.head.active"), t.num(sum(s.counts.get(k, 0) for k in ("new", "active", "reactivated")))),
             Headline(t("pres.head.wake_value", n=top_n),
                      t.money(float(wake_value.sum()), compact=True) if wake_value.notna().any() else "—"),
             Headline(t.metric("pipeline"), t.num(sum(s.counts.get(k, 0) for k in lc.PIPELINE_STAGES))))
    appendix = table(t("pres.appendix.dormant"), [
        (t("common.customer_id"), wake["customer_id"].astype(str), "text"),
        (t("common.name"), wake["name"], "text"),
        (t.dimension("segment"), _values(t, "segment", wake["segment"]), "text"),
        (t("pres.col.last_purchase"), [t.date(pd.Timestamp(d).date()) if pd.notna(d) else "—"
                                       for d in wake["last_purchase"]], "text"),
        (t("pres.col.recency"), wake["recency_days"], "int"),
        (t("pres.col.p_alive"), wake["p_alive"], "pct"),
        (t.metric("potential_value"), wake["potential_value"], "money"),
    ])
    return Slide(
        key="lifecycle", title=t("pres.step.lifecycle"),
        figure=lc_charts.stage_history(s.history, t, include_lost=False),
        takeaway=takeaways.lifecycle(s.counts, s.dormant, t), headlines=heads, appendix=appendix,
        notes=tuple(t(n) for n in s.notes), page="lifecycle",
    )


@step("profit_bridge", "pres.step.profit_bridge", page="overview")
def _profit_bridge(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from charts import concentration as conc_charts

    s = concentration.summary(cur, f, max_points=10)
    gross = s.revenue - s.cogs
    profit_ = gross - s.cost_to_serve
    heads = (
        Headline(t("pres.head.cts_share"), t.pct(s.cost_to_serve / gross, 0) if gross > 0 else "—"),
        Headline(t.metric("revenue"), t.money(s.revenue, compact=True)),
        Headline(t("common.gross_profit"), t.money(gross, compact=True)),
        Headline(t.metric("profit"), t.money(profit_, compact=True)),
    )
    a = s.activities
    total = float(a["cost"].sum())
    appendix = table(t("pres.appendix.activities"), [
        (t("common.activity"), _values(t, "activity", a["activity"]), "text"),
        (t("common.quantity"), a["quantity"], "int"),
        (t("common.cost"), a["cost"], "money"),
        (t("common.share"), a["cost"] / total if total > 0 else [float("nan")] * len(a), "pct"),
    ])
    return Slide(
        key="profit_bridge", title=t("pres.step.profit_bridge"),
        figure=conc_charts.profit_bridge(s.revenue, s.cogs, s.activities, t),
        takeaway=takeaways.profit_bridge(s.revenue, s.cogs, s.cost_to_serve, t), headlines=heads,
        appendix=appendix, page="overview",
    )


@step("monthly", "pres.step.monthly", page="overview")
def _monthly(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator) -> Slide:
    from charts import overview as ov_charts

    m = profit.monthly_pnl(cur, f)
    revenue, prof = float(m["revenue"].sum()), float(m["profit"].sum())
    heads = (
        Headline(t("pres.head.margin"), t.pct(prof / revenue, 0) if revenue > 0 else "—"),
        Headline(t.metric("revenue"), t.money(revenue, compact=True)),
        Headline(t.metric("profit"), t.money(prof, compact=True)),
    )
    appendix = table(t("pres.appendix.monthly"), [
        (t("common.month"), [t.month(pd.Timestamp(v).date()) for v in m["month"]], "text"),
        *((t.metric(k), m[k], "money") for k in ("revenue", "cost_to_serve", "profit")),
        (t.metric("customers"), m["customers"], "int"),
    ])
    return Slide(
        key="monthly", title=t("pres.step.monthly"),
        figure=ov_charts.monthly(m, t) if not m.empty else go.Figure(),
        takeaway=takeaways.monthly(m, t), headlines=heads, appendix=appendix, page="overview",
    )
