"""Overview figures against the previous period, on the hand-made store."""

from __future__ import annotations

import pytest

from analytics import overview
from analytics.filters import Filters
from analytics.store import db
from tests.helpers import D, build_store, customer


def test_kpi_changes():
    k = overview.Kpi("revenue", 120.0, 100.0)
    assert k.change == 20 and k.change_ratio == pytest.approx(0.2)
    assert overview.Kpi("x", 1.0, None).change is None
    assert overview.Kpi("x", 1.0, 0.0).change_ratio is None
    assert overview.Kpi("x", 1.0, -5.0).change_ratio is None


def test_overview_against_previous_period():
    con = build_store(
        customers=[customer("A"), customer("B")],
        activity_rates=[{"activity": "call", "unit_cost": 10, "valid_from": D("2020-01-01")}],
        transactions=[
            {"transaction_id": "1", "customer_id": "A", "tx_date": D("2024-01-15"), "product": "p", "quantity": 1, "revenue": 100, "cogs": 50},
            {"transaction_id": "2", "customer_id": "A", "tx_date": D("2024-02-15"), "product": "p", "quantity": 1, "revenue": 300, "cogs": 100},
            {"transaction_id": "3", "customer_id": "B", "tx_date": D("2024-02-20"), "product": "p", "quantity": 1, "revenue": 50, "cogs": 40},
        ],
        activities=[{"activity_id": "x", "customer_id": "B", "activity_date": D("2024-02-21"), "activity": "call", "quantity": 3}],
        feedback=[
            {"feedback_id": "f1", "customer_id": "A", "feedback_date": D("2024-02-01"), "kind": "other", "nps_score": 10},
            {"feedback_id": "f2", "customer_id": "B", "feedback_date": D("2024-02-02"), "kind": "other", "nps_score": 3},
            {"feedback_id": "f3", "customer_id": "B", "feedback_date": D("2024-02-03"), "kind": "other", "nps_score": 8},
            {"feedback_id": "f4", "customer_id": "A", "feedback_date": D("2024-01-03"), "kind": "other", "nps_score": 9},
        ],
    )
    with db.cursor(con) as cur:
        o = overview.overview(cur, Filters("2024-02-01", "2024-02-29"))
    k = o.kpis
    assert o.previous_period == (D("2024-01-01"), D("2024-01-31"))
    assert (k["customers"].value, k["customers"].previous) == (2, 1)
    assert (k["revenue"].value, k["revenue"].previous) == (350, 100)
    # Feb: A 300-100 = 200, B 50-40-30 = -20 -> 180; Jan: A 50
    assert (k["profit"].value, k["profit"].previous) == (180, 50)
    assert k["loss_customers"].value == 1 and k["loss_customers"].previous == 0
    assert k["top20_profit_share"].value == pytest.approx(200 / 180)
    # Feb NPS: 1 promoter, 1 passive, 1 detractor -> 0; Jan: 1 promoter -> 100
    assert k["nps"].value == 0 and k["nps"].previous == 100 and o.nps.responses == 3
    assert o.cost_to_serve == 30 and o.cogs == 140
    assert o.activities.to_dict("records") == [{"activity": "call", "quantity": 3.0, "cost": 30.0}]


def test_no_previous_data_gives_none():
    con = build_store(
        customers=[customer("A")],
        transactions=[{"transaction_id": "1", "customer_id": "A", "tx_date": D("2024-01-15"), "product": "p",
                       "quantity": 1, "revenue": 100, "cogs": 50}],
    )
    with db.cursor(con) as cur:
        o = overview.overview(cur, Filters("2024-01-01", "2024-01-31"))
    assert all(k.previous is None for k in o.kpis.values())
    assert o.kpis["nps"].value is None
