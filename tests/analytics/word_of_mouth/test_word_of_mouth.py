"""Word of mouth, the package: the names it re-exports, trend and forecast on synthetic data with
planted answers (fixed seeds), empty stores, the demo's alerts, the report keys and the command
line. NPS, exposure and series: test_wom_data.py; the response curve: test_wom_response.py;
turning points: test_wom_turning.py."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pandas as pd
import pytest

import cli
from analytics import overview, report
from analytics import word_of_mouth as wom
from analytics.filters import Filters
from analytics.store import db
from analytics.word_of_mouth import data as wom_data
from analytics.word_of_mouth import headline, trend
from analytics.word_of_mouth import response as wom_response
from analytics.word_of_mouth import turning as wom_turning
from tests.analytics.word_of_mouth.test_wom_data import fb
from tests.helpers import D, build_store, customer


def test_the_package_exports_its_modules_names_and_nothing_else():
    # pages, charts and presentation import `from analytics import word_of_mouth`: each exported name is
    # the object one of its modules defines, and the package itself defines nothing
    modules = (wom_data, wom_response, wom_turning, trend, headline)
    for name in wom.__all__:
        assert any(getattr(m, name, None) is getattr(wom, name) for m in modules), name
    public = {n for n, v in vars(wom).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert public == set(wom.__all__)


def test_empty_and_feedback_only_stores():
    empty = build_store(customers=[customer("A")])
    with db.cursor(empty) as cur:
        section = headline.report_section(cur, Filters())
        assert wom.series(cur, Filters(), "week").empty and wom.trends(cur, Filters(), "week")["nps"].status == "no_data"
    assert section == {"nps": None, "nps_responses": 0, "nps_population": "survey", "praise": 0, "complaints": 0,
                       "complaint_trend_slope": None,
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



# ------------------------------------------------------------------- trend and forecast
def weekly(values: np.ndarray, start: str = "2025-01-06") -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range(start, periods=len(values), freq="7D"), "value": values})


def test_trend_and_forecast_follow_a_known_slope():
    rng = np.random.default_rng(5)
    n = 60
    t = np.arange(n)
    fit = trend.fit_trend(weekly(20 + 2.0 * t + rng.normal(0, 1.0, n)), "week", "index", count=False)
    assert fit.status == "ok" and fit.forecast_status == "ok"
    # +2 per week = 2 × 30.4375 / 7 ≈ 8.70 points per month
    assert fit.slope_per_month == pytest.approx(2 * 30.4375 / 7, rel=0.1)
    assert np.abs(fit.history["trend"] - (20 + 2.0 * t)).max() < 1.5
    fc = fit.forecast
    assert len(fc) == trend.HORIZON["week"]
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
    fit = trend.fit_trend(weekly(values), "week", "complaints")
    # the weekly count grows 0.5/week: the monthly volume grows 0.5 × (30.4375 / 7)² ≈ 9.45 per month
    assert fit.slope_per_month == pytest.approx(0.5 * (30.4375 / 7) ** 2, rel=0.1)
    monthly = trend.fit_trend(pd.DataFrame({"period": pd.date_range("2024-01-01", periods=24, freq="MS"),
                                          "value": 100 + 5.0 * np.arange(24)}), "month", "complaints")
    assert monthly.slope_per_month == pytest.approx(5.0, rel=0.05)


def test_count_forecast_stays_positive():
    rng = np.random.default_rng(12)
    values = rng.poisson(np.linspace(8, 1, 40)).astype(float)  # falling towards zero
    fit = trend.fit_trend(weekly(values), "week", "complaints")
    assert fit.forecast_status == "ok"
    assert (fit.forecast[["forecast", "lower", "upper"]] >= 0).all().all()
    assert (fit.history["trend"] >= 0).all()


def test_daily_trend_ignores_the_weekday_pattern():
    n = 140
    t = np.arange(n)
    weekday = np.tile([5, 5, 5, 5, 5, -10, -15], n // 7)
    values = 50 + 0.1 * t + weekday
    hist = pd.DataFrame({"period": pd.date_range("2025-01-06", periods=n, freq="D"), "value": values})
    fit = trend.fit_trend(hist, "day", "nps", count=False)
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
    fit = trend.fit_trend(hist, "day", "complaints")
    assert fit.trend_method == "stl" and fit.forecast_method == "ets"
    assert np.ptp(fit.forecast["forecast"].to_numpy()) < 0.2  # a smooth band, no weekday zigzag


def test_too_short_series_say_so():
    short = trend.fit_trend(weekly(np.arange(5.0)), "week")
    assert (short.status, short.forecast_status, short.n, short.min_trend) == ("too_short", "too_short", 5, 8)
    assert short.forecast.empty and short.slope_per_month is None
    mid = trend.fit_trend(weekly(np.arange(10.0)), "week")
    assert mid.status == "ok" and mid.forecast_status == "too_short" and mid.min_forecast == 16
    none = trend.fit_trend(weekly(np.full(12, np.nan)), "week", "nps")
    assert none.status == "no_data"
    # partial periods are left out of the fit
    partial = weekly(np.arange(9.0)).assign(partial=[True] + [False] * 8)
    assert trend.fit_trend(partial, "week").status == "ok"
    assert trend.fit_trend(partial.assign(partial=[True, True] + [False] * 7), "week").status == "too_short"


def test_trends_on_a_short_filter(demo_con):
    with db.cursor(demo_con) as cur:
        fits = wom.trends(cur, Filters("2026-07-01", "2026-10-31"), "month")
    assert set(fits) == set(wom.SERIES)
    assert fits["complaints"].status == "too_short" and fits["complaints"].n == 4


def test_demo_response_curve_and_alerts(demo_con):
    with db.cursor(demo_con) as cur:
        f = Filters("2025-11-01", "2026-10-31")
        comp = wom_response.response_curve(cur, f, "complaint")
        praise = wom_response.response_curve(cur, f, "praise")
        only_period = wom_response.response_curve(cur, f, "complaint", "period")
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
    assert list(al["severity"].map(headline.SEVERITY_ORDER)) == sorted(al["severity"].map(headline.SEVERITY_ORDER))


def test_report_section_matches_overview_and_summary(demo_con):
    f = Filters("2025-11-01", "2026-10-31")
    with db.cursor(demo_con) as cur:
        section = headline.report_section(cur, f)
        o = overview.overview(cur, f)
        s = wom.summary(cur, f)
        built = report.build(cur, f)  # the Overview's and this section's nps must agree
    assert set(section) == {"nps", "nps_responses", "nps_population", "praise", "complaints", "complaint_trend_slope",
                            "quality_threshold", "quality_threshold_low", "quality_threshold_high", "turning_points"}
    assert section["nps"] == o.nps.nps and section["nps_responses"] == o.nps.responses
    assert section["nps_population"] == built["nps_population"] == "survey"
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


def test_cli_word_of_mouth_nps_population(demo_path, capsys):
    # The default counts survey answers; --nps-population all counts every scored response, as wom.nps does.
    assert cli.main(["word-of-mouth", "--db", str(demo_path), "--json"]) == 0
    survey = json.loads(capsys.readouterr().out)
    assert cli.main(["word-of-mouth", "--db", str(demo_path), "--json", "--nps-population", "all"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert (survey["nps_population"], every["nps_population"]) == ("survey", "all")
    con = db.connect(demo_path, read_only=True)
    try:
        with db.cursor(con) as cur:
            f = Filters(survey["period_from"], survey["period_to"])
            expected = {p: wom_data.nps(cur, f, p) for p in ("survey", "all")}
    finally:
        con.close()
    assert survey["nps"] == pytest.approx(expected["survey"].nps) and every["nps"] == pytest.approx(expected["all"].nps)
    assert survey["nps_responses"] == expected["survey"].responses < every["nps_responses"] == expected["all"].responses
    assert every["praise"] == survey["praise"] and every["turning_points"] == survey["turning_points"]
    with pytest.raises(SystemExit) as exit_:
        cli.main(["word-of-mouth", "--db", str(demo_path), "--nps-population", "surveys"])
    assert exit_.value.code == 2 and "invalid choice: 'surveys'" in capsys.readouterr().err


def test_summary_refuses_an_unknown_nps_population(demo_con):
    with db.cursor(demo_con) as cur, pytest.raises(ValueError, match="unknown NPS population 'every'"):
        wom.summary(cur, Filters("2025-11-01", "2026-10-31"), "every")
    with db.cursor(demo_con) as cur, pytest.raises(ValueError, match="unknown NPS population"):
        overview.overview(cur, Filters("2025-11-01", "2026-10-31"), "every")


def test_forecast_band_is_widened_for_the_estimated_parameters():
    # statsmodels' ETS band takes the fitted parameters and σ² as known (normal quantiles, no degrees
    # of freedom): it covered 85–88 % of held-out weeks for a stated 90 % (bench.alerts). The band is
    # that band times t(n − 5) / z × √(n / (n − 5)), about its centre.
    import warnings

    from scipy.stats import norm
    from scipy.stats import t as student
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(31)
    values = 50 + np.cumsum(rng.normal(0, 1, 30)) + rng.normal(0, 2, 30)
    fit = trend.fit_trend(weekly(values), "week", "nps", count=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(pd.Series(values), error="add", trend="add", damped_trend=True).fit(disp=False)
    raw = res.get_prediction(start=30, end=30 + fit.horizon - 1).summary_frame(alpha=0.1)
    factor = student.ppf(0.95, 25) / norm.ppf(0.95) * np.sqrt(30 / 25)
    assert factor > 1.1
    assert fit.forecast["forecast"].to_numpy() == pytest.approx(raw["mean"].to_numpy())
    # then scaled by the band's conformal multiplier (test_wom_bands.py)
    half = (fit.forecast["upper"] - fit.forecast["forecast"]).to_numpy()
    assert half / fit.band_scale == pytest.approx(factor * (raw["pi_upper"] - raw["mean"]).to_numpy(), rel=1e-6)
    assert (fit.forecast["forecast"] - fit.forecast["lower"]).to_numpy() == pytest.approx(half, rel=1e-6)
