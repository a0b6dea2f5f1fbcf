"""Customer 360 on a hand-made store: every part worked out by hand from the rows below."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import customer360, profit
from analytics.filters import Filters
from analytics.store import db
from tests.helpers import D, build_store, customer

HOSTILE = "<script>alert('x')</script> **bold** =HYPERLINK(\"http://evil.example\") <img src=x onerror=alert(1)>"
YEAR = Filters("2024-01-01", "2024-12-31")


@pytest.fixture(scope="module")
def store():
    con = build_store(
        customers=[
            customer("A", name="Alpha Co", acquired_on=D("2024-03-10"), acquisition_cost=500, segment="Corporate",
                     region="East", industry="Finance", plan="Annual contract"),
            customer("B", name="Beta Ltd", referred_by="A", acquired_on=D("2024-04-01")),
            customer("C", name="Gamma", referred_by="A", acquired_on=D("2024-05-01"), customer_type="individual"),
            customer("D", name="Delta", acquired_on=D("2024-05-01")),
            customer("Z", name="Zeta", acquired_on=D("2023-01-01")),  # no business of its own
            customer("Y", name="Ypsilon", referred_by="Z", acquired_on=D("2024-06-01")),
        ],
        activity_rates=[
            {"activity": "visit", "unit_cost": 100, "valid_from": D("2024-01-01"), "unit": "visit"},
            {"activity": "visit", "unit_cost": 150, "valid_from": D("2024-07-01"), "unit": "visit"},
            {"activity": "call", "unit_cost": 10, "valid_from": D("2024-01-01"), "unit": "call"},
        ],
        transactions=[
            {"transaction_id": "t1", "customer_id": "A", "tx_date": D("2024-03-10"), "product": "P1", "quantity": 1,
             "revenue": 1000, "cogs": 600},
            {"transaction_id": "t2", "customer_id": "A", "tx_date": D("2024-08-01"), "product": "P2", "quantity": 2,
             "revenue": 500, "cogs": 300},
            {"transaction_id": "t3", "customer_id": "B", "tx_date": D("2024-04-01"), "product": "P1", "quantity": 1,
             "revenue": 200, "cogs": 100},
            {"transaction_id": "t4", "customer_id": "C", "tx_date": D("2024-05-01"), "product": "P1", "quantity": 1,
             "revenue": 300, "cogs": 100},
            {"transaction_id": "t5", "customer_id": "D", "tx_date": D("2024-05-02"), "product": "P1", "quantity": 1,
             "revenue": 50, "cogs": 10},
            {"transaction_id": "t6", "customer_id": "Y", "tx_date": D("2024-06-01"), "product": "P1", "quantity": 1,
             "revenue": 80, "cogs": 30},
        ],
        activities=[
            {"activity_id": "a1", "customer_id": "A", "activity_date": D("2024-06-30"), "activity": "visit", "quantity": 2},
            {"activity_id": "a2", "customer_id": "A", "activity_date": D("2024-07-01"), "activity": "visit", "quantity": 1},
            {"activity_id": "a3", "customer_id": "A", "activity_date": D("2024-04-01"), "activity": "call", "quantity": 5},
            {"activity_id": "a4", "customer_id": "A", "activity_date": D("2023-12-31"), "activity": "call", "quantity": 3},
        ],
        feedback=[
            {"feedback_id": "f1", "customer_id": "A", "feedback_date": D("2024-05-01"), "kind": "complaint",
             "channel": "Hotline", "topic": "Billing", "text": HOSTILE},
            {"feedback_id": "f2", "customer_id": "A", "feedback_date": D("2024-06-01"), "kind": "praise",
             "nps_score": 10, "channel": "WeChat", "topic": "Service", "text": "服务很好"},
        ],
        assessments=[
            {"assessment_id": "s1", "customer_id": "A", "assessed_on": D("2024-04-01"), "product_value": 8,
             "service_value": 7, "personnel_value": 6, "image_value": 5, "money_cost": 4, "time_cost": 3,
             "energy_cost": 2, "psychic_cost": 1, "expectation_material": 7, "perception_material": 8,
             "expectation_spiritual": 6, "perception_spiritual": 5},
        ],
        opportunities=[
            {"opportunity_id": "O1", "customer_id": "A", "prospect_name": "Alpha Co", "stage": "won",
             "created_on": D("2024-01-01"), "closed_on": D("2024-03-10"), "amount": 5000, "region": "East",
             "channel": "Direct sales"},
            {"opportunity_id": "O2", "customer_id": "A", "prospect_name": "Alpha Co", "stage": "opportunity",
             "created_on": D("2024-09-01"), "closed_on": None, "amount": 2000, "region": "East",
             "channel": "Direct sales"},
        ],
    )
    yield con
    con.close()


@pytest.fixture(scope="module")
def alpha(store):
    with db.cursor(store) as cur:
        return customer360.customer360(cur, "A", YEAR)


def test_profile_and_period_kpis(alpha, store):
    assert alpha.customer_id == "A" and alpha.name == "Alpha Co" and alpha.as_of == D("2024-12-31")
    assert alpha.period == (D("2024-01-01"), D("2024-12-31")) and alpha.currency == "CNY"
    p = alpha.profile.iloc[0]
    assert (p["segment"], p["region"], p["industry"], p["plan"]) == ("Corporate", "East", "Finance", "Annual contract")
    assert p["acquisition_cost"] == 500 and pd.isna(p["referred_by"])
    k = alpha.kpis
    # Revenue 1000 + 500, cost of goods 600 + 300; cost to serve in 2024: 2 visits × 100 (06-30),
    # 1 × 150 (07-01, new rate), 5 calls × 10; the call of 2023-12-31 is outside the period.
    assert (k["revenue"], k["cogs"], k["gross_profit"]) == (1500, 900, 600)
    assert k["cost_to_serve"] == 400 and k["profit"] == 200 and k["tx_count"] == 2
    # The same figure as the P&L every page uses.
    with db.cursor(store) as cur:
        pnl = profit.customer_pnl(cur, YEAR).customers.set_index("customer_id")
    assert pnl.loc["A", "profit"] == k["profit"]


def test_value_kpis(alpha):
    k = alpha.kpis
    # Realized value: all history to 2024-12-31 (the unpriced call costs 0) = 200.
    assert k["realized_value"] == pytest.approx(200)
    # Influence: realized value of B (200 − 100) and C (300 − 100), referred by A.
    assert k["influence_value"] == pytest.approx(300) and k["referrals"] == 2
    assert k["total_value"] == pytest.approx(k["realized_value"] + k["potential_value"] + k["influence_value"])
    assert k["tier"] in {f"{r}/{p}" for r in ("low", "mid", "high") for p in ("low", "mid", "high")}


def test_records(alpha):
    assert alpha.transactions["transaction_id"].tolist() == ["t2", "t1"]  # newest first
    assert alpha.transactions["gross_profit"].tolist() == [200, 400]
    acts = alpha.activities.set_index("activity_id")
    assert acts.index.tolist() == ["a2", "a1", "a3", "a4"]
    # The rate valid on each activity's date: 100 until 2024-06-30, 150 from 2024-07-01; none in 2023.
    assert acts.loc["a1", "unit_cost"] == 100 and acts.loc["a1", "cost"] == 200
    assert acts.loc["a2", "unit_cost"] == 150 and acts.loc["a2", "cost"] == 150
    assert np.isnan(acts.loc["a4", "unit_cost"]) and acts.loc["a4", "cost"] == 0
    assert acts.loc["a3", "unit"] == "call"
    totals = alpha.activity_totals.set_index("activity")
    assert totals.loc["visit", "cost"] == 350 and totals.loc["call", "cost"] == 50
    assert alpha.counts == {"transactions": 2, "activities": 4}
    assert alpha.feedback["feedback_id"].tolist() == ["f2", "f1"]
    # Uploaded text comes back exactly as stored: it is data, never markup.
    assert alpha.feedback.set_index("feedback_id").loc["f1", "text"] == HOSTILE
    o = alpha.opportunities
    assert o["opportunity_id"].tolist() == ["O2", "O1"] and o["amount"].tolist() == [2000, 5000]


def test_assessments_delivered_value(alpha):
    a = alpha.assessments.iloc[0]
    # Value 8 + 7 + 6 + 5 = 26, cost 4 + 3 + 2 + 1 = 10, delivered 16; gaps +1 (material) and −1 (spiritual).
    assert (a["customer_value"], a["customer_cost"], a["delivered_value"]) == (26, 10, 16)
    assert a["gap_overall"] == 0


def test_monthly_trend(alpha):
    m = alpha.monthly.set_index("month")
    # From the first month with data (the unpriced call of 2023-12) to the as-of month.
    assert m.index[0] == D("2023-12-01") and m.index[-1] == D("2024-12-01") and len(m) == 13
    assert m.loc[D("2024-03-01"), "profit"] == 400
    assert m.loc[D("2024-04-01"), "profit"] == -50
    assert m.loc[D("2024-06-01"), "profit"] == -200
    assert m.loc[D("2024-07-01"), "profit"] == -150
    assert m.loc[D("2024-08-01"), "profit"] == 200
    assert m.loc[D("2024-05-01"), "profit"] == 0  # a quiet month is shown as zero
    assert m["cumulative_profit"].iloc[-1] == pytest.approx(alpha.kpis["realized_value"])


def test_referrals_both_ways(store, alpha):
    refs = alpha.referrals.set_index("customer_id")
    assert refs.index.tolist() == ["B", "C"]
    assert refs["realized_value"].tolist() == pytest.approx([100, 200])
    assert alpha.referrer.empty
    with db.cursor(store) as cur:
        beta = customer360.customer360(cur, "B", YEAR)
    assert beta.referrer[["customer_id", "name"]].values.tolist() == [["A", "Alpha Co"]]
    assert beta.profile.iloc[0]["referrer_name"] == "Alpha Co"


def test_stage_history(alpha):
    # Data begin 2024-03-10. Default rules (90 days): new until 06-07; silent from 03-10 → dormant
    # at 06-30 (112 days) and 07-31; the 08-01 purchase ends a 144-day silence → reactivated
    # (08-31, 09-30); 10-31 is 91 days after it → dormant to the end.
    stages = alpha.stages.set_index("date")["stage"]
    assert stages.to_dict() == {
        D("2024-03-31"): "new", D("2024-04-30"): "new", D("2024-05-31"): "new",
        D("2024-06-30"): "dormant", D("2024-07-31"): "dormant",
        D("2024-08-31"): "reactivated", D("2024-09-30"): "reactivated",
        D("2024-10-31"): "dormant", D("2024-11-30"): "dormant", D("2024-12-31"): "dormant",
    }
    assert alpha.kpis["stage"] == "dormant"
    periods = alpha.stage_periods
    assert periods[["stage", "months"]].values.tolist() == [["dormant", 3], ["reactivated", 2], ["dormant", 2],
                                                            ["new", 3]]
    assert periods.iloc[0]["start"] == D("2024-10-31") and periods.iloc[-1]["end"] == D("2024-05-31")


def test_a_customer_without_business_still_has_influence(store):
    with db.cursor(store) as cur:
        z = customer360.customer360(cur, "Z", YEAR)
    k = z.kpis
    assert k["revenue"] == 0 and k["tx_count"] == 0 and k["realized_value"] is None and k["p_alive"] is None
    assert k["influence_value"] == pytest.approx(50) and k["referrals"] == 1  # Ypsilon: 80 − 30
    assert k["stage"] == "no_purchase"  # acquired 2023-01-01, never bought: no purchase yet (was shown as lost)
    assert z.monthly.empty and z.transactions.empty and z.assessments.empty and z.feedback.empty


def test_attributes_of_the_filter_are_ignored(store, alpha):
    with db.cursor(store) as cur:
        other = customer360.customer360(cur, "A", Filters("2024-01-01", "2024-12-31", segments=("SMB",)))
    assert other.kpis == alpha.kpis


def test_unknown_and_blank_ids(store):
    with db.cursor(store) as cur:
        with pytest.raises(ValueError, match="unknown customer id"):
            customer360.customer360(cur, "nobody", YEAR)
        with pytest.raises(ValueError, match="no customer id"):
            customer360.customer360(cur, "  ", YEAR)


def test_search(store):
    with db.cursor(store) as cur:
        # Exact id first, then names that start with the text, then other matches, by id.
        assert customer360.search(cur, "c")["customer_id"].tolist() == ["C", "A"]  # "Alpha Co"
        assert customer360.search(cur, "d")["customer_id"].tolist() == ["D", "B"]  # "Beta Ltd"
        assert customer360.search(cur, "gam")["customer_id"].tolist() == ["C"]
        assert customer360.search(cur, "beta")["customer_id"].tolist() == ["B"]
        assert customer360.search(cur, "ALPHA")["name"].tolist() == ["Alpha Co"]
        assert customer360.search(cur, "  ").empty
        assert customer360.search(cur, "%")["customer_id"].tolist() == []  # no LIKE wildcards
        assert len(customer360.search(cur, "a", limit=2)) == 2
        with pytest.raises(ValueError):
            customer360.search(cur, "a", limit=0)


def test_demo_customer_matches_the_pages(demo_con):
    f = Filters("2025-11-01", "2026-10-31")
    with db.cursor(demo_con) as cur:
        r = customer360.customer360(cur, "C002194", f)
        pnl = profit.customer_pnl(cur, f).customers.set_index("customer_id")
    assert r.kpis["profit"] == pytest.approx(pnl.loc["C002194", "profit"])
    assert r.kpis["revenue"] == pytest.approx(pnl.loc["C002194", "revenue"])
    # Transactions are capped but counted.
    assert len(r.transactions) == customer360.MAX_ROWS < r.counts["transactions"]
    assert "c360.note.capped" in r.notes
    # The trend's last cumulative profit is the realized value (all history up to the as-of date).
    assert r.monthly["cumulative_profit"].iloc[-1] == pytest.approx(r.kpis["realized_value"], rel=1e-9)


def test_demo_customer_ranges_hold_its_values(demo_con):
    """The ranges beside the cards (issue 17) come from the cards' own valuation: each holds its point value."""
    f = Filters("2025-11-01", "2026-10-31")
    with db.cursor(demo_con) as cur:
        r = customer360.customer360(cur, "C002194", f)
        iv = customer360.value_ranges(cur, r.as_of)
    rng = customer360.customer_ranges(iv, "C002194")
    assert rng is not None and rng["level"] == 0.9 and rng["draws"] > 0
    for key in ("p_alive", "expected_purchases", "potential_value"):
        lo, hi = rng[key]
        assert lo <= r.kpis[key] <= hi and lo < hi, key
    row = iv.customers.set_index("customer_id").loc["C002194"]
    assert rng["potential_value"] == (row["potential_value_lower"], row["potential_value_upper"])
    assert rng["spans_tiers"] is False and rng["levels"] == ("high", "high")
    # a customer not valued, and no valuation at all, give no range
    assert customer360.customer_ranges(iv, "NO-SUCH-ID") is None
    assert customer360.customer_ranges(None, "C002194") is None
    with db.cursor(demo_con) as cur:
        assert customer360.value_ranges(cur, None) is None
