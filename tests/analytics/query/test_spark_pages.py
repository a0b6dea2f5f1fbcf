"""Reads outside the report run on Spark as on DuckDB: Customer 360's lists and search."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics import customer360, profit
from analytics.filters import Filters
from tests.read_layer import same_frames

F = Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31))
FRAMES = ("profile", "transactions", "activities", "monthly", "feedback", "assessments", "referrer", "opportunities")


def _people(duck) -> list[str]:
    """The least profitable customer of the period (the most activities and costs) and one who referred
    others (a referrals list); each Spark query costs seconds, so two people cover every frame."""
    pnl = profit.customer_pnl(duck, F).customers
    referrers = duck.execute("SELECT referred_by FROM customers WHERE referred_by IS NOT NULL ORDER BY 1 LIMIT 1").fetchall()
    return [pnl["customer_id"].iloc[-1], *(r[0] for r in referrers)]


def test_customer360_lists_are_the_same_on_spark(duck, spark_engine):
    for cid in _people(duck):
        d = customer360.customer360(duck, cid, F)
        s = customer360.customer360(spark_engine, cid, F)
        for name in FRAMES:
            a, b = getattr(s, name), getattr(d, name)
            assert list(a.columns) == list(b.columns), name
            same_frames(a.astype({c: str for c in a.columns if a[c].dtype == object}),
                        b.astype({c: str for c in b.columns if b[c].dtype == object}))
        assert s.counts == d.counts and s.kpis.keys() == d.kpis.keys()
        assert s.referrals["customer_id"].tolist() == d.referrals["customer_id"].tolist()


def test_customer_search_ranks_alike_on_spark(duck, spark_engine):
    for q in ("C00", "c0001", "zzz-none"):
        pd.testing.assert_frame_equal(customer360.search(spark_engine, q), customer360.search(duck, q),
                                      check_dtype=False)
