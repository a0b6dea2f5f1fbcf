"""The contract histories (analytics.contracts) read the same on Spark (local mode) as on DuckDB, and
so give the same sBG fits and contractual CLV."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.contracts import retention
from analytics.filters import Filters
from tests.read_layer import same_frames, same_values


@pytest.mark.parametrize("f", [Filters(date_to=dt.date(2025, 12, 31)), Filters(regions=("North", "East"))],
                         ids=["every customer", "two regions"])
def test_contracts_and_their_values_are_the_same_on_spark(f, duck, spark_engine):
    when = f.date_to or dt.date(2026, 6, 30)
    d = retention.contracts_as_of(duck, f, when)
    assert len(d) > 20 and set(d["effective"]) >= {"active", "renewed"}
    same_frames(retention.contracts_as_of(spark_engine, f, when), d)
    dv, sv = retention.compute(duck, f), retention.compute(spark_engine, f)
    assert len(dv.customers) > 0
    same_frames(sv.customers, dv.customers)
    same_values(sv.summary(), dv.summary())
