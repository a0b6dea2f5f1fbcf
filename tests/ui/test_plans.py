"""The Improvement plans page in AppTest on a copy of the demo store: a plan of two levers built with the
widgets shows exactly the figures of :func:`analytics.scenario.project`, is saved with its author,
compared with a second plan and deleted; bad input is an error message, never an exception."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import filters
from analytics import metrics as registry
from analytics import scenario as sc
from analytics.filters import Filters
from analytics.store import db
from i18n import Translator, catalog
from i18n.markdown import escape
from tests.ui.apptest import assert_ok, metrics, plotly_specs, start

PAGE = "views/plans.py"
FIRST = "Cut delivery cost + support fees"
SECOND = "最低订单 ¥200"
# The two levers the test builds with the widgets, as the analytics API writes them.
PLAN_A = (sc.ProcessImprovement(activity="delivery", cut=0.15, customers=sc.Selector.loss_makers()),
          sc.ActivityPricing(activity="support_call", fee=30, allowance=12, behaviour_share=0.5))
PLAN_B = (sc.MinimumOrder(minimum=200, consolidate_share=0.3, order_activities=("delivery",)),)
CARDS = ("total_profit", "whale_peak_share", "top20_profit_share", "loss_customers", "bottom30_profit")


def _app_connection():
    """The app's own connection (AppTest runs in this process; DuckDB allows one configuration per file)."""
    from ui import cache

    return cache.connection()


def _widget(at, key: str):
    for kind in ("number_input", "selectbox", "radio", "multiselect", "text_area", "date_input", "checkbox"):
        try:
            return getattr(at, kind)(key=key)
        except KeyError:
            continue
    raise KeyError(key)


def _add(at, kind: str, who: str = "everyone", values: list[str] | str | None = None, loss_only: bool = False,
         **params: object) -> None:
    """Fill in the lever builder (``params`` by the widget keys' last part) and press "Add to the plan"."""
    at.selectbox(key="plans_new_kind").set_value(kind).run()
    at.selectbox(key="plans_new_who").set_value(who).run()
    box = at.checkbox(key="plans_new_loss_only")
    if not box.disabled:  # disabled when the selection is the loss-makers already
        box.set_value(loss_only)
    if values is not None:
        _widget(at, "plans_new_ids" if who == "ids" else f"plans_new_values_{who}").set_value(values)
    for name, value in params.items():
        _widget(at, f"plans_new_{kind}_{name}").set_value(value)
    at.run()
    at.button(key="plans_add").click().run()


def _build_plan_a(at) -> None:
    _add(at, "process_improvement", who="loss_makers", activity="delivery", cut=15.0)
    _add(at, "activity_pricing", activity="support_call", fee=30.0, allowance=12.0, behaviour=50.0)


def _table(at, column: str) -> list[pd.DataFrame]:
    """The read-only tables on the page that have ``column``."""
    return [d.value for d in at.dataframe if column in d.value.columns]


def _expected(demo_con, levers: tuple[sc.Lever, ...]) -> sc.Projection:
    """The projection on the demo store (app_db is a copy of it) for the app's default period."""
    with db.cursor(demo_con) as cur:
        return sc.project(cur, Filters(*filters.latest_period(cur)), levers)


def _label(t: Translator, key: str) -> str:
    """A projection figure's name: the metric registry's, found by its report --json key."""
    return t.metric(registry.report_keys()[key].key)


def _text(t: Translator, key: str, v: float | None, compact: bool = False) -> str:
    """A figure as the page writes it: money, a share with one decimal, a count, or the Gini."""
    if v is None:
        return "—"
    if key in ("customers", "loss_customers"):
        return f"{round(v):,}"
    if key.endswith("_share") or key == "bottom30_share_of_peak":
        return t.pct(v, 1)
    if key == "gini":
        return t.num(v, 3)
    return t.money(v, compact=compact)


def test_every_lever_rule_selection_and_figure_has_both_languages():
    keys = catalog()
    wanted = ([f"scenario.rule.{k}" for k in sc.RULE_TEXT] + [f"scenario.lever.{k}" for k in sc.LEVER_TYPES]
              + [f"scenario.lever.{k}.help" for k in sc.LEVER_TYPES]
              + [f"scenario.selector.{k}" for k in sc.SELECTOR_KINDS])
    missing = [k for k in wanted if k not in keys]
    assert not missing, missing
    for lang in ("zh", "en"):  # every figure of a projection has the registry's name
        assert all(_label(Translator(lang), k) for k in sc.FIGURE_KEYS)
    # Every rule a lever can apply is reachable from the levers' own lists.
    rules = {r for cls in sc.LEVER_TYPES.values() for r in cls.RULES} | {"scope.effective_from",
                                                                        "scope.loss_makers_on_baseline",
                                                                        "transition.let_go", "transition.partner",
                                                                        "transition.word_of_mouth"}
    assert rules == set(sc.RULE_TEXT)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_build_project_save_compare_delete(app_db, demo_con, monkeypatch, lang):
    monkeypatch.setenv("CVM_USER", "planner")
    t = Translator(lang, "CNY")
    at = start(lang, page=PAGE)
    assert_ok(at)
    assert at.title[0].value == t("plans.title")
    with db.cursor(_app_connection()) as cur:
        version = db.data_version(cur)

    # ---- two levers: the cards, the table of every figure and each lever's effect are the core's
    _build_plan_a(at)
    assert_ok(at)
    assert not at.error, [e.value for e in at.error]
    p = _expected(demo_con, PLAN_A)
    before, after = p.figures("baseline"), p.figures("scenario")
    shown = metrics(at)
    for key in CARDS:  # the registry's name and format, marked as projected
        rk = registry.report_keys()[key].key
        assert shown[t("plans.card", figure=t.metric(rk))] == t.figure(rk, after[key]), key
    figures = _table(at, "before")[0]
    assert list(figures["figure"]) == [_label(t, k) for k in sc.FIGURE_KEYS]
    assert list(figures["before"]) == [_text(t, k, before[k]) for k in sc.FIGURE_KEYS]
    assert list(figures["after"]) == [_text(t, k, after[k]) for k in sc.FIGURE_KEYS]
    effects = _table(at, "lever")[0]
    assert list(effects["selected"]) == [e.selected for e in p.effects]
    assert list(effects["changed"]) == [e.changed for e in p.effects]
    assert effects["profit"].tolist() == pytest.approx([e.profit for e in p.effects], abs=1e-6)
    assert sum(effects["profit"]) == pytest.approx(p.total_change, abs=1e-3)
    # every assumption is on the page, next to its lever, in the reader's language
    text = "\n".join(m.value for m in at.markdown)
    for lever in PLAN_A:
        for rule in lever.rules:
            assert escape(t(f"scenario.rule.{rule}")) in text, rule
    # who gains: the top rows of the core's gainers, linked to Customer 360
    gainers = _table(at, "status")[0]
    ids = list(gainers["customer_id"])  # plain ids: a click opens Customer 360 in place (ui.drill)
    assert ids == list(p.gainers["customer_id"].head(len(ids)))
    # the curve before and after on one chart, and the bridge through the levers
    specs = plotly_specs(at)
    curve = next(s for s in specs if any(tr.get("name") == t("plans.curve.scenario") for tr in s["data"]))
    assert {tr.get("name") for tr in curve["data"]} >= {t("plans.curve.baseline"), t("plans.curve.scenario")}
    assert any(tr["type"] == "waterfall" for s in specs for tr in s["data"])
    # marked as a projection, and nothing written
    assert any(m.value.startswith(":orange-badge[") and t("scenario.projection") in m.value for m in at.markdown)
    with db.cursor(_app_connection()) as cur:
        assert db.data_version(cur) == version
        assert sc.plans.names(cur) == []

    # ---- save: a name is required; the plan is stored with its author
    at.button(key="plans_save").click().run()
    assert [e.value for e in at.error] == [t("plans.save.no_name")]
    at.text_input(key="plans_name").input(FIRST)
    at.text_area(key="plans_desc").input("Loss-makers first")
    at.button(key="plans_save").click().run()
    assert_ok(at)
    assert [s.value for s in at.success if FIRST in s.value or escape(FIRST) in s.value]
    with db.cursor(_app_connection()) as cur:
        stored = sc.plans.load(cur, FIRST)
    assert stored.levers == PLAN_A and stored.author == "planner" and stored.description == "Loss-makers first"

    # ---- the same name again needs the overwrite box
    at.button(key="plans_save").click().run()
    assert [e.value for e in at.error] == [t("plans.save.taken")]
    at.checkbox(key="plans_overwrite").check().run()
    at.button(key="plans_save").click().run()
    assert not at.error

    # ---- a second plan: minimum order size; its win-win exits are flagged
    at.button(key="plans_clear").click().run()
    _add(at, "minimum_order", minimum=200.0, consolidate=30.0, acts=["delivery"])
    assert_ok(at)
    q = _expected(demo_con, PLAN_B)
    exits = _table(at, "quadrant_after")
    assert len(q.winwin_exits) > 0 and len(exits) == 1
    assert sorted(exits[0]["customer_id"]) == sorted(q.winwin_exits["customer_id"])
    assert any(t("plans.winwin.count", n=f"{len(q.winwin_exits):,}") in w.value for w in at.warning)
    at.text_input(key="plans_name").input(SECOND)
    at.button(key="plans_save").click().run()
    assert_ok(at)

    # ---- compare both side by side: the core's compare() figures and every plan's curve
    at.multiselect(key="plans_compare").set_value([FIRST, SECOND]).run()
    assert_ok(at)
    table = _table(at, "plan_1")[0]
    expected = sc.compare({"plan_1": p, "plan_2": q})
    for key, b, a1, a2 in expected.itertuples(index=False):
        row = table[table["figure"] == _label(t, key)].iloc[0]
        assert (row["baseline"], row["plan_1"], row["plan_2"]) == (_text(t, key, b), _text(t, key, a1), _text(t, key, a2))
    names = {tr.get("name") for s in plotly_specs(at) for tr in s["data"]}
    assert {t("plans.card", figure=FIRST), t("plans.card", figure=SECOND)} <= names

    # ---- delete the second plan (only after ticking the confirmation)
    at.selectbox(key="plans_saved_pick").set_value(SECOND).run()
    assert at.button(key="plans_delete").disabled
    at.checkbox(key="plans_delete_confirm").check().run()
    at.button(key="plans_delete").click().run()
    assert_ok(at)
    with db.cursor(_app_connection()) as cur:
        assert sc.plans.names(cur) == [FIRST]

    # ---- open the first plan again: its levers come back into the builder
    at.selectbox(key="plans_saved_pick").set_value(FIRST).run()
    at.button(key="plans_open").click().run()
    assert_ok(at)
    assert at.session_state["plans_levers"] == list(PLAN_A)
    assert at.text_input(key="plans_name").value == FIRST


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_invalid_levers_are_errors_not_exceptions(app_db, lang):
    """The core's ValueError is shown as a message (Markdown-escaped), the plan is unchanged, no traceback."""
    t = Translator(lang, "CNY")
    at = start(lang, page=PAGE)
    # a segment selection without a segment
    _add(at, "process_improvement", who="segment", values=[], activity="delivery", cut=10.0)
    assert_ok(at)
    assert [e.value for e in at.error] == [t.md("plans.add.invalid", error="a segment selection needs at least one value")]
    # a price rise whose volume response would make quantity negative (each widget within its bounds)
    _add(at, "price_change", change=300.0, elasticity=-0.5)
    assert_ok(at)
    assert [e.value for e in at.error] == [t.md(
        "plans.add.invalid", error="price_change: elasticity -0.5 × change 3 would make quantity negative")]
    # customer ids the store does not know (checked against the store before the lever joins the plan)
    _add(at, "discount_cap", who="ids", values="C000001, NOPE-1", activity="rebate", cap=5.0)
    assert_ok(at)
    assert [e.value for e in at.error] == [t.md(
        "plans.add.invalid", error="lever 1 (discount_cap): unknown customer id(s) NOPE-1")]
    assert at.session_state["plans_levers"] == []
    assert at.button(key="plans_save").disabled  # nothing to save


def test_every_lever_kind_and_selection_can_be_added_with_its_defaults(app_db, demo_con):
    """Each lever's widgets render and their defaults make a valid lever; each kind of customer selection
    works; the plan of all of them projects as the core does."""
    at = start("en", page=PAGE)
    for kind in sc.LEVER_TYPES:
        _add(at, kind)
        assert_ok(at)
        assert not at.error, (kind, [e.value for e in at.error])
    _add(at, "price_change", who="tier", values=["low/low", "mid/low"], product="Broadband")
    _add(at, "process_improvement", who="region", values=["East"], how="set", loss_only=True)
    _add(at, "discount_cap", who="ids", values="C000001\nC000002")
    assert_ok(at)
    assert not at.error, [e.value for e in at.error]
    levers = at.session_state["plans_levers"]
    assert [lv.KIND for lv in levers] == [*sc.LEVER_TYPES, "price_change", "process_improvement", "discount_cap"]
    assert levers[-3].customers == sc.Selector("tier", ("low/low", "mid/low")) and levers[-3].product == "Broadband"
    assert levers[-2].customers == sc.Selector("region", ("East",), loss_makers_only=True) and levers[-2].unit_cost == 88
    assert levers[-1].customers == sc.Selector.ids("C000001", "C000002")
    p = _expected(demo_con, tuple(levers))
    t = Translator("en", "CNY")
    assert metrics(at)[t("plans.card", figure=t.metric("profit"))] == t.figure("profit", p.scenario.total_profit)
