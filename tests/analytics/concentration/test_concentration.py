"""The 20/80/30 figures and the whale curve, on hand-computed profit vectors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import concentration as conc
from analytics import profit
from analytics.filters import Filters
from analytics.store import db
from tests.helpers import D


def frame(profits: list[float], ids: list[str] | None = None) -> pd.DataFrame:
    ids = ids or [f"c{i}" for i in range(len(profits))]
    return pd.DataFrame({"customer_id": ids, "profit": profits})


def test_some_loss_makers():
    # ranked 50, 30, 20, -10, -40: total 50; cumulative 50, 80, 100, 90, 50.
    f = conc.figures(frame([20, -40, 50, -10, 30]))
    assert f.customers == 5 and f.total_profit == 50
    assert f.top20_customers == 1 and f.top20_profit == 50 and f.top20_profit_share == 1.0
    assert f.peak_profit == 100 and f.whale_peak_share == 2.0
    assert f.whale_peak_customers == 3 and f.whale_peak_customer_share == 0.6
    assert f.loss_customers == 2 and f.loss_customer_share == 0.4 and f.loss_profit == -50
    assert f.bottom30_customers == 2 and f.bottom30_profit == -50 and f.bottom30_share_of_peak == -0.5
    assert f.breakeven_profit == 100
    # Σᵢⱼ|xᵢ-xⱼ| = 880 over ordered pairs; Σ|x| = 150 -> 880 / (2·5·150)
    assert f.gini == pytest.approx(880 / 1500)


def test_all_profitable():
    f = conc.figures(frame([40, 30, 20, 10]))
    assert f.top20_customers == 1 and f.top20_profit_share == pytest.approx(0.4)
    assert f.whale_peak_share == 1.0 and f.whale_peak_customer_share == 1.0
    assert f.loss_customers == 0 and f.loss_profit == 0
    assert f.bottom30_customers == 2 and f.bottom30_profit == 30 and f.bottom30_share_of_peak == pytest.approx(0.3)
    assert f.breakeven_profit == f.total_profit == 100
    # sorted 10,20,30,40: Σᵢⱼ = 2·(10+20+30+10+20+10) = 200; Σ|x| = 100 -> 200/800
    assert f.gini == pytest.approx(0.25)


def test_one_customer():
    f = conc.figures(frame([100]))
    assert (f.top20_customers, f.top20_profit_share) == (1, 1.0)
    assert (f.whale_peak_share, f.whale_peak_customer_share) == (1.0, 1.0)
    assert (f.bottom30_customers, f.bottom30_profit, f.bottom30_share_of_peak) == (1, 100, 1.0)
    assert f.gini == 0.0


def test_ties_are_broken_by_customer_id():
    df = frame([10, 10, 10, 10, 10], ids=["e", "c", "a", "d", "b"])
    ranked = conc.rank(df)
    assert list(ranked["customer_id"]) == ["a", "b", "c", "d", "e"]
    curve = conc.whale_curve(df)
    assert pd.isna(curve["customer_id"].iloc[0])
    assert curve["customer_id"].tolist()[1:] == ["a", "b", "c", "d", "e"]
    f = conc.figures(df)
    assert f.top20_customers == 1 and f.whale_peak_customers == 5  # the first k reaching the maximum


def test_total_profit_not_positive_leaves_shares_undefined():
    f = conc.figures(frame([10, -30]))
    assert f.total_profit == -20 and not f.shares_defined
    assert f.top20_profit_share is None and f.whale_peak_share is None
    assert f.peak_profit == 10 and f.whale_peak_customers == 1
    assert f.breakeven_profit == 10
    assert f.bottom30_customers == 1 and f.bottom30_profit == -30 and f.bottom30_share_of_peak == -3.0
    curve = conc.whale_curve(frame([10, -30]))
    assert curve["profit_share"].isna().all()


def test_nobody_profitable_and_all_zero():
    f = conc.figures(frame([-5, -1]))
    assert f.peak_profit == 0 and f.whale_peak_customers == 0 and f.bottom30_share_of_peak is None
    z = conc.figures(frame([0, 0, 0]))
    assert z.gini is None and z.total_profit == 0 and z.top20_profit_share is None


def test_empty():
    f = conc.figures(frame([]))
    assert f.customers == 0 and f.total_profit == 0 and f.loss_customer_share is None


def test_ceil_counts_without_float_error():
    assert conc.top_count(10, 0.2) == 2 and conc.top_count(10, 0.3) == 3
    assert conc.top_count(7, 0.2) == 2 and conc.top_count(7, 0.3) == 3
    assert conc.top_count(0, 0.2) == 0


def test_bad_input():
    with pytest.raises(ValueError, match="profit"):
        conc.figures(pd.DataFrame({"customer_id": ["a"]}))
    with pytest.raises(ValueError, match="missing"):
        conc.figures(frame([1.0, float("nan")]))
    with pytest.raises(ValueError, match="group"):
        conc.by_group(frame([1.0]), "colour")


def test_rate_change_moves_the_figures(abc_store):
    """The hand-made store (see test_profit.py): profits A 200, C 50, B -100, D -150; total 0."""
    f2024 = Filters("2024-01-01", "2024-12-31")
    with db.cursor(abc_store) as cur:
        before = conc.figures(profit.customer_pnl(cur, f2024))
        after = conc.figures(profit.customer_pnl(cur, f2024, rates={"call": 0}))
    assert before.total_profit == 0 and before.top20_profit_share is None
    assert before.peak_profit == 250 and before.loss_profit == -250
    # calls free: A 250, B 200, C 50, D -150 -> total 350, peak 500, top 20 % (1 customer) 250
    assert after.total_profit == 350 and after.peak_profit == 500
    assert after.top20_profit_share == pytest.approx(250 / 350)
    assert after.whale_peak_share == pytest.approx(500 / 350)
    assert after.bottom30_profit == -150 + 50 and after.loss_customers == 1


def test_by_group(abc_store):
    with db.cursor(abc_store) as cur:
        g = conc.by_group(profit.customer_pnl(cur, Filters("2024-01-01", "2024-12-31")), "segment").set_index("group")
    assert g.loc["S1", "total_profit"] == 250 and g.loc["S2", "total_profit"] == -250
    assert g.loc["S2", "loss_customers"] == 2 and g.loc["S1", "revenue"] == 1700
    assert list(g.index) == ["S1", "S2"]


def test_report_section_keys(abc_store):
    with db.cursor(abc_store) as cur:
        out = conc.report_section(cur, Filters("2024-01-01", "2024-12-31"))
    assert set(conc.REPORT_KEYS) <= set(out)
    assert out["total_profit"] == 0 and out["top20_profit_share"] is None and out["breakeven_profit"] == 250


profits = st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False), min_size=1,
                   max_size=400)


@settings(max_examples=200, deadline=None)
@given(profits, st.integers(min_value=10, max_value=60))
def test_curve_properties(values, max_points):
    df = frame(values)
    f = conc.figures(df)
    curve = conc.whale_curve(df)
    total = sum(values)
    assert curve["cum_profit"].iloc[0] == 0
    assert math.isclose(curve["cum_profit"].iloc[-1], total, rel_tol=1e-9, abs_tol=1e-6)
    if f.shares_defined:
        assert math.isclose(curve["profit_share"].iloc[-1], 1.0, rel_tol=1e-9)
        assert math.isclose(curve["profit_share"].max(), f.whale_peak_share, rel_tol=1e-9)
    assert math.isclose(curve["cum_profit"].max(), f.peak_profit, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(f.peak_profit, sum(v for v in values if v > 0), rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(f.breakeven_profit, f.peak_profit, rel_tol=1e-9, abs_tol=1e-6)
    assert f.loss_profit <= 0
    if f.gini is not None:
        assert -1e-9 <= f.gini <= 1 + 1e-9
    small = conc.downsample(curve, max_points)
    assert len(small) <= max_points + 1
    assert small["rank"].is_monotonic_increasing
    assert small["rank"].iloc[0] == 0 and small["rank"].iloc[-1] == len(values)
    assert f.whale_peak_customers in set(small["rank"])
    assert small["cum_profit"].max() == curve["cum_profit"].max()


def test_downsample_large_curve_keeps_peak_and_guides():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.gamma(1.0, 100.0, 90_000), -rng.gamma(1.0, 80.0, 30_000)])
    df = frame(values.tolist())
    curve = conc.whale_curve(df)
    small = conc.downsample(curve, 2000)
    f = conc.figures(df)
    assert len(small) <= 2000
    assert f.whale_peak_customers in set(small["rank"])
    assert conc.top_count(len(df), 0.2) in set(small["rank"])
    assert len(df) - conc.top_count(len(df), 0.3) in set(small["rank"])
    with pytest.raises(ValueError):
        conc.downsample(curve, 5)


# ----------------------------------------------------------------------------- groups, tables, bridges
@pytest.fixture
def product_store():
    """Four customers in 2024; visits cost 100, calls 10 (see the hand computations in each test).

    X: P1 300/100 (02-10), P2 100/50 (05-10); 2 visits 03-01 (200), 4 calls 08-01 (40) -> cts 240, profit 10
    Y: P1 200/80 (04-01), P2 -50/-20 (a return, 04-20); 2 calls 04-02 (20) -> profit 70
    Z: no sales; 1 visit 11-05 (100) -> profit -100
    W: P2 100/40 (12-31); no activities -> profit 60.   Total profit 40.
    """
    from tests.helpers import D, build_store, customer

    tx = [("t1", "X", "2024-02-10", "P1", 300, 100), ("t2", "X", "2024-05-10", "P2", 100, 50),
          ("t3", "Y", "2024-04-01", "P1", 200, 80), ("t4", "Y", "2024-04-20", "P2", -50, -20),
          ("t5", "W", "2024-12-31", "P2", 100, 40)]
    acts = [("a1", "X", "2024-03-01", "visit", 2), ("a2", "X", "2024-08-01", "call", 4),
            ("a3", "Y", "2024-04-02", "call", 2), ("a4", "Z", "2024-11-05", "visit", 1)]
    con = build_store(
        customers=[customer("X", name="Xylo Trading", segment="S1"), customer("Y", name="杨氏贸易", segment="S2"),
                   customer("Z", name="Zeta", segment="S2", region="South"), customer("W", name="Wang Wei", segment=None)],
        activity_rates=[{"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"},
                        {"activity": "call", "unit_cost": 10, "valid_from": D("2024-01-01"), "unit": "call"}],
        transactions=[{"transaction_id": i, "customer_id": c, "tx_date": D(d), "product": p, "quantity": 1,
                       "revenue": r, "cogs": g} for i, c, d, p, r, g in tx],
        activities=[{"activity_id": i, "customer_id": c, "activity_date": D(d), "activity": a, "quantity": q}
                    for i, c, d, a, q in acts],
    )
    yield con
    con.close()


Y24 = Filters("2024-01-01", "2024-12-31")


def _units(u: conc.Units) -> dict[tuple[str, str], list[float]]:
    return {(r.group, r.customer_id): [round(r.revenue, 6), round(r.cogs, 6), round(r.cost_to_serve, 6),
                                        round(r.profit, 6)] for r in u.pnl.itertuples()}


def test_product_allocation_in_proportion_to_positive_revenue(product_store):
    with db.cursor(product_store) as cur:
        u = conc.units(cur, Y24, "product")
    # X: weights 300/400 and 100/400 of 240; Y: the return carries no cost; Z: nothing to carry it.
    assert _units(u) == {
        ("P1", "X"): [300, 100, 180, 20], ("P2", "X"): [100, 50, 60, -10],
        ("P1", "Y"): [200, 80, 20, 100], ("P2", "Y"): [-50, -20, 0, -30],
        ("P2", "W"): [100, 40, 0, 60], (conc.NO_GROUP, "Z"): [0, 0, 100, -100],
    }
    costs = {(r.group, r.customer_id, r.activity): round(r.cost, 6) for r in u.costs.itertuples()}
    assert costs == {("P1", "X", "visit"): 150, ("P1", "X", "call"): 30, ("P2", "X", "visit"): 50,
                     ("P2", "X", "call"): 10, ("P1", "Y", "call"): 20, (conc.NO_GROUP, "Z", "visit"): 100}
    assert u.pnl.loc[u.pnl["customer_id"] == "Y", "name"].iloc[0] == "杨氏贸易"


def test_compare_by_product(product_store):
    with db.cursor(product_store) as cur:
        g = conc.compare(cur, Y24, "product").set_index("group")
    assert list(g.index) == ["P1", "P2", conc.NO_GROUP]  # total profit 120, 20, -100
    assert g.loc["P1", "total_profit"] == pytest.approx(120) and g.loc["P1", "customers"] == 2
    p2 = g.loc["P2"]
    # ranked W 60, X -10, Y -30: peak 60 = 300 % of 20; two loss-makers lose 40
    assert p2["total_profit"] == pytest.approx(20) and p2["peak_profit"] == pytest.approx(60)
    assert p2["whale_peak_share"] == pytest.approx(3.0) and p2["whale_peak_customer_share"] == pytest.approx(1 / 3)
    assert p2["loss_customers"] == 2 and p2["loss_profit"] == pytest.approx(-40)
    assert p2["revenue"] == 150 and p2["cost_to_serve"] == pytest.approx(60)
    assert g.loc[conc.NO_GROUP, "total_profit"] == -100 and np.isnan(g.loc[conc.NO_GROUP, "whale_peak_share"])
    assert g["total_profit"].sum() == pytest.approx(40)


def test_compare_by_quarter_and_year(product_store):
    with db.cursor(product_store) as cur:
        q = conc.compare(cur, Y24, "period").set_index("group")
        y = conc.compare(cur, Y24, "period", period_unit="year").set_index("group")
        clipped = conc.compare(cur, Filters("2024-02-01", "2024-11-30"), "period").set_index("group")
    # Q1: X 300-100-200 = 0; Q2: X 50, Y 70; Q3: X -40 (calls); Q4: Z -100, W 60
    assert list(q.index) == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert q["total_profit"].tolist() == pytest.approx([0, 120, -40, -40])
    assert q["customers"].tolist() == [1, 2, 1, 2] and q["loss_customers"].tolist() == [0, 0, 1, 1]
    assert q.loc["2024-Q2", "top20_profit_share"] == pytest.approx(70 / 120)
    assert q.loc["2024-Q1", "top20_profit_share"] is None or np.isnan(q.loc["2024-Q1", "top20_profit_share"])
    assert y.loc["2024", "total_profit"] == pytest.approx(40) and y.loc["2024", "customers"] == 4
    # clipped to Feb … Nov: W's December sale is outside, Q4 is October-November only
    assert clipped["total_profit"].tolist() == pytest.approx([0, 120, -40, -100])


def test_periods_are_clipped_to_the_filter():
    f = Filters("2024-02-01", "2024-11-30")
    assert conc.periods(f, None) == [
        ("2024-Q1", D("2024-02-01"), D("2024-03-31")), ("2024-Q2", D("2024-04-01"), D("2024-06-30")),
        ("2024-Q3", D("2024-07-01"), D("2024-09-30")), ("2024-Q4", D("2024-10-01"), D("2024-11-30"))]
    assert conc.periods(Filters(date_to="2025-03-31"), (D("2024-12-15"), D("2026-01-01")), "year") == [
        ("2024", D("2024-12-15"), D("2024-12-31")), ("2025", D("2025-01-01"), D("2025-03-31"))]
    assert conc.periods(Filters(), None) == []
    with pytest.raises(ValueError, match="period unit"):
        conc.periods(f, None, "week")


def test_period_units_on_empty_store():
    from tests.helpers import build_store

    con = build_store()
    with db.cursor(con) as cur:
        assert conc.compare(cur, Filters(), "period").empty
        assert conc.units(cur, Filters(), "period").pnl.empty


def test_loss_drivers_of_a_product_and_of_everyone(product_store):
    with db.cursor(product_store) as cur:
        p2 = conc.loss_drivers(cur, Y24, "product", "P2")
        everyone = conc.loss_drivers(cur, Y24)
    # P2 loss-makers: X (visit 50, call 10), Y (no cost); the other customer, W, has no activities.
    assert (p2.group, p2.customers, p2.loss_customers, p2.loss_profit) == ("P2", 3, 2, -40)
    assert p2.loss_revenue == 50 and p2.loss_cost_to_serve == pytest.approx(60)
    a = p2.activities.set_index("activity")
    assert list(a.index) == ["visit", "call"]
    assert a.loc["visit", "loss_cost"] == pytest.approx(50) and a.loc["visit", "loss_cost_share"] == pytest.approx(5 / 6)
    assert a.loc["visit", "loss_cost_per_customer"] == pytest.approx(25) and a.loc["call", "loss_cost_per_customer"] == pytest.approx(5)
    assert a.loc["visit", "other_cost_per_customer"] == 0
    assert a.loc["visit", "loss_cost_per_revenue"] == pytest.approx(1.0) and a.loc["call", "other_cost_per_revenue"] == 0
    # Whole selection: the only loss-maker is Z (one visit).
    e = everyone.activities.set_index("activity")
    assert everyone.loss_customers == 1 and everyone.loss_profit == -100 and everyone.group is None
    assert e.loc["visit", "loss_cost"] == 100 and e.loc["call", "loss_cost"] == 0
    assert np.isnan(e.loc["visit", "loss_cost_per_revenue"])  # Z has no revenue
    # X (2 visits) and Y, W are the others: visits 200 over 3 customers
    assert e.loc["visit", "other_cost_per_customer"] == pytest.approx(200 / 3)


def test_rank_range():
    assert conc.rank_range(10, (0.1, 0.3)) == (1, 3)
    assert conc.rank_range(10, (0.25, 0.55)) == (3, 5)
    assert conc.rank_range(10, (0.55, 0.25)) == (3, 5)  # either order
    assert conc.rank_range(10, (-1, 2)) == (1, 10)
    assert conc.rank_range(10, (0.31, 0.39)) == (4, 3)  # no customer in between: empty
    assert conc.rank_range(3, (0.0, 1 / 3)) == (1, 1)
    with pytest.raises(ValueError, match="share range"):
        conc.rank_range(10, ("a", 1))


def test_customer_tables(product_store):
    with db.cursor(product_store) as cur:
        top = conc.customer_table(cur, Y24, "top")
        loss = conc.customer_table(cur, Y24, "loss")
        narrow = conc.customer_table(cur, Y24, "top", share_range=(0.3, 0.6))
        p2_loss = conc.customer_table(cur, Y24, "loss", dimension="product", group="P2")
        cut = conc.customer_table(cur, Y24, "top", n=1)
    # ranking: Y 70, W 60, X 10, Z -100
    assert top.frame[["rank", "customer_id", "profit"]].values.tolist() == [[1, "Y", 70], [2, "W", 60], [3, "X", 10]]
    assert top.activities == ("visit", "call") and top.matched == 3 and top.ranks is None
    x = top.frame.set_index("customer_id").loc["X"]
    assert (x["cost:visit"], x["cost:call"], x["main_driver"]) == (200, 40, "visit")
    assert x["main_driver_share"] == pytest.approx(200 / 240)
    w = top.frame.set_index("customer_id").loc["W"]
    assert w["main_driver"] is None and np.isnan(w["main_driver_share"])
    assert loss.frame["customer_id"].tolist() == ["Z"] and loss.frame["rank"].tolist() == [4]
    assert narrow.ranks == (2, 2) and narrow.frame["customer_id"].tolist() == ["W"]
    # P2's units: Y -30 (the return), X -10 (allocated 60 of cost); ranks stay the whole filter's
    assert p2_loss.frame[["customer_id", "profit", "rank"]].values.tolist() == [["Y", -30, 1], ["X", -10, 3]]
    assert p2_loss.frame.set_index("customer_id").loc["X", "cost:visit"] == pytest.approx(50)
    assert cut.matched == 3 and len(cut.frame) == 1
    with pytest.raises(ValueError, match="unknown table"):
        conc.customer_table(cur, Y24, "middle")


def test_bridges(product_store):
    with db.cursor(product_store) as cur:
        everyone = conc.bridge(cur, Y24)
        s2 = conc.bridge(cur, Y24, column="segment", value="S2")
        no_segment = conc.bridge(cur, Y24, column="segment", value=conc.NO_GROUP)
        x = conc.bridge(cur, Y24, customer_id="X")
        with pytest.raises(ValueError, match="no transaction"):
            conc.bridge(cur, Y24, customer_id="nobody")
        with pytest.raises(ValueError, match="cannot select"):
            conc.bridge(cur, Y24, column="colour", value="red")
    assert (everyone.revenue, everyone.cogs, everyone.cost_to_serve, everyone.profit, everyone.customers) == (650, 250, 360, 40, 4)
    assert everyone.costs.values.tolist() == [["visit", 300], ["call", 60]]
    assert (s2.revenue, s2.cogs, s2.cost_to_serve, s2.profit, s2.customers) == (150, 60, 120, -30, 2)
    assert (no_segment.customers, no_segment.profit) == (1, 60)
    assert (x.revenue, x.profit, x.costs.values.tolist()) == (400, 10, [["visit", 200], ["call", 40]])


def test_bridge_follows_what_if_rates(product_store):
    with db.cursor(product_store) as cur:
        b = conc.bridge(cur, Y24, rates={"visit": 0})
    assert b.cost_to_serve == 60 and b.profit == 340


def test_search_customers(product_store):
    with db.cursor(product_store) as cur:
        assert conc.search_customers(cur, Y24, " x ")["customer_id"].tolist() == ["X"]  # exact id first
        assert conc.search_customers(cur, Y24, "wang")["customer_id"].tolist() == ["W"]
        assert conc.search_customers(cur, Y24, "杨氏")["customer_id"].tolist() == ["Y"]
        assert conc.search_customers(cur, Y24, "a")["customer_id"].tolist() == ["W", "X", "Z"]  # Wang, trAding, zetA
        assert conc.search_customers(cur, Y24, "").empty
        assert conc.search_customers(cur, Filters("2024-12-01", "2024-12-31"), "zeta").empty  # not in the period


def test_summary_matches_the_figures(product_store):
    with db.cursor(product_store) as cur:
        s = conc.summary(cur, Y24)
        w = conc.summary(cur, Y24, rates={"call": 0})
    assert s.figures == conc.figures(frame([70, 60, 10, -100], ids=["Y", "W", "X", "Z"]))
    assert (s.revenue, s.cogs, s.cost_to_serve, s.currency) == (650, 250, 360, "CNY")
    assert s.curve["cum_profit"].max() == 140 and s.rates_override == {}
    assert w.figures.total_profit == 100 and w.rates_override == {"call": 0.0}


def _pnl(customers: list[tuple[str, float, float, dict[str, float]]]) -> profit.CustomerPnL:
    rows = pd.DataFrame([{"customer_id": cid, "name": cid, "customer_type": "enterprise", "segment": "S",
                          "region": "R", "industry": None, "channel": "C", "plan": "P", "revenue": rev,
                          "cogs": cogs, "gross_profit": rev - cogs, "cost_to_serve": sum(acts.values()),
                          "profit": rev - cogs - sum(acts.values()), "tx_count": 1}
                         for cid, rev, cogs, acts in customers])
    costs = pd.DataFrame([{"customer_id": cid, "activity": a, "quantity": 1.0, "cost": v}
                          for cid, _, _, acts in customers for a, v in acts.items()],
                         columns=["customer_id", "activity", "quantity", "cost"])
    return profit.CustomerPnL(rows, costs, pd.DataFrame({"activity": [], "quantity": []}), "CNY")


money = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False).map(lambda v: round(v, 2))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3"]), money, money), max_size=4),
                          st.dictionaries(st.sampled_from(["visit", "call"]), money.map(abs), max_size=2)),
                min_size=1, max_size=12))
def test_product_units_add_up_to_the_customer_pnl(customers):
    """Whatever the sales and costs, product groups add up to each customer's P&L and to the total."""
    sales, spec = [], []
    for i, (lines, acts) in enumerate(customers):
        cid = f"c{i}"
        if not lines and not acts:
            acts = {"visit": 1.0}
        per = pd.DataFrame(lines, columns=["product", "revenue", "cogs"]).groupby("product").sum()
        sales += [{"customer_id": cid, "product": p, "revenue": r.revenue, "cogs": r.cogs} for p, r in per.iterrows()]
        spec.append((cid, float(per["revenue"].sum()), float(per["cogs"].sum()), acts))
    pnl = _pnl(spec)
    u = conc.allocate_to_products(pnl, pd.DataFrame(sales, columns=["customer_id", "product", "revenue", "cogs"]))
    per_customer = u.pnl.groupby("customer_id")[["revenue", "cogs", "cost_to_serve", "profit"]].sum()
    want = pnl.customers.set_index("customer_id")[["revenue", "cogs", "cost_to_serve", "profit"]]
    pd.testing.assert_frame_equal(per_customer.sort_index(), want.sort_index(), check_exact=False, atol=1e-6,
                                  check_dtype=False)
    assert (u.pnl["cost_to_serve"] >= -1e-9).all()
    assert u.costs["cost"].sum() == pytest.approx(pnl.costs["cost"].sum(), abs=1e-6)
    assert set(u.pnl["customer_id"]) == set(pnl.customers["customer_id"])


def test_demo_groups_add_up_to_the_whole(demo_con):
    f = Filters("2025-11-01", "2026-10-31")
    with db.cursor(demo_con) as cur:
        total = conc.figures(profit.customer_pnl(cur, f)).total_profit
        for dim in conc.DIMENSIONS:
            g = conc.compare(cur, f, dim)
            assert g["total_profit"].sum() == pytest.approx(total, rel=1e-9), dim
        assert conc.compare(cur, f, "segment")["customers"].sum() == conc.figures(profit.customer_pnl(cur, f)).customers


def test_profits_equal_but_for_float_noise_tie_and_go_by_customer_id():
    # 0.1 + 0.2 = 0.30000000000000004 in doubles; the same profit summed in another order is 0.3.
    ranked = conc.rank(frame([0.1 + 0.2, 0.3, 0.3 - 1e-13], ids=["c", "b", "a"]))
    assert ranked["customer_id"].tolist() == ["a", "b", "c"]
    assert ranked["profit"].tolist() == [0.3 - 1e-13, 0.3, 0.1 + 0.2]  # values themselves untouched
