"""Improvement plans (issue 18) in words and in the meeting deck.

**Words.** A lever, its customers, its modelling rules and a projection's figures written in the
reader's language: the Improvement plans page (``views/plans.py``) and the deck say a plan the same
way. Values from the data (activity, segment and product names) come back as plain text: escape them
for Markdown.

**Slides.** A plan goes into a deck as two slides of its own, built from
:func:`analytics.scenario.project` over the deck's filters (``python -m analytics export --scenario
NAME``, and the Present page, after the story's slides):

* ``plan``: the whale curve now and projected on one money axis (:func:`charts.scenario.whale_curves`),
  total profit, the top-20 % share and the loss-makers projected, each with its value now and its
  change; appendix: every figure of :data:`analytics.scenario.FIGURE_KEYS` now, projected and changed;
* ``plan_levers``: the bridge from today's total profit through each lever's marginal effect to the
  projected total (:func:`charts.scenario.lever_bridge`); beside it, each lever in words with whom it
  reaches, its effect and its assumptions; appendix: the same per lever.

Every projected figure says so: the slide titles, the headline labels, the appendix titles and
columns, and a caveat on each slide (also in the Excel export, whose sheets take these titles and
labels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from analytics import filters, profit
from analytics import metrics as registry
from analytics import scenario as sc
from analytics.filters import Filters
from i18n import Translator, fmt
from presentation import takeaways
from presentation.story import Headline, Slide, Table

MONEY_KEYS = {"revenue", "cost_of_goods", "cost_to_serve", "total_profit", "loss_profit", "bottom30_profit",
              "breakeven_profit"}
SHARE_KEYS = {"top20_profit_share", "whale_peak_share", "whale_peak_customer_share", "bottom30_share_of_peak"}
COUNT_KEYS = {"customers", "loss_customers"}
MONEY_DETAILS = {"fee_revenue", "small_order_revenue", "revenue_lost", "cost_above_cap", "revenue_repriced"}
FACTOR_DETAILS = {"volume_factor", "revenue_factor"}
# The figures a plan slide shows beside its curves (the appendix holds every figure).
HEADLINES = ("total_profit", "top20_profit_share", "loss_customers")
PAGE = "plans"  # views/plans.py


# ----------------------------------------------------------------------------- words
def pct(v: float, t: Translator) -> str:
    """A share as a percentage, without decimals when it has none (15 %, 12.5 %)."""
    return t.pct(v, 0 if math.isclose(v * 100, round(v * 100), abs_tol=1e-9) else 1)


def signed_pct(v: float, t: Translator) -> str:
    return t.pct(v, 0 if math.isclose(v * 100, round(v * 100), abs_tol=1e-9) else 1, signed=True).replace("-", "−")


def unit_money(v: float, t: Translator) -> str:
    """A unit cost or fee: four significant digits below 100 (a rate of 0.008 per CNY·month is not ¥0), written
    by the one formatter (i18n.fmt.unit_cost: the minus before the symbol, never 1e-05)."""
    return fmt.unit_cost(v, t.currency, t.lang)


def number(v: float, t: Translator) -> str:
    return t.num(v, 0 if math.isclose(v, round(v), abs_tol=1e-6) else 1)


def activity(name: str, t: Translator) -> str:
    return t.value("activity", name)


def tier_label(code: str, t: Translator) -> str:
    r, _, p = code.partition("/")
    return t("plans.tier", cell=t(f"cv.cell.{r}.{p}"), r=t(f"cv.level.{r}"), p=t(f"cv.level.{p}"))


def who_text(sel: sc.Selector, t: Translator) -> str:
    """The customers a lever reaches, in words."""
    if sel.kind in ("everyone", "loss_makers"):
        text = t(f"scenario.selector.{sel.kind}")
    elif sel.kind == "ids":
        shown = ", ".join(sel.values[:5]) + (" …" if len(sel.values) > 5 else "")
        text = t("plans.who.ids", n=len(sel.values), ids=shown) if sel.values else t("plans.who.nobody")
    elif sel.kind == "tier":
        text = t("plans.who.values", what=t("scenario.selector.tier"),
                 values=", ".join(tier_label(v, t) for v in sel.values))
    else:
        text = t("plans.who.values", what=t(f"scenario.selector.{sel.kind}"),
                 values=", ".join(t.value(sel.kind, v) for v in sel.values))
    if sel.loss_makers_only and sel.kind != "loss_makers":
        text += t("plans.who.loss_only")
    return text


def scope_text(lever: sc.Lever, t: Translator) -> str:
    """Whom a lever reaches and from when."""
    when = t("plans.when.from", date=t.date(lever.effective_from)) if lever.effective_from else t("plans.when.all")
    return t("plans.scope", who=who_text(lever.customers, t), when=when)


def lever_text(lever: sc.Lever, t: Translator) -> str:
    """What a lever does, with its parameters, in words."""
    if isinstance(lever, sc.ProcessImprovement):
        if lever.cut is not None:
            return t("plans.do.process_cut", activity=activity(lever.activity, t), cut=pct(lever.cut, t))
        return t("plans.do.process_set", activity=activity(lever.activity, t),
                 cost=unit_money(lever.unit_cost or 0.0, t))
    if isinstance(lever, sc.ActivityPricing):
        return t("plans.do.pricing", fee=unit_money(lever.fee, t), activity=activity(lever.activity, t),
                 allowance=number(lever.allowance, t), share=pct(lever.behaviour_share, t))
    if isinstance(lever, sc.ChannelMigration):
        return t("plans.do.migration", share=pct(lever.share, t), source=activity(lever.from_activity, t),
                 target=activity(lever.to_activity, t), units=f"{lever.units_per_unit:g}")
    if isinstance(lever, sc.MinimumOrder):
        acts = t("plans.list_sep").join(activity(a, t) for a in lever.order_activities) or t("plans.do.none")
        return t("plans.do.minimum", minimum=unit_money(lever.minimum, t), share=pct(lever.consolidate_share, t),
                 activities=acts)
    if isinstance(lever, sc.DiscountCap):
        return t("plans.do.cap", activity=activity(lever.activity, t), share=pct(lever.cap_share, t))
    if isinstance(lever, sc.PriceChange):
        product = t.value("product", lever.product) if lever.product else t("plans.p.all_products")
        return t("plans.do.price", product=product, change=signed_pct(lever.change, t),
                 elasticity=f"{lever.elasticity:g}", volume=f"{lever.volume_factor:.3g}",
                 revenue=f"{lever.revenue_factor:.3g}")
    if isinstance(lever, sc.RelationshipTransition):
        if lever.mode == "partner":
            return t("plans.do.partner", margin=pct(lever.margin_share, t))
        return t("plans.do.let_go")
    return lever.KIND


def lever_title(i: int, lever: sc.Lever, t: Translator) -> str:
    """``1. Process improvement``."""
    return f"{i}. {t(f'scenario.lever.{lever.KIND}')}"


def rule_text(key: str, t: Translator) -> str:
    """A modelling rule of :data:`analytics.scenario.RULE_TEXT` in the reader's language."""
    return t(f"scenario.rule.{key}") if t.has(f"scenario.rule.{key}") else sc.RULE_TEXT.get(key, key)


def rules_text(keys: Sequence[str], t: Translator) -> str:
    """A lever's rules as one paragraph: Chinese sentences follow each other without a space."""
    return ("" if t.lang == "zh" else " ").join(rule_text(k, t) for k in keys)


def detail_lines(details: dict[str, Any], t: Translator) -> list[str]:
    """A lever's own figures (units removed, fees, word of mouth at risk …), in words."""
    out = []
    for key, v in details.items():
        if key == "word_of_mouth" and isinstance(v, dict):
            nps = "—" if v.get("nps") is None else f"{v['nps']:.0f}"
            out.append(t("plans.detail.word_of_mouth", customers=v["customers_with_feedback"],
                         complaints=v["complaints"], praise=v["praise"], nps=nps, responses=v["nps_responses"]))
        elif t.has(f"plans.detail.{key}") and isinstance(v, (int, float)):
            text = (t.money(v) if key in MONEY_DETAILS else f"{v:.3g}" if key in FACTOR_DETAILS else number(v, t))
            out.append(t(f"plans.detail.{key}", v=text))
    return out


def registry_key(key: str) -> str:
    """The metric registry's key of a projection figure, which is a ``report --json`` key
    (``total_profit`` is the report's other name of ``profit``); ValueError for another key."""
    m = registry.report_keys().get(key)
    if m is None:
        raise ValueError(f"{key!r} is not a report --json key of analytics/metrics.py")
    return m.key


def figure_label(key: str, t: Translator) -> str:
    """A projection figure's name: the registry's."""
    return t.metric(registry_key(key))


def fig_text(key: str, v: float | None, t: Translator, compact: bool = False) -> str:
    """A projection figure written by its kind (money, share, count)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    if key in MONEY_KEYS:
        return t.money(v, compact=compact)
    if key in SHARE_KEYS:
        return t.pct(v, 1)
    if key in COUNT_KEYS:
        return f"{round(v):,}"
    return t.num(v, 3)


def change_text(key: str, d: float | None, t: Translator, compact: bool = False) -> str:
    """A change of a projection figure: money signed, shares in percentage points, counts signed."""
    if d is None or (isinstance(d, float) and not math.isfinite(d)):
        return "—"
    if key in MONEY_KEYS:
        return t.money(d, compact=compact, signed=True)
    if key in SHARE_KEYS:
        return t("common.delta_pts", v=f"{d * 100:+.1f}")
    if key in COUNT_KEYS:
        return f"{round(d):+,}"
    return f"{d:+.3f}"


def plan_summary(levers: Sequence[sc.Lever], t: Translator) -> str:
    """Every lever in one line (export headers)."""
    return t("plans.list_sep").join(f"{lever_title(i, lv, t)} · {lever_text(lv, t)} ({scope_text(lv, t)})"
                                    for i, lv in enumerate(levers, 1)) or t("plans.do.none")


def projected(label: str, t: Translator) -> str:
    """``label (projected)``: how every projected figure is named."""
    return t("plans.card", figure=label)


# ----------------------------------------------------------------------------- slides
def titles(name: str, t: Translator) -> tuple[str, str]:
    """The titles of a plan's two slides (known without projecting it: the Present page lists them)."""
    return t("scenario.deck.title", name=name), t("scenario.deck.levers_title", name=name)


def named_slides(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator, name: str) -> list[Slide]:
    """The two slides of the saved plan ``name`` (:func:`slides`); ValueError when no plan has that name.

    Keyed by the name, so the Present page can cache them per data version (every save of a plan bumps it).
    """
    return slides(cur, f, t, sc.plans.load(cur, name))


def slides(cur: duckdb.DuckDBPyConnection, f: Filters, t: Translator, plan: sc.Plan) -> list[Slide]:
    """The plan's two slides over the filter ``f`` (its period resolved, as the deck states it).

    Raises ValueError when the plan cannot be projected (a lever naming an activity, product or
    customer the store does not have).
    """
    from charts import scenario as sc_charts

    p = sc.project(cur, f, plan.levers, winwin=False)
    before, after = p.figures("baseline"), p.figures("scenario")
    table = p.figures_table()
    curves = p.curves(max_points=1500)
    caveat = t("scenario.deck.note")
    # Cost of goods not provided for part of the revenue: said on both slides, first, as on the story's.
    cogs = takeaways.cogs_unknown(profit.cogs_unknown_for(cur, f.resolved(filters.data_bounds(cur))), t)
    first_notes = (cogs,) if cogs else ()

    heads = tuple(Headline(projected(figure_label(k, t), t), fig_text(k, after[k], t, compact=True),
                           t("scenario.deck.now", before=fig_text(k, before[k], t, compact=True),
                             change=change_text(k, _change(before[k], after[k]), t, compact=True)))
                  for k in HEADLINES)
    takeaway = t("scenario.deck.takeaway", before=t.money(before["total_profit"], compact=True),
                 after=t.money(after["total_profit"], compact=True),
                 change=t.money(p.total_change, compact=True, signed=True),
                 loss_before=fig_text("loss_customers", before["loss_customers"], t),
                 loss_after=fig_text("loss_customers", after["loss_customers"], t))
    figures = Table(t("scenario.deck.figures", name=plan.name), _figures_frame(table, t), ("text",) * 4)
    title, levers_title = titles(plan.name, t)
    first = Slide(
        key="plan", title=title,
        figure=sc_charts.whale_curves([(t("plans.curve.baseline"), curves[curves["which"] == "baseline"]),
                                       (t("plans.curve.scenario"), curves[curves["which"] == "scenario"])], t),
        takeaway=takeaway, headlines=heads, appendix=figures, notes=(*first_notes, caveat, t("plans.curve.note")),
        page=PAGE, caveat=cogs)

    effects = [(lever_title(e.index, e.lever, t), e.profit) for e in p.effects]
    total = Headline(projected(t("plans.cmp.total_change"), t), t.money(p.total_change, compact=True, signed=True),
                     t("scenario.deck.totals", before=t.money(before["total_profit"], compact=True),
                       after=t.money(after["total_profit"], compact=True)))
    notes = tuple(_lever_note(e, t) for e in p.effects) or (t("plans.levers.none"),)
    second = Slide(
        key="plan_levers", title=levers_title,
        figure=sc_charts.lever_bridge(p.baseline.total_profit, effects, p.scenario.total_profit, t),
        takeaway=t("scenario.deck.levers_takeaway", n=len(p.effects),
                   change=t.money(p.total_change, compact=True, signed=True))
        + ("" if t.lang == "zh" else " ") + t("plans.levers.order_note"),
        headlines=(total,), appendix=_levers_table(p, plan.name, t), notes=(*first_notes, caveat, *notes), page=PAGE,
        caveat=cogs)
    return [first, second]


def _change(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _figures_frame(table: pd.DataFrame, t: Translator) -> pd.DataFrame:
    """Every figure now, projected and changed, as text (the figures mix money, shares and counts)."""
    keys = list(table["figure"])

    def value(v: object) -> float | None:
        return None if v is None or pd.isna(v) else float(v)  # type: ignore[arg-type]

    return pd.DataFrame({
        t("plans.col.figure"): [figure_label(k, t) for k in keys],
        t("plans.col.before"): [fig_text(k, value(v), t) for k, v in zip(keys, table["baseline"], strict=True)],
        t("plans.col.after"): [fig_text(k, value(v), t) for k, v in zip(keys, table["scenario"], strict=True)],
        t("plans.col.change"): [change_text(k, value(v), t) for k, v in zip(keys, table["change"], strict=True)],
    })


def _lever_note(e: sc.LeverEffect, t: Translator) -> str:
    """One lever on the slide: what it does, whom it reaches, its effect (projected) and its assumptions."""
    rules = rules_text(e.lever.rules, t)
    return t("scenario.deck.lever", title=lever_title(e.index, e.lever, t), what=lever_text(e.lever, t),
             who=scope_text(e.lever, t), effect=t.money(e.profit, compact=True, signed=True), rules=rules)


def _levers_table(p: sc.Projection, name: str, t: Translator) -> Table | None:
    if not p.effects:
        return None
    frame = pd.DataFrame({
        t("plans.col.n"): [e.index for e in p.effects],
        t("plans.col.lever"): [f"{t(f'scenario.lever.{e.lever.KIND}')} · {lever_text(e.lever, t)}" for e in p.effects],
        t("plans.add.who"): [scope_text(e.lever, t) for e in p.effects],
        projected(t("plans.col.profit_change"), t): [e.profit for e in p.effects],
        t("plans.col.assumptions"): [rules_text(e.lever.rules, t) for e in p.effects],
    })
    return Table(t("scenario.deck.levers", name=name), frame, ("int", "text", "text", "money", "text"))
