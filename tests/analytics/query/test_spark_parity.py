"""The read layer runs the same expressions on Spark (local mode) as on DuckDB: every relation and
every report section gives the same figures (numbers to 1e-6 relative), customer by customer."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

from analytics import filters, profit, report
from analytics.filters import Filters
from tests.read_layer import same_frames, same_values

FILTERS = {
    "whole months (aggregates)": Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31)),
    "days (facts), one region": Filters(date_from=dt.date(2025, 2, 10), date_to=dt.date(2025, 11, 20), regions=("North",)),
    "open period, two segments": Filters(segments=("Premium", "SMB")),
}

# The report sections whose every query runs through the read layer (analytics.query); the others
# still read the store with DuckDB SQL of their own and cannot run on Spark yet.
PORTED: tuple[str, ...] = ("analytics.concentration.figures", "analytics.delivered_value.headline",
                           "analytics.clv.value", "analytics.clv.intervals", "analytics.contracts.retention",
                           "analytics.lifecycle.headline", "analytics.overview", "analytics.word_of_mouth.headline")


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


@pytest.mark.parametrize("section", PORTED)
def test_each_ported_report_section_is_the_same_on_spark(section, duck, spark_engine):
    start, end = filters.default_period(filters.data_bounds(duck))
    f = Filters(date_from=start, date_to=end)
    module = importlib.import_module(section)
    same_values(report.json_safe(module.report_section(spark_engine, f)),
                report.json_safe(module.report_section(duck, f)), section)
