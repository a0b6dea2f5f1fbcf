"""Word of mouth, the turning points (analytics.word_of_mouth.turning): breaks planted in synthetic series
(fixed seeds), none in noise, and the demo's planted incidents."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.filters import Filters
from analytics.store import db
from analytics.word_of_mouth import turning as wom_turning


def test_missing_values_are_refused():
    with pytest.raises(ValueError, match="missing"):
        wom_turning.detect_breaks([1.0, float("nan")] * 10)


def test_planted_break_is_found():
    rng = np.random.default_rng(21)
    t = np.arange(60)
    y = 10 + 0.05 * t + np.where(t >= 35, 0.8 * (t - 35), 0) + rng.normal(0, 1, 60)
    breaks = wom_turning.detect_breaks(y)
    assert len(breaks) == 1
    b = breaks[0]
    assert abs(b.index - 35) <= 2 and b.p_value <= 0.01 and b.change > 0
    assert b.slope_after - b.slope_before == pytest.approx(0.8, abs=0.25)
    # the change is the linear functional the drivers use
    w = wom_turning._change_weights(b.end - b.start, b.index - b.start)
    assert w @ y[b.start:b.end] == pytest.approx(b.change)


def test_two_level_shifts_are_found():
    rng = np.random.default_rng(8)
    y = np.concatenate([np.full(30, 5.0), np.full(30, 12.0), np.full(30, 6.0)]) + rng.normal(0, 1, 90)
    idx = [b.index for b in wom_turning.detect_breaks(y)]
    assert len(idx) == 2 and abs(idx[0] - 30) <= 2 and abs(idx[1] - 60) <= 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_break_in_pure_noise(seed):
    rng = np.random.default_rng(seed)
    assert wom_turning.detect_breaks(rng.normal(0, 1, 52)) == []
    assert wom_turning.detect_breaks(3.0 + 0.2 * np.arange(80) + rng.normal(0, 2, 80)) == []
    assert wom_turning.detect_breaks(rng.poisson(6, 100).astype(float)) == []


@settings(max_examples=20, deadline=None)
@given(st.floats(-50, 50), st.floats(-3, 3))
def test_breaks_do_not_depend_on_an_added_line(a, b):
    rng = np.random.default_rng(3)
    t = np.arange(50)
    y = np.where(t >= 30, 4.0, 0.0) + rng.normal(0, 1, 50)
    base = wom_turning.detect_breaks(y)
    moved = wom_turning.detect_breaks(y + a + b * t)
    assert [x.index for x in moved] == [x.index for x in base]
    assert [x.f_stat for x in moved] == pytest.approx([x.f_stat for x in base], rel=1e-6)


def test_short_series_is_not_tested():
    assert wom_turning.detect_breaks(np.arange(7.0) ** 2) == []


# ------------------------------------------------------------------------- the demo store
def test_demo_incidents_are_found(demo_con):
    with db.cursor(demo_con) as cur:
        tp = wom_turning.turning_points(cur, Filters("2024-11-01", "2026-10-31"))
        live = wom_turning.turning_points(cur, Filters("2024-04-01", "2025-03-31"))
        north = wom_turning.turning_points(cur, Filters("2023-11-01", "2024-10-31"))
    assert tp.status == "ok" and tp.basis == "rate"
    p = tp.points
    # South's capacity crunch of spring 2025: its turns are found and South drives every one of them
    south = p[(p["series"] == "complaints") & (p["date"] >= "2025-02-01") & (p["date"] < "2025-08-31")]
    assert not south.empty and (south["region"] == "South").all()
    # ... and a year that ends while it builds up raises the complaint upturn, driven by South
    up = live.points[(live.points["series"] == "complaints") & (live.points["direction"] == "up")]
    assert not up.empty and (up["date"] >= "2025-01-01").all() and (up["region"] == "South").all()
    # the East upgrade through 2026 lifts praise (East's own series)
    east = p[(p["series"] == "praise") & (p["date"] >= "2026-01-01")]
    assert not east.empty and (east["direction"] == "up").all() and (east["region"] == "East").all()
    # North's outage of late summer 2024
    n = north.points[(north.points["series"] == "complaints") & (north.points["direction"] == "up")]
    assert not n.empty and (n["region"] == "North").all() and (n["date"] >= "2024-07-01").all()
