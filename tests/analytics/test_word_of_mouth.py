"""Word of mouth: NPS, series and exposure on hand-made stores; trend, forecast, threshold and
turning points on synthetic data with planted answers (fixed seeds); the demo's planted incidents."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from analytics import cli, db, overview, report
from analytics import word_of_mouth as wom
from analytics.filters import Filters
from tests.helpers import D, build_store, customer


def fb(fid: str, cid: str, day: str, kind: str = "other", score: int | None = None, channel: str = "App",
       topic: str | None = None, text: str | None = None) -> dict[str, object]:
    return {"feedback_id": fid, "customer_id": cid, "feedback_date": D(day), "kind": kind, "nps_score": score,
            "channel": channel, "topic": topic, "text": text}


def tx(tid: str, cid: str, day: str) -> dict[str, object]:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D(day), "product": "P", "quantity": 1,
            "revenue": 100, "cogs": 50}


# ------------------------------------------------------------------------------------ NPS
def test_nps_from_counts():
    r = wom.nps_from_counts(promoters=6, passives=2, detractors=2)
    assert r.nps == 40 and r.responses == 10
    assert wom.nps_from_counts(0, 0, 0).nps is None


def test_nps_boundaries_and_filters():
    scores = [10, 9, 8, 7, 6, 0, None]
    con = build_store(
        customers=[customer("A"), customer("B", segment="S2")],
        feedback=[{"feedback_id": str(i), "customer_id": "A" if i < 6 else "B", "feedback_date": D("2024-01-01"),
                   "kind": "other", "nps_score": s} for i, s in enumerate(scores)]
        + [{"feedback_id": "late", "customer_id": "B", "feedback_date": D("2024-03-01"), "kind": "other", "nps_score": 0}],
    )
    with db.cursor(con) as cur:
        r = wom.nps(cur, Filters("2024-01-01", "2024-01-31"))
        s2 = wom.nps(cur, Filters(segments=("S2",)))
    # 2 promoters (10, 9), 2 passives (8, 7), 2 detractors (6, 0); the empty score is not a response
    assert (r.promoters, r.passives, r.detractors, r.responses) == (2, 2, 2, 6) and r.nps == 0
    assert s2.responses == 1 and s2.nps == -100


def test_nps_without_responses():
    con = build_store(customers=[customer("A")],
                      feedback=[fb("1", "A", "2024-01-05", "complaint"), fb("2", "A", "2024-01-06", "praise")])
    with db.cursor(con) as cur:
        r = wom.nps(cur, Filters("2024-01-01", "2024-01-31"))
        s = wom.series(cur, Filters("2024-01-01", "2024-01-31"), "month")
    assert r.nps is None and r.responses == 0
    assert len(s) == 1 and math.isnan(s["nps"].iloc[0]) and s["responses"].iloc[0] == 0
    assert (s["praise"].iloc[0], s["complaints"].iloc[0]) == (1, 1)


def test_nps_values_vectorised():
    out = wom.nps_values([3, 0, 0], [1, 0, 2], [5, 0, 2])
    assert out[0] == pytest.approx(40.0) and math.isnan(out[1]) and out[2] == -100


# ---------------------------------------------------------------- exposure and series
@pytest.fixture
def small_store():
    """A (North) buys on 2024-01-10 and 2024-01-20; B (South) on 2023-03-01; C (North) never buys.

    January 2024: A is at risk from the 10th (22 days, counted once although two purchases
    overlap), B all month (its purchase covers 2023-03-01 … 2024-02-28): 53 customer-days.
    """
    con = build_store(
        customers=[customer("A", region="North"), customer("B", region="South", segment="S2"),
                   customer("C", region="North")],
        transactions=[tx("t1", "A", "2024-01-10"), tx("t2", "A", "2024-01-20"), tx("t3", "B", "2023-03-01")],
        feedback=[fb("f1", "A", "2024-01-10", "complaint", 3, "Hotline", "Billing", "wrong bill"),
                  fb("f2", "A", "2024-01-11", "complaint", None, "App", "Network", "no signal"),
                  fb("f3", "B", "2024-01-15", "praise", 10, "App", "Service", "great"),
                  fb("f4", "C", "2024-01-16", "other", 8, "Survey", "Survey"),
                  fb("f5", "A", "2024-02-01", "complaint", None, "Hotline", "Billing", "again")],
    )
    yield con
    con.close()


def test_exposure_by_hand(small_store):
    with db.cursor(small_store) as cur:
        e = wom.exposure(cur, Filters("2024-01-01", "2024-01-31"))
        r = wom.exposure(cur, Filters("2024-01-01", "2024-01-31"), "region")
        late = wom.exposure(cur, Filters("2024-02-27", "2024-03-01"))
    assert len(e) == 31 and e["customers"].sum() == 53
    assert e.loc[e["day"] == "2024-01-09", "customers"].item() == 1
    assert e.loc[e["day"] == "2024-01-10", "customers"].item() == 2
    assert r.groupby("group")["customers"].sum().to_dict() == {"North": 22, "South": 31}
    # B's cover ends after 2024-02-28 (365 days from 2023-03-01 in a leap year)
    assert late["customers"].tolist() == [2, 2, 1, 1]
    # the store's first transaction is 2023-03-01: windows are complete from 2024-02-28
    assert late["full_window"].tolist() == [False, True, True, True]
    assert not e["full_window"].any()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 900)), min_size=1, max_size=25))
def test_exposure_matches_brute_force(purchases):
    start = dt.date(2022, 1, 1)
    rows = [tx(f"t{i}", "ABC"[c], (start + dt.timedelta(days=d)).isoformat()) for i, (c, d) in enumerate(purchases)]
    con = build_store(customers=[customer(c) for c in "ABC"], transactions=rows)
    f = Filters("2023-06-01", "2024-03-31")
    with db.cursor(con) as cur:
        got = wom.exposure(cur, f).set_index("day")["customers"]
    con.close()
    days = {(c, start + dt.timedelta(days=d)) for c, d in purchases}
    for day in pd.date_range("2023-06-01", "2024-03-31", freq="17D"):
        d = day.date()
        expected = len({c for c, when in days if d - dt.timedelta(days=365) < when <= d})
        assert got[day] == expected, d


def test_series_by_week_and_month(small_store):
    with db.cursor(small_store) as cur:
        w = wom.series(cur, Filters("2024-01-01", "2024-01-31"), "week")
        m = wom.series(cur, Filters("2024-01-01", "2024-01-31"), "month")
        by_topic = wom.series(cur, Filters("2024-01-01", "2024-01-31"), "month", "topic")
        by_region = wom.series(cur, Filters("2024-01-01", "2024-01-31"), "month", "region")
    # 2024-01-01 is a Monday: weeks of Jan 1, 8, 15, 22 and a partial one of Jan 29 (3 days)
    assert w["period"].dt.strftime("%m-%d").tolist() == ["01-01", "01-08", "01-15", "01-22", "01-29"]
    assert w["partial"].tolist() == [False, False, False, False, True] and w["days"].iloc[-1] == 3
    assert w["complaints"].tolist() == [0, 2, 0, 0, 0] and w["praise"].tolist() == [0, 0, 1, 0, 0]
    row = m.iloc[0]
    assert (row["praise"], row["complaints"], row["other"], row["responses"]) == (1, 2, 1, 3)
    assert row["nps"] == pytest.approx(0.0)  # 1 promoter (10), 1 passive (8), 1 detractor (3)
    assert row["customer_days"] == 53 and row["complaint_rate"] == pytest.approx(2000 / 53)
    assert dict(zip(by_topic["group"], by_topic["complaints"], strict=True)) == {
        "Billing": 1, "Network": 1, "Service": 0, "Survey": 0}
    assert set(by_topic["customer_days"]) == {53}  # a topic has no customers of its own: the filter's exposure
    reg = by_region.set_index("group")
    assert reg.loc["North", "customer_days"] == 22 and reg.loc["South", "customer_days"] == 31
    assert reg.loc["North", "complaints"] == 2 and reg.loc["South", "praise"] == 1


def test_series_days_in_period(small_store):
    with db.cursor(small_store) as cur:
        d = wom.series(cur, Filters("2024-01-30", "2024-02-02"), "day")
    assert len(d) == 4 and not d["partial"].any() and d["complaints"].tolist() == [0, 0, 1, 0]


def test_bad_arguments(small_store):
    with db.cursor(small_store) as cur, pytest.raises(ValueError, match="granularity"):
        wom.series(cur, Filters(), "year")
    with db.cursor(small_store) as cur, pytest.raises(ValueError, match="breakdown"):
        wom.series(cur, Filters(), "week", "colour")
    with db.cursor(small_store) as cur, pytest.raises(ValueError, match="kind"):
        wom.response_curve(cur, Filters(), "rumour")
    with db.cursor(small_store) as cur, pytest.raises(ValueError, match="window"):
        wom.response_curve(cur, Filters(), "complaint", "forever")
    with pytest.raises(ValueError, match="missing"):
        wom.detect_breaks([1.0, float("nan")] * 10)


def test_empty_and_feedback_only_stores():
    empty = build_store(customers=[customer("A")])
    with db.cursor(empty) as cur:
        section = wom.report_section(cur, Filters())
        assert wom.series(cur, Filters(), "week").empty and wom.trends(cur, Filters(), "week")["nps"].status == "no_data"
    assert section == {"nps": None, "nps_responses": 0, "praise": 0, "complaints": 0, "complaint_trend_slope": None,
                       "quality_threshold": None, "quality_threshold_low": None, "quality_threshold_high": None,
                       "turning_points": []}
    # feedback without transactions: the period comes from the feedback, rates and curves are undefined
    only = build_store(customers=[customer("A")],
                       feedback=[fb(str(i), "A", f"2024-01-{i + 1:02d}", "complaint") for i in range(20)])
    with db.cursor(only) as cur:
        s = wom.summary(cur, Filters())
        w = wom.series(cur, Filters(), "day")
    assert s.period == (D("2024-01-01"), D("2024-01-20")) and s.complaints == 20
    assert s.complaint_curve.status == "no_quality" and s.turning_points.status == "too_short"
    assert w["customer_days"].eq(0).all() and w["complaint_rate"].isna().all()
    assert wom.build_alerts(s).empty


def test_customers_behind_the_complaints(small_store):
    with db.cursor(small_store) as cur:
        c = wom.feedback_customers(cur, Filters("2024-01-01", "2024-02-29"))
        since = wom.feedback_customers(cur, Filters("2024-01-01", "2024-02-29"), since=D("2024-01-11"))
        praise = wom.feedback_customers(cur, Filters("2024-01-01", "2024-02-29"), kind="praise")
        tc = wom.topic_channel(cur, Filters("2024-01-01", "2024-02-29"))
    a = c.iloc[0]
    assert c["customer_id"].tolist() == ["A"]
    assert (a["complaints"], a["praise"], a["topics"], a["last_text"]) == (3, 0, "Billing, Network", "again")
    assert str(a["first_date"])[:10] == "2024-01-10" and str(a["last_date"])[:10] == "2024-02-01"
    assert since.iloc[0]["complaints"] == 2
    assert praise["customer_id"].tolist() == ["B"]
    assert tc.to_dict("records") == [{"topic": "Billing", "feedback_channel": "Hotline", "count": 2},
                                     {"topic": "Network", "feedback_channel": "App", "count": 1}]


# ------------------------------------------------------------------- trend and forecast
def weekly(values: np.ndarray, start: str = "2025-01-06") -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range(start, periods=len(values), freq="7D"), "value": values})


def test_trend_and_forecast_follow_a_known_slope():
    rng = np.random.default_rng(5)
    n = 60
    t = np.arange(n)
    fit = wom.fit_trend(weekly(20 + 2.0 * t + rng.normal(0, 1.0, n)), "week", "index", count=False)
    assert fit.status == "ok" and fit.forecast_status == "ok"
    # +2 per week = 2 × 30.4375 / 7 ≈ 8.70 points per month
    assert fit.slope_per_month == pytest.approx(2 * 30.4375 / 7, rel=0.1)
    assert np.abs(fit.history["trend"] - (20 + 2.0 * t)).max() < 1.5
    fc = fit.forecast
    assert len(fc) == wom.HORIZON["week"]
    assert fc["period"].iloc[0] == fit.history["period"].iloc[-1] + pd.Timedelta(days=7)
    truth = 20 + 2.0 * np.arange(n, n + len(fc))
    assert (fc["lower"] <= truth).all() and (truth <= fc["upper"]).all()
    assert fc["forecast"].iloc[0] == pytest.approx(truth[0], abs=2.0)
    assert (fc["upper"] - fc["lower"]).is_monotonic_increasing


def test_count_trend_in_monthly_volume():
    rng = np.random.default_rng(11)
    n = 80
    t = np.arange(n)
    values = 30 + 0.5 * t + rng.normal(0, 0.3, n)  # +0.5 complaints a week, every week
    fit = wom.fit_trend(weekly(values), "week", "complaints")
    # the weekly count grows 0.5/week: the monthly volume grows 0.5 × (30.4375 / 7)² ≈ 9.45 per month
    assert fit.slope_per_month == pytest.approx(0.5 * (30.4375 / 7) ** 2, rel=0.1)
    monthly = wom.fit_trend(pd.DataFrame({"period": pd.date_range("2024-01-01", periods=24, freq="MS"),
                                          "value": 100 + 5.0 * np.arange(24)}), "month", "complaints")
    assert monthly.slope_per_month == pytest.approx(5.0, rel=0.05)


def test_count_forecast_stays_positive():
    rng = np.random.default_rng(12)
    values = rng.poisson(np.linspace(8, 1, 40)).astype(float)  # falling towards zero
    fit = wom.fit_trend(weekly(values), "week", "complaints")
    assert fit.forecast_status == "ok"
    assert (fit.forecast[["forecast", "lower", "upper"]] >= 0).all().all()
    assert (fit.history["trend"] >= 0).all()


def test_daily_trend_ignores_the_weekday_pattern():
    n = 140
    t = np.arange(n)
    weekday = np.tile([5, 5, 5, 5, 5, -10, -15], n // 7)
    values = 50 + 0.1 * t + weekday
    hist = pd.DataFrame({"period": pd.date_range("2025-01-06", periods=n, freq="D"), "value": values})
    fit = wom.fit_trend(hist, "day", "nps", count=False)
    assert fit.trend_method == "stl" and fit.trend_window == 61
    middle = fit.history["trend"].to_numpy()[20:-20]
    assert np.abs(middle - (50 + 0.1 * t[20:-20])).max() < 1.0
    assert fit.slope_per_month == pytest.approx(0.1 * 30.4375, rel=0.1)
    assert fit.forecast_method == "stl_ets"
    # the weekday pattern carries into the forecast: Saturdays and Sundays stay low
    fc = fit.forecast.set_index(fit.forecast["period"].dt.day_of_week)["forecast"]
    assert fc.loc[6].max() < fc.loc[0].min() - 10


def test_daily_noise_is_forecast_without_a_weekday_pattern():
    rng = np.random.default_rng(13)
    hist = pd.DataFrame({"period": pd.date_range("2025-01-06", periods=182, freq="D"),
                         "value": rng.poisson(2.0, 182).astype(float)})
    fit = wom.fit_trend(hist, "day", "complaints")
    assert fit.trend_method == "stl" and fit.forecast_method == "ets"
    assert np.ptp(fit.forecast["forecast"].to_numpy()) < 0.2  # a smooth band, no weekday zigzag


def test_too_short_series_say_so():
    short = wom.fit_trend(weekly(np.arange(5.0)), "week")
    assert (short.status, short.forecast_status, short.n, short.min_trend) == ("too_short", "too_short", 5, 8)
    assert short.forecast.empty and short.slope_per_month is None
    mid = wom.fit_trend(weekly(np.arange(10.0)), "week")
    assert mid.status == "ok" and mid.forecast_status == "too_short" and mid.min_forecast == 16
    none = wom.fit_trend(weekly(np.full(12, np.nan)), "week", "nps")
    assert none.status == "no_data"
    # partial periods are left out of the fit
    partial = weekly(np.arange(9.0)).assign(partial=[True] + [False] * 8)
    assert wom.fit_trend(partial, "week").status == "ok"
    assert wom.fit_trend(partial.assign(partial=[True, True] + [False] * 7), "week").status == "too_short"


def test_trends_on_a_short_filter(demo_con):
    with db.cursor(demo_con) as cur:
        fits = wom.trends(cur, Filters("2026-07-01", "2026-10-31"), "month")
    assert set(fits) == set(wom.SERIES)
    assert fits["complaints"].status == "too_short" and fits["complaints"].n == 4


# ------------------------------------------------------------------------- response curve
def planted(kind: str, tau: float, seed: int, n: int = 3000, slope: float = 0.2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    q = rng.uniform(55, 95, n).round(1)
    exposure = rng.integers(1500, 2500, n).astype(float)
    hinge = np.maximum(tau - q, 0) if kind == "complaint" else np.maximum(q - tau, 0)
    rate = 0.5 * np.exp(slope * hinge)  # per 1,000 customer-days
    return pd.DataFrame({"quality": q, "events": rng.poisson(rate * exposure / 1000), "customer_days": exposure})


@pytest.mark.parametrize("kind, tau, seed", [("complaint", 70.0, 1), ("complaint", 74.5, 2), ("praise", 85.0, 3)])
def test_threshold_recovered_within_its_interval(kind, tau, seed):
    c = wom.fit_response_curve(planted(kind, tau, seed), kind)
    assert c.status == "ok" and c.p_value < 1e-6
    assert c.low <= tau <= c.high and c.low <= c.threshold <= c.high
    assert abs(c.threshold - tau) < 1.5 and c.high - c.low < 4
    assert c.params[2] == pytest.approx(0.2, abs=0.05)  # the planted steepening
    assert c.steep_effect == pytest.approx(math.exp(0.2) - 1, abs=0.06) and abs(c.flat_effect) < 0.02
    assert c.fitted["lower"].le(c.fitted["rate"]).all() and c.fitted["rate"].le(c.fitted["upper"]).all()


def test_flat_response_has_no_threshold():
    c = wom.fit_response_curve(planted("complaint", 70.0, 4, slope=0.0), "complaint")
    assert c.status == "no_threshold" and c.threshold is None and c.low is None
    assert c.p_value > 0.05
    assert c.rate_at(60.0) == pytest.approx(0.5, rel=0.1)  # the log-linear fit is still there


def test_rate_and_expected_change_by_hand():
    c = wom.fit_response_curve(planted("complaint", 70.0, 1), "complaint")
    b0, b1, b2 = c.params
    assert c.rate_at(80.0) == pytest.approx(math.exp(b0 + 80 * b1))
    assert c.rate_at(65.0) == pytest.approx(math.exp(b0 + 65 * b1 + b2 * (c.threshold - 65)))
    a, b, ratio = c.expected_change(80.0, 65.0)
    assert ratio == pytest.approx(b / a) and ratio > 2
    assert c.per_month(80.0, customers=1000) == pytest.approx(a * 1000 * 30.4375 / 1000)


def test_too_few_observations():
    few = planted("complaint", 70.0, 1, n=20)
    assert wom.fit_response_curve(few, "complaint").status == "too_few"
    narrow = planted("complaint", 70.0, 1).assign(quality=80.0)
    assert wom.fit_response_curve(narrow, "complaint").status == "too_few"
    none = pd.DataFrame({"quality": [np.nan], "events": [1], "customer_days": [10.0]})
    assert wom.fit_response_curve(none, "complaint").status == "no_quality"


def test_davies_bound_by_hand():
    # M = 4, V = |2 − 0| + |0 − 2| = 4: p = P(χ²₁ > 4) + 4·e^(−2)/√(2π)
    expected = chi2.sf(4, 1) + 4 * math.exp(-2) / math.sqrt(2 * math.pi)
    assert wom.davies_p(np.array([0.0, 4.0, 0.0])) == pytest.approx(expected)
    assert wom.davies_p(np.array([])) == 1.0


# ------------------------------------------------------------------------- turning points
def test_planted_break_is_found():
    rng = np.random.default_rng(21)
    t = np.arange(60)
    y = 10 + 0.05 * t + np.where(t >= 35, 0.8 * (t - 35), 0) + rng.normal(0, 1, 60)
    breaks = wom.detect_breaks(y)
    assert len(breaks) == 1
    b = breaks[0]
    assert abs(b.index - 35) <= 2 and b.p_value <= 0.01 and b.change > 0
    assert b.slope_after - b.slope_before == pytest.approx(0.8, abs=0.25)
    # the change is the linear functional the drivers use
    w = wom._change_weights(b.end - b.start, b.index - b.start)
    assert w @ y[b.start:b.end] == pytest.approx(b.change)


def test_two_level_shifts_are_found():
    rng = np.random.default_rng(8)
    y = np.concatenate([np.full(30, 5.0), np.full(30, 12.0), np.full(30, 6.0)]) + rng.normal(0, 1, 90)
    idx = [b.index for b in wom.detect_breaks(y)]
    assert len(idx) == 2 and abs(idx[0] - 30) <= 2 and abs(idx[1] - 60) <= 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_break_in_pure_noise(seed):
    rng = np.random.default_rng(seed)
    assert wom.detect_breaks(rng.normal(0, 1, 52)) == []
    assert wom.detect_breaks(3.0 + 0.2 * np.arange(80) + rng.normal(0, 2, 80)) == []
    assert wom.detect_breaks(rng.poisson(6, 100).astype(float)) == []


@settings(max_examples=20, deadline=None)
@given(st.floats(-50, 50), st.floats(-3, 3))
def test_breaks_do_not_depend_on_an_added_line(a, b):
    rng = np.random.default_rng(3)
    t = np.arange(50)
    y = np.where(t >= 30, 4.0, 0.0) + rng.normal(0, 1, 50)
    base = wom.detect_breaks(y)
    moved = wom.detect_breaks(y + a + b * t)
    assert [x.index for x in moved] == [x.index for x in base]
    assert [x.f_stat for x in moved] == pytest.approx([x.f_stat for x in base], rel=1e-6)


def test_short_series_is_not_tested():
    assert wom.detect_breaks(np.arange(7.0) ** 2) == []


# ------------------------------------------------------------------------- the demo store
def test_demo_incidents_are_found(demo_con):
    with db.cursor(demo_con) as cur:
        tp = wom.turning_points(cur, Filters("2024-11-01", "2026-10-31"))
        recent = wom.turning_points(cur, Filters("2025-11-01", "2026-10-31"))
    assert tp.status == "ok" and tp.basis == "rate"
    p = tp.points
    south = p[(p["series"] == "complaints") & (p["direction"] == "up") & (p["date"] < "2025-03-31")
              & (p["date"] >= "2024-12-01")]
    assert not south.empty and (south["region"] == "South").all()
    # the East upgrade through 2026 lifts praise; in the last twelve months only East's own series shows it
    east = recent.points
    assert (east["series"] == "praise").any()
    assert (east.loc[east["series"] == "praise", "region"] == "East").all()


def test_demo_response_curve_and_alerts(demo_con):
    with db.cursor(demo_con) as cur:
        f = Filters("2025-11-01", "2026-10-31")
        comp = wom.response_curve(cur, f, "complaint")
        praise = wom.response_curve(cur, f, "praise")
        only_period = wom.response_curve(cur, f, "complaint", "period")
        both = wom.response_curves(cur, f, "period")
        al = wom.alerts(cur, f)
    assert both["complaint"].status == only_period.status and both["complaint"].p_value == only_period.p_value
    # planted near 72 (complaints) and 86 (praise)
    assert comp.status == "ok" and 67 < comp.threshold < 75 and comp.low < comp.threshold < comp.high
    assert praise.status == "ok" and 82 < praise.threshold < 90
    assert comp.window == (D("2023-11-01"), D("2026-10-31")) and only_period.window[0] == D("2025-11-01")
    assert comp.customers_now > 0 and set(comp.recent["region"]) == {"North", "East", "South", "Central", "West"}
    # the fresh dip in West at the end of the window
    west = al[(al["kind"] == "below_threshold")]
    assert west["region"].tolist() == ["West"] and west["severity"].iloc[0] == "high"
    assert ((al["kind"] == "above_praise") & (al["region"] == "East")).any()
    assert list(al["severity"].map(wom.SEVERITY_ORDER)) == sorted(al["severity"].map(wom.SEVERITY_ORDER))


def test_report_section_matches_overview_and_summary(demo_con):
    f = Filters("2025-11-01", "2026-10-31")
    with db.cursor(demo_con) as cur:
        section = wom.report_section(cur, f)
        o = overview.overview(cur, f)
        s = wom.summary(cur, f)
        built = report.build(cur, f)  # the Overview's and this section's nps must agree
    assert set(section) == {"nps", "nps_responses", "praise", "complaints", "complaint_trend_slope",
                            "quality_threshold", "quality_threshold_low", "quality_threshold_high", "turning_points"}
    assert section["nps"] == o.nps.nps and section["nps_responses"] == o.nps.responses
    assert section["complaints"] == s.complaints and section["praise"] == s.praise
    assert section["quality_threshold"] == s.complaint_curve.threshold
    assert section["turning_points"] == [d.isoformat() for d in s.turning_points.dates]
    assert built["quality_threshold"] == pytest.approx(section["quality_threshold"])


def test_cli_word_of_mouth(demo_path, capsys):
    assert cli.main(["word-of-mouth", "--db", str(demo_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period_from"] == "2025-11-01" and out["complaint_curve"]["status"] == "ok"
    assert any(a["kind"] == "below_threshold" and a["region"] == "West" for a in out["alerts"])
    assert cli.main(["word-of-mouth", "--db", str(demo_path), "--region", "East"]) == 0
    assert "praise_curve" in capsys.readouterr().out
    assert cli.main(["word-of-mouth", "--db", str(demo_path), "--from", "2024-13-01"]) == 2
    err = capsys.readouterr().err.strip()
    assert "not a date" in err and len(err.splitlines()) == 1
