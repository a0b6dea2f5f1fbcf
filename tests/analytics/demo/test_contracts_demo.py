"""The demo's contracts: only contract and postpaid customers, coherent chains of terms, renewal
driven by the plan and the region's service quality, and no change to any other demo table."""

from __future__ import annotations

import pandas as pd

from analytics import demo
from analytics.demo import contracts as demo_contracts
from analytics.store import db, schema


def _tables(con) -> dict[str, pd.DataFrame]:
    with db.cursor(con) as cur:
        return {t: cur.execute(f"SELECT * FROM {t} ORDER BY ALL").df()
                for t in (*schema.DATA_TABLES, schema.AGG_CUSTOMER_MONTH, schema.AGG_ACTIVITY_MONTH)
                if t != schema.CONTRACTS}


def test_contracts_leave_every_other_table_as_it_was(tmp_path, monkeypatch):
    """Contracts draw from their own random stream: the other tables are identical with and without them."""
    with_contracts = db.connect(tmp_path / "a.duckdb")
    demo.generate(with_contracts, customers=400, transactions=8000, seed=11)
    again = db.connect(tmp_path / "c.duckdb")
    demo.generate(again, customers=400, transactions=8000, seed=11)
    empty = demo_contracts.draw_contracts(11, pd.DataFrame(columns=["customer_id", "plan", "region", "acquired_on",
                                                                    "lifetime_end"]), pd.DataFrame())
    monkeypatch.setattr(demo, "draw_contracts", lambda *_: empty)
    without = db.connect(tmp_path / "b.duckdb")
    demo.generate(without, customers=400, transactions=8000, seed=11)
    a, b = _tables(with_contracts), _tables(without)
    for t in a:
        pd.testing.assert_frame_equal(a[t], b[t], obj=t)
    assert with_contracts.execute("SELECT count(*) FROM contracts").fetchone()[0] > 100
    assert without.execute("SELECT count(*) FROM contracts").fetchone()[0] == 0
    # and the contracts themselves are deterministic
    q = "SELECT * FROM contracts ORDER BY contract_id"
    pd.testing.assert_frame_equal(with_contracts.execute(q).df(), again.execute(q).df())


def test_contract_customers_and_chains(demo_con):
    with db.cursor(demo_con) as cur:
        plans = dict(cur.execute("""SELECT c.plan, count(DISTINCT k.customer_id) FROM contracts k
                                    JOIN customers c USING (customer_id) GROUP BY 1""").fetchall())
        assert set(plans) == set(demo_contracts.CONTRACT_PLANS)  # prepaid customers have no contract
        on_plan = cur.execute("SELECT count(*) FROM customers WHERE plan IN ('Annual contract', 'Postpaid')").fetchone()[0]
        assert sum(plans.values()) == on_plan > 2000
        k = cur.execute("SELECT * FROM contracts ORDER BY customer_id, start_date").df()
    g = k.groupby("customer_id")
    # one chain per customer: each term starts when the previous ended; only the last is not 'renewed'
    assert (g["start_date"].shift(-1).dropna() == k.loc[g["start_date"].shift(-1).notna(), "end_date"]).all()
    last = g.tail(1)
    assert set(last["status"]) == {"active", "cancelled"}
    assert (k.drop(last.index)["status"] == "renewed").all()
    # active terms end after the demo's last day, ended ones by it
    assert (last.loc[last["status"] == "active", "end_date"] > pd.Timestamp(demo.END)).all()
    assert (k.loc[k["status"] != "active", "end_date"] <= pd.Timestamp(demo.END)).all()
    months = ((k["end_date"] - k["start_date"]).dt.days / 30.4375).round()
    assert set(months[k["plan"] == "Annual contract"]) == {12} and set(months[k["plan"] == "Postpaid"]) == {6}


def test_renewal_follows_service_quality_and_plan(demo_con):
    """Renewals after 90 days of poor quality in the customer's region are cancelled far more often
    than after good quality; annual contracts keep more customers per year than six-month postpaid ones."""
    with db.cursor(demo_con) as cur:
        d = cur.execute("""
            SELECT k.plan, k.status = 'cancelled' AS cancelled, avg(q.quality_index) AS quality
            FROM contracts k JOIN customers c USING (customer_id)
            JOIN service_quality q ON q.region = c.region
             AND q.quality_date > k.end_date - INTERVAL 90 DAY AND q.quality_date <= k.end_date
            WHERE k.status <> 'active' AND k.end_date >= DATE '2024-02-01'
            GROUP BY k.contract_id, k.plan, k.status""").df()
    poor = d.loc[d["quality"] < 74, "cancelled"].mean()
    good = d.loc[d["quality"] > 84, "cancelled"].mean()
    assert (d["quality"] < 74).sum() > 50 and (d["quality"] > 84).sum() > 50
    assert poor > 1.5 * good
    per_term = 1 - d.groupby("plan")["cancelled"].mean()
    per_year = per_term ** (12 / pd.Series({p: v[0] for p, v in demo_contracts.CONTRACT_PLANS.items()}))
    assert per_year["Annual contract"] > per_year["Postpaid"] + 0.1
