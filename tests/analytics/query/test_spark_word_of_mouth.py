"""Word of mouth's read queries give the same frames on Spark (local mode) as on DuckDB: NPS, the
daily feedback, exposure, service quality, the customers behind the feedback, topic x channel and
the weekly driver cube — same rows, same column types, numbers to 1e-9 relative."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.filters import Filters
from analytics.word_of_mouth import data, turning
from tests.analytics.query.test_spark_parity import FILTERS


def same(a: pd.DataFrame, b: pd.DataFrame, key: list[str] | None = None) -> None:
    """Equal frames (rows in the same order unless ``key`` says how to order both)."""
    assert len(b) > 0, "nothing to compare: the filter selects no rows"
    if key:
        a, b = a.sort_values(key, ignore_index=True), b.sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("name", list(FILTERS))
def test_nps_daily_feedback_and_topics_are_the_same_on_spark(name, duck, spark_engine):
    f = FILTERS[name]
    fr = data.resolve(duck, f)
    assert data.resolve(spark_engine, f) == fr
    for population in data.NPS_POPULATIONS:
        got = data.nps(spark_engine, f, population)
        assert got == data.nps(duck, f, population) and got.responses > 0
    same(data.feedback_daily(spark_engine, fr, "topic"), data.feedback_daily(duck, fr, "topic"))
    same(data.topic_channel(spark_engine, f), data.topic_channel(duck, f))


def test_nps_without_feedback_is_none_on_spark(spark_engine, duck):
    """Spark sums a predicate for a filtered count, which is NULL (not 0) over no rows."""
    nobody = Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31), regions=("Atlantis",))
    assert data.nps(spark_engine, nobody) == data.nps(duck, nobody) == data.NpsResult(None, 0, 0, 0, 0)


def test_exposure_and_quality_are_the_same_on_spark(duck, spark_engine):
    """Customers at risk per day and region or segment: the cover events' day arithmetic (epoch days,
    + 365) and the window that cuts each span at the customer's next one; the daily feedback per
    region and the quality index of the filter's regions."""
    fr = data.resolve(duck, FILTERS["days (facts), one region"])
    same(data.feedback_daily(spark_engine, fr, "region"), data.feedback_daily(duck, fr, "region"))
    same(data.quality_daily(spark_engine, fr), data.quality_daily(duck, fr))
    for by in ("region", "segment"):
        d = data.exposure(duck, fr, by)
        assert d["customers"].sum() > 0
        same(data.exposure(spark_engine, fr, by), d)


def test_the_customers_behind_the_feedback_are_the_same_on_spark(duck, spark_engine):
    """The top of the list (ties broken by the latest date, then the id), the topics most frequent
    first and the latest text."""
    f = FILTERS["whole months (aggregates)"]
    d = data.feedback_customers(duck, f)
    assert d["topics"].str.contains(", ").any() and d["last_text"].notna().any()
    same(data.feedback_customers(spark_engine, f), d)
    cut = {"since": dt.date(2025, 6, 1), "kind": "praise", "limit": 7}
    d = data.feedback_customers(duck, f, **cut)
    assert len(d) == 7
    same(data.feedback_customers(spark_engine, f, **cut), d)


def test_the_weekly_driver_cube_is_the_same_on_spark(duck, spark_engine):
    fr = data.resolve(duck, FILTERS["open period, two segments"])
    d = turning._feedback_cube(duck, fr)
    assert (d["period"].dt.day_of_week == 0).all()  # Mondays on both engines
    same(turning._feedback_cube(spark_engine, fr), d, key=["period", *data.DIMENSIONS])
