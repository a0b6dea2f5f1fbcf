"""Levers and selections: validation with clear messages, assumptions as data, the JSON round trip."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analytics import scenario as sc
from analytics.scenario.project import select

ALL_LEVERS = [
    sc.ProcessImprovement(activity="call", cut=0.2, effective_from="2024-07-01"),
    sc.ProcessImprovement(activity="call", unit_cost=4, customers=sc.Selector("segment", ("S1",))),
    sc.ActivityPricing(activity="call", fee=5, allowance=10, behaviour_share=0.4, customers=sc.Selector.loss_makers()),
    sc.ChannelMigration(from_activity="call", to_activity="self_service", share=0.5, units_per_unit=2),
    sc.MinimumOrder(minimum=100, consolidate_share=0.5, order_activities=("delivery",)),
    sc.DiscountCap(activity="rebate", cap_share=0.1, customers=sc.Selector.ids("X", "Y")),
    sc.PriceChange(product="P1", change=0.1, elasticity=-0.5),
    sc.RelationshipTransition(mode="partner", margin_share=0.1, customers=sc.Selector("tier", ("low/low",))),
    sc.RelationshipTransition(mode="let_go", customers=sc.Selector("region", ("North",), loss_makers_only=True)),
]


@pytest.mark.parametrize("lever", ALL_LEVERS, ids=lambda lever: lever.KIND)
def test_json_round_trip(lever):
    data = json.loads(json.dumps(lever.to_dict()))
    assert data["kind"] == lever.KIND
    assert sc.lever_from_dict(data) == lever


@pytest.mark.parametrize("lever", ALL_LEVERS, ids=lambda lever: lever.KIND)
def test_every_rule_is_worded_and_assumptions_are_plain_values(lever):
    assert lever.rules[0] == "scope.effective_from"
    assert all(key in sc.RULE_TEXT for key in lever.rules)
    json.dumps(lever.assumptions())  # plain values only
    assert "customers" in lever.assumptions() and "effective_from" in lever.assumptions()


def test_loss_maker_scope_and_transition_rules_are_stated():
    assert "scope.loss_makers_on_baseline" in ALL_LEVERS[2].rules
    assert {"transition.let_go", "transition.word_of_mouth"} <= set(ALL_LEVERS[-1].rules)
    assert "transition.partner" in ALL_LEVERS[-2].rules


def test_dates_and_numbers_are_normalised():
    lever = sc.ProcessImprovement(activity=" call ", cut="0.25", effective_from="2024-07-01")
    assert lever.activity == "call" and lever.cut == 0.25 and lever.effective_from == dt.date(2024, 7, 1)
    assert sc.MinimumOrder(minimum=50, order_activities="delivery").order_activities == ("delivery",)
    price = sc.PriceChange(change=0.1, elasticity=-0.5)
    assert price.volume_factor == pytest.approx(0.95) and price.revenue_factor == pytest.approx(1.045)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: sc.ProcessImprovement(activity="call", cut=-0.1), "cut is a share between 0 and 1"),
    (lambda: sc.ProcessImprovement(activity="call", cut=1.5), "cut is a share"),
    (lambda: sc.ProcessImprovement(activity="call"), "either cut"),
    (lambda: sc.ProcessImprovement(activity="call", cut=0.1, unit_cost=3), "not both"),
    (lambda: sc.ProcessImprovement(activity="call", unit_cost=-3), "unit_cost must be at least 0"),
    (lambda: sc.ProcessImprovement(activity="", cut=0.1), "activity must name"),
    (lambda: sc.ProcessImprovement(activity="call", cut=float("nan")), "finite"),
    (lambda: sc.ProcessImprovement(activity="call", cut=True), "must be a number"),
    (lambda: sc.ProcessImprovement(activity="call", cut=0.1, effective_from="July"), "not a date"),
    (lambda: sc.ActivityPricing(activity="call", fee=-1), "fee must be at least 0"),
    (lambda: sc.ActivityPricing(activity="call", fee=1, allowance=-2), "allowance"),
    (lambda: sc.ActivityPricing(activity="call", fee=1, behaviour_share=1.2), "behaviour_share is a share"),
    (lambda: sc.ChannelMigration(from_activity="call", to_activity="call", share=0.5), "both 'call'"),
    (lambda: sc.ChannelMigration(from_activity="call", to_activity="web", share=0.5, units_per_unit=0), "more than 0"),
    (lambda: sc.MinimumOrder(minimum=0), "minimum must be more than 0"),
    (lambda: sc.MinimumOrder(minimum=10, consolidate_share=2), "consolidate_share"),
    (lambda: sc.DiscountCap(activity="rebate", cap_share=-0.1), "cap_share"),
    (lambda: sc.PriceChange(change=-1), "change must be more than -1"),
    (lambda: sc.PriceChange(change=0.5, elasticity=-3), "quantity negative"),
    (lambda: sc.RelationshipTransition(mode="sell"), "mode must be one of let_go, partner"),
    (lambda: sc.RelationshipTransition(mode="let_go", margin_share=0.2), "no margin"),
    (lambda: sc.RelationshipTransition(mode="partner", margin_share=1.1), "margin_share"),
    (lambda: sc.ProcessImprovement(activity="call", cut=0.1, customers="everyone"), "must be a Selector"),
])
def test_nonsense_is_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(("make", "message"), [
    (lambda: sc.Selector("vip"), "unknown customer selection 'vip'"),
    (lambda: sc.Selector("segment"), "needs at least one value"),
    (lambda: sc.Selector("everyone", ("S1",)), "takes no values"),
    (lambda: sc.Selector("tier", ("gold",)), "unknown value tier 'gold'"),
])
def test_bad_selections_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "magic"}, "unknown lever kind 'magic'"),
    ({"kind": "price_change", "change": 0.1, "colour": "red"}, "unknown field"),
    ({"kind": "activity_pricing", "activity": "call"}, "fee"),
    ("price_change", "an object"),
    ({"kind": "price_change", "change": 0.1, "customers": {"kind": "ids", "extra": 1}}, "unknown field"),
])
def test_bad_lever_data_is_refused(data, message):
    with pytest.raises(ValueError, match=message):
        sc.lever_from_dict(data)


def test_rate_levers_set_unit_costs():
    out = sc.rate_levers({"call": "4", "visit": 90}, effective_from="2024-07-01")
    assert [(x.activity, x.unit_cost, x.cut) for x in out] == [("call", 4.0, None), ("visit", 90.0, None)]
    assert all(x.effective_from == dt.date(2024, 7, 1) for x in out)


def test_selections_reach_the_right_customers():
    base = pd.DataFrame({"customer_id": ["A", "B", "C", "D"], "segment": ["S1", "S2", "S1", "S2"],
                         "region": ["North", "South", "North", "North"], "profit": [200.0, -100.0, 50.0, -150.0]})
    tiers = pd.Series({"A": "high/high", "B": "low/low", "C": "low/low"})

    def ids(sel):
        return list(select(sel, base, tiers))

    assert ids(sc.Selector.everyone()) == ["A", "B", "C", "D"]
    assert ids(sc.Selector.loss_makers()) == ["B", "D"]
    assert ids(sc.Selector("segment", ("S1",))) == ["A", "C"]
    assert ids(sc.Selector("segment", ("S2",), loss_makers_only=True)) == ["B", "D"]
    assert ids(sc.Selector("region", ("North",), loss_makers_only=True)) == ["D"]
    assert ids(sc.Selector("tier", ("low/low",))) == ["B", "C"]
    assert ids(sc.Selector.ids("D", "Q")) == ["D"]
    assert ids(sc.Selector.nobody()) == []
