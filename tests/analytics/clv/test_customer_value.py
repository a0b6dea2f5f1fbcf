"""Customer values: realized, potential and influence value, tiers, fallbacks, report keys."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import profit, report
from analytics.clv import models
from analytics.clv import value as cv
from analytics.filters import Filters
from tests.helpers import D, build_store, customer

WEEK_MONTH = 30.4375 / 7  # weeks in a month


def tx(tid: str, cid: str, day: str, revenue: float, cogs: float = 0.0) -> dict:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D(day), "product": "P", "quantity": 1,
            "revenue": revenue, "cogs": cogs}


RATES = [{"activity": "call", "unit_cost": 10, "valid_from": D("2023-01-01"), "unit": "call"}]


# ----------------------------------------------------------------------------- tiers
def test_levels_are_terciles_by_default():
    values = pd.Series([5.0, 1, 9, 3, 7, 2, 8, 4, 6])
    lvl, (q1, q2) = cv.levels(values, cv.DEFAULT_CUTS)
    # numpy's linear quantiles of 1..9: 1 + 8/3 and 1 + 16/3
    assert q1 == pytest.approx(11 / 3) and q2 == pytest.approx(19 / 3)
    assert dict(zip(values, lvl, strict=True)) == {1: "low", 2: "low", 3: "low", 4: "mid", 5: "mid", 6: "mid",
                                                  7: "high", 8: "high", 9: "high"}
    lvl, (q1, q2) = cv.levels(values, (0.5, 0.9))
    assert q1 == 5 and (lvl == "low").sum() == 5 and (lvl == "high").sum() == 1
    # ties sit in the lower level: low ≤ q1 < mid ≤ q2 < high
    lvl, _ = cv.levels(pd.Series([0.0, 0, 0, 0, 10]), cv.DEFAULT_CUTS)
    assert list(lvl) == ["low", "low", "low", "low", "high"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-1e7, 1e7, allow_nan=False), min_size=1, max_size=60),
       st.floats(0.05, 0.5), st.floats(0.05, 0.45))
def test_levels_never_rank_a_larger_value_lower(values, lo, gap):
    cuts = (lo, min(lo + gap, 0.95))
    s = pd.Series(values)
    lvl, (q1, q2) = cv.levels(s, cuts)
    rank = lvl.map({"low": 0, "mid": 1, "high": 2})
    order = np.argsort(s.to_numpy(), kind="stable")
    assert (np.diff(rank.to_numpy()[order]) >= 0).all()
    assert q1 <= q2 and ((s <= q1) == (lvl == "low")).all()


def test_histograms():
    h = cv.histogram(pd.Series([0.0, 0.1, 0.5, 1.0, 2.0]), 4, 0, 1)
    assert h.edges == (0, 0.25, 0.5, 0.75, 1) and h.counts == (2, 0, 1, 1) and h.above == 1 and h.outside == 1
    assert cv.symlog(np.array([-99.0, 0.0, 9.0])).tolist() == [-2.0, 0.0, 1.0]
    assert cv.symlog_inverse(cv.symlog(np.array([-12345.0, 3.5]))) == pytest.approx([-12345.0, 3.5])
    g = cv.histogram(pd.Series([-1e6, -5.0, 0.0, 0.0, 20.0, 3e5]), 10, scale="symlog")
    assert sum(g.counts) == 6 and g.edges[0] == pytest.approx(-1e6) and g.edges[-1] == pytest.approx(3e5)
    assert cv.histogram(pd.Series([7.0, 7.0]), 3).counts == (0, 2, 0)
    assert cv.histogram(pd.Series([], dtype=float), 3).counts == ()


def test_tier_codes_and_order():
    assert cv.tier_code("high", "low") == "high/low"
    assert cv.TIERS[0] == "high/low" and cv.TIERS[2] == "high/high" and cv.TIERS[-1] == "low/high"
    assert len(set(cv.TIERS)) == 9


def test_tier_table_by_hand():
    table = pd.DataFrame({
        "tier": ["high/high", "high/high", "low/low", "mid/mid"],
        "realized_value": [100.0, 50.0, -40.0, 10.0],
        "potential_value": [30.0, 20.0, -10.0, 0.0],
        "influence_value": [5.0, 0.0, 0.0, 0.0],
    })
    t = cv._tier_table(table).set_index("tier")
    assert list(t.index) == list(cv.TIERS)
    hh = t.loc["high/high"]
    assert hh["customers"] == 2 and hh["customer_share"] == 0.5 and hh["value"] == 200
    assert hh["value_share"] == pytest.approx(200 / 160)  # loss-makers make shares above 100 %
    assert t.loc["low/low", "value_share"] == pytest.approx(-50 / 160)
    assert t.loc["high/low", "customers"] == 0 and t.loc["high/low", "value"] == 0
    assert t["customers"].sum() == 4


# ----------------------------------------------------------------------------- influence
@pytest.fixture
def referral_store():
    con = build_store(
        customers=[customer("A", segment="S1"), customer("B", segment="S2", referred_by="A"),
                   customer("C", segment="S2", referred_by="A"), customer("D", segment="S2", referred_by="B"),
                   customer("E", segment="S2", referred_by="D")],
        transactions=[tx("t1", "A", "2024-01-05", 10), tx("t2", "B", "2024-02-01", 100),
                      tx("t3", "C", "2024-02-03", 10, 40), tx("t4", "D", "2024-03-01", 50),
                      tx("t5", "E", "2024-03-02", 7), tx("t6", "D", "2024-06-01", 1000)],
    )
    yield con
    con.close()


def test_influence_value_of_direct_and_second_level_referrals(referral_store):
    with referral_store.cursor() as cur:
        f = Filters(date_to="2024-04-30")
        v = cv.customer_values(cur, f).table.set_index("customer_id")
        # A referred B (100) and C (−30); B referred D (50, the June purchase is after the date); D referred E (7)
        assert v.loc["A", "influence_value"] == 70 and v.loc["A", "referrals"] == 2
        assert v.loc["B", "influence_value"] == 50 and v.loc["D", "influence_value"] == 7
        assert v.loc["C", "influence_value"] == 0 and v.loc["E", "referrals"] == 0
        v2 = cv.customer_values(cur, f, second_level_weight=0.5).table.set_index("customer_id")
        assert v2.loc["A", "influence_value"] == 70 + 0.5 * 50 and v2.loc["B", "influence_value"] == 50 + 0.5 * 7
        # the referrer's filter does not restrict whom it referred
        s1 = cv.customer_values(cur, Filters(date_to="2024-04-30", segments=("S1",))).table
        assert list(s1["customer_id"]) == ["A"] and s1.loc[0, "influence_value"] == 70
        assert s1.loc[0, "total_value"] == s1.loc[0, "realized_value"] + s1.loc[0, "potential_value"] + 70


# ----------------------------------------------------------------------------- fallbacks
@pytest.fixture
def tiny_store():
    con = build_store(
        customers=[customer("A"), customer("B"), customer("C"), customer("X", segment="S2")],
        activity_rates=RATES,
        transactions=[tx("a1", "A", "2024-01-01", 100, 60), tx("a2", "A", "2024-01-15", 100, 60),
                      tx("a3", "A", "2024-01-29", 100, 60), tx("b1", "B", "2024-02-01", 50, 20),
                      tx("c1", "C", "2024-01-10", 80, 40), tx("c2", "C", "2024-01-20", -50, -25),
                      tx("x1", "X", "2024-01-02", 10, 5)],
        activities=[{"activity_id": "k1", "customer_id": "A", "activity_date": D("2024-01-20"), "activity": "call",
                     "quantity": 1}],
    )
    yield con
    con.close()


def test_average_rate_fallback_by_hand(tiny_store):
    with tiny_store.cursor() as cur:
        v = cv.customer_values(cur, Filters(date_to="2024-02-26", segments=("S1",)))
    assert v.fit.purchase_method == "average" and v.fit.spend_method == "average" and v.fit.bgnbd is None
    assert [k for k, _ in v.notes] == ["cv.note.bgnbd_average_few", "cv.note.gg_average_few"]
    assert v.notes[0][1] == {"n": "3", "repeat": "1"}
    t = v.table.set_index("customer_id")
    a = t.loc["A"]
    # A: 3 purchases, frequency 2 over T = 8 weeks → 0.25 purchases a week, no drop-out
    assert a["frequency"] == 2 and a["T"] == 8 and np.isnan(a["p_alive"])
    assert a["expected_purchases"] == pytest.approx(0.25 * 12 * WEEK_MONTH)
    # spend: own mean 100; rates: gross margin 120/300, cost to serve 10/300 → 36.67 a purchase
    assert a["expected_spend"] == 100 and a["margin_rate"] == pytest.approx(0.4)
    assert a["cost_to_serve_rate"] == pytest.approx(1 / 30) and a["profit_per_purchase"] == pytest.approx(110 / 3)
    expected = sum(0.25 * WEEK_MONTH * 110 / 3 / 1.1 ** (k / 12) for k in range(1, 13))
    assert a["potential_value"] == pytest.approx(expected)
    assert a["realized_value"] == 300 - 180 - 10
    # B bought once: no rate, no potential; C's return is neither a purchase nor spend
    assert t.loc["B", "potential_value"] == 0 and t.loc["B", "realized_value"] == 30
    assert t.loc["C", "frequency"] == 0 and t.loc["C", "realized_value"] == (80 - 50) - (40 - 25)
    assert "X" not in t.index


def test_realized_only_when_nobody_bought_twice(tiny_store):
    with tiny_store.cursor() as cur:
        v = cv.customer_values(cur, Filters(date_to="2024-01-10"))
    assert v.fit.purchase_method == "none" and v.fit.spend_method == "none"
    assert [k for k, _ in v.notes] == ["cv.note.realized_only"]
    assert (v.table["potential_value"] == 0).all() and v.table["p_alive"].isna().all()
    assert set(v.table["potential_level"]) == {"low"}


def _simulated_store(n: int = 60, extra: int = 2, seed: int = 3):
    """Customers of segment S1 buying by a buy-till-you-die process, and ``extra`` in S2."""
    rng = np.random.default_rng(seed)
    customers, rows = [], []
    for i in range(n + extra):
        cid = f"C{i:03d}"
        customers.append(customer(cid, segment="S1" if i < n else "S2"))
        lam, p_drop = rng.gamma(2.0, 1 / 25), rng.beta(1.0, 4.0)
        t = float(rng.integers(0, 60))
        days = [t]
        while True:
            t += rng.exponential(1 / lam)
            if t > 364:
                break
            days.append(t)
            if rng.random() < p_drop:
                break
        for j, d in enumerate(sorted({int(x) for x in days})):
            rows.append(tx(f"{cid}-{j}", cid, (pd.Timestamp("2024-01-01") + pd.Timedelta(days=d)).date().isoformat(),
                           round(float(rng.gamma(4, 25)), 2), 40.0))
    return build_store(customers=customers, transactions=rows)


@pytest.fixture
def sim_store():
    con = _simulated_store()
    yield con
    con.close()


def test_pooled_parameters_for_a_small_filter(sim_store):
    with sim_store.cursor() as cur:
        v = cv.customer_values(cur, Filters(date_to="2024-12-31", segments=("S2",)))
        whole = cv.customer_values(cur, Filters(date_to="2024-12-31"))
    assert v.fit.purchase_method == "pooled" and v.fit.bgnbd.source == "pooled"
    assert v.fit.spend_method == "pooled"
    assert [k for k, _ in v.notes][:2] == ["cv.note.bgnbd_pooled_few", "cv.note.gg_pooled_few"]
    assert whole.fit.purchase_method == "bgnbd" and whole.notes == ()
    assert v.fit.bgnbd.params() == pytest.approx(whole.fit.bgnbd.params())
    assert len(v.table) == 2 and v.table["p_alive"].between(0, 1).all()


def test_failed_fit_falls_back_to_pooled_then_average(sim_store, monkeypatch):
    real = models.fit_bgnbd

    def filter_fails(summary, time_unit="weeks", source="filter", **kw):
        if source == "filter":
            raise models.FitError("no interior maximum", "failed")
        return real(summary, time_unit, source=source, **kw)

    monkeypatch.setattr(models, "fit_bgnbd", filter_fails)
    with sim_store.cursor() as cur:
        v = cv.customer_values(cur, Filters(date_to="2024-12-31", segments=("S1",)))
    assert v.fit.purchase_method == "pooled" and v.notes[0][0] == "cv.note.bgnbd_pooled_failed"

    def always_fails(*a, **kw):
        raise models.FitError("no interior maximum", "failed")

    monkeypatch.setattr(models, "fit_bgnbd", always_fails)
    with sim_store.cursor() as cur:
        v = cv.customer_values(cur, Filters(date_to="2024-12-31", segments=("S1",)))
    assert v.fit.purchase_method == "average" and v.notes[0][0] == "cv.note.bgnbd_average_failed"
    assert v.table["p_alive"].isna().all() and (v.table["expected_purchases"] >= 0).all()


def test_bad_arguments(tiny_store):
    with tiny_store.cursor() as cur:
        for kwargs, msg in (({"horizon_months": 0}, "horizon"), ({"annual_discount": 1.5}, "discount"),
                            ({"cuts": (0.7, 0.3)}, "cuts"), ({"second_level_weight": 2}, "second-level")):
            with pytest.raises(ValueError, match=msg):
                cv.customer_values(cur, Filters(date_to="2024-02-26"), **kwargs)


# ----------------------------------------------------------------------------- the demo
F = Filters("2025-11-01", "2026-10-31")


@pytest.fixture(scope="module")
def demo_values(demo_con):
    with demo_con.cursor() as cur:
        return cv.customer_values(cur, F)


def test_demo_values_add_up(demo_con, demo_values):
    v = demo_values
    t = v.table
    with demo_con.cursor() as cur:
        pnl = profit.customer_pnl(cur, Filters(date_to="2026-10-31")).customers
    assert v.valuation_date == D("2026-10-31") and v.fit.purchase_method == "bgnbd"
    assert len(t) == len(pnl) and t["realized_value"].sum() == pytest.approx(pnl["profit"].sum())
    assert np.allclose(t["total_value"], t["realized_value"] + t["potential_value"] + t["influence_value"])
    assert t["p_alive"].dropna().between(0, 1).all() and (t["expected_purchases"] >= 0).all()
    assert v.tiers["customers"].sum() == len(t) and sum(cv.tier_counts(v).values()) == len(t)
    # terciles: about a third of customers in each realized level
    assert t["realized_level"].value_counts(normalize=True).between(0.3, 0.37).all()
    assert t["total_value"].is_monotonic_decreasing
    g = v.by_group("segment")
    assert g["customers"].sum() == len(t) and g["potential_value"].sum() == pytest.approx(t["potential_value"].sum())
    assert set(v.customers_in("high/high")["tier"]) == {"high/high"}
    with pytest.raises(ValueError):
        v.by_group("colour")


def test_demo_potential_value_by_the_formula(demo_values):
    """One customer's potential value, recomputed from the fitted models and the stated formula (purchases
    from the model the values use: the holdout comparison's choice)."""
    from analytics.clv import comparison

    v, m = demo_values, demo_values.fit
    row = v.table[(v.table["frequency"] >= 3) & (v.table["p_alive"] > 0.5)].iloc[0]
    months = np.arange(0, 13) * WEEK_MONTH
    cum = comparison.expected_purchases(v.extra["purchase_fit"], months, row["frequency"], row["recency"], row["T"])
    spend = models.expected_spend(m.gamma_gamma, [row["frequency"]], [row["monetary_value"]])[0]
    per = spend * (row["margin_rate"] - row["cost_to_serve_rate"])
    value = sum((cum[k] - cum[k - 1]) * per / 1.10 ** (k / 12) for k in range(1, 13))
    assert row["potential_value"] == pytest.approx(value)
    assert row["expected_purchases"] == pytest.approx(cum[-1])


def test_demo_horizon_and_discount_move_potential_value_the_right_way(demo_con, demo_values):
    with demo_con.cursor() as cur:
        longer = cv.customer_values(cur, F, horizon_months=24).table.set_index("customer_id")
        undiscounted = cv.customer_values(cur, F, annual_discount=0.0).table.set_index("customer_id")
        other_cuts = cv.customer_values(cur, F, cuts=(0.5, 0.9))
    base = demo_values.table.set_index("customer_id")
    gain = base["profit_per_purchase"] > 0
    assert (longer.loc[gain.index[gain], "potential_value"] >= base.loc[gain, "potential_value"] - 1e-9).all()
    undiscounted, longer = undiscounted.loc[base.index], longer.loc[base.index]
    assert (undiscounted["potential_value"].abs() >= base["potential_value"].abs() - 1e-9).all()
    assert (longer["expected_purchases"] >= base["expected_purchases"] - 1e-9).all()
    assert (other_cuts.table["realized_level"] == "high").mean() == pytest.approx(0.1, abs=0.01)
    # the fit is shared, not redone, when only the assumptions change
    assert other_cuts.fit is demo_values.fit or other_cuts.fit == demo_values.fit


def test_demo_fit_is_memoised(demo_con):
    """Changing the assumptions reuses the fit (about 0.6 s of the first call on one idle core)."""
    with demo_con.cursor() as cur:
        f = Filters("2025-11-01", "2026-10-31", regions=("East", "North"))
        start = time.perf_counter()
        first = cv.customer_values(cur, f, model="bgnbd")
        elapsed = time.perf_counter() - start
        again = cv.customer_values(cur, f, horizon_months=36, cuts=(0.2, 0.8), model="bgnbd")
        fitted = cv.fit_models(cur, f)
        assert cv.fit_models(cur, f.with_period(None, f.date_to)) is fitted  # the period's start does not refit
        # the holdout's choice (the default) is fitted once too: its comparison and refit are memoised
        auto = cv.customer_values(cur, f)
        auto_again = cv.customer_values(cur, f, horizon_months=36)
    assert again.fit is first.fit is fitted.models
    assert auto_again.extra["purchase_fit"] is auto.extra["purchase_fit"] and auto.fit is fitted.models
    assert elapsed < 20.0  # only a guard against a runaway fit; timings on a shared CI machine vary


def test_report_keys_match_the_values(demo_con, demo_values):
    assert "analytics.clv.value" in report.sections()
    with demo_con.cursor() as cur:
        out = cv.report_section(cur, F)
    s = demo_values.summary()
    assert set(out) == {"realized_value", "potential_value", "influence_value", "tier_counts", "model_used"}
    for key in ("realized_value", "potential_value", "influence_value"):
        assert out[key] == pytest.approx(s[key])
    assert out["model_used"] == s["model_used"] and out["model_used"]["model"] == demo_values.extra["purchase_model"]
    assert out["tier_counts"] == s["tier_counts"] and set(out["tier_counts"]) == set(cv.TIERS)


def test_every_note_the_fallbacks_can_give_is_translated():
    from i18n import Translator

    params = {"n": "3", "repeat": "1", "q": "0.68", "corr": "0.41"}
    keys = [f"cv.note.{m}_{how}_{why}" for m in ("bgnbd", "gg") for how in ("pooled", "average") for why in ("few", "failed")]
    keys += ["cv.note.realized_only", "cv.note.gg_heavy_tail", "cv.note.gg_corr"]
    for lang in ("zh", "en"):
        t = Translator(lang)
        for key in keys:
            assert "{" not in t(key, **params), key
    for m in ("bgnbd", "pooled", "average", "none", "gamma_gamma", "gg_pooled"):
        assert Translator("en")(f"cv.method.{m}")
    for code in cv.TIERS:
        r, p = code.split("/")
        assert Translator("zh")(f"cv.cell.{r}.{p}") and Translator("en")(f"cv.strategy.{r}.{p}")
