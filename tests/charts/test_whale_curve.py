"""The whale curve is decimated before it is drawn (issue 13: at most 2,000 points) but keeps its
exact peak and both ends: the chart's highest point is the peak the page and ``report`` state."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import concentration as conc
from charts.concentration import SELECTABLE_POINTS
from charts.concentration import whale_curve as draw
from i18n import Translator


def _customers(profits: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [f"c{i:05d}" for i in range(len(profits))], "profit": profits})


@pytest.mark.parametrize("max_points", [1500, 2000])
def test_decimation_keeps_the_exact_peak_and_the_ends(max_points):
    rng = np.random.default_rng(11)
    # 10,007 customers: the peak (after the last profitable customer, rank 6,143) is off the evenly spaced
    # ranks, and one tiny last gain before it makes the peak a single rank wide.
    profits = np.concatenate([rng.gamma(1.2, 500.0, 6142), [0.01], -rng.gamma(1.0, 300.0, 3864)])
    df = _customers(profits)
    curve = conc.whale_curve(df)
    small = conc.downsample(curve, max_points)
    f = conc.figures(df)
    peak = int(np.argmax(curve["cum_profit"].to_numpy()))
    assert peak == 6143 == f.whale_peak_customers and peak not in set(np.linspace(0, len(df), max_points - 4).round())
    assert len(small) <= max_points and small["rank"].is_monotonic_increasing
    row = small.loc[small["rank"] == peak].iloc[0]
    assert row["cum_profit"] == curve["cum_profit"].iloc[peak] == small["cum_profit"].max()  # exactly, not nearly
    assert row["customer_share"] == f.whale_peak_customer_share
    # the figures sum the gains in another order than the curve's running sum: equal to 1e-12
    assert row["profit_share"] == curve["profit_share"].max() == pytest.approx(f.whale_peak_share, rel=1e-12)
    assert small.iloc[0].tolist()[2:] == curve.iloc[0].tolist()[2:]  # (0, 0)
    assert small.iloc[-1].equals(curve.iloc[-1])  # every customer: 100 % of the profit

    fig = draw(small, f, Translator("en"))
    line = fig.data[0]
    y = np.asarray(line.y, dtype=float)
    assert len(y) == len(small) and y.max() == curve["profit_share"].max() * 100
    assert float(line.x[int(np.argmax(y))]) == f.whale_peak_customer_share * 100
    assert (float(line.x[0]), y[0]) == (0.0, 0.0) and (float(line.x[-1]), y[-1]) == (100.0, 100.0)
    marker = fig.data[1]  # the peak's marker sits on the drawn curve's highest point
    assert marker.x[0] == line.x[int(np.argmax(y))] and marker.y[0] == pytest.approx(y.max(), rel=1e-12)


def test_short_curves_are_drawn_whole():
    df = _customers(np.array([5.0, -1.0, 3.0]))
    curve = conc.whale_curve(df)
    assert conc.downsample(curve, 2000).equals(curve)


def test_a_selectable_curve_is_thinned_for_the_browser_and_keeps_its_peak():
    """Every marker of the Profit concentration page's selectable curve is an SVG element the browser
    draws and styles on each page switch (2,000 of them took most of a warm switch; issue 13)."""
    rng = np.random.default_rng(5)
    profits = np.concatenate([rng.gamma(1.2, 500.0, 3100), -rng.gamma(1.0, 300.0, 1900)])
    df = _customers(profits)
    f = conc.figures(df)
    fig = draw(conc.downsample(conc.whale_curve(df), 2000), f, Translator("en"), selectable=True)
    line = fig.data[0]
    y = np.asarray(line.y, dtype=float)
    assert "markers" in line.mode and len(y) <= SELECTABLE_POINTS
    assert float(line.x[int(np.argmax(y))]) == f.whale_peak_customer_share * 100  # the exact peak
    assert (float(line.x[0]), y[0]) == (0.0, 0.0) and (float(line.x[-1]), y[-1]) == (100.0, 100.0)
    assert len(draw(conc.whale_curve(df), f, Translator("en")).data[0].y) == len(df) + 1  # a static chart: whole


def test_a_click_can_select_a_point_of_the_selectable_curve():
    """No select or lasso dragmode: under one, Streamlit's frontend turns click selection off and a click on a point
    of Profit concentration's curve selected nothing (issue 19); the toolbar's box tool selects a range, across."""
    df = _customers(np.array([500.0, 300.0, -100.0, 50.0, -20.0]))
    fig = draw(conc.whale_curve(df), conc.figures(df), Translator("en"), selectable=True)
    assert fig.layout.dragmode not in ("select", "lasso") and fig.layout.selectdirection == "h"
