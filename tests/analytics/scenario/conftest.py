"""Hand-made stores for the scenario tests, with figures worked out by hand.

``ops_store``, 2024 (rates from 2024-01-01: call 10, self_service 2, delivery 20 per shipment,
rebate 1 per CNY):

====  ===================================================  ====  ====================================  ======
id    transactions (revenue / cogs)                        net   activities (cost)                     profit
====  ===================================================  ====  ====================================  ======
X     o1 50/30, o2 50/30 (small below 100), o3 400/200,    450   3 deliveries 60, 20 calls 200,        -140
      r1 return -50/-30 (not an order)                     /230  rebate 100 -> 360
Y     o4 1000/500                                          1000  4 calls 40, rebate 10 -> 50            450
                                                           /500
Z     o5 300/100                                           300   —                                      200
                                                           /100
====  ===================================================  ====  ====================================  ======

Feedback (Y): two complaints (NPS 3 and 5) and one praise (NPS 10) in 2024, one complaint in 2023.
Assessments (value − cost): X 30 − 10 = 20, Y 28 − 8 = 20, Z 10 − 25 = −15: Y is in the win-win
zone, X gives the customer value but loses money, Z the reverse.
"""

from __future__ import annotations

import pytest

from analytics.filters import Filters
from tests.helpers import D, build_store, customer

Y2024 = Filters("2024-01-01", "2024-12-31")


def _tx(tid: str, cid: str, day: str, revenue: float, cogs: float, product: str = "P1") -> dict:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D(day), "product": product, "quantity": 1,
            "revenue": revenue, "cogs": cogs}


def _act(aid: str, cid: str, day: str, activity: str, quantity: float) -> dict:
    return {"activity_id": aid, "customer_id": cid, "activity_date": D(day), "activity": activity,
            "quantity": quantity}


def _assessment(aid: str, cid: str, value: float, cost: float) -> dict:
    parts = {"product_value": value / 4, "service_value": value / 4, "personnel_value": value / 4,
             "image_value": value / 4, "money_cost": cost / 4, "time_cost": cost / 4, "energy_cost": cost / 4,
             "psychic_cost": cost / 4}
    return {"assessment_id": aid, "customer_id": cid, "assessed_on": D("2024-06-15"), **parts}


def _feedback(fid: str, cid: str, day: str, kind: str, score: int | None) -> dict:
    return {"feedback_id": fid, "customer_id": cid, "feedback_date": D(day), "kind": kind, "nps_score": score}


@pytest.fixture
def ops_store():
    con = build_store(
        customers=[customer("X", segment="S1"), customer("Y", segment="S2"), customer("Z", segment="S2")],
        activity_rates=[{"activity": a, "unit_cost": c, "valid_from": D("2024-01-01"), "unit": u}
                        for a, c, u in (("call", 10, "call"), ("self_service", 2, "session"),
                                        ("delivery", 20, "shipment"), ("rebate", 1, "CNY"))],
        transactions=[_tx("o1", "X", "2024-02-01", 50, 30), _tx("o2", "X", "2024-03-01", 50, 30),
                      _tx("o3", "X", "2024-04-01", 400, 200), _tx("r1", "X", "2024-04-15", -50, -30),
                      _tx("o4", "Y", "2024-05-01", 1000, 500, "P2"), _tx("o5", "Z", "2024-06-01", 300, 100, "P2")],
        activities=[_act("d1", "X", "2024-02-01", "delivery", 1), _act("d2", "X", "2024-03-01", "delivery", 1),
                    _act("d3", "X", "2024-04-01", "delivery", 1), _act("c1", "X", "2024-03-05", "call", 20),
                    _act("b1", "X", "2024-04-01", "rebate", 100), _act("c2", "Y", "2024-05-02", "call", 4),
                    _act("b2", "Y", "2024-05-01", "rebate", 10)],
        feedback=[_feedback("f1", "Y", "2024-05-10", "complaint", 3), _feedback("f2", "Y", "2024-06-10", "complaint", 5),
                  _feedback("f3", "Y", "2024-07-10", "praise", 10), _feedback("f4", "Y", "2023-07-10", "complaint", 0)],
        assessments=[_assessment("s1", "X", 30, 10), _assessment("s2", "Y", 28, 8), _assessment("s3", "Z", 10, 25)],
    )
    yield con
    con.close()
