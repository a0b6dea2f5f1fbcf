"""Projections on hand-computed stores, one lever at a time (figures in the docstrings of
tests/conftest.py ``abc_store`` and tests/analytics/scenario/conftest.py ``ops_store``).

abc_store, 2024: A revenue 1500, cogs 900, 2 visits at 100 on 06-30 + 1 visit at 150 on 07-01 +
5 calls at 10 -> profit 200; B 300/100, 30 calls -> -100; C 200/150 -> 50; D 1 visit at 150 -> -150.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import concentration, filters, metrics, profit, report
from analytics import scenario as sc
from analytics.filters import Filters
from analytics.scenario.project import word_of_mouth as feedback_of
from analytics.store import db
from tests.analytics.scenario.conftest import Y2024


def run(con, *levers, f: Filters = Y2024, winwin: bool = False) -> sc.Projection:
    with db.cursor(con) as cur:
        return sc.project(cur, f, list(levers), winwin=winwin)


def after(p: sc.Projection, col: str = "profit") -> dict[str, float]:
    return dict(zip(p.customers["customer_id"], p.customers[f"{col}_after"], strict=True))


def test_baseline_is_the_store_pnl_and_figures(abc_store):
    p = run(abc_store)
    with db.cursor(abc_store) as cur:
        pnl = profit.customer_pnl(cur, Y2024)
        report = concentration.report_section(cur, Y2024)
    assert p.customers["customer_id"].tolist() == pnl.customers["customer_id"].tolist()
    assert p.customers["profit_before"].tolist() == pnl.customers["profit"].tolist()
    assert p.customers["profit_after"].tolist() == pnl.customers["profit"].tolist()
    base = p.figures("baseline")
    for key in ("total_profit", "top20_profit_share", "whale_peak_share", "loss_customers", "bottom30_profit"):
        assert base[key] == report[key]
    assert p.figures("scenario") == base and p.effects == () and p.total_change == 0


def test_figures_have_the_report_names_and_values(abc_store):
    """One name per figure: every projection figure is a report --json key of the metric registry (cost_of_goods,
    not cogs; the peak profit is breakeven_profit), and the baseline's value is the report's."""
    p = run(abc_store, sc.ProcessImprovement(activity="call", cut=0.2))
    with db.cursor(abc_store) as cur:
        rep = report.build(cur, Y2024)
    assert set(sc.FIGURE_KEYS) <= set(metrics.report_keys())
    base = p.figures("baseline")
    assert list(base) == list(sc.FIGURE_KEYS)
    assert {k: base[k] for k in sc.FIGURE_KEYS} == pytest.approx({k: rep[k] for k in sc.FIGURE_KEYS})
    assert base["cost_of_goods"] == 1150  # A 900 + B 100 + C 150
    d = p.to_dict()
    assert list(d["baseline"]) == list(d["scenario"]) == list(sc.FIGURE_KEYS)
    assert d["levers"][0]["cost_of_goods_change"] == 0 and "cogs_change" not in d["levers"][0]


def test_rate_cut_moves_profit_by_quantity_times_the_cut(abc_store):
    # 35 calls at 10, 20 % cheaper: A 5 × 2 = 10, B 30 × 2 = 60.
    p = run(abc_store, sc.ProcessImprovement(activity="call", cut=0.2))
    assert p.total_change == pytest.approx(35 * 10 * 0.2)
    assert after(p) == {"A": 210, "B": -40, "C": 50, "D": -150}
    e = p.effects[0]
    assert (e.profit, e.cost_to_serve, e.revenue, e.changed, e.selected) == (70, -70, 0, 2, 4)
    assert e.details == {"units": 35}


def test_set_unit_cost_equals_what_if_rates(abc_store):
    # Over the whole history (A's three 2023 calls have no rate: the new unit cost prices them).
    f = Filters()
    p = run(abc_store, *sc.rate_levers({"call": 4, "visit": 120}), f=f)
    with db.cursor(abc_store) as cur:
        what_if = profit.customer_pnl(cur, f, rates={"call": 4, "visit": 120}).customers
    assert after(p) == dict(zip(what_if["customer_id"], what_if["profit"], strict=True))


def test_effective_date_splits_at_the_day(abc_store):
    # From 07-01: A's visit of 07-01 (150) and D's of 10-01 (150) halve; A's 06-30 visits do not.
    p = run(abc_store, sc.ProcessImprovement(activity="visit", cut=0.5, effective_from="2024-07-01"))
    assert after(p) == {"A": 275, "B": -100, "C": 50, "D": -75}
    late = run(abc_store, sc.ProcessImprovement(activity="visit", cut=0.5, effective_from="2025-01-01"))
    assert late.total_change == 0 and late.effects[0].changed == 0


def test_surcharge_with_full_behaviour_change(abc_store):
    # B makes 30 calls, 10 free: the 20 beyond the allowance disappear (200 of cost), no fee is paid.
    p = run(abc_store, sc.ActivityPricing(activity="call", fee=5, allowance=10, behaviour_share=1.0))
    assert after(p, "revenue") == {"A": 1500, "B": 300, "C": 200, "D": 0}
    assert after(p, "cost_to_serve")["B"] == 100 and after(p, "cost_to_serve")["A"] == 400
    assert p.effects[0].details["units_removed"] == 20 and p.effects[0].details["fee_revenue"] == 0


def test_surcharge_without_behaviour_change(abc_store):
    # Everyone pays: revenue rises by fee × excess units = 5 × 20; cost unchanged.
    p = run(abc_store, sc.ActivityPricing(activity="call", fee=5, allowance=10, behaviour_share=0.0))
    assert after(p, "revenue")["B"] == 300 + 5 * 20 and after(p, "cost_to_serve")["B"] == 300
    assert p.effects[0].revenue == 100 and p.effects[0].cost_to_serve == 0


def test_surcharge_with_partial_behaviour_change(abc_store):
    # A quarter of the 20 excess calls go (-50 cost), 15 pay 5 (+75): -100 + 125 = 25.
    p = run(abc_store, sc.ActivityPricing(activity="call", fee=5, allowance=10, behaviour_share=0.25))
    assert after(p)["B"] == 25 and p.effects[0].details["customers_over_allowance"] == 1


def test_let_go_removes_revenue_and_costs(abc_store):
    p = run(abc_store, sc.RelationshipTransition(mode="let_go", customers=sc.Selector.ids("B")))
    row = p.customers.set_index("customer_id").loc["B"]
    assert (row["revenue_after"], row["cogs_after"], row["cost_to_serve_after"], row["profit_after"]) == (0, 0, 0, 0)
    assert row["status"] == "leaves"
    e = p.effects[0]
    assert (e.revenue, e.cogs, e.cost_to_serve, e.profit) == (-300, -100, -300, 100)
    assert p.scenario.customers == 3 and p.scenario.total_profit == 100
    assert "B" not in set(p.curves().query("which == 'scenario'")["customer_id"])


def test_let_go_from_a_date_keeps_what_came_before(abc_store):
    # A from 07-01: t2 (500/300) and the 07-01 visit (150) leave; A stays a customer with 150.
    p = run(abc_store, sc.RelationshipTransition(mode="let_go", customers=sc.Selector.ids("A"),
                                                 effective_from="2024-07-01"))
    assert after(p)["A"] == 1000 - 600 - 200 - 50 and p.scenario.customers == 4


def test_partner_handover_keeps_the_margin_share(abc_store):
    p = run(abc_store, sc.RelationshipTransition(mode="partner", margin_share=0.1, customers=sc.Selector.ids("A")))
    row = p.customers.set_index("customer_id").loc["A"]
    assert (row["revenue_after"], row["cogs_after"], row["cost_to_serve_after"], row["profit_after"]) == (150, 0, 0, 150)
    assert row["status"] == "loses"


def test_price_change_with_elasticity(abc_store):
    # P1 +10 %, elasticity -0.5: quantity × 0.95, revenue × 1.045.
    p = run(abc_store, sc.PriceChange(product="P1", change=0.1, elasticity=-0.5))
    c = p.customers.set_index("customer_id")
    assert c.loc["A", "revenue_after"] == pytest.approx(1045 + 500)
    assert c.loc["A", "cogs_after"] == pytest.approx(570 + 300)
    assert c.loc["B", "profit_after"] == pytest.approx(313.5 - 95 - 300)
    assert c.loc["C", "profit_after"] == 50  # P2 only


def test_price_change_on_a_plan_through_the_selector(abc_store):
    p = run(abc_store, sc.PriceChange(change=-0.1, customers=sc.Selector("plan", ("Postpaid",))))
    assert p.effects[0].revenue == pytest.approx(-200) and p.effects[0].cogs == 0


def test_minimum_order_consolidates_and_orders_activities_follow(ops_store):
    # X: o1 and o2 (50 each) are small; half their revenue comes back in 0.5 orders of 100,
    # the other half (50, cogs 30) is lost; orders 3 -> 1.5, deliveries 3 -> 1.5 (-30 cost).
    p = run(ops_store, sc.MinimumOrder(minimum=100, consolidate_share=0.5, order_activities=("delivery",)))
    assert after(p) == {"Y": 450, "Z": 200, "X": -140 - 20 + 30}
    d = p.effects[0].details
    assert (d["small_orders"], d["small_order_revenue"], d["revenue_lost"], d["orders_removed"]) == (2, 100, 50, 1.5)


def test_minimum_order_fully_consolidated_keeps_revenue(ops_store):
    p = run(ops_store, sc.MinimumOrder(minimum=100, consolidate_share=1.0, order_activities=("delivery",)))
    assert after(p, "revenue")["X"] == 450 and after(p)["X"] == -140 + 20


def test_channel_migration_costs_moved_units_at_the_target_rate(ops_store):
    # Half of X's 20 calls (10 × 10) become 10 self-service sessions at 2.
    p = run(ops_store, sc.ChannelMigration(from_activity="call", to_activity="self_service", share=0.5,
                                           customers=sc.Selector.ids("X")))
    assert after(p)["X"] == -140 + 100 - 20 and after(p)["Y"] == 450
    assert p.effects[0].details == {"units_moved": 10, "target_units": 10}


def test_migration_target_cost_follows_an_earlier_process_improvement(ops_store):
    p = run(ops_store, sc.ProcessImprovement(activity="self_service", cut=0.5),
            sc.ChannelMigration(from_activity="call", to_activity="self_service", share=1.0, units_per_unit=2))
    # X: 20 calls (200) -> 40 sessions at 1; Y: 4 calls (40) -> 8 sessions at 1.
    assert [e.profit for e in p.effects] == [0, 200 - 40 + 40 - 8]


def test_discount_cap(ops_store):
    # X: rebate 100 capped at 10 % of net revenue 450 = 45; Y's 10 is below its cap of 100.
    p = run(ops_store, sc.DiscountCap(activity="rebate", cap_share=0.1))
    assert after(p) == {"Y": 450, "Z": 200, "X": -140 + 55}
    assert p.effects[0].details == {"customers_capped": 1, "cost_above_cap": 55}


def test_word_of_mouth_risk_of_a_transition(ops_store):
    p = run(ops_store, sc.RelationshipTransition(mode="let_go", customers=sc.Selector.ids("Y")))
    wom = p.effects[0].details["word_of_mouth"]
    # NPS over survey answers (the default population): Y's scores all came with complaints or praise
    assert wom == {"customers_with_feedback": 1, "complaints": 2, "praise": 1, "nps_responses": 0,
                   "promoters": 0, "detractors": 0, "nps": None}
    with db.cursor(ops_store) as cur:  # every scored response: 10 (promoter), 5 and 3 (detractors) in the period
        every = feedback_of(cur, Y2024, pd.Index(["Y"]), "all")
    assert every == {"customers_with_feedback": 1, "complaints": 2, "praise": 1, "nps_responses": 3,
                     "promoters": 1, "detractors": 2, "nps": pytest.approx(-100 / 3)}


def test_winwin_exits_are_flagged(ops_store):
    p = run(ops_store, sc.RelationshipTransition(mode="let_go", customers=sc.Selector.ids("Y")), winwin=True)
    w = p.winwin.set_index("customer_id")
    assert w.loc["Y", "quadrant_before"] == "win_win" and w.loc["Y", "move"] == "left"
    assert w.loc["X", "move"] == "stayed_out" and w.loc["Z", "quadrant_after"] == "company_only"
    assert p.winwin_exits["customer_id"].tolist() == ["Y"]
    assert p.to_dict()["winwin_exits"] == 1


def test_a_loss_maker_can_enter_the_winwin_zone(ops_store):
    # X gives value (20) but loses 140: migrating calls (+180 with 0 cost) and capping rebates (+55) make it win-win.
    p = run(ops_store, sc.ChannelMigration(from_activity="call", to_activity="self_service", share=1.0,
                                           units_per_unit=0.0001, customers=sc.Selector.loss_makers()),
            sc.DiscountCap(activity="rebate", cap_share=0.1, customers=sc.Selector.loss_makers()), winwin=True)
    assert p.winwin.set_index("customer_id").loc["X", "move"] == "entered"


def test_loss_makers_are_judged_on_the_baseline(ops_store):
    # After the first lever X no longer loses money, but the second still reaches it.
    p = run(ops_store, sc.DiscountCap(activity="rebate", cap_share=0.0, customers=sc.Selector.loss_makers()),
            sc.ChannelMigration(from_activity="call", to_activity="self_service", share=1.0,
                                customers=sc.Selector.loss_makers()))
    assert after(p)["X"] == -140 + 100 + 160 and p.effects[1].selected == 1


def test_per_lever_effects_per_customer_add_up(abc_store):
    p = run(abc_store, sc.ProcessImprovement(activity="call", cut=0.2),
            sc.ActivityPricing(activity="call", fee=5, allowance=10, behaviour_share=0.25),
            sc.RelationshipTransition(mode="let_go", customers=sc.Selector.ids("D")))
    c = p.customers.set_index("customer_id")
    assert c.loc["B", ["lever_1", "lever_2", "lever_3"]].tolist() == [60, 115, 0]
    assert c.loc["D", "lever_3"] == 150 and c.loc["D", "status"] == "leaves"
    assert sum(e.profit for e in p.effects) == pytest.approx(p.total_change)
    assert p.gainers["customer_id"].tolist() == ["B", "D", "A"] and p.losers.empty


def test_json_has_baseline_scenario_and_levers(abc_store):
    out = run(abc_store, sc.ProcessImprovement(activity="call", cut=0.2)).to_dict()
    for key in ("total_profit", "whale_peak_share", "top20_profit_share", "loss_customers", "bottom30_profit"):
        assert key in out["baseline"] and key in out["scenario"]
    assert out["projection"] is True and out["total_profit_change"] == 70
    lever = out["levers"][0]
    assert lever["kind"] == "process_improvement" and lever["profit_change"] == 70
    assert lever["assumptions"]["cut"] == 0.2 and lever["rules"][0]["key"] == "scope.effective_from"


def test_compare_plans_side_by_side(abc_store):
    a = run(abc_store, sc.ProcessImprovement(activity="call", cut=0.2))
    b = run(abc_store, sc.RelationshipTransition(mode="let_go", customers=sc.Selector.loss_makers()))
    table = sc.compare({"cheaper calls": a, "let go": b}).set_index("figure")
    assert table.loc["total_profit"].tolist() == [0, 70, 250]
    assert table.loc["customers"].tolist() == [4, 4, 2]
    with pytest.raises(ValueError, match="same filter"):
        sc.compare({"a": a, "b": run(abc_store, f=Filters("2024-01-01", "2024-06-30"))})


@pytest.mark.parametrize(("lever", "message"), [
    (sc.ProcessImprovement(activity="fax", cut=0.1), r"lever 1 \(process_improvement\): unknown activity 'fax'"),
    (sc.ChannelMigration(from_activity="call", to_activity="web", share=0.1), "unknown activity 'web'"),
    (sc.PriceChange(product="P9", change=0.1), "unknown product 'P9'"),
    (sc.PriceChange(change=0.1, customers=sc.Selector("segment", ("S9",))), "unknown segment 'S9'"),
    (sc.RelationshipTransition(mode="let_go", customers=sc.Selector.ids("Q")), "unknown customer id"),
])
def test_names_are_checked_against_the_store(abc_store, lever, message):
    with pytest.raises(ValueError, match=message):
        run(abc_store, lever)


def test_migration_to_an_activity_without_a_rate_is_refused(abc_store):
    with db.write(abc_store) as cur:
        cur.execute("INSERT INTO activities VALUES ('a9', 'A', DATE '2024-03-01', 'web', 1, NULL)")
    with pytest.raises(ValueError, match="'web' has no rate"):
        run(abc_store, sc.ChannelMigration(from_activity="call", to_activity="web", share=0.1))


def test_a_projection_never_writes(abc_store):
    with db.cursor(abc_store) as cur:
        before = (db.fingerprint(cur), db.data_version(cur), cur.execute("SELECT count(*) FROM audit_log").fetchone())
    run(abc_store, sc.ProcessImprovement(activity="call", unit_cost=1),
        sc.RelationshipTransition(mode="let_go", customers=sc.Selector.everyone()), winwin=True)
    with db.cursor(abc_store) as cur:
        assert (db.fingerprint(cur), db.data_version(cur),
                cur.execute("SELECT count(*) FROM audit_log").fetchone()) == before
        assert profit.customer_pnl(cur, Y2024).customers["profit"].sum() == 0


def test_attribute_filter_and_partial_month_period(abc_store):
    # S2 customers (B, D) from 05-01 to 10-10 (the facts, not the monthly aggregates): B 300/100 and
    # 30 calls (-100), D's visit of 10-01 (-150). Letting the loss-makers go from 06-01 keeps B's May.
    f = Filters("2024-05-01", "2024-10-10", segments=("S2",))
    p = run(abc_store, sc.RelationshipTransition(mode="let_go", customers=sc.Selector.loss_makers(),
                                                 effective_from="2024-06-01"), f=f)
    assert after(p) == {"B": -100, "D": 0}
    assert p.customers.set_index("customer_id")["status"].to_dict() == {"B": "unchanged", "D": "leaves"}
    assert p.figures("scenario")["customers"] == 1


def test_demo_plan_baseline_matches_report_and_effects_add_up(demo_con):
    with db.cursor(demo_con) as cur:
        f = Filters(*filters.latest_period(cur))
        report = concentration.report_section(cur, f)
        p = sc.project(cur, f, [
            sc.ChannelMigration(from_activity="support_call", to_activity="delivery", share=0.5, units_per_unit=0.2),
            sc.ActivityPricing(activity="rush_order", fee=200, allowance=3, behaviour_share=0.5,
                               customers=sc.Selector.loss_makers(), effective_from=f.date_from.replace(day=15)),
            sc.MinimumOrder(minimum=100, consolidate_share=0.6, order_activities=("delivery", "rush_order")),
            sc.DiscountCap(activity="rebate", cap_share=0.05, customers=sc.Selector("tier", ("low/low", "mid/low"))),
            sc.RelationshipTransition(mode="partner", margin_share=0.1,
                                      customers=sc.Selector("segment", ("Mass",), loss_makers_only=True)),
        ])
    base = p.figures("baseline")
    for key in ("total_profit", "top20_profit_share", "whale_peak_share", "loss_customers", "bottom30_profit"):
        assert base[key] == report[key]
    assert p.total_change > 0 and p.scenario.loss_customers < p.baseline.loss_customers
    assert sum(e.profit for e in p.effects) == pytest.approx(p.total_change, rel=1e-9)
    assert all(e.changed > 0 for e in p.effects)
    untouched = p.customers[p.customers[[f"lever_{i}" for i in range(1, 6)]].eq(0).all(axis=1)]
    assert (untouched["profit_after"] == untouched["profit_before"]).all()
