"""Contract customers from the store: histories as of a date, actual retention, sBG per plan and
cohort, contractual CLV — on hand-made stores with figures worked out by hand, and on the demo."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.contracts import retention, sbg
from analytics.filters import Filters
from analytics.store import db
from tests.helpers import D, build_store, customer


def _k(cid: str, kid: str, start: str, end: str | None, status: str, plan: str = "Annual contract") -> dict:
    return {"contract_id": kid, "customer_id": cid, "plan": plan, "start_date": D(start),
            "end_date": D(end) if end else None, "status": status}


def _chain(cid: str, start_year: int, renewals: int, last: str, plan: str = "Annual contract") -> list[dict]:
    """``renewals`` renewed yearly terms from January ``start_year``, then one term ending as ``last``."""
    rows = []
    for i in range(renewals + 1):
        s, e = dt.date(start_year + i, 1, 1), dt.date(start_year + i + 1, 1, 1)
        status = "renewed" if i < renewals else last
        rows.append(_k(cid, f"{cid}-{i}", s.isoformat(), e.isoformat(), status, plan))
    return rows


def _tx(cid: str, day: str, revenue: float, cogs: float = 0.0) -> dict:
    return {"transaction_id": f"t-{cid}-{day}", "customer_id": cid, "tx_date": D(day), "product": "P",
            "quantity": 1, "revenue": revenue, "cogs": cogs}


@pytest.fixture
def small():
    """A: two renewals, the third term running at 2024-06-30. B: renewed once, cancelled at the end of
    2023. C: cancelled after one term, won back in 2024 (a new relationship, left out). D: starts
    after the valuation date."""
    con = build_store(
        customers=[customer(c) for c in "ABCD"],
        transactions=[_tx("A", "2023-09-01", 700, 100), _tx("A", "2024-03-01", 600), _tx("B", "2024-06-30", 10),
                      _tx("D", "2024-06-01", 5)],
        contracts=[*_chain("A", 2022, 2, "active"), *_chain("B", 2022, 1, "cancelled"),
                   _k("C", "C-0", "2023-01-01", "2024-01-01", "cancelled"),
                   _k("C", "C-1", "2024-02-01", "2025-02-01", "active"),
                   _k("D", "D-0", "2024-07-01", "2025-07-01", "active")])
    yield con
    con.close()


def test_histories_as_of_a_date(small):
    when = D("2024-06-30")
    with db.cursor(small) as cur:
        k = retention.contracts_as_of(cur, Filters(date_to=when), when)
        s = retention.spells(k).set_index("customer_id")
        assert retention.term_months(k) == {"Annual contract": 12}
        assert sorted(s.index) == ["A", "B", "C"]  # D starts after the valuation date
        assert s.loc["A", ["periods", "renewals", "cancelled", "cohort"]].tolist() == [3, 2, False, 2022]
        assert s.loc["B", ["periods", "renewals", "cancelled"]].tolist() == [2, 1, True]
        assert s.loc["C", ["periods", "renewals", "cancelled"]].tolist() == [1, 0, True]  # the win-back is left out
        # A year earlier B's second term was running, and C's first: both active then.
        early = retention.spells(retention.contracts_as_of(cur, Filters(), D("2023-06-30"))).set_index("customer_id")
        assert early.loc["B", ["renewals", "cancelled"]].tolist() == [1, False]
        assert early.loc["C", ["renewals", "cancelled"]].tolist() == [0, False]
        assert early.loc["A", ["renewals", "cancelled"]].tolist() == [1, False]


def test_actual_retention_counts_only_ended_terms(small):
    with db.cursor(small) as cur:
        s = retention.spells(retention.contracts_as_of(cur, Filters(), D("2024-06-30")))
    a = retention.actual_retention(s, 3)
    # renewal 1: A and B renewed, C cancelled; renewal 2: A renewed, B cancelled; renewal 3: A's term runs
    assert a["at_risk"].tolist() == [3, 2, 0] and a["renewed"].tolist() == [2, 1, 0]
    assert a["retention_actual"].isna().all()  # below MIN_AT_RISK customers: not shown
    old = retention.MIN_AT_RISK
    try:
        retention.MIN_AT_RISK = 1
        a = retention.actual_retention(s, 2)
    finally:
        retention.MIN_AT_RISK = old
    assert a["retention_actual"].tolist() == pytest.approx([2 / 3, 1 / 2])
    assert a["survival_actual"].tolist() == pytest.approx([2 / 3, 1 / 3])


@pytest.fixture
def cohort_store():
    """40 annual-contract customers from 2020 and 2021 with known histories at 2024-06-30, and their
    purchases; a plan 'Tiny' with 3 customers (too few to fit)."""
    rng = np.random.default_rng(4)  # a draw that shows the heterogeneity (seed 3 looks homogeneous)
    customers, contracts, tx, truth = [], [], [], []
    for i in range(40):
        cid = f"K{i:02d}"
        year = 2020 + i % 2
        max_ren = 2024 - year  # terms start each January; the term of 2024 runs at mid-2024
        life = int(rng.geometric(rng.beta(0.8, 2.0)))  # the sBG's own story: heterogeneous churn
        active = life > max_ren
        renewals = max_ren if active else life - 1
        customers.append(customer(cid))
        contracts += _chain(cid, year, renewals, "active" if active else "cancelled")
        tx.append(_tx(cid, "2024-05-01", 100 * (i + 1), 20 * (i + 1)))
        truth.append((renewals if active else renewals + 1, active))
    for j in range(3):
        customers.append(customer(f"T{j}"))
        contracts += _chain(f"T{j}", 2023, 0, "active", plan="Tiny")
    tx.append(_tx("K00", "2024-06-30", 1))
    con = build_store(customers=customers, contracts=contracts, transactions=tx)
    yield con, truth
    con.close()


def test_fits_per_plan_and_contractual_clv(cohort_store):
    con, truth = cohort_store
    with db.cursor(con) as cur:
        v = retention.compute(cur, Filters())
    assert v.as_of == D("2024-06-30")
    periods, active = (np.array(x) for x in zip(*truth, strict=True))
    expected = sbg.fit(periods, active)
    plans = v.plans.set_index("plan")
    row = plans.loc["Annual contract"]
    assert row["alpha"] == pytest.approx(expected.alpha, rel=1e-6) and row["beta"] == pytest.approx(expected.beta, rel=1e-6)
    assert row["log_likelihood"] == pytest.approx(expected.log_likelihood, rel=1e-9)
    assert row[["customers", "active", "cancelled", "term_months"]].tolist() == [40, int(active.sum()),
                                                                                int((~active).sum()), 12]
    assert row["fit"] == "ok" and not expected.homogeneous
    assert plans.loc["Tiny", "fit"] == "few" and np.isnan(plans.loc["Tiny", "alpha"])
    # contractual CLV by hand: margin over the last 12 months (the spell covers all 12) × DERL
    c = v.customers.set_index("customer_id")
    for cid in c.index[c["plan"] == "Annual contract"][:5]:
        i = int(cid[1:])
        margin = 80 * (i + 1) + (1 if cid == "K00" else 0)
        ren = c.loc[cid, "renewals"]
        assert c.loc[cid, "margin_per_term"] == pytest.approx(margin)
        assert c.loc[cid, "contract_clv"] == pytest.approx(margin * expected.derl(ren, 0.10), abs=0.006)
    assert np.isnan(c.loc["T0", "contract_clv"])  # no fit, no value
    assert row["contract_clv"] == pytest.approx(c.loc[c["plan"] == "Annual contract", "contract_clv"].sum())
    # the fitted curve: S(0) = 1, falling; projected beyond the longest history (4 renewals)
    curve = v.curves[v.curves["plan"] == "Annual contract"]
    assert curve["survival_fitted"].iloc[0] == 1.0 and (curve["survival_fitted"].diff().dropna() < 0).all()
    assert curve.loc[curve["projected"], "period"].min() == 5 and curve["months"].max() >= retention.PROJECT_MONTHS
    # cohorts: 2020 and 2021, each with its own fit or the reason it has none
    cohorts = v.cohorts[v.cohorts["plan"] == "Annual contract"]
    assert cohorts["cohort"].tolist() == [2020, 2021] and cohorts["customers"].sum() == 40
    # each start year's curve comes from that year's own fit and its own customers
    for year in (2020, 2021):
        own = [tr for tr, i in zip(truth, range(40), strict=True) if 2020 + i % 2 == year]
        p_, a_ = (np.array(x) for x in zip(*own, strict=True))
        m_year = sbg.fit(p_, a_) if (~a_).sum() >= sbg.MIN_CANCELLED else None
        cc = v.cohort_curves[(v.cohort_curves["plan"] == "Annual contract") & (v.cohort_curves["cohort"] == year)]
        assert len(cc) and cc["survival_actual"].iloc[0] == 1.0
        if m_year is not None:
            assert np.allclose(cc["survival_fitted"], m_year.survival(cc["period"]), rtol=1e-6)
    s = v.summary()
    assert s["Annual contract"]["alpha"] == pytest.approx(expected.alpha, rel=1e-6)
    assert len(s["Annual contract"]["retention"]) == len(curve) - 1


def test_no_contracts_no_values():
    con = build_store(customers=[customer("A")], transactions=[_tx("A", "2024-01-01", 10)])
    with db.cursor(con) as cur:
        v = retention.compute(cur, Filters())
        assert v.empty and v.total_clv == 0.0 and v.summary() == {}
        assert retention.report_section(cur, Filters()) == {"contract_customers": 0, "contractual_clv": None}
    con.close()


def test_demo_plans_fit_and_annual_contracts_are_stickier(demo_con):
    with db.cursor(demo_con) as cur:
        v = retention.contract_values(cur, Filters())
    plans = v.plans.set_index("plan")
    assert set(plans.index) == {"Annual contract", "Postpaid"} and (plans["fit"] == "ok").all()
    assert plans.loc["Annual contract", "term_months"] == 12 and plans.loc["Postpaid", "term_months"] == 6
    # retention per year: one annual renewal against two six-month ones
    annual = v.fits["Annual contract"].survival(1)
    postpaid = v.fits["Postpaid"].survival(2)
    assert annual > postpaid + 0.1
    # the fit tracks the actual curve where enough customers were at risk
    c = v.curves.dropna(subset=["survival_actual"])
    assert (c["survival_actual"] - c["survival_fitted"]).abs().max() < 0.05
    assert len(v.customers) == int(plans["active"].sum()) > 1000 and v.total_clv > 0
    assert isinstance(v.customers["contract_clv"], pd.Series) and v.customers["contract_clv"].is_monotonic_decreasing


def test_refresh_stores_the_contract_fit_and_pages_read_it(tmp_path, cohort_store):
    from analytics import precompute
    from analytics.store import derived

    con, _ = cohort_store
    path = tmp_path / "s.duckdb"
    con.execute(f"ATTACH '{path}' AS f")
    con.execute("COPY FROM DATABASE memory TO f")
    con.execute("DETACH f")
    disk = db.connect(path)
    precompute.refresh(disk)
    with db.cursor(disk) as cur:
        f = precompute.default_filter(cur)
        when = retention.rfm.valuation_date(cur, f)
        stored = derived.get(cur, retention.FIT_KIND, retention.fit_params(f, when, retention.DEFAULT_ANNUAL_DISCOUNT),
                             (retention.ContractValues, sbg.Sbg))
        assert isinstance(stored, retention.ContractValues)
        fresh = retention.compute(cur, f)
    pd.testing.assert_frame_equal(stored.plans, fresh.plans)
    pd.testing.assert_frame_equal(stored.customers, fresh.customers)
    a, b = stored.fits["Annual contract"], fresh.fits["Annual contract"]
    assert (a.alpha, a.beta, a.log_likelihood, a.std_errors) == (b.alpha, b.beta, b.log_likelihood, b.std_errors)
    disk.close()


def test_no_discount_gives_no_contractual_value(cohort_store):
    con, _ = cohort_store
    with db.cursor(con) as cur:
        v = retention.compute(cur, Filters(), annual_discount=0.0)
    assert v.plans.loc[v.plans["plan"] == "Annual contract", "fit"].item() == "ok"
    assert v.customers["contract_clv"].isna().all()


def test_a_plan_whose_customers_all_cancelled_has_no_one_to_value():
    """Regression: with nobody under contract in a plan (a small filter), computing the margins failed
    (an empty text column divided by months)."""
    con = build_store(customers=[customer(c) for c in "AB"],
                      transactions=[_tx("A", "2024-06-30", 10)],
                      contracts=[*_chain("A", 2022, 1, "cancelled"), *_chain("B", 2023, 0, "cancelled")])
    with db.cursor(con) as cur:
        v = retention.compute(cur, Filters())
    assert v.customers.empty and v.total_clv == 0.0
    assert v.plans[["customers", "active", "cancelled", "fit"]].values.tolist() == [[2, 0, 2, "few"]]
    con.close()
