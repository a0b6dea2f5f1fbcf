"""The read layer runs the same expressions on Spark (local mode) as on DuckDB: the relations under every
page give the same figures (numbers to 1e-6 relative), customer by customer. Every report section is
compared, key by key, by ``tests/cli/test_report_spark.py`` (the whole ``report --json``, unfiltered and
filtered), so it is not compared here a second time."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import filters, profit
from analytics.filters import Filters
from tests.read_layer import same_frames

FILTERS = {
    "whole months (aggregates)": Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31)),
    "days (facts), one region": Filters(date_from=dt.date(2025, 2, 10), date_to=dt.date(2025, 11, 20), regions=("North",)),
    "open period, two segments": Filters(segments=("Premium", "SMB")),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_customer_pnl_and_monthly_pnl_are_the_same_on_spark(name, duck, spark_engine):
    f = FILTERS[name]
    d, s = profit.customer_pnl(duck, f), profit.customer_pnl(spark_engine, f)
    assert len(d.customers) > 20
    same_frames(s.customers, d.customers, ["customer_id"])
    same_frames(s.costs, d.costs, ["customer_id", "activity"])
    same_frames(profit.monthly_pnl(spark_engine, f), profit.monthly_pnl(duck, f))
    assert profit.cogs_unknown_for(spark_engine, f) == profit.cogs_unknown_for(duck, f)


def test_the_filter_choices_bounds_and_rates_are_the_same_on_spark(duck, spark_engine):
    assert filters.data_bounds(spark_engine) == filters.data_bounds(duck)
    assert filters.options(spark_engine) == filters.options(duck)
    same_frames(profit.rates(spark_engine), profit.rates(duck))
    assert profit.current_rates(spark_engine) == profit.current_rates(duck)
