"""Unknown cost of goods (NULL, schema version 5) in every profit computation (issue 16): profit is
revenue − known cost of goods − cost to serve everywhere — the P&L from facts and from aggregates,
product groups, the improvement-plan ledger, acquisition payback — and the share of revenue whose
cost is unknown is carried alongside. Before the fix a month whose costs were all unknown lost its
revenue in payback (revenue − NULL) and product groups and the plan ledger gave NaN profits.
"""

from __future__ import annotations

import math

import pytest

from analytics import concentration, lifecycle, overview, profit
from analytics import scenario as sc
from analytics.filters import Filters
from tests.helpers import D, build_store, customer

YEAR = Filters(D("2024-01-01"), D("2024-12-31"))
RATES = [{"activity": "visit", "unit_cost": 10, "valid_from": D("2023-01-01"), "unit": "visit"}]


def tx(tid: str, cid: str, day: str, revenue: float, cogs: float | None, product: str = "P") -> dict:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D(day), "product": product, "quantity": 1,
            "revenue": revenue, "cogs": cogs}


@pytest.fixture
def con():
    """A: 100 (cogs 40) and 50 (unknown) in March, 2 visits; B: 200 (unknown) in April, its only sale."""
    c = build_store(customers=[customer("A", acquired_on=D("2024-03-05"), acquisition_cost=30),
                               customer("B", acquired_on=D("2024-04-01"), acquisition_cost=50)],
                    activity_rates=RATES,
                    transactions=[tx("t1", "A", "2024-03-05", 100, 40), tx("t2", "A", "2024-03-20", 50, None, "Q"),
                                  tx("t3", "B", "2024-04-02", 200, None, "Q")],
                    activities=[{"activity_id": "a1", "customer_id": "A", "activity_date": D("2024-03-06"),
                                 "activity": "visit", "quantity": 2}])
    yield c
    c.close()


@pytest.mark.parametrize("source", ["facts", "aggregates"])
def test_the_pnl_counts_known_costs_and_carries_the_unknown_revenue(con, source):
    pnl = profit.customer_pnl(con, YEAR, source=source)
    got = pnl.customers.set_index("customer_id")[["revenue", "cogs", "cost_to_serve", "profit", "cogs_unknown_revenue"]]
    assert got.loc["A"].tolist() == [150.0, 40.0, 20.0, 90.0, 50.0]
    assert got.loc["B"].tolist() == [200.0, 0.0, 0.0, 200.0, 200.0]
    assert profit.pnl_cogs_unknown_share(pnl) == pytest.approx(250 / 350)
    assert profit.cogs_unknown_for(con, YEAR) == pytest.approx(250 / 350)
    assert profit.cogs_unknown_for(con, YEAR, "A") == pytest.approx(50 / 150)
    m = profit.monthly_pnl(con, YEAR).set_index("month")
    assert m["profit"].tolist() == [90.0, 200.0] and m["cogs_unknown_revenue"].tolist() == [50.0, 200.0]


def test_the_share_is_zero_when_every_cost_is_known_and_undefined_without_revenue():
    assert profit.cogs_unknown_share(100.0, 0.0) == 0.0
    assert profit.cogs_unknown_share(-5.0, 10.0) is None
    assert profit.cogs_unknown_share(100.0, 130.0) == 1.0  # returns made the net revenue smaller


def test_every_profit_view_agrees_with_the_pnl(con):
    total = 290.0
    assert overview.overview(con, YEAR).kpis["profit"].value == total
    assert overview.report_section(con, YEAR)["cogs_unknown_revenue_share"] == pytest.approx(250 / 350)
    by_product = concentration.compare(con, YEAR, "product").set_index("group")
    assert not by_product["total_profit"].isna().any()
    assert by_product["total_profit"].sum() == pytest.approx(total)
    # Q: A's 50 and B's 200 with no cost of goods known, less A's cost to serve shared by revenue (20 × 50/150)
    assert by_product.loc["Q", "total_profit"] == pytest.approx(250.0 - 20 * 50 / 150)
    proj = sc.project(con, YEAR)
    assert proj.baseline.total_profit == pytest.approx(total)
    assert proj.scenario.total_profit == pytest.approx(total)


def test_payback_keeps_the_revenue_of_months_whose_costs_are_unknown(con):
    pb = lifecycle.payback(con, Filters(date_to=D("2024-12-31")), "month")
    c = pb.customers.set_index("customer_id")
    # A: 150 − 40 − 20 = 90; B: 200 (before the fix: 0, its month's gross profit was NULL)
    assert c.loc["A", "profit_to_date"] == pytest.approx(90.0)
    assert c.loc["B", "profit_to_date"] == pytest.approx(200.0)
    assert not math.isnan(c.loc["B", "months_to_payback"])
