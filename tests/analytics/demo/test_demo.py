"""The demo business: deterministic, coherent, and with the shapes the views are meant to show."""

from __future__ import annotations

import pytest

from analytics import concentration, demo, filters, profit, word_of_mouth
from analytics.filters import Filters
from analytics.store import aggregates, db


def test_sizes_and_coherence(demo_con):
    with db.cursor(demo_con) as cur:
        counts = db.table_counts(cur)
        assert counts["customers"] == 5000
        assert 190_000 <= counts["transactions"] <= 210_000
        assert counts["activities"] > 100_000 and counts["feedback"] > 3000
        assert counts["assessments"] > 2000 and counts["opportunities"] > 500 and counts["service_quality"] == 5 * 1096
        # every fact row belongs to a known customer; every activity has a rate
        for table in ("transactions", "activities", "feedback", "assessments"):
            orphans = cur.execute(f"SELECT count(*) FROM {table} WHERE customer_id NOT IN "
                                  "(SELECT customer_id FROM customers)").fetchone()[0]
            assert orphans == 0, table
        assert cur.execute("SELECT count(*) FROM activities WHERE activity NOT IN "
                           "(SELECT activity FROM activity_rates)").fetchone()[0] == 0
        assert cur.execute("SELECT count(DISTINCT transaction_id) = count(*) FROM transactions").fetchone()[0]
        assert filters.data_bounds(cur) == (demo.START, demo.END) or filters.data_bounds(cur)[1] <= demo.END
        types = dict(cur.execute("SELECT customer_type, count(*) FROM customers GROUP BY 1").fetchall())
        assert 1000 < types["enterprise"] < 2000
        # names in Chinese and in English
        assert cur.execute("SELECT count(*) FROM customers WHERE regexp_matches(name, '[一-龥]')").fetchone()[0] > 3000
        assert cur.execute("SELECT count(*) FROM customers WHERE regexp_matches(name, '^[A-Za-z]')").fetchone()[0] > 300
        assert cur.execute("SELECT count(*) FROM customers WHERE referred_by IS NOT NULL").fetchone()[0] > 300
        assert aggregates.is_fresh(cur)
        assert db.currency(cur) == "CNY"


def test_whale_shape_twenty_eighty_thirty(demo_con):
    """About a quarter of customers lose money; the whale curve peaks between 150 % and 250 %."""
    with db.cursor(demo_con) as cur:
        for f in (Filters(), Filters("2025-11-01", "2026-10-31")):
            fig = concentration.figures(profit.customer_pnl(cur, f))
            assert 1.5 <= fig.whale_peak_share <= 2.5, f
            assert 0.20 <= fig.loss_customer_share <= 0.30, f
            assert fig.top20_profit_share >= 0.8
            assert -0.7 <= fig.bottom30_share_of_peak <= -0.3


def test_word_of_mouth_responds_to_quality(demo_con):
    """Complaints per customer are several times higher on days when quality is below the threshold."""
    with db.cursor(demo_con) as cur:
        low, high = cur.execute(f"""
            SELECT avg(coalesce(n, 0)) FILTER (WHERE q.quality_index < {demo.COMPLAINT_THRESHOLD - 8}),
                   avg(coalesce(n, 0)) FILTER (WHERE q.quality_index > {demo.COMPLAINT_THRESHOLD + 5})
            FROM service_quality q
            LEFT JOIN (SELECT feedback_date, c.region, count(*) AS n FROM feedback f JOIN customers c USING (customer_id)
                       WHERE kind = 'complaint' GROUP BY ALL) x
              ON x.feedback_date = q.quality_date AND x.region = q.region
        """).fetchone()
        assert low > 3 * (high or 0.01)
        score = word_of_mouth.nps(cur, Filters())
        assert score.responses > 1000 and -60 < score.nps < 60


def test_dormant_and_reactivated_customers_exist(demo_con):
    with db.cursor(demo_con) as cur:
        gaps = cur.execute("""
            WITH g AS (SELECT customer_id, tx_date - lag(tx_date) OVER (PARTITION BY customer_id ORDER BY tx_date) AS gap
                       FROM transactions)
            SELECT count(DISTINCT customer_id) FROM g WHERE gap > 150""").fetchone()[0]
        dormant_now = cur.execute("""
            SELECT count(*) FROM (SELECT customer_id, max(tx_date) AS last FROM transactions GROUP BY 1)
            WHERE last < DATE '2026-05-01'""").fetchone()[0]
        stages = dict(cur.execute("SELECT stage, count(*) FROM opportunities GROUP BY 1").fetchall())
    assert gaps > 200 and dormant_now > 300
    assert {"target", "prospect", "opportunity", "won", "lost"} <= set(stages)


def test_same_seed_same_data(tmp_path):
    a = db.connect(tmp_path / "a.duckdb")
    b = db.connect(tmp_path / "b.duckdb")
    c = db.connect(tmp_path / "c.duckdb")
    demo.generate(a, customers=300, seed=3)
    demo.generate(b, customers=300, seed=3)
    demo.generate(c, customers=300, seed=4)
    assert db.fingerprint(a) == db.fingerprint(b) != db.fingerprint(c)


def test_regenerating_replaces_the_data(tmp_path):
    con = db.connect(tmp_path / "a.duckdb")
    demo.generate(con, customers=200, transactions=2000, seed=1)
    s = demo.generate(con, customers=100, transactions=1000, seed=1)
    assert db.table_counts(con)["customers"] == 100 == s.customers
    assert 900 <= s.transactions <= 1100


@pytest.mark.parametrize("kwargs", [{"customers": 5}, {"customers": 100, "transactions": 50}])
def test_bad_sizes(tmp_path, kwargs):
    con = db.connect(tmp_path / "a.duckdb")
    with pytest.raises(ValueError):
        demo.generate(con, **kwargs)
