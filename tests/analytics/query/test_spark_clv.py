"""The customer-value reads (analytics.clv) give the same figures on Spark (local mode) as on DuckDB:
the RFM summaries the fits start from, the holdout purchases, the tracking days, the referrals, and
so the fitted values themselves."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics import query
from analytics.clv import backtest, rfm, tracking, value
from analytics.filters import Filters
from tests.read_layer import same_frames, same_values

FILTERS = {
    "every customer": Filters(date_to=dt.date(2025, 12, 31)),
    "one region, open period": Filters(regions=("North",)),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_the_rfm_summary_and_the_holdout_are_the_same_on_spark(name, duck, spark_engine):
    f = FILTERS[name]
    when = rfm.valuation_date(duck, f)
    assert rfm.valuation_date(spark_engine, f) == when
    d = rfm.rfm(duck, f, when, "weeks")
    assert len(d) > 20 and (d["frequency"] > 0).sum() > 10
    # exact: the fits must see the same numbers to find the same optimum
    pd.testing.assert_frame_equal(rfm.rfm(spark_engine, f, when, "weeks"), d)
    cal = when - dt.timedelta(days=180)
    lines = rfm.store_lines(f)
    hold = backtest.holdout_relation(lines, cal, when)
    same_frames(query.df(spark_engine, hold), query.df(duck, hold), ["customer_id"])
    days = tracking.days_relation(lines, cal, when)
    same_frames(query.df(spark_engine, days), query.df(duck, days))
    assert backtest._dates(spark_engine, f, None, None) == backtest._dates(duck, f, None, None)


def test_referrals_and_the_customer_values_are_the_same_on_spark(duck, spark_engine):
    f = FILTERS["one region, open period"]
    d, s = value.customer_values(duck, f), value.customer_values(spark_engine, f)
    assert d.fit.purchase_method in ("bgnbd", "pooled") and d.table["referrals"].sum() > 0
    same_frames(s.table.drop(columns=["first_purchase", "last_purchase"]),
                d.table.drop(columns=["first_purchase", "last_purchase"]), ["customer_id"])
    assert s.table["last_purchase"].tolist() == d.table["last_purchase"].tolist()
    same_values(s.summary(), d.summary())
    # influence at the second level too (the report uses direct referrals only)
    profit_all = pd.Series(range(len(d.table)), index=d.table["customer_id"], dtype=float)
    for got, want in zip(value._influence(spark_engine, profit_all, 0.5), value._influence(duck, profit_all, 0.5),
                         strict=True):
        assert len(want) > 0
        pd.testing.assert_series_equal(got, want)
