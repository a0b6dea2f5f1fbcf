"""Customer P&L with activity-based cost to serve, checked against hand-computed figures.

The ``abc_store`` fixture (tests/conftest.py), for 2024:
  A: revenue 1000+500, cogs 600+300; visits 2 on 06-30 at 100 and 1 on 07-01 at 150 (the rate
     changes that day), 5 calls at 10  -> cost to serve 200+150+50 = 400, profit 1500-900-400 = 200
  B: revenue 300, cogs 100; 30 calls at 10 -> 300, profit -100
  C: revenue 200, cogs 150; no activities -> profit 50
  D: no revenue; 1 visit on 10-01 at 150 -> profit -150
  A also has 3 calls on 2023-12-31, before the first call rate: unpriced, cost 0.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import profit
from analytics.filters import Filters
from analytics.store import aggregates, db
from tests.helpers import D

Y2024 = Filters("2024-01-01", "2024-12-31")


def _by_id(pnl: profit.CustomerPnL) -> pd.DataFrame:
    return pnl.customers.set_index("customer_id")


def test_hand_computed_pnl(abc_store):
    with db.cursor(abc_store) as cur:
        pnl = profit.customer_pnl(cur, Y2024)
    c = _by_id(pnl)
    assert list(pnl.customers["customer_id"]) == ["A", "C", "B", "D"]  # profit descending
    assert c.loc["A", ["revenue", "cogs", "cost_to_serve", "profit"]].tolist() == [1500, 900, 400, 200]
    assert c.loc["B", ["revenue", "cogs", "cost_to_serve", "profit"]].tolist() == [300, 100, 300, -100]
    assert c.loc["C", ["revenue", "cogs", "cost_to_serve", "profit"]].tolist() == [200, 150, 0, 50]
    assert c.loc["D", ["revenue", "cogs", "cost_to_serve", "profit"]].tolist() == [0, 0, 150, -150]
    assert c.loc["A", "gross_profit"] == 600
    assert c.loc["A", "tx_count"] == 2 and c.loc["D", "tx_count"] == 0
    costs = pnl.costs.set_index(["customer_id", "activity"])["cost"]
    assert costs[("A", "visit")] == 350 and costs[("A", "call")] == 50
    assert pnl.unpriced.empty  # 2023 activity is outside the period
    assert pnl.currency == "CNY"


def test_unpriced_activity_is_reported_and_costs_nothing(abc_store):
    with db.cursor(abc_store) as cur:
        pnl = profit.customer_pnl(cur, Filters("2023-12-01", "2024-12-31"))
    assert pnl.unpriced.to_dict("records") == [{"activity": "call", "quantity": 3.0}]
    assert _by_id(pnl).loc["A", "cost_to_serve"] == 400


def test_rate_in_force_on_the_activity_date(abc_store):
    with db.cursor(abc_store) as cur:
        first_half = profit.customer_pnl(cur, Filters("2024-01-01", "2024-06-30"))
        second_half = profit.customer_pnl(cur, Filters("2024-07-01", "2024-12-31"))
    assert _by_id(first_half).loc["A", "cost_to_serve"] == 2 * 100 + 5 * 10
    assert _by_id(second_half).loc["A", "cost_to_serve"] == 1 * 150


def test_what_if_rates_replace_saved_rates_without_saving(abc_store):
    with db.cursor(abc_store) as cur:
        pnl = profit.customer_pnl(cur, Y2024, rates={"visit": 200})
        again = profit.customer_pnl(cur, Y2024)
    c = _by_id(pnl)
    assert c.loc["A", "cost_to_serve"] == 3 * 200 + 50 and c.loc["A", "profit"] == -50
    assert c.loc["D", "profit"] == -200
    assert pnl.rates_override == {"visit": 200.0}
    assert _by_id(again).loc["A", "profit"] == 200


@pytest.mark.parametrize("bad", [{"visit": -1}, {"visit": "abc"}, {"visit": float("nan")}])
def test_bad_what_if_rate_is_rejected(abc_store, bad):
    with db.cursor(abc_store) as cur, pytest.raises(ValueError, match="visit"):
        profit.customer_pnl(cur, Y2024, rates=bad)


def test_saved_rate_change_moves_profit(abc_store):
    with db.write(abc_store) as cur:
        cur.execute("UPDATE activity_rates SET unit_cost = 20 WHERE activity = 'call'")
        aggregates.refresh(cur)
    with db.cursor(abc_store) as cur:
        c = _by_id(profit.customer_pnl(cur, Y2024))
    assert c.loc["B", "cost_to_serve"] == 600 and c.loc["B", "profit"] == -400
    assert c.loc["A", "cost_to_serve"] == 350 + 100


def test_attribute_filters(abc_store):
    with db.cursor(abc_store) as cur:
        s2 = profit.customer_pnl(cur, Filters("2024-01-01", "2024-12-31", segments=("S2",)))
        south = profit.customer_pnl(cur, Filters("2024-01-01", "2024-12-31", regions=("South",)))
        ind = profit.customer_pnl(cur, Filters("2024-01-01", "2024-12-31", customer_types=("individual",)))
    assert sorted(s2.customers["customer_id"]) == ["B", "D"]
    assert list(south.customers["customer_id"]) == ["B"]
    assert list(ind.customers["customer_id"]) == ["C"]
    assert set(s2.costs["customer_id"]) == {"B", "D"}


def test_aggregates_and_facts_agree(abc_store):
    """A whole-month period reads the aggregates; a partial one reads the facts: same numbers."""
    with db.cursor(abc_store) as cur:
        assert aggregates.is_fresh(cur)
        monthly = profit.customer_pnl(cur, Y2024)
        with db.write(abc_store) as w:
            aggregates.mark_stale(w)
        assert not aggregates.is_fresh(cur)
        raw = profit.customer_pnl(cur, Y2024)
    pd.testing.assert_frame_equal(monthly.customers, raw.customers)
    pd.testing.assert_frame_equal(monthly.costs, raw.costs)


def test_partial_month_period_reads_facts(abc_store):
    with db.cursor(abc_store) as cur:
        pnl = profit.customer_pnl(cur, Filters("2024-03-10", "2024-05-05"))
    c = _by_id(pnl)
    assert c.loc["A", "revenue"] == 1000 and c.loc["B", "revenue"] == 300
    assert "D" not in c.index
    assert c.loc["A", "cost_to_serve"] == 0  # A's activities fall outside 03-10 … 05-05


def test_monthly_pnl(abc_store):
    with db.cursor(abc_store) as cur:
        m = profit.monthly_pnl(cur, Y2024).set_index("month")
    assert m["profit"].sum() == 0  # 200 - 100 + 50 - 150
    assert m.loc[pd.Timestamp("2024-10-01"), "profit"] == -150
    assert m.loc[pd.Timestamp("2024-03-01"), "revenue"] == 1000
    assert m.loc[pd.Timestamp("2024-05-01"), "customers"] == 1


def test_rates_table_and_current_rates(abc_store):
    with db.cursor(abc_store) as cur:
        r = profit.rates(cur)
        cur_rates = profit.current_rates(cur)
    visit = r[r["activity"] == "visit"].reset_index(drop=True)
    assert visit.loc[0, "valid_to"] == pd.Timestamp(D("2024-07-01"))
    assert pd.isna(visit.loc[1, "valid_to"])
    assert cur_rates == {"call": 10.0, "visit": 150.0}


def test_empty_store_gives_empty_pnl():
    from tests.helpers import build_store

    con = build_store()
    with db.cursor(con) as cur:
        pnl = profit.customer_pnl(cur, Filters())
    assert pnl.customers.empty and pnl.costs.empty and pnl.activity_totals.empty


def test_a_customer_at_break_even_is_not_a_loss_maker():
    """Z: revenue 0.30 − cost of goods 0.10 − one call at 0.20 = 0 exactly; in doubles 0.3 − 0.1 − 0.2 is
    −2.8e-17, which would make Z a loss-maker and print "−¥0". Money is settled to 6 decimals."""
    from analytics import concentration
    from tests.helpers import build_store, customer

    con = build_store(
        customers=[customer("Z"), customer("Y")],
        activity_rates=[{"activity": "call", "unit_cost": 0.2, "valid_from": D("2024-01-01"), "unit": "call"}],
        transactions=[{"transaction_id": "t1", "customer_id": "Z", "tx_date": D("2024-03-10"), "product": "P",
                       "quantity": 1, "revenue": 0.3, "cogs": 0.1},
                      {"transaction_id": "t2", "customer_id": "Y", "tx_date": D("2024-03-10"), "product": "P",
                       "quantity": 1, "revenue": 0.3, "cogs": 0.1}],
        activities=[{"activity_id": "a1", "customer_id": "Z", "activity_date": D("2024-03-11"), "activity": "call",
                     "quantity": 1}],
    )
    with db.cursor(con) as cur:
        pnl = profit.customer_pnl(cur, Y2024)
        month = profit.monthly_pnl(cur, Y2024)
    z = _by_id(pnl).loc["Z"]
    assert z["profit"] == 0.0 and str(z["profit"]) == "0.0"  # not −0.0
    assert _by_id(pnl).loc["Y", "profit"] == 0.2
    assert concentration.figures(pnl).loss_customers == 0
    assert month["profit"].tolist() == [0.2]
    con.close()


def test_settle_rounds_money_and_clears_negative_zero():
    assert profit.settle(0.1 + 0.2) == 0.3
    assert str(profit.settle(0.3 - 0.1 - 0.2)) == "0.0"
    assert profit.settle(pd.Series([-1e-9, 2.0000004])).tolist() == [0.0, 2.0]
