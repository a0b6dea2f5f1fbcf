"""CLV models: time units, RFM summary, BG/NBD and Gamma-Gamma (published CDNOW results), CLV, backtest, CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import hyp2f1

import cli
from analytics.clv import backtest as clv_backtest
from analytics.clv import models, rfm, units
from analytics.filters import Filters
from tests.helpers import D, build_store, customer

ROOT = Path(__file__).resolve().parents[3]
CDNOW = ROOT / "tests" / "fixtures" / "cdnow"
CAL_END = "1997-09-30"  # 39 weeks after 1997-01-01


@pytest.fixture(scope="module")
def cdnow_tx() -> pd.DataFrame:
    raw = pd.read_csv(CDNOW / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"date": str})
    return pd.DataFrame({"customer_id": raw["customer_id"].astype(str), "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
                         "amount": raw["amount"].astype(float)})


@pytest.fixture(scope="module")
def cdnow_rfm(cdnow_tx) -> pd.DataFrame:
    return rfm.rfm_from_transactions(cdnow_tx, CAL_END, "weeks")


# ----------------------------------------------------------------------------- time units
def test_time_unit_conversion_by_hand():
    assert units.to_days(2, "weeks") == 14
    assert units.to_days(1, "months") == 30.4375
    assert units.to_days(12, "months") == 365.25
    assert units.from_days(30.4375, "months") == 1
    assert units.from_days(21, "weeks") == 3
    assert units.to_days(5, "days") == 5
    assert units.convert(1, "months", "weeks") == pytest.approx(30.4375 / 7)
    arr = units.to_days(np.array([1.0, 2.0]), "weeks")
    assert arr.tolist() == [7.0, 14.0]
    s = units.from_days(pd.Series([7.0, 14.0]), "weeks")
    assert s.tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="unknown time unit"):
        units.to_days(1, "fortnights")


@given(st.floats(0, 1e6, allow_nan=False), st.sampled_from(list(units.UNITS)), st.sampled_from(list(units.UNITS)))
def test_time_unit_round_trip(value, u1, u2):
    assert units.from_days(units.to_days(value, u1), u1) == pytest.approx(value)
    assert units.convert(units.convert(value, u1, u2), u2, u1) == pytest.approx(value)


# ----------------------------------------------------------------------------- RFM summary
HAND = pd.DataFrame([
    # A: two lines on the first day (one purchase), repeats after 1 and 3 weeks, a return in week 4
    ("A", "2024-01-01", 100.0), ("A", "2024-01-01", 20.0), ("A", "2024-01-08", 50.0),
    ("A", "2024-01-22", 30.0), ("A", "2024-01-22", -10.0), ("A", "2024-01-29", -40.0),
    # B: one purchase only; C: first purchase after the calibration end; D: a free item counts
    ("B", "2024-01-15", 80.0), ("C", "2024-02-20", 10.0), ("D", "2024-01-03", 0.0), ("D", "2024-01-10", 70.0),
    # everything after the calibration end is ignored
    ("A", "2024-02-10", 999.0),
], columns=["customer_id", "date", "amount"]).assign(date=lambda d: pd.to_datetime(d["date"]))
HAND_END = "2024-02-05"  # 5 weeks after A's first purchase


def test_rfm_from_hand_made_history():
    s = rfm.rfm_from_transactions(HAND, HAND_END, "weeks").set_index("customer_id")
    assert list(s.index) == ["A", "B", "D"]
    a = s.loc["A"]
    # purchases on Jan 1, 8, 22 (the Jan 22 return line is not spend; Jan 29 is a return only)
    assert a["frequency"] == 2 and a["recency"] == 3 and a["T"] == 5
    assert a["monetary_value"] == pytest.approx((50 + 30) / 2)
    assert a["first_spend"] == 120 and a["first_purchase"] == dt.date(2024, 1, 1)
    b = s.loc["B"]
    assert b["frequency"] == 0 and b["recency"] == 0 and b["T"] == pytest.approx(21 / 7) and b["monetary_value"] == 0
    d = s.loc["D"]
    assert d["frequency"] == 1 and d["recency"] == 1 and d["monetary_value"] == 70 and d["first_spend"] == 0
    days = rfm.rfm_from_transactions(HAND, HAND_END, "days").set_index("customer_id")
    assert days.loc["A", "T"] == 35 and days.loc["A", "recency"] == 21
    months = rfm.rfm_from_transactions(HAND, HAND_END, "months").set_index("customer_id")
    assert months.loc["A", "T"] == pytest.approx(35 / 30.4375)


def test_rfm_summary_aggregates_without_a_window():
    """Purchase days, then customers, by hash aggregation: a row_number() window over every purchase
    day gave the same summary three times slower at 10 million transactions."""
    con = rfm.frame_connection(HAND)
    seen: list[str] = []

    class Recording:
        def execute(self, sql: str) -> object:
            seen.append(sql)
            plan = con.execute("EXPLAIN " + sql).fetchall()
            seen.append("\n".join(str(r[1]) for r in plan))
            return con.execute(sql)

    try:
        s = rfm.summarize(Recording(), rfm.FRAME_LINES, D(HAND_END), "weeks")
    finally:
        con.close()
    plan = seen[1].upper()
    assert "WINDOW" not in plan and plan.count("HASH GROUP BY") == 2
    assert s.set_index("customer_id")["first_spend"].to_dict() == {"A": 120, "B": 80, "D": 0}


def test_rfm_from_the_store_matches_the_frame_and_obeys_filters():
    rows = HAND.assign(revenue=HAND["amount"]).reset_index(drop=True)
    con = build_store(
        customers=[customer("A", segment="S1"), customer("B", segment="S2"), customer("C"), customer("D", segment="S2")],
        transactions=[{"transaction_id": f"t{i}", "customer_id": r.customer_id, "tx_date": r.date.date(),
                       "product": "P", "quantity": 1, "revenue": r.revenue, "cogs": 0}
                      for i, r in rows.iterrows()],
    )
    try:
        with con.cursor() as cur:
            store = rfm.rfm(cur, Filters(), HAND_END, "weeks")
            frame = rfm.rfm_from_transactions(HAND, HAND_END, "weeks")
            pd.testing.assert_frame_equal(store, frame, check_dtype=False)
            s2 = rfm.rfm(cur, Filters(segments=("S2",)), HAND_END, "weeks")
            assert list(s2["customer_id"]) == ["B", "D"]
            # default calibration end: the filter's end, else the last transaction
            assert rfm.rfm(cur, Filters(date_to="2024-01-31"))["T"].max() == pytest.approx(30 / 7)
            assert rfm.rfm(cur, Filters()).set_index("customer_id").loc["A", "frequency"] == 3
    finally:
        con.close()


def test_cdnow_transactions_reproduce_hardies_summary(cdnow_rfm):
    hardie = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv", dtype={"ID": str})
    s = cdnow_rfm.set_index("customer_id").loc[hardie["ID"]]
    assert len(cdnow_rfm) == 2357
    assert (s["frequency"].to_numpy() == hardie["x"].to_numpy()).all()
    assert np.allclose(s["recency"], hardie["t_x"], atol=0.006)
    assert np.allclose(s["T"], hardie["T"], atol=0.006)
    assert np.allclose(s["monetary_value"], hardie["zbar"], atol=0.006)


# ----------------------------------------------------------------------------- BG/NBD
def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow_rfm):
    m = models.fit_bgnbd(cdnow_rfm, "weeks")
    assert (round(m.r, 3), round(m.alpha, 3), round(m.a, 3), round(m.b, 3)) == (0.243, 4.414, 0.793, 2.426)
    assert round(m.log_likelihood, 1) == -9582.4
    assert m.customers == 2357 and m.repeat_customers == 946 and m.converged and m.source == "filter"
    assert all(v > 0 for v in m.std_errors.values())


def test_bgnbd_on_lifetimes_summary_file():
    s = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    m = models.fit_bgnbd(s, "weeks")
    assert (round(m.r, 3), round(m.alpha, 3), round(m.a, 3), round(m.b, 3)) == (0.243, 4.414, 0.793, 2.426)


def test_units_change_alpha_only(cdnow_tx, cdnow_rfm):
    weeks = models.fit_bgnbd(cdnow_rfm, "weeks")
    days = models.fit_bgnbd(rfm.rfm_from_transactions(cdnow_tx, CAL_END, "days"), "days")
    assert days.r == pytest.approx(weeks.r, rel=1e-4) and days.a == pytest.approx(weeks.a, rel=1e-3)
    assert days.alpha == pytest.approx(7 * weeks.alpha, rel=1e-4)
    assert weeks.in_unit("days").alpha == pytest.approx(days.alpha, rel=1e-4)
    assert weeks.in_unit("months").alpha == pytest.approx(weeks.alpha * 7 / 30.4375)
    # a customer's predictions do not depend on the unit
    e_w = models.expected_purchases(weeks, 39, [2], [30.43], [38.86])
    e_d = models.expected_purchases(weeks.in_unit("days"), 39 * 7, [2], [30.43 * 7], [38.86 * 7])
    assert e_w == pytest.approx(e_d)


def test_published_conditional_expectation():
    m = models.BgNbd(0.243, 4.414, 0.793, 2.426, 0, 0, 0, "weeks")
    # Fader, Hardie & Lee (2005), §4: x = 2, t_x = 30.43, T = 38.86 → 1.226 purchases in 39 weeks
    assert models.expected_purchases(m, 39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=5e-4)
    assert models.p_alive(m, [0], [0], [38.86])[0] == 1.0
    manual = 1 / (1 + 0.793 / (2.426 + 2 - 1) * ((4.414 + 38.86) / (4.414 + 30.43)) ** (0.243 + 2))
    assert models.p_alive(m, [2], [30.43], [38.86])[0] == pytest.approx(manual)


@settings(max_examples=60, deadline=None)
@given(r=st.floats(0.1, 3), alpha=st.floats(0.5, 20), a=st.floats(0.2, 3), b=st.floats(0.5, 6),
       x=st.integers(0, 12), frac=st.floats(0, 1), T=st.floats(1, 80), t=st.floats(0.5, 60))
@example(r=1.0, alpha=1.0, a=1.0, b=1.0, x=0, frac=0.0, T=1.0, t=1.0)  # b + x − 1 = 0 without repeats
def test_expected_purchases_equal_the_textbook_formula(r, alpha, a, b, x, frac, T, t):
    if abs(a - 1) < 1e-3:
        a += 0.01
    t_x = frac * T if x else 0.0
    m = models.BgNbd(r, alpha, a, b, 0, 0, 0, "weeks")
    z = t / (alpha + T + t)
    num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    # δ(x > 0) multiplies the second term: for x = 0 it is absent (and with b = 1 undefined, 0 / 0).
    den = 1 + (a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0.0)
    got = models.expected_purchases(m, t, [x], [t_x], [T])[0]
    assert got == pytest.approx(num / den, rel=1e-6, abs=1e-9)
    assert 0 <= models.p_alive(m, [x], [t_x], [T])[0] <= 1


def test_heavy_buyers_do_not_overflow():
    m = models.BgNbd(1.08, 1.45, 0.54, 31.0, 0, 0, 0, "weeks")
    x, t_x, T = np.array([974.0, 600.0]), np.array([156.3, 10.0]), np.array([156.4, 156.4])
    terms = models.bgnbd_loglik_terms((m.r, m.alpha, m.a, m.b), x, t_x, T)
    assert np.isfinite(terms).all()
    e = models.expected_purchases(m, 52, x, t_x, T)
    assert np.isfinite(e).all() and e[0] > 100 and e[1] < 1e-6  # alive heavy buyer vs long-silent one


def test_too_few_customers_is_a_fit_error():
    s = pd.DataFrame({"frequency": [0, 1, 2], "recency": [0, 1, 2], "T": [3, 3, 3]})
    with pytest.raises(models.FitError, match="too few") as info:
        models.fit_bgnbd(s)
    assert info.value.kind == "few"
    with pytest.raises(ValueError, match="recency ≤ T"):
        models.fit_bgnbd(pd.DataFrame({"frequency": [1], "recency": [5], "T": [3]}))


# ----------------------------------------------------------------------------- Gamma-Gamma
def test_gamma_gamma_reproduces_fader_hardie_lee_2005(cdnow_rfm):
    g = models.fit_gamma_gamma(cdnow_rfm)
    assert (round(g.p, 2), round(g.q, 2), round(g.gamma, 2)) == (6.25, 3.74, 15.44)
    assert g.customers == 946 and g.finite_mean and g.converged


def test_gamma_gamma_on_hardies_summary():
    hardie = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    s = hardie.rename(columns={"x": "frequency", "zbar": "monetary_value"})
    g = models.fit_gamma_gamma(s)
    # zbar is rounded to cents, which moves gamma by 0.004 (its standard error is about 4)
    assert g.p == pytest.approx(6.25, abs=0.005) and g.q == pytest.approx(3.74, abs=0.005)
    assert g.gamma == pytest.approx(15.44, abs=0.01) and g.customers == 946
    assert g.frequency_spend_corr == pytest.approx(np.corrcoef(s.loc[s.frequency > 0, "frequency"],
                                                               s.loc[s.frequency > 0, "monetary_value"])[0, 1])
    # E[spend | x, m] by hand, and the population mean for a customer without repeats
    assert models.expected_spend(g, [2], [22.35])[0] == pytest.approx(g.p * (g.gamma + 2 * 22.35) / (2 * g.p + g.q - 1))
    assert models.expected_spend(g, [0], [0])[0] == pytest.approx(g.p * g.gamma / (g.q - 1))


def test_gamma_gamma_is_currency_free(cdnow_rfm):
    g = models.fit_gamma_gamma(cdnow_rfm)
    g100 = models.fit_gamma_gamma(cdnow_rfm.assign(monetary_value=cdnow_rfm["monetary_value"] * 100))
    assert g100.p == pytest.approx(g.p, rel=1e-4) and g100.q == pytest.approx(g.q, rel=1e-4)
    assert g100.gamma == pytest.approx(100 * g.gamma, rel=1e-4)


def test_gamma_gamma_with_infinite_mean_leaves_non_repeaters_undefined():
    g = models.GammaGamma(p=18.0, q=0.7, gamma=6.0, log_likelihood=0, customers=0, frequency_spend_corr=None)
    assert not g.finite_mean and math.isinf(g.population_mean_spend)
    e = models.expected_spend(g, [0, 3], [0, 100])
    assert np.isnan(e[0]) and e[1] == pytest.approx(18 * (6 + 300) / (54 + 0.7 - 1))


# ----------------------------------------------------------------------------- discounted value
def test_discounting_by_hand():
    f = models.discount_factors(12, 0.10)
    assert f[11] == pytest.approx(1 / 1.10) and f[0] == pytest.approx(1.10 ** (-1 / 12))
    per_month = np.array([[1.0] * 12, [0.0] * 12])
    v = models.discounted_value(per_month, np.array([100.0, 100.0]), 0.10)
    assert v[0] == pytest.approx(100 * sum(1.10 ** (-k / 12) for k in range(1, 13))) and v[1] == 0
    assert models.discounted_value(per_month, np.array([100.0, 0]), 0.0)[0] == pytest.approx(1200)
    with pytest.raises(ValueError):
        models.discount_factors(12, float("nan"))


def test_monthly_purchases_add_up_to_the_horizon(cdnow_rfm):
    m = models.fit_bgnbd(cdnow_rfm)
    s = cdnow_rfm.head(50)
    months = models.monthly_purchases(m, s, 12)
    total = models.expected_purchases(m, units.convert(12, "months", "weeks"), s["frequency"], s["recency"], s["T"])
    assert months.shape == (50, 12) and (months >= -1e-12).all()
    assert months.sum(axis=1) == pytest.approx(total)
    rates = np.full(50, 0.5)  # purchases per week, no drop-out
    flat = models.monthly_purchases(None, s, 2, rates=rates)
    assert flat[0].tolist() == pytest.approx([0.5 * 30.4375 / 7] * 2)


# ----------------------------------------------------------------------------- backtest
def test_cdnow_backtest(cdnow_tx):
    bt = clv_backtest.backtest_transactions(cdnow_tx, CAL_END, None, "weeks")
    assert bt.holdout_end == dt.date(1998, 6, 30) and bt.holdout_length == pytest.approx(39)
    # actual holdout purchases counted independently: distinct purchase days after week 39
    hold = cdnow_tx[(cdnow_tx["date"] > CAL_END)].drop_duplicates(["customer_id", "date"])
    assert bt.actual_total == len(hold) == 1882
    c = bt.customers
    assert len(c) == 2357 and bt.predicted_total == pytest.approx(c["predicted"].sum())
    assert bt.mae == pytest.approx((c["predicted"] - c["actual"]).abs().mean())
    assert bt.aggregate_error == pytest.approx((bt.predicted_total - 1882) / 1882)
    assert abs(bt.aggregate_error) < 0.15 and bt.mae < 1.0
    by = bt.by_frequency
    assert list(by["bucket"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert by["customers"].sum() == 2357 and by.loc[0, "customers"] == 1411
    assert by.loc[0, "actual"] == pytest.approx(c.loc[c["frequency"] == 0, "actual"].mean())
    assert by["predicted"].is_monotonic_increasing  # more past purchases, more expected


def test_default_calibration_end():
    f = Filters("2025-11-01", "2026-10-31")
    assert clv_backtest.default_calibration_end(D("2023-11-01"), f, D("2026-10-31")) == D("2025-10-31")
    # no room before the period: the middle of the data
    assert clv_backtest.default_calibration_end(D("2025-10-20"), f, D("2026-10-31")) == D("2026-04-26")
    assert clv_backtest.default_calibration_end(D("2024-01-01"), Filters(), D("2024-12-31")) == D("2024-07-01")


def test_backtest_on_the_demo(demo_con):
    with demo_con.cursor() as cur:
        bt = clv_backtest.backtest(cur, Filters("2025-11-01", "2026-10-31"))
    assert bt.calibration_end == D("2025-10-31") and bt.holdout_end == D("2026-10-31")
    assert bt.model is not None and bt.model.source == "filter"
    assert abs(bt.aggregate_error) < 0.25


# ----------------------------------------------------------------------------- command line
def _cdnow_csv(cdnow_tx: pd.DataFrame, path: Path) -> Path:
    cdnow_tx.assign(date=cdnow_tx["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    return path


def test_cli_reproduces_cdnow_from_a_csv(cdnow_tx, tmp_path):
    csv = _cdnow_csv(cdnow_tx, tmp_path / "cdnow.csv")
    r = subprocess.run([sys.executable, "-m", "analytics", "clv", "--csv", str(csv), "--calibration-end", CAL_END,
                        "--time-unit", "weeks", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    bg, gg = out["bgnbd"], out["gamma_gamma"]
    assert (round(bg["r"], 3), round(bg["alpha"], 3), round(bg["a"], 3), round(bg["b"], 3)) == (0.243, 4.414, 0.793, 2.426)
    assert round(bg["log_likelihood"], 1) == -9582.4
    assert (round(gg["p"], 2), round(gg["q"], 2), round(gg["gamma"], 2)) == (6.25, 3.74, 15.44)
    assert out["counts"]["customers"] == 2357 and out["counts"]["repeat_customers"] == 946
    assert out["counts"]["gamma_gamma_customers"] == 946 and out["time_unit"] == "weeks"
    assert out["backtest"]["actual_purchases"] == 1882 and len(out["backtest"]["by_frequency"]) == 8


def test_cli_parameters_in_days(cdnow_tx, tmp_path, capsys):
    csv = _cdnow_csv(cdnow_tx, tmp_path / "cdnow.csv")
    assert cli.main(["clv", "--csv", str(csv), "--calibration-end", CAL_END, "--time-unit", "days", "--json"]) == 0
    bg = json.loads(capsys.readouterr().out)["bgnbd"]
    assert round(bg["r"], 3) == 0.243 and bg["alpha"] == pytest.approx(7 * 4.4136, rel=1e-3)
    assert cli.main(["clv", "--csv", str(csv), "--calibration-end", CAL_END]) == 0
    text = capsys.readouterr().out
    assert "bgnbd:" in text and "alpha" in text and "mae" in text


def test_cli_on_the_store(demo_path, capsys):
    assert cli.main(["clv", "--db", str(demo_path), "--json", "--time-unit", "months"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["calibration_end"] == "2025-10-31" and out["holdout_end"] == "2026-10-31"
    assert out["time_unit"] == "months" and out["bgnbd"]["alpha"] > 0
    v = out["valuation"]
    assert v["valuation_date"] == "2026-10-31" and v["time_unit"] == "months"
    assert sum(v["tier_counts"].values()) == v["customers"]
    assert isinstance(out["notes"], list)


@pytest.mark.parametrize("args, message", [
    (["--csv", "nowhere.csv"], "does not exist"),
    (["--csv", "{bad_cols}"], "lacks column"),
    (["--csv", "{bad_date}"], "not a date"),
    (["--csv", "{ok}", "--calibration-end", "1997-13-01"], "not a date"),
    (["--csv", "{ok}", "--calibration-end", "1999-01-01"], "holdout must end after"),
])
def test_cli_mistakes_are_one_line(tmp_path, capsys, args, message):
    files = {"bad_cols": "id,when,amount\n1,2024-01-01,5\n", "bad_date": "customer_id,date,amount\n1,yesterday,5\n",
             "ok": "customer_id,date,amount\n1,1997-01-01,5\n1,1997-02-01,6\n"}
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text)
    argv = ["clv", *(a.format(**{k: str(v) for k, v in paths.items()}) for a in args)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_backtest_of_a_small_filter_uses_every_customers_fit(demo_con):
    with demo_con.cursor() as cur:
        small = Filters("2025-11-01", "2026-10-31", segments=("Key account",), regions=("West",))
        bt = clv_backtest.backtest(cur, small)
        whole = clv_backtest.backtest(cur, Filters("2025-11-01", "2026-10-31"))
    assert bt.model.source == "pooled" and bt.spend.source == "pooled"
    assert bt.model.params() == pytest.approx(whole.model.params())
    assert len(bt.customers) < 10 and bt.mae is not None


@settings(max_examples=60, deadline=None)
@given(params=st.tuples(*(st.floats(0.05, 20) for _ in range(4))), seed=st.integers(0, 10_000))
def test_bgnbd_gradient_matches_finite_differences(params, seed):
    """The analytic gradient the optimiser uses equals the likelihood's numerical derivative."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(1, 80, 40)
    t_x = T * rng.uniform(0, 1, 40)
    x = np.where(rng.uniform(size=40) < 0.4, 0, rng.integers(1, 30, 40)).astype(float)
    t_x[x == 0] = 0
    ll, grad = models.bgnbd_loglik_grad(params, x, t_x, T)
    assert ll == pytest.approx(models.bgnbd_loglik_terms(params, x, t_x, T), rel=1e-12, abs=1e-12)
    assert_gradient(lambda q: models.bgnbd_loglik_terms(q, x, t_x, T), params, grad)


@settings(max_examples=60, deadline=None)
@given(params=st.tuples(*(st.floats(0.05, 30) for _ in range(3))), seed=st.integers(0, 10_000))
def test_gamma_gamma_gradient_matches_finite_differences(params, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 40, 40).astype(float)
    m = rng.lognormal(0, 1, 40)
    ll, grad = models.gamma_gamma_loglik_grad(params, x, m)
    assert ll == pytest.approx(models.gamma_gamma_loglik_terms(params, x, m), rel=1e-12)
    assert_gradient(lambda q: models.gamma_gamma_loglik_terms(q, x, m), params, grad)


def assert_gradient(terms, params: tuple[float, ...], grad: np.ndarray) -> None:
    """``grad`` (one row per parameter) equals central differences of ``terms`` (steps 1e-6 relative)."""
    p = np.array(params)
    for k in range(len(p)):
        h = 1e-6 * p[k]
        up, dn = p.copy(), p.copy()
        up[k] += h
        dn[k] -= h
        numeric = (terms(tuple(up)) - terms(tuple(dn))) / (2 * h)
        assert grad[k] == pytest.approx(numeric, rel=1e-4, abs=1e-6), k
