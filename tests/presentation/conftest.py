"""A hand-made store for the presentation tests, with figures worked out by hand.

Five customers in 2024 (call rate 10 per call):

======  =======  ====  =====================  ======  =========================
id      revenue  cogs  activities             profit  notes
======  =======  ====  =====================  ======  =========================
P1      130      0     3 calls (March) = 30   100     segment S1
P2      50       0     —                      50      segment S1
P3      20       0     —                      20      segment S2
P4      10       20    —                      -10     name is a spreadsheet formula
P5      0        0     4 calls (April) = 40   -40     name starts with @
======  =======  ====  =====================  ======  =========================

Total profit 120; top 20 % = 1 customer = 100 (83 %); peak 170 (142 %) after 3 of 5 customers (60 %);
2 loss-makers (40 %) losing 50; at break-even 170. Revenue 210, cost of goods 20, gross profit 190,
cost to serve 70 (37 % of gross profit). March profit 160, April -40.
"""

from __future__ import annotations

import pytest

from analytics.filters import Filters
from tests.helpers import D, build_store, customer

Y2024 = Filters("2024-01-01", "2024-12-31")
FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'
AT_NAME = "@SUM(A1)"


def _tx(tid: str, cid: str, revenue: float, cogs: float) -> dict:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D("2024-03-15"), "product": "Broadband",
            "quantity": 1, "revenue": revenue, "cogs": cogs}


def make_story_store(path: str = ":memory:"):
    """The store described above (in memory, or in a file for the command line)."""
    return build_store(
        path,
        customers=[customer("P1", segment="S1"), customer("P2", segment="S1"), customer("P3", segment="S2"),
                   customer("P4", segment="S2", name=FORMULA_NAME), customer("P5", segment="S2", name=AT_NAME)],
        activity_rates=[{"activity": "support_call", "unit_cost": 10, "valid_from": D("2024-01-01"), "unit": "call"}],
        transactions=[_tx("t1", "P1", 130, 0), _tx("t2", "P2", 50, 0), _tx("t3", "P3", 20, 0), _tx("t4", "P4", 10, 20)],
        activities=[
            {"activity_id": "a1", "customer_id": "P1", "activity_date": D("2024-03-20"), "activity": "support_call", "quantity": 3},
            {"activity_id": "a2", "customer_id": "P5", "activity_date": D("2024-04-02"), "activity": "support_call", "quantity": 4},
        ],
    )


@pytest.fixture
def story_store():
    con = make_story_store()
    yield con
    con.close()
