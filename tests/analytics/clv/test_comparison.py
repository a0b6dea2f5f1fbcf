"""The model comparison, the tracking diagnostics and the purchase model behind customer values."""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import precompute
from analytics.clv import backtest as clv_backtest
from analytics.clv import comparison as cmp
from analytics.clv import mbg_nbd, models, pareto_nbd, rfm, tracking
from analytics.clv import value as cv
from analytics.filters import Filters
from analytics.store import db, derived

ROOT = Path(__file__).resolve().parents[3]
CDNOW = ROOT / "tests" / "fixtures" / "cdnow"


@pytest.fixture(scope="module")
def cdnow_tx() -> pd.DataFrame:
    raw = pd.read_csv(CDNOW / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"date": str})
    return pd.DataFrame({"customer_id": raw["customer_id"].astype(str),
                         "date": pd.to_datetime(raw["date"], format="%Y%m%d"), "amount": raw["amount"].astype(float)})


@pytest.fixture(scope="module")
def cdnow_comparison(cdnow_tx) -> tuple[clv_backtest.Backtest, cmp.Comparison]:
    bt = clv_backtest.backtest_transactions(cdnow_tx, "1997-09-30", None, "weeks")
    return bt, cmp.compare(bt)


def test_cdnow_comparison(cdnow_comparison):
    bt, c = cdnow_comparison
    rows = c.rows.set_index("model")
    assert list(c.rows["model"]) == ["bgnbd", "pareto_nbd", "mbg_nbd"]
    assert rows.loc["bgnbd", "log_likelihood"] == bt.model.log_likelihood  # the backtest's own fit, unchanged
    assert round(rows.loc["pareto_nbd", "log_likelihood"], 2) == -9594.98
    n = 2357
    for kind in cmp.KINDS:
        r = rows.loc[kind]
        assert r["n_params"] == 4 and r["variant"] == "general"  # CDNOW: Pareto/NBD's interior maximum
        assert r["bic"] == pytest.approx(-2 * r["log_likelihood"] + 4 * math.log(n))
        assert r["actual"] == 1882
        pred = c.customers[f"predicted_{kind}"]
        assert r["predicted"] == pytest.approx(pred.sum())
        assert r["aggregate_error"] == pytest.approx((pred.sum() - 1882) / 1882)
        assert r["mae"] == pytest.approx((pred - c.customers["actual"]).abs().mean())
    assert rows.loc["bgnbd", "predicted"] == pytest.approx(bt.predicted_total)
    m = c.model("pareto_nbd")
    one = c.customers.iloc[0]
    assert one["predicted_pareto_nbd"] == pytest.approx(
        float(pareto_nbd.expected_purchases(m, 39, one["frequency"], one["recency"], one["T"])))
    # Pareto/NBD misses the holdout by −11.5 %, BG/NBD by −12.1 %, MBG/NBD by −16.2 %
    assert rows["aggregate_error"].round(3).to_dict() == {"bgnbd": -0.121, "pareto_nbd": -0.115, "mbg_nbd": -0.162}
    assert c.chosen == "pareto_nbd" and c.runner_up == "bgnbd"
    fig = c.figures()
    assert [r["chosen"] for r in fig] == [False, True, False] and fig[1]["params"] == m.params()


@pytest.fixture(scope="module")
def demo_comparison(demo_con) -> tuple[Filters, cmp.Comparison]:
    """The comparison on the default demo's opening view (as the refresh computes it)."""
    with demo_con.cursor() as cur:
        f = precompute.default_filter(cur)
        return f, cmp.compare(clv_backtest.backtest(cur, f))


def test_pareto_nbd_on_the_demo_is_its_homogeneous_dropout_limit(demo_comparison):
    """The demo's drop-out rates do not vary between customers (s runs away): Pareto/NBD is reported as
    its homogeneous drop-out limit (r, alpha, mu), with 3 parameters in its BIC and its holdout error,
    instead of "not fitted"."""
    _, c = demo_comparison
    rows = c.rows.set_index("model")
    p = rows.loc["pareto_nbd"]
    m = c.model("pareto_nbd")
    assert isinstance(m, pareto_nbd.ParetoNbdLimit) and p["variant"] == "homogeneous_dropout"
    assert p["converged"] and p["reason"] is None and p["n_params"] == 3
    assert p["bic"] == pytest.approx(-2 * m.log_likelihood + 3 * math.log(m.customers))
    assert rows.loc["bgnbd", "n_params"] == 4 and rows.loc["bgnbd", "variant"] == "general"
    pred = c.customers["predicted_pareto_nbd"]
    assert math.isfinite(p["aggregate_error"]) and p["aggregate_error"] == pytest.approx((pred.sum() - p["actual"])
                                                                                         / p["actual"])
    assert p["mae"] == pytest.approx((pred - c.customers["actual"]).abs().mean())
    fig = {r["model"]: r for r in c.figures()}["pareto_nbd"]
    assert set(fig["params"]) == {"r", "alpha", "mu"} and fig["variant"] == "homogeneous_dropout"
    assert c.chosen in cmp.KINDS


def test_the_comparison_is_stored_exactly(cdnow_comparison):
    _, c = cdnow_comparison
    back = derived.decode(derived.encode(c), cmp.STORED_TYPES)
    assert back.chosen == c.chosen and back.model("mbg_nbd") == c.model("mbg_nbd")
    pd.testing.assert_frame_equal(back.rows, c.rows)
    pd.testing.assert_frame_equal(back.customers, c.customers)


def test_ranking_by_holdout_error_then_per_customer_error():
    rows = pd.DataFrame({"model": ["bgnbd", "pareto_nbd", "mbg_nbd"], "aggregate_error": [0.010, -0.012, 0.2],
                         "mae": [0.5, 0.4, 0.1]})
    assert cmp._ranked(rows) == ["pareto_nbd", "bgnbd", "mbg_nbd"]  # 1.0 % and 1.2 %: a tie, MAE decides
    rows.loc[1, "aggregate_error"] = -0.02
    assert cmp._ranked(rows) == ["bgnbd", "pareto_nbd", "mbg_nbd"]
    rows.loc[0, ["aggregate_error", "mae"]] = np.nan  # not fitted
    assert cmp._ranked(rows) == ["pareto_nbd", "mbg_nbd"]
    assert cmp.resolve("auto", None) == "bgnbd" and cmp.resolve("mbg_nbd", None) == "mbg_nbd"
    with pytest.raises(ValueError, match="unknown purchase model 'nbd'"):
        cmp.resolve("nbd", None)


def test_one_interface_for_the_three_models(cdnow_comparison):
    _, c = cdnow_comparison
    s = c.customers.head(50)
    for kind in cmp.KINDS:
        m = c.model(kind)
        assert cmp.kind_of(m) == kind
        per = cmp.monthly_purchases(m, s, 6)
        weeks_6m = 6 * 30.4375 / 7
        total = cmp.expected_purchases(m, weeks_6m, s["frequency"], s["recency"], s["T"])
        assert per.shape == (50, 6) and per.sum(axis=1) == pytest.approx(total)
    bg = c.model("bgnbd")
    assert np.array_equal(cmp.monthly_purchases(bg, s, 6), models.monthly_purchases(bg, s, 6))


# ----------------------------------------------------------------------------- tracking
HAND = pd.DataFrame([
    ("A", "2024-01-01", 10.0), ("A", "2024-01-05", 5.0), ("A", "2024-01-20", 7.0),  # repeats in weeks 1 and 3
    ("B", "2024-01-03", 8.0), ("B", "2024-01-10", 4.0), ("B", "2024-01-10", 1.0),   # one repeat day, week 2
    ("C", "2024-01-15", 9.0), ("C", "2024-01-16", 9.0),  # first purchase after the calibration end: not in the cohort
], columns=["customer_id", "date", "amount"]).assign(date=lambda d: pd.to_datetime(d["date"]))


def _hand_tracking() -> tuple[models.BgNbd, pd.DataFrame, dt.date, float]:
    """The hand case's weekly table: calibration to 2024-01-14, holdout to 2024-01-24, a BG/NBD."""
    m = models.BgNbd(0.5, 2.0, 0.8, 2.5, 0, 0, 0, "weeks")
    con = rfm.frame_connection(HAND)
    try:
        days = tracking.purchase_days(con, rfm.FRAME_LINES, dt.date(2024, 1, 14), dt.date(2024, 1, 24))
    finally:
        con.close()
    weeks, start, cal_weeks = tracking.weekly(days, dt.date(2024, 1, 14), dt.date(2024, 1, 24), {"bgnbd": m}, "bgnbd")
    return m, weeks, start, cal_weeks


def test_tracking_by_hand():
    m, weeks, start, cal_weeks = _hand_tracking()
    assert start == dt.date(2024, 1, 1) and cal_weeks == pytest.approx(13 / 7)
    assert list(weeks["week"]) == [1, 2, 3, 4]
    assert list(weeks["week_end"]) == [dt.date(2024, 1, 8), dt.date(2024, 1, 15), dt.date(2024, 1, 22), dt.date(2024, 1, 24)]
    assert list(weeks["period"]) == ["calibration", "holdout", "holdout", "holdout"]
    assert list(weeks["actual"]) == [1, 1, 1, 0] and list(weeks["actual_cumulative"]) == [1, 2, 3, 3]

    def e(days: float) -> float:  # a new customer's expected repeat purchases in `days`
        return float(models.expected_purchases(m, max(days, 0) / 7, [0.0], [0.0], [0.0])[0])

    cum = [e(end) + e(end - 2) for end in (7, 14, 21, 23)]  # A first bought on day 0, B on day 2
    assert list(weeks["expected_cumulative"]) == pytest.approx(cum, rel=1e-12)
    assert list(weeks["expected"]) == pytest.approx(np.diff([0, *cum]), rel=1e-12)


def test_cdnow_tracking(cdnow_tx, cdnow_comparison):
    bt, c = cdnow_comparison
    tr = tracking.tracking_transactions(cdnow_tx, c)
    w = tr.weeks
    assert len(w) == 78 and tr.start == dt.date(1997, 1, 1) and w["week_end"].iloc[-1] == dt.date(1998, 6, 30)
    # every repeat purchase of the cohort, calibration and holdout
    assert w["actual"].sum() == bt.customers["frequency"].sum() + 1882 == w["actual_cumulative"].iloc[-1]
    assert (w["period"] == "calibration").sum() == 38 and tr.calibration_weeks == pytest.approx(272 / 7)
    # the last week's cumulative expectation: Σ E[X(age at the holdout end)] over the customers
    s = rfm.rfm_from_transactions(cdnow_tx, "1997-09-30", "weeks")
    age = (pd.Timestamp("1998-06-30") - pd.to_datetime(s["first_purchase"])).dt.days / 7
    for kind in cmp.KINDS:
        want = cmp.expected_purchases(c.model(kind), age.to_numpy(), 0.0, 0.0, 0.0).sum()
        assert w[f"expected_{kind}"].sum() == pytest.approx(want, rel=1e-10)
    assert w["expected"].equals(w["expected_pareto_nbd"])  # the chosen model
    # conditional expectations per calibration frequency
    by = tr.by_frequency
    assert list(by["bucket"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"] and by["customers"].sum() == 2357
    zero = c.customers[c.customers["frequency"] == 0]
    assert by.loc[0, "actual"] == pytest.approx(zero["actual"].mean())
    assert by.loc[0, "expected_mbg_nbd"] == pytest.approx(zero["predicted_mbg_nbd"].mean())
    assert by["expected_bgnbd"].tolist() == pytest.approx(bt.by_frequency["predicted"].tolist())
    # the P(alive) matrix at the cohort's longest age
    mat = tr.p_alive
    T = c.customers["T"].max()
    assert tr.matrix_T == T and mat.index[0] == 0 and mat.shape[1] == tracking.MATRIX_COLUMNS
    assert mat.iloc[0, 0] == pytest.approx(float(pareto_nbd.p_alive(c.model("pareto_nbd"), 0, 0, T)))
    assert mat.iloc[0, 1:].isna().all()
    assert mat.iloc[3, -1] == pytest.approx(float(pareto_nbd.p_alive(c.model("pareto_nbd"), 3, T, T)))
    back = derived.decode(derived.encode(tr), (tracking.Tracking,))
    pd.testing.assert_frame_equal(back.weeks, w)
    rows = tr.rows()
    assert rows[0] == {"week": 1, "week_end": "1997-01-08", "period": "calibration", "actual": int(w["actual"][0]),
                       "expected": pytest.approx(w["expected"][0]), "actual_cumulative": int(w["actual"][0]),
                       "expected_cumulative": pytest.approx(w["expected"][0])}


# ----------------------------------------------------------------------------- values with another model
def test_customer_values_with_a_named_purchase_model(demo_con):
    f = Filters("2025-11-01", "2026-10-31")
    with demo_con.cursor() as cur:
        default = cv.customer_values(cur, f, model="bgnbd")
        mbg = cv.customer_values(cur, f, model="mbg_nbd")
        fitted = cv.fit_models(cur, f)
        with pytest.raises(ValueError, match="unknown purchase model"):
            cv.customer_values(cur, f, model="weibull")
    assert default.extra["purchase_model"] == "bgnbd" and default.summary()["purchase_model"] == "bgnbd"
    assert default.extra["purchase_fit"] == fitted.models.bgnbd
    assert mbg.extra["purchase_model"] == "mbg_nbd" and isinstance(mbg.extra["purchase_fit"], mbg_nbd.MbgNbd)
    s = fitted.summary
    want = mbg_nbd.fit(s, "weeks")
    assert mbg.extra["purchase_fit"].params() == pytest.approx(want.params())
    t = mbg.table.set_index("customer_id").loc[s["customer_id"]]
    assert t["p_alive"].to_numpy() == pytest.approx(mbg_nbd.p_alive(want, s["frequency"], s["recency"], s["T"]))
    # one-time buyers are not all alive under MBG/NBD, as they are under BG/NBD
    one_time = s["frequency"].to_numpy() == 0
    assert (default.table.set_index("customer_id").loc[s["customer_id"][one_time], "p_alive"] == 1).all()
    assert (t["p_alive"].to_numpy()[one_time] < 1).all()
    assert mbg.table["realized_value"].sum() == pytest.approx(default.table["realized_value"].sum())


def test_every_value_follows_the_holdout_s_choice_by_default(demo_path, demo_comparison):
    """Issue 17: without a named model, the values, tiers, P(alive), the value ranges, Lifecycle's P(alive),
    Customer 360 and the report use the purchase model the holdout comparison chose (on the demo Pareto/NBD's
    homogeneous drop-out limit), and say so (model_used); the ranges vary that model from its own covariance."""
    from analytics import customer360 as c360
    from analytics.clv import intervals
    from analytics.lifecycle import stages

    f, comp = demo_comparison
    assert comp.chosen == "pareto_nbd" and cmp.variant_of(comp.model("pareto_nbd")) == "homogeneous_dropout"
    con = db.connect(demo_path, read_only=True)
    try:
        with db.cursor(con) as cur:
            auto = cv.customer_values(cur, f)
            named = cv.customer_values(cur, f, model="pareto_nbd")
            bg = cv.customer_values(cur, f, model="bgnbd")
            report = cv.report_section(cur, f)
            iv = intervals.value_intervals(cur, f)
            iv_bg = intervals.value_intervals(cur, f, model="bgnbd")
            alive = stages.alive_model(cur, f)
            cid = str(auto.table.loc[auto.table["frequency"] == 0, "customer_id"].iloc[0])  # a one-time buyer
            one = c360.customer360(cur, cid, f)
            ranges = c360.customer_ranges(c360.value_ranges(cur, one.as_of, one.period[0]), cid)
    finally:
        con.close()
    m = auto.extra["purchase_fit"]
    assert auto.extra["purchase_model"] == "pareto_nbd" and isinstance(m, pareto_nbd.ParetoNbdLimit)
    pd.testing.assert_frame_equal(auto.table, named.table)
    assert bg.extra["purchase_fit"] == auto.fit.bgnbd  # BG/NBD is still fitted, but no longer behind the values
    t = auto.table.dropna(subset=["frequency"])
    assert t["p_alive"].to_numpy() == pytest.approx(pareto_nbd.p_alive(m, t["frequency"], t["recency"], t["T"]))
    assert not np.allclose(t["p_alive"], bg.table.dropna(subset=["frequency"])["p_alive"])
    assert (auto.table["tier"] != bg.table.set_index("customer_id").loc[auto.table["customer_id"], "tier"].to_numpy()).any()
    assert report["model_used"] == {"model": "pareto_nbd", "variant": "homogeneous_dropout", "source": "filter",
                                    "params": m.params()}
    assert report["potential_value"] == pytest.approx(auto.table["potential_value"].sum())
    # the ranges vary the chosen model: they hold its point values, and differ from BG/NBD's ranges
    r = auto.table.merge(iv.customers, on="customer_id")
    has = r["p_alive"].notna()
    assert (r.loc[has, "p_alive_lower"] <= r.loc[has, "p_alive"]).all() and (r.loc[has, "p_alive"] <= r.loc[has, "p_alive_upper"]).all()
    assert iv.aggregate["potential_value"]["value"] == pytest.approx(auto.table["potential_value"].sum())
    assert iv.aggregate["potential_value"]["value"] != pytest.approx(iv_bg.aggregate["potential_value"]["value"])
    assert alive.kind == "pareto_nbd" and alive.model == m
    # Customer 360: its cards are the chosen model's, a one-time buyer's P(alive) below 1 with a range
    row = auto.table.set_index("customer_id").loc[cid]
    assert one.model_used["model"] == "pareto_nbd" and one.kpis["p_alive"] == pytest.approx(row["p_alive"])
    assert row["p_alive"] < 1
    assert one.kpis["potential_value"] == pytest.approx(row["potential_value"])
    lo, hi = ranges["p_alive"]
    assert lo <= row["p_alive"] <= hi and lo < hi


def test_the_refresh_stores_the_comparison_and_the_diagnostics(demo_path, demo_comparison, tmp_path, monkeypatch):
    """Computed when the data change: after a refresh the page's comparison, diagnostics and the
    chosen model's valuation fit are read, not fitted."""
    path = tmp_path / "store.duckdb"
    shutil.copy(demo_path, path)
    fresh = demo_comparison[1]  # computed on the same data
    con = db.connect(path)
    try:
        precompute.refresh(con)
        with db.cursor(con) as cur:
            f = precompute.default_filter(cur)

            def no_fit(*_a: object, **_k: object) -> None:
                raise AssertionError("fitted on a page read")

            monkeypatch.setattr(cmp, "compare", no_fit)
            monkeypatch.setattr(cmp, "fit", no_fit)
            c = cmp.comparison(cur, f)
            tr = tracking.tracking(cur, f, c)
            values = cv.customer_values(cur, f, model="auto")
    finally:
        con.close()
    pd.testing.assert_frame_equal(c.rows, fresh.rows)
    assert c.chosen == fresh.chosen and c.valuation_date == f.date_to
    assert values.extra["purchase_model"] == c.chosen
    if c.chosen != "bgnbd":
        assert values.extra["purchase_fit"] == c.valuation_fit
    assert tr.model == c.chosen and len(tr.weeks) > 100


def test_the_weekly_tracking_plot_leaves_out_a_partial_last_week():
    """The hand case's last week has 2 days (to 2024-01-24): the incremental plot stops at the last whole
    week (a 2-day week read as a collapse of purchases); the cumulative plot keeps every day."""
    from charts import customer_value as charts
    from i18n import Translator

    _, weeks, start, cal_weeks = _hand_tracking()
    tr = tracking.Tracking("bgnbd", start, dt.date(2024, 1, 14), dt.date(2024, 1, 24), cal_weeks, weeks,
                           *[None] * (len(tracking.Tracking.__dataclass_fields__) - 6))
    t = Translator("en")
    assert list(charts.tracking(tr, t).data[0].x)[-1] == "2024-01-22"
    assert list(charts.tracking(tr, t, cumulative=True).data[0].x)[-1] == "2024-01-24"
