"""The 20/80/30 figures and the whale curve, on hand-computed profit vectors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import concentration as conc
from analytics import db, profit
from analytics.filters import Filters


def frame(profits: list[float], ids: list[str] | None = None) -> pd.DataFrame:
    ids = ids or [f"c{i}" for i in range(len(profits))]
    return pd.DataFrame({"customer_id": ids, "profit": profits})


def test_some_loss_makers():
    # ranked 50, 30, 20, -10, -40: total 50; cumulative 50, 80, 100, 90, 50.
    f = conc.figures(frame([20, -40, 50, -10, 30]))
    assert f.customers == 5 and f.total_profit == 50
    assert f.top20_customers == 1 and f.top20_profit == 50 and f.top20_profit_share == 1.0
    assert f.peak_profit == 100 and f.whale_peak_share == 2.0
    assert f.whale_peak_customers == 3 and f.whale_peak_customer_share == 0.6
    assert f.loss_customers == 2 and f.loss_customer_share == 0.4 and f.loss_profit == -50
    assert f.bottom30_customers == 2 and f.bottom30_profit == -50 and f.bottom30_share_of_peak == -0.5
    assert f.breakeven_profit == 100
    # Σᵢⱼ|xᵢ-xⱼ| = 880 over ordered pairs; Σ|x| = 150 -> 880 / (2·5·150)
    assert f.gini == pytest.approx(880 / 1500)


def test_all_profitable():
    f = conc.figures(frame([40, 30, 20, 10]))
    assert f.top20_customers == 1 and f.top20_profit_share == pytest.approx(0.4)
    assert f.whale_peak_share == 1.0 and f.whale_peak_customer_share == 1.0
    assert f.loss_customers == 0 and f.loss_profit == 0
    assert f.bottom30_customers == 2 and f.bottom30_profit == 30 and f.bottom30_share_of_peak == pytest.approx(0.3)
    assert f.breakeven_profit == f.total_profit == 100
    # sorted 10,20,30,40: Σᵢⱼ = 2·(10+20+30+10+20+10) = 200; Σ|x| = 100 -> 200/800
    assert f.gini == pytest.approx(0.25)


def test_one_customer():
    f = conc.figures(frame([100]))
    assert (f.top20_customers, f.top20_profit_share) == (1, 1.0)
    assert (f.whale_peak_share, f.whale_peak_customer_share) == (1.0, 1.0)
    assert (f.bottom30_customers, f.bottom30_profit, f.bottom30_share_of_peak) == (1, 100, 1.0)
    assert f.gini == 0.0


def test_ties_are_broken_by_customer_id():
    df = frame([10, 10, 10, 10, 10], ids=["e", "c", "a", "d", "b"])
    ranked = conc.rank(df)
    assert list(ranked["customer_id"]) == ["a", "b", "c", "d", "e"]
    curve = conc.whale_curve(df)
    assert pd.isna(curve["customer_id"].iloc[0])
    assert curve["customer_id"].tolist()[1:] == ["a", "b", "c", "d", "e"]
    f = conc.figures(df)
    assert f.top20_customers == 1 and f.whale_peak_customers == 5  # the first k reaching the maximum


def test_total_profit_not_positive_leaves_shares_undefined():
    f = conc.figures(frame([10, -30]))
    assert f.total_profit == -20 and not f.shares_defined
    assert f.top20_profit_share is None and f.whale_peak_share is None
    assert f.peak_profit == 10 and f.whale_peak_customers == 1
    assert f.breakeven_profit == 10
    assert f.bottom30_customers == 1 and f.bottom30_profit == -30 and f.bottom30_share_of_peak == -3.0
    curve = conc.whale_curve(frame([10, -30]))
    assert curve["profit_share"].isna().all()


def test_nobody_profitable_and_all_zero():
    f = conc.figures(frame([-5, -1]))
    assert f.peak_profit == 0 and f.whale_peak_customers == 0 and f.bottom30_share_of_peak is None
    z = conc.figures(frame([0, 0, 0]))
    assert z.gini is None and z.total_profit == 0 and z.top20_profit_share is None


def test_empty():
    f = conc.figures(frame([]))
    assert f.customers == 0 and f.total_profit == 0 and f.loss_customer_share is None


def test_ceil_counts_without_float_error():
    assert conc.top_count(10, 0.2) == 2 and conc.top_count(10, 0.3) == 3
    assert conc.top_count(7, 0.2) == 2 and conc.top_count(7, 0.3) == 3
    assert conc.top_count(0, 0.2) == 0


def test_bad_input():
    with pytest.raises(ValueError, match="profit"):
        conc.figures(pd.DataFrame({"customer_id": ["a"]}))
    with pytest.raises(ValueError, match="missing"):
        conc.figures(frame([1.0, float("nan")]))
    with pytest.raises(ValueError, match="group"):
        conc.by_group(frame([1.0]), "colour")


def test_rate_change_moves_the_figures(abc_store):
    """The hand-made store (see test_profit.py): profits A 200, C 50, B -100, D -150; total 0."""
    f2024 = Filters("2024-01-01", "2024-12-31")
    with db.cursor(abc_store) as cur:
        before = conc.figures(profit.customer_pnl(cur, f2024))
        after = conc.figures(profit.customer_pnl(cur, f2024, rates={"call": 0}))
    assert before.total_profit == 0 and before.top20_profit_share is None
    assert before.peak_profit == 250 and before.loss_profit == -250
    # calls free: A 250, B 200, C 50, D -150 -> total 350, peak 500, top 20 % (1 customer) 250
    assert after.total_profit == 350 and after.peak_profit == 500
    assert after.top20_profit_share == pytest.approx(250 / 350)
    assert after.whale_peak_share == pytest.approx(500 / 350)
    assert after.bottom30_profit == -150 + 50 and after.loss_customers == 1


def test_by_group(abc_store):
    with db.cursor(abc_store) as cur:
        g = conc.by_group(profit.customer_pnl(cur, Filters("2024-01-01", "2024-12-31")), "segment").set_index("group")
    assert g.loc["S1", "total_profit"] == 250 and g.loc["S2", "total_profit"] == -250
    assert g.loc["S2", "loss_customers"] == 2 and g.loc["S1", "revenue"] == 1700
    assert list(g.index) == ["S1", "S2"]


def test_report_section_keys(abc_store):
    with db.cursor(abc_store) as cur:
        out = conc.report_section(cur, Filters("2024-01-01", "2024-12-31"))
    assert set(conc.REPORT_KEYS) <= set(out)
    assert out["total_profit"] == 0 and out["top20_profit_share"] is None and out["breakeven_profit"] == 250


profits = st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False), min_size=1,
                   max_size=400)


@settings(max_examples=200, deadline=None)
@given(profits, st.integers(min_value=10, max_value=60))
def test_curve_properties(values, max_points):
    df = frame(values)
    f = conc.figures(df)
    curve = conc.whale_curve(df)
    total = sum(values)
    assert curve["cum_profit"].iloc[0] == 0
    assert math.isclose(curve["cum_profit"].iloc[-1], total, rel_tol=1e-9, abs_tol=1e-6)
    if f.shares_defined:
        assert math.isclose(curve["profit_share"].iloc[-1], 1.0, rel_tol=1e-9)
        assert math.isclose(curve["profit_share"].max(), f.whale_peak_share, rel_tol=1e-9)
    assert math.isclose(curve["cum_profit"].max(), f.peak_profit, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(f.peak_profit, sum(v for v in values if v > 0), rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(f.breakeven_profit, f.peak_profit, rel_tol=1e-9, abs_tol=1e-6)
    assert f.loss_profit <= 0
    if f.gini is not None:
        assert -1e-9 <= f.gini <= 1 + 1e-9
    small = conc.downsample(curve, max_points)
    assert len(small) <= max_points + 1
    assert small["rank"].is_monotonic_increasing
    assert small["rank"].iloc[0] == 0 and small["rank"].iloc[-1] == len(values)
    assert f.whale_peak_customers in set(small["rank"])
    assert small["cum_profit"].max() == curve["cum_profit"].max()


def test_downsample_large_curve_keeps_peak_and_guides():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.gamma(1.0, 100.0, 90_000), -rng.gamma(1.0, 80.0, 30_000)])
    df = frame(values.tolist())
    curve = conc.whale_curve(df)
    small = conc.downsample(curve, 2000)
    f = conc.figures(df)
    assert len(small) <= 2000
    assert f.whale_peak_customers in set(small["rank"])
    assert conc.top_count(len(df), 0.2) in set(small["rank"])
    assert len(df) - conc.top_count(len(df), 0.3) in set(small["rank"])
    with pytest.raises(ValueError):
        conc.downsample(curve, 5)
