"""Delivered value, satisfaction and the win-win zone on a hand-made store, figures worked out by hand.

The store (period 2024-01-01 – 2024-06-30; the previous period is 2023-07-01 – 2023-12-31):

  customer  segment region type        latest assessment in 2024 H1          value cost  dv   profit  quadrant
  A         S1      North  enterprise  A2 2024-05-01 (6,6,6,6 | 2,2,2,2)     24    8     16   600     win_win
  B         S2      South  enterprise  B1 2024-03-20 (4,4,4,4 | 4,4,4,4)     16    16    0    0       lose_lose
  C         S1      North  individual  C2 2024-04-01 (3,3,2,2 | 3,3,3,3)     10    12    -2   200     company_only
  D         S2      North  enterprise  D1 2024-04-15 (.1,.2,0,0 | .3,0,0,0)  0.3   0.3   0    50      company_only
  F         S1      West   enterprise  F1 2024-05-20 (5,5,5,5 | 1,1,1,1)     20    4     16   0       customer_only
  E         S1      North  enterprise  no assessment (active: revenue 2000, profit 1000)

* A's A1 (2024-02-01) is older than A2; A3 (2024-07-05) is after the period.
* B's B9 (2024-03-01) has a higher id but an earlier date than B1: the date decides.
* C's C1 and C2 share 2024-04-01: the higher id, C2, is chosen.
* D's value and cost both sum to 0.3 but in floating point 0.1 + 0.2 − 0.3 = 5.6e-17: rounded, it is
  exactly 0, so D does not gain (company_only, not win_win).
* B's profit is 500 − 300 − 200 (one call at 200) = 0: no gain for the company either.
* F has no transaction or activity in the period: profit 0, inactive, no product.
Satisfaction (perception − expectation): A material 8−7 = +1, spiritual 6−8 = −2, social 5−5 = 0 →
overall −1/3; B +1, +0.5, (no social) → 0.75; C 4−5 = −1, 5−5 = 0 → −0.5; D none; F material 5−5 = 0 → 0.
Products in H1: A P1 600 / P2 400 → P1; B P1 250 / P2 250 → P1 (tie: text order); C, D → P2; F none.
Previous period: A0 (1,1,1,1 | 2,2,2,2) dv −4, profit 50 (company_only); Bold (9,9,9,9 | 1,1,1,1) dv 32,
profit 90 (win_win); G (2,2,2,2 | 1,1,1,1) dv 4, profit −10 (customer_only), not assessed in H1.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cli
from analytics import delivered_value as dv
from analytics import report
from analytics.delivered_value import headline as dv_headline
from analytics.filters import Filters
from analytics.store import db, schema
from tests.helpers import D, build_store, customer

H1 = Filters("2024-01-01", "2024-06-30")


def _assessment(aid: str, cid: str, day: str, parts: tuple[float, ...], **scores: float) -> dict[str, object]:
    row: dict[str, object] = {"assessment_id": aid, "customer_id": cid, "assessed_on": D(day)}
    row.update(dict(zip(dv.PARTS, parts, strict=True)))
    row.update(scores)
    return row


def _tx(tid: str, cid: str, day: str, product: str, revenue: float, cogs: float) -> dict[str, object]:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D(day), "product": product, "quantity": 1,
            "revenue": revenue, "cogs": cogs}


def _sat(material: tuple[float, float] | None = None, spiritual: tuple[float, float] | None = None,
         social: tuple[float, float] | None = None) -> dict[str, float]:
    """Expectation, perception pairs per level."""
    out: dict[str, float] = {}
    for lvl, pair in (("material", material), ("spiritual", spiritual), ("social", social)):
        if pair:
            out[f"expectation_{lvl}"], out[f"perception_{lvl}"] = pair
    return out


ROWS = dict(
    customers=[
        customer("A", segment="S1", region="North"),
        customer("B", segment="S2", region="South"),
        customer("C", segment="S1", region="North", customer_type="individual"),
        customer("D", segment="S2", region="North"),
        customer("E", segment="S1", region="North"),
        customer("F", segment="S1", region="West"),
        customer("G", segment="S2", region="North"),
    ],
    activity_rates=[{"activity": "call", "unit_cost": 200, "valid_from": D("2020-01-01"), "unit": "call"}],
    activities=[{"activity_id": "a1", "customer_id": "B", "activity_date": D("2024-03-15"), "activity": "call",
                 "quantity": 1}],
    transactions=[
        _tx("t1", "A", "2024-02-10", "P1", 600, 240), _tx("t2", "A", "2024-05-10", "P2", 400, 160),
        _tx("t3", "B", "2024-03-05", "P1", 250, 150), _tx("t4", "B", "2024-03-06", "P2", 250, 150),
        _tx("t5", "C", "2024-04-02", "P2", 300, 100), _tx("t6", "D", "2024-06-02", "P2", 200, 150),
        _tx("t7", "E", "2024-01-20", "P1", 2000, 1000),
        _tx("p1", "A", "2023-11-01", "P1", 100, 50), _tx("p2", "B", "2023-10-01", "P1", 100, 10),
        _tx("p3", "G", "2023-11-05", "P1", 50, 60),
    ],
    assessments=[
        _assessment("A1", "A", "2024-02-01", (5, 4, 3, 2, 1, 1, 1, 1)),
        _assessment("A2", "A", "2024-05-01", (6, 6, 6, 6, 2, 2, 2, 2), **_sat((7, 8), (8, 6), (5, 5))),
        _assessment("A3", "A", "2024-07-05", (9, 9, 9, 9, 0, 0, 0, 0)),
        _assessment("B9", "B", "2024-03-01", (9, 9, 9, 9, 0, 0, 0, 0)),
        _assessment("B1", "B", "2024-03-20", (4, 4, 4, 4, 4, 4, 4, 4), **_sat((6, 7), (6, 6.5))),
        _assessment("C1", "C", "2024-04-01", (10, 10, 10, 10, 0, 0, 0, 0)),
        _assessment("C2", "C", "2024-04-01", (3, 3, 2, 2, 3, 3, 3, 3), **_sat((5, 4), (5, 5))),
        _assessment("D1", "D", "2024-04-15", (0.1, 0.2, 0, 0, 0.3, 0, 0, 0)),
        _assessment("F1", "F", "2024-05-20", (5, 5, 5, 5, 1, 1, 1, 1), **_sat((5, 5))),
        _assessment("A0", "A", "2023-12-15", (1, 1, 1, 1, 2, 2, 2, 2)),
        _assessment("Bold", "B", "2023-10-01", (9, 9, 9, 9, 1, 1, 1, 1)),
        _assessment("G1", "G", "2023-09-01", (2, 2, 2, 2, 1, 1, 1, 1)),
    ],
)


@pytest.fixture(scope="module")
def store():
    con = build_store(**ROWS)
    yield con
    con.close()


@pytest.fixture(scope="module")
def result(store) -> dv.DeliveredValue:
    with db.cursor(store) as cur:
        return dv.delivered_value(cur, H1)


def _by_id(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("customer_id")


# ------------------------------------------------------------------------ latest assessment
def test_latest_assessment_is_the_latest_date_then_the_highest_id(store):
    with db.cursor(store) as cur:
        latest = dv.latest_assessments(cur, H1)
    assert latest.set_index("customer_id")["assessment_id"].to_dict() == {
        "A": "A2", "B": "B1", "C": "C2", "D": "D1", "F": "F1"}
    with db.cursor(store) as cur:  # a period that ends before A2 picks A1; A3 is in July
        assert dv.latest_assessments(cur, Filters("2024-01-01", "2024-04-30")).set_index("customer_id").loc[
            "A", "assessment_id"] == "A1"
        assert dv.latest_assessments(cur, Filters("2024-01-01", "2024-12-31")).set_index("customer_id").loc[
            "A", "assessment_id"] == "A3"


def test_customer_figures(result):
    c = _by_id(result.customers)
    assert c.loc["A", ["customer_value", "customer_cost", "delivered_value", "value_cost_ratio"]].tolist() == [24, 8, 16, 3]
    assert c.loc["B", ["customer_value", "customer_cost", "delivered_value", "value_cost_ratio"]].tolist() == [16, 16, 0, 1]
    assert c.loc["C", "delivered_value"] == -2 and c.loc["C", "value_cost_ratio"] == pytest.approx(10 / 12)
    assert c.loc["D", "delivered_value"] == 0  # 0.1 + 0.2 − 0.3 rounded: exactly on the boundary
    assert c.loc["F", ["delivered_value", "revenue", "profit"]].tolist() == [16, 0, 0]
    assert c["active"].to_dict() == {"A": True, "B": True, "C": True, "D": True, "F": False}
    assert c["profit"].to_dict() == {"A": 600, "B": 0, "C": 200, "D": 50, "F": 0}
    assert c.loc[["A", "B", "C", "D"], "product"].tolist() == ["P1", "P1", "P2", "P2"]  # B: a tie, text order
    assert pd.isna(c.loc["F", "product"])  # no purchase in the period


def test_customers_are_matched_with_index_lookups(store, monkeypatch):
    """Assessments and the P&L are matched by customer id without Series.isin, which on pandas 3's
    string columns took a third of the page at 100,000 customers; the figures are the same."""
    from analytics.delivered_value import scores

    def isin(*args: object, **kwargs: object) -> None:
        raise AssertionError("Series.isin on customer ids")

    monkeypatch.setattr(pd.Series, "isin", isin)
    with db.cursor(store) as cur:
        customers, unassessed = scores.scored_customers(cur, H1)
    c = _by_id(customers)
    assert c["active"].to_dict() == {"A": True, "B": True, "C": True, "D": True, "F": False}
    assert c["revenue"].to_dict() == {"A": 1000, "B": 500, "C": 300, "D": 200, "F": 0}
    assert c["profit"].to_dict() == {"A": 600, "B": 0, "C": 200, "D": 50, "F": 0}
    assert c["active"].dtype == bool and c["revenue"].dtype == float and c["profit"].dtype == float
    assert unassessed["customer_id"].tolist() == ["E"] and unassessed["revenue"].tolist() == [2000]


def test_satisfaction_per_customer(result):
    c = _by_id(result.customers)
    assert c.loc["A", ["gap_material", "gap_spiritual", "gap_social"]].tolist() == [1, -2, 0]
    assert c.loc["A", "gap_overall"] == pytest.approx(-1 / 3) and c.loc["A", "levels"] == 3
    assert c.loc["B", "gap_overall"] == 0.75 and c.loc["B", "levels"] == 2 and math.isnan(c.loc["B", "gap_social"])
    assert c.loc["C", "gap_overall"] == -0.5
    assert math.isnan(c.loc["D", "gap_overall"]) and c.loc["D", "levels"] == 0
    assert c.loc["F", "gap_overall"] == 0
    below = c["below_expectation"]
    assert below["A"] and below["C"] and not below["B"] and not below["F"] and pd.isna(below["D"])


def test_quadrants_at_the_zero_boundaries(result):
    assert _by_id(result.customers)["quadrant"].to_dict() == {
        "A": "win_win", "B": "lose_lose", "C": "company_only", "D": "company_only", "F": "customer_only"}
    assert list(dv.quadrant([0, 0, 1, 1, -1, 1e-12, 5], [0, 1, 0, 1, -1, 3, -1e-9])) == [
        "lose_lose", "company_only", "customer_only", "win_win", "lose_lose", "company_only", "customer_only"]
    with pytest.raises(ValueError, match="missing"):
        dv.quadrant([np.nan], [1])


def test_summary(result):
    s = result.summary
    assert (s.assessed_customers, s.unassessed_customers, s.inactive_assessed_customers) == (5, 1, 1)
    assert s.customer_value_mean == pytest.approx(70.3 / 5)
    assert s.customer_cost_mean == pytest.approx(40.3 / 5)
    assert s.delivered_value_mean == pytest.approx(6.0)
    assert s.value_cost_ratio == pytest.approx(70.3 / 40.3)
    assert s.part_means["product_value"] == pytest.approx(18.1 / 5)
    assert s.part_means["money_cost"] == pytest.approx(10.3 / 5)
    assert s.satisfaction_customers == 4
    assert s.satisfaction_gap_mean == pytest.approx((-1 / 3 + 0.75 - 0.5 + 0) / 4)
    assert s.share_below_expectation == 0.5
    assert s.winwin_customers == 1 and s.winwin_share == 0.2
    assert s.winwin_revenue_share == pytest.approx(1000 / 2000)
    # E (revenue 2000) is active but not assessed: half of the active customers' revenue.
    assert s.unassessed_revenue_share == pytest.approx(0.5)
    assert result.unassessed[["customer_id", "revenue", "profit"]].to_dict("records") == [
        {"customer_id": "E", "revenue": 2000.0, "profit": 1000.0}]


def test_levels(result):
    lv = result.levels.set_index("level")
    assert lv.loc["material"].tolist() == [4, 5.75, 6.0, 0.25, 0.25]
    assert lv.loc["spiritual", "customers"] == 3 and lv.loc["spiritual", "gap"] == pytest.approx(-0.5)
    assert lv.loc["spiritual", "share_below"] == pytest.approx(1 / 3)
    assert lv.loc["social"].tolist() == [1, 5.0, 5.0, 0.0, 0.0]


def test_groups(result):
    seg = result.groups["segment"].set_index("group")
    assert list(result.groups["segment"]["group"]) == ["S1", "S2"]  # by delivered value, highest first
    assert seg.loc["S1", "customers"] == 3 and seg.loc["S1", "delivered_value"] == pytest.approx(10)
    assert seg.loc["S1", "value_cost_ratio"] == pytest.approx((24 + 10 + 20) / (8 + 12 + 4))
    assert seg.loc["S1", "gap_overall"] == pytest.approx((-1 / 3 - 0.5 + 0) / 3)
    assert seg.loc["S1", "share_below"] == pytest.approx(2 / 3) and seg.loc["S1", "falls_short"]
    assert seg.loc["S2", "delivered_value"] == 0 and seg.loc["S2", "satisfaction_customers"] == 1
    assert not seg.loc["S2", "falls_short"] and seg.loc["S2", "gap_overall"] == 0.75
    assert seg.loc["S1", "falls_short_spiritual"] and not seg.loc["S1", "falls_short_material"]
    assert seg.loc["S1", "winwin_share"] == pytest.approx(1 / 3)
    typ = result.groups["customer_type"].set_index("group")
    assert typ.loc["individual", "customers"] == 1 and typ.loc["enterprise", "customers"] == 4
    reg = result.groups["region"].set_index("group")
    assert reg.loc["North", "customers"] == 3 and reg.loc["West", "delivered_value"] == 16
    with pytest.raises(ValueError, match="cannot group"):
        dv.by_group(result.customers, "industry")


def test_product_groups_are_ordered_by_value(result):
    prod = result.groups["product"]
    # F (no purchase, dv 16) first, then P1 (A 16, B 0 → 8), then P2 (C −2, D 0 → −1).
    assert prod["delivered_value"].tolist() == [16, 8, -1]
    assert pd.isna(prod["group"].iloc[0]) and prod["group"].tolist()[1:] == ["P1", "P2"]
    assert prod["customers"].tolist() == [1, 2, 2]


def test_quadrant_table(result):
    q = result.quadrants.set_index("quadrant")
    assert list(result.quadrants["quadrant"]) == list(dv.QUADRANTS)
    assert q["customers"].to_dict() == {"win_win": 1, "customer_only": 1, "company_only": 2, "lose_lose": 1}
    assert q["revenue_share"].to_dict() == {"win_win": 0.5, "customer_only": 0.0, "company_only": 0.25,
                                            "lose_lose": 0.25}
    assert q["customer_share"].sum() == pytest.approx(1.0)
    assert q.loc["company_only", "delivered_value"] == -1 and q.loc["company_only", "profit"] == 250


def test_moves_against_the_previous_period(result):
    assert result.previous_period == (D("2023-07-01"), D("2023-12-31"))
    assert result.move_counts == {"entered": 1, "left": 1, "stayed_in": 0, "stayed_out": 0,
                                  "only_current": 3, "only_previous": 1}
    m = _by_id(result.moves)
    assert m.loc["A", ["quadrant_previous", "quadrant_current", "move"]].tolist() == ["company_only", "win_win", "entered"]
    assert m.loc["B", ["quadrant_previous", "quadrant_current", "move"]].tolist() == ["win_win", "lose_lose", "left"]
    assert m.loc["G", "move"] == "only_previous" and m.loc["G", "quadrant_current"] is None
    tr = result.transitions
    assert tr.loc["company_only", "win_win"] == 1 and tr.loc["win_win", "lose_lose"] == 1
    assert tr.loc["customer_only", "not_assessed"] == 1 and tr.loc["not_assessed", "company_only"] == 2
    assert int(tr.to_numpy().sum()) == 6
    p = result.previous
    assert p.assessed_customers == 3 and p.delivered_value_mean == pytest.approx(32 / 3)
    assert p.winwin_share == pytest.approx(1 / 3)


def test_the_part_that_moved_delivered_value_most(result):
    ch = result.changes.set_index("part")
    # value parts: 4 → 3.62, 3.64, 3.4, 3.4; cost parts: 4/3 → 2.06, 2, 2, 2.
    assert ch.loc["product_value", "contribution"] == pytest.approx(-0.38)
    assert ch.loc["money_cost", "contribution"] == pytest.approx(-(2.06 - 4 / 3))
    assert ch["contribution"].sum() == pytest.approx(6 - 32 / 3)
    assert result.driver == "money_cost"


def test_trend_per_month(store):
    with db.cursor(store) as cur:
        tr = dv.trend(cur, H1, "month")
    t = tr.table.set_index("bucket")
    assert [d.isoformat() for d in t.index] == ["2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"]
    assert t["customers"].tolist() == [1, 1, 2, 2]
    assert t["delivered_value"].tolist() == pytest.approx([10, 0, -1, 16])
    assert t["change"].tolist()[1:] == pytest.approx([-10, -1, 17])
    # Feb → Mar: money, time, energy and psychic cost each contribute −3: the tie goes to the first.
    assert t["driver"].tolist()[1:] == ["money_cost", "personnel_value", "personnel_value"]
    assert t["driver_contribution"].tolist()[1:] == pytest.approx([-3, -3, 4.5])
    assert tr.driver == "image_value"  # Feb → May: image value +3.5 is the largest of the eight
    assert tr.changes["contribution"].sum() == pytest.approx(6)


def test_trend_per_quarter(store):
    with db.cursor(store) as cur:
        tr = dv.trend(cur, H1, "quarter")
    assert tr.table["customers"].tolist() == [2, 4]  # Q1: A1 and B1 (not B9); Q2: A2, C2, D1, F1
    assert tr.table["delivered_value"].tolist() == pytest.approx([5, 7.5])
    with db.cursor(store) as cur, pytest.raises(ValueError, match="frequency"):
        dv.trend(cur, H1, "week")


def test_winwin_steps(store):
    with db.cursor(store) as cur:
        steps = dv.winwin_steps(cur, H1, "quarter")
    q1 = steps[steps["step_start"] == D("2024-01-01")].set_index("quadrant")
    q2 = steps[steps["step_start"] == D("2024-04-01")].set_index("quadrant")
    assert q1["customers"].to_dict() == {"win_win": 1, "customer_only": 0, "company_only": 0, "lose_lose": 1}
    # Q1 revenue: A 600, B 500.
    assert q1.loc["win_win", "revenue_share"] == pytest.approx(600 / 1100)
    assert q2["customers"].to_dict() == {"win_win": 1, "customer_only": 1, "company_only": 2, "lose_lose": 0}
    assert q2["assessed"].iloc[0] == 4 and steps["step_end"].iloc[-1] == D("2024-06-30")


def test_buckets_are_clipped_to_the_period():
    f = Filters("2024-02-15", "2024-07-10")
    assert dv.buckets(f, "quarter") == [(D("2024-02-15"), D("2024-03-31")), (D("2024-04-01"), D("2024-06-30")),
                                        (D("2024-07-01"), D("2024-07-10"))]
    assert len(dv.buckets(Filters("2024-01-01", "2024-12-31"), "month")) == 12
    with pytest.raises(ValueError, match="start and an end"):
        dv.buckets(Filters(), "month")


def test_filters_restrict_customers(store):
    with db.cursor(store) as cur:
        r = dv.delivered_value(cur, Filters("2024-01-01", "2024-06-30", segments=("S2",)))
    assert sorted(r.customers["customer_id"]) == ["B", "D"]
    assert r.summary.delivered_value_mean == 0 and r.summary.unassessed_customers == 0
    assert r.move_counts["left"] == 1 and r.move_counts["only_previous"] == 1  # B left; G only before


def test_winwin_points_and_selection(store):
    with db.cursor(store) as cur:
        pts = dv.winwin_points(cur, H1)
    assert list(pts["customer_id"]) == ["A", "B", "C", "D", "F"]
    picked = dv.selected_customers(pts, ["D", "A", "nobody", None])
    assert picked["customer_id"].tolist() == ["A", "D"]  # by profit, highest first
    assert dv.selected_customers(pts, []).empty


def test_map_sample_keeps_the_biggest_and_is_deterministic():
    pts = pd.DataFrame({"customer_id": [f"c{i}" for i in range(100)], "revenue": np.arange(100.0)})
    a, b = dv.map_sample(pts, 20), dv.map_sample(pts, 20)
    assert len(a) == 20 and a.equals(b)
    assert set(range(95, 100)) <= set(a.index)  # the top quarter (5 rows) by revenue
    assert dv.map_sample(pts, 500) is pts
    with pytest.raises(ValueError):
        dv.map_sample(pts, 3)


def test_map_sample_keeps_each_quadrants_extremes():
    """The sample keeps, in every quadrant, the highest and lowest delivered value and profit: a small
    customer far out on an axis stays on the map (and so do the axis ranges)."""
    from analytics.delivered_value.scores import MAX_MAP_POINTS

    rng = np.random.default_rng(5)
    n = 3000
    pts = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "delivered_value": rng.normal(2, 3, n),
                        "profit": rng.normal(50, 500, n), "revenue": rng.gamma(2, 100, n)})
    pts.loc[17, ["delivered_value", "revenue"]] = [-40.0, 0.0]  # far left, no revenue: never in the top quarter
    pts["quadrant"] = dv.quadrant(pts["delivered_value"], pts["profit"])
    shown = dv.map_sample(pts)
    assert len(shown) == MAX_MAP_POINTS == 2000 and shown.index.is_monotonic_increasing
    assert shown.equals(dv.map_sample(pts))  # seeded
    assert 17 in shown.index
    for _, g in pts.groupby("quadrant"):
        for col in ("delivered_value", "profit"):
            assert {g[col].idxmin(), g[col].idxmax()} <= set(shown.index)
    assert set(pts["revenue"].nlargest(500).index) <= set(shown.index)


# ---------------------------------------------------------------------------------- empty cases
def test_no_assessments_gives_empty_figures_not_errors():
    con = build_store(customers=[customer("A")], transactions=[_tx("1", "A", "2024-01-15", "p", 100, 50)])
    with db.cursor(con) as cur:
        r = dv.delivered_value(cur, Filters("2024-01-01", "2024-01-31"))
        sec = dv_headline.report_section(cur, Filters("2024-01-01", "2024-01-31"))
        tr = dv.trend(cur, Filters("2024-01-01", "2024-01-31"), "month")
        steps = dv.winwin_steps(cur, Filters("2024-01-01", "2024-01-31"), "month")
    con.close()
    assert r.customers.empty and r.summary.assessed_customers == 0 and r.summary.unassessed_customers == 1
    assert r.summary.delivered_value_mean is None and r.summary.winwin_share is None
    assert r.summary.unassessed_revenue_share == 1.0
    assert all(g.empty and "delivered_value" in g.columns for g in r.groups.values())
    assert r.quadrants["customers"].tolist() == [0, 0, 0, 0] and r.levels["customers"].tolist() == [0, 0, 0]
    assert r.previous is None and r.driver is None and r.changes.empty
    assert sec["assessed_customers"] == 0 and sec["unassessed_customers"] == 1
    assert sec["delivered_value_mean"] is None and sec["winwin_entered"] is None
    assert tr.table.empty and tr.driver is None
    assert steps["customers"].tolist() == [0, 0, 0, 0]


def test_empty_store():
    con = build_store()
    with db.cursor(con) as cur:
        sec = dv_headline.report_section(cur, Filters())
    con.close()
    assert sec["assessed_customers"] == 0 and sec["unassessed_customers"] == 0 and sec["winwin_share"] is None


def test_score_rejects_missing_parts():
    with pytest.raises(ValueError, match="lack"):
        dv.score(pd.DataFrame({"product_value": [1.0]}))
    row = {p: 1.0 for p in dv.PARTS}
    row["money_cost"] = None
    with pytest.raises(ValueError, match="missing values"):
        dv.score(pd.DataFrame([row]))


def test_zero_cost_leaves_the_ratio_undefined():
    s = dv.score(pd.DataFrame([{**{p: 0.0 for p in dv.PARTS}, "product_value": 2.0}]))
    assert math.isnan(s["value_cost_ratio"].iloc[0]) and s["delivered_value"].iloc[0] == 2
    agg = dv.aggregate(s)
    assert agg["value_cost_ratio"] is None and agg["satisfaction_customers"] == 0 and agg["share_below"] is None


# --------------------------------------------------------------------------- report and CLI
def test_report_keys_match_the_result(store, result):
    with db.cursor(store) as cur:
        out = report.build(cur, H1)
    s = result.summary
    assert out["delivered_value_mean"] == pytest.approx(s.delivered_value_mean)
    assert out["customer_value_mean"] == pytest.approx(s.customer_value_mean)
    assert out["customer_cost_mean"] == pytest.approx(s.customer_cost_mean)
    assert out["satisfaction_gap_mean"] == pytest.approx(s.satisfaction_gap_mean)
    assert out["share_below_expectation"] == 0.5 and out["winwin_share"] == 0.2
    assert out["assessed_customers"] == 5 and out["unassessed_customers"] == 1
    assert out["winwin_entered"] == 1 and out["winwin_left"] == 1


def test_cli_command(tmp_path, capsys):
    path = tmp_path / "dv.duckdb"
    build_store(path, **ROWS).close()
    assert cli.main(["delivered-value", "--db", str(path), "--from", "2024-01-01", "--to", "2024-06-30",
                     "--by", "segment", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["assessed_customers"] == 5 and [g["group"] for g in out["groups"]] == ["S1", "S2"]
    assert out["groups"][0]["delivered_value"] == pytest.approx(10) and out["groups"][1]["falls_short"] is False
    assert cli.main(["delivered-value", "--db", str(path), "--from", "2024-01-01", "--to", "2024-06-30"]) == 0
    assert "S1" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        cli.main(["delivered-value", "--db", str(path), "--by", "planet"])
    assert exc.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_cli_on_an_empty_store_is_one_line(tmp_path, capsys):
    path = tmp_path / "empty.duckdb"
    build_store(path).close()
    assert cli.main(["delivered-value", "--db", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "no transactions" in err and len(err.splitlines()) == 1


def test_demo_store_figures_are_consistent(demo_con):
    with db.cursor(demo_con) as cur:
        f = Filters("2025-11-01", "2026-10-31")
        r = dv.delivered_value(cur, f)
        n_assessed = cur.execute(
            f"SELECT count(DISTINCT customer_id) FROM {schema.ASSESSMENTS} WHERE assessed_on BETWEEN ? AND ?",
            [f.date_from, f.date_to]).fetchone()[0]
    s = r.summary
    assert s.assessed_customers == n_assessed > 0
    assert s.delivered_value_mean == pytest.approx(s.customer_value_mean - s.customer_cost_mean)
    assert r.quadrants["customers"].sum() == s.assessed_customers
    assert sum(r.move_counts.values()) == len(r.moves)
    for d in dv.DIMENSIONS:
        assert r.groups[d]["customers"].sum() == s.assessed_customers, d


# ------------------------------------------------------------------------------ properties
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=30))
def test_quadrants_partition_the_plane(pairs):
    x, y = zip(*pairs, strict=True)
    q = dv.quadrant(x, y)
    for xi, yi, qi in zip(x, y, q, strict=True):
        gx, gy = round(xi, dv.DV_DECIMALS) > 0, round(yi, dv.PROFIT_DECIMALS) > 0
        assert qi == {(True, True): "win_win", (True, False): "customer_only",
                      (False, True): "company_only", (False, False): "lose_lose"}[(gx, gy)]


score_value = st.floats(min_value=0, max_value=10, allow_nan=False).map(lambda v: round(v, 1))
maybe_score = st.one_of(st.none(), score_value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(score_value, min_size=8, max_size=8), st.lists(maybe_score, min_size=6, max_size=6)),
                min_size=1, max_size=25))
def test_aggregate_invariants(rows):
    df = pd.DataFrame([{**dict(zip(dv.PARTS, parts, strict=True)),
                        **{c: (np.nan if v is None else v) for c, v in zip(dv.SCORE_COLUMNS, scores, strict=True)}}
                       for parts, scores in rows])
    s = dv.score(df)
    agg = dv.aggregate(s)
    assert agg["delivered_value"] == pytest.approx(agg["customer_value"] - agg["customer_cost"], abs=1e-9)
    gaps = s[[f"gap_{lvl}" for lvl in dv.LEVELS]]
    has = gaps.notna().any(axis=1)
    assert agg["satisfaction_customers"] == int(has.sum())
    lo, hi = gaps.min(axis=1), gaps.max(axis=1)
    assert ((s["gap_overall"] >= lo - 1e-9) & (s["gap_overall"] <= hi + 1e-9))[has].all()
    if agg["share_below"] is not None:
        assert 0 <= agg["share_below"] <= 1
    half = len(s) // 2
    if half:
        ch = dv.part_changes(dv.aggregate(s.iloc[:half]), dv.aggregate(s.iloc[half:]))
        if not ch.empty:
            delta = dv.aggregate(s.iloc[half:])["delivered_value"] - dv.aggregate(s.iloc[:half])["delivered_value"]
            assert ch["contribution"].sum() == pytest.approx(delta, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(dv.QUADRANTS), max_size=12), st.lists(st.sampled_from(dv.QUADRANTS), max_size=12),
       st.integers(0, 12))
def test_moves_cover_every_customer_once(now, before, shift):
    cur = pd.DataFrame({"customer_id": [f"c{i}" for i in range(len(now))], "name": "n", "quadrant": now})
    prev = pd.DataFrame({"customer_id": [f"c{i + shift}" for i in range(len(before))], "name": "n",
                         "quadrant": before})
    m = dv.moves(cur, prev)
    assert len(m) == len(set(cur["customer_id"]) | set(prev["customer_id"])) and m["customer_id"].is_unique
    counts = dv.move_counts(m)
    assert sum(counts.values()) == len(m)
    assert counts["entered"] + counts["stayed_in"] == int(
        (m["quadrant_current"] == dv.WIN_WIN)[m["quadrant_previous"].notna()].sum())
    assert int(dv.transitions(m).to_numpy().sum()) == len(m)


def test_each_move_follows_the_rule_for_every_pair_of_quadrants():
    """Every (previous, current) pair, not assessed included, against the module docstring's rule."""
    options = [*dv.QUADRANTS, None]
    pairs = [(b, a) for b in options for a in options if (a, b) != (None, None)]
    cur = pd.DataFrame([{"customer_id": f"c{i:02d}", "name": "n", "quadrant": a} for i, (_, a) in enumerate(pairs)
                        if a is not None])
    prev = pd.DataFrame([{"customer_id": f"c{i:02d}", "name": "n", "quadrant": b} for i, (b, _) in enumerate(pairs)
                         if b is not None])
    got = dv.moves(cur, prev).set_index("customer_id")["move"]
    for i, (b, a) in enumerate(pairs):
        want = ("only_current" if b is None else "only_previous" if a is None
                else ("stayed_in" if b == dv.WIN_WIN else "entered") if a == dv.WIN_WIN
                else ("left" if b == dv.WIN_WIN else "stayed_out"))
        assert got[f"c{i:02d}"] == want, (b, a)


def test_groups_aggregate_each_group_s_customers_whatever_other_columns_they_carry(result):
    """by_group splits only the columns aggregate reads: each row equals aggregate over that group's customers."""
    c = result.customers.assign(extra_text="x", extra_number=1.0)
    for by in dv.DIMENSIONS:
        for _, row in dv.by_group(c, by).iterrows():
            value = row["group"]
            members = c[c[by].isna()] if value is None or value != value else c[c[by] == value]
            for key, want in dv.aggregate(members).items():
                got = row[key]
                assert (got is None and want is None) or got == want or (got != got and want is None), (by, value, key)
