"""The lifecycle reads (analytics.lifecycle) give the same stages on Spark (local mode) as on DuckDB:
the stage grid (purchase spans per date bucket, gaps, opportunities and prospects) and acquisition
payback."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.filters import Filters
from analytics.lifecycle import acquisition, stages
from tests.read_layer import same_frames

GRIDS = {
    # month spans (dormant_days > 30), the BG/NBD's P(alive), prospects kept by region
    "month ends, one region": (Filters(regions=("North",)), stages.month_ends(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
                               stages.Rules(), True),
    # single-day spans, segments (prospects left out), an odd set of dates
    "days, two segments": (Filters(segments=("Premium", "SMB")), [dt.date(2024, 3, 9), dt.date(2025, 7, 1)],
                           stages.Rules(dormant_days=20, new_days=30, lost_days=200), False),
}


@pytest.mark.parametrize("name", list(GRIDS))
def test_the_stage_grid_is_the_same_on_spark(name, duck, spark_engine):
    f, dates, rules, with_model = GRIDS[name]
    model = stages.p_alive_model(duck, f, True) if with_model else None
    d = stages.stage_grid(duck, f, dates, rules, model)
    s = stages.stage_grid(spark_engine, f, dates, rules, model)
    assert len(d.entities) > 20 and d.state["last_purchase"].notna().sum() > 20
    same_frames(s.entities, d.entities)
    same_frames(s.stages, d.stages)
    same_frames(s.state, d.state)
    assert (d.stages.iloc[:, -1].value_counts() > 0).sum() >= 4  # several stages, not one


def test_payback_is_the_same_on_spark(duck, spark_engine):
    f = Filters(date_to=dt.date(2025, 12, 31), regions=("North", "East"))
    d, s = acquisition.payback(duck, f, "quarter"), acquisition.payback(spark_engine, f, "quarter")
    assert len(d.customers) > 20
    same_frames(s.customers, d.customers)
    same_frames(s.cohorts, d.cohorts)
    same_frames(s.curves, d.curves)
