"""Lifecycle stages, transitions and acquisition payback on hand-made histories.

The store below has one customer or prospect per rule; every expected stage is worked out by hand
from the dates (day counts in the comments) with the short rules ``R``: new for 30 days, dormant
after 60, lost after 180, reactivated for 30, lost below P(alive) 0.1.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import lifecycle, report
from analytics.clv import models
from analytics.filters import Filters
from analytics.lifecycle import Rules, headline
from analytics.store import db
from tests.helpers import D, build_store, customer

R = Rules(new_days=30, dormant_days=60, lost_days=180, reactivated_days=30, p_alive_lost=0.1)


def tx(tid: str, cid: str, day: str, revenue: float = 100.0, cogs: float = 0.0) -> dict:
    return {"transaction_id": tid, "customer_id": cid, "tx_date": D(day), "product": "p", "quantity": 1,
            "revenue": revenue, "cogs": cogs}


def opp(oid: str, stage: str, created: str, closed: str | None = None, cid: str | None = None,
        region: str = "North") -> dict:
    return {"opportunity_id": oid, "customer_id": cid, "prospect_name": f"Prospect {oid}", "stage": stage,
            "created_on": D(created), "closed_on": D(closed) if closed else None, "amount": 1000, "region": region,
            "channel": "Direct sales"}


@pytest.fixture(scope="module")
def life():
    customers = [
        customer("NEW", acquired_on=D("2024-06-10")),
        customer("ACT", acquired_on=D("2024-01-01")),
        customer("DOR", acquired_on=D("2024-01-01")),
        customer("REA", acquired_on=D("2024-01-05")),
        customer("LOS", acquired_on=D("2023-01-01"), segment="S2"),
        customer("ACQ", acquired_on=D("2024-03-01")),
        customer("RET", acquired_on=D("2024-01-01")),
        customer("W", acquired_on=D("2024-07-01")),
    ]
    transactions = [
        tx("n1", "NEW", "2024-06-10"),
        *(tx(f"a{i}", "ACT", d) for i, d in enumerate(["2024-01-01", "2024-02-15", "2024-03-30", "2024-05-20",
                                                        "2024-06-20"])),
        tx("d1", "DOR", "2024-01-01"), tx("d2", "DOR", "2024-02-20"),
        tx("r1", "REA", "2024-01-05"), tx("r2", "REA", "2024-04-10"),
        tx("l1", "LOS", "2023-01-01"), tx("l2", "LOS", "2023-06-01"), tx("l3", "LOS", "2024-03-01"),
        tx("t1", "RET", "2024-01-01"), tx("t2", "RET", "2024-03-15", revenue=-50.0),
        tx("w1", "W", "2024-07-01"),
    ]
    opportunities = [
        opp("OW1", "won", "2024-05-01", "2024-07-01", cid="W"),
        opp("OW2", "prospect", "2024-06-15", cid="W"),
        opp("OT", "target", "2024-05-01", region="North"),
        opp("OL", "lost", "2024-03-01", "2024-05-15", region="South"),
        opp("OP", "prospect", "2024-06-01", region="South"),
    ]
    con = build_store(customers=customers, transactions=transactions, opportunities=opportunities)
    yield con
    con.close()


def stage_of(con, entity: str, day: str, rules: Rules = R, model=None, f: Filters | None = None) -> str:
    with db.cursor(con) as cur:
        grid = lifecycle.stage_grid(cur, f or Filters(), [D(day)], rules, model)
    ids = grid.entities["entity_id"].tolist()
    return grid.stages.iloc[ids.index(entity), 0]


@pytest.mark.parametrize(("entity", "day", "expected"), [
    # NEW: acquired and first purchase 2024-06-10.
    ("NEW", "2024-06-09", "none"), ("NEW", "2024-06-10", "new"), ("NEW", "2024-07-09", "new"),
    ("NEW", "2024-07-10", "active"),  # 30 days after the start: no longer new, bought 30 days ago
    # ACT: purchases every 31–51 days.
    ("ACT", "2024-01-30", "new"), ("ACT", "2024-01-31", "active"), ("ACT", "2024-06-30", "active"),
    # DOR: last purchase 2024-02-20; 59 / 60 / 179 / 180 days later.
    ("DOR", "2024-04-19", "active"), ("DOR", "2024-04-20", "dormant"), ("DOR", "2024-08-17", "dormant"),
    ("DOR", "2024-08-18", "lost"),
    # REA: 96 days of silence, then a purchase on 2024-04-10 (reactivated for 30 days).
    ("REA", "2024-04-09", "dormant"), ("REA", "2024-04-10", "reactivated"), ("REA", "2024-05-09", "reactivated"),
    ("REA", "2024-05-10", "active"), ("REA", "2024-06-30", "dormant"),  # 81 days after 2024-04-10
    # LOS: 2023-06-01 + 179 / 180 days; a purchase on 2024-03-01 after 274 days ends the lost spell.
    ("LOS", "2023-11-27", "dormant"), ("LOS", "2023-11-28", "lost"), ("LOS", "2024-02-29", "lost"),
    ("LOS", "2024-03-01", "reactivated"), ("LOS", "2024-03-31", "active"),
    # ACQ: acquired 2024-03-01, never bought: new, then "no purchase yet" — never active, dormant or lost
    # (it was shown as lost after 180 days: a customer who never bought cannot have stopped).
    ("ACQ", "2024-03-15", "new"), ("ACQ", "2024-03-31", "no_purchase"), ("ACQ", "2024-08-27", "no_purchase"),
    ("ACQ", "2024-08-28", "no_purchase"), ("ACQ", "2024-12-31", "no_purchase"),
    # RET: a return (negative revenue) is not a purchase: 74 days after the only purchase.
    ("RET", "2024-03-15", "dormant"), ("RET", "2024-06-30", "lost"),
    # W: won opportunity open 2024-05-01 … 2024-07-01, plus an open prospect-stage one from 06-15.
    ("W", "2024-04-30", "none"), ("W", "2024-05-01", "opportunity"), ("W", "2024-06-30", "opportunity"),
    ("W", "2024-07-01", "new"),
    # Prospects without a customer id.
    ("opportunity:OT", "2024-04-30", "none"), ("opportunity:OT", "2024-05-01", "target"),
    ("opportunity:OL", "2024-03-01", "opportunity"), ("opportunity:OL", "2024-05-14", "opportunity"),
    ("opportunity:OL", "2024-05-15", "none"), ("opportunity:OP", "2024-06-30", "prospect"),
])
def test_stage_rules(life, entity, day, expected):
    assert stage_of(life, entity, day) == expected


def test_default_rules_and_validation():
    r = Rules()
    assert (r.new_days, r.dormant_days, r.lost_days, r.reactivated_days, r.p_alive_lost) == (90, 90, 365, 90, 0.05)
    with pytest.raises(ValueError, match="less than lost_days"):
        Rules(dormant_days=365, lost_days=365)
    with pytest.raises(ValueError, match="whole number"):
        Rules(new_days=0)
    with pytest.raises(ValueError, match="whole number"):
        Rules(new_days=1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Rules(p_alive_lost=1.5)


def test_classify_p_alive_boundaries():
    # Silent 60 days: P(alive) below 0.1 is lost, exactly 0.1 or unknown is dormant;
    # silent 59 days is active whatever P(alive) says.
    out = lifecycle.classify(
        started=np.array([True] * 5), recency_days=np.array([60, 60, 60, 59, 200]),
        days_since_start=np.array([400] * 5), days_since_reactivation=np.full(5, np.nan), rules=R,
        p_alive=np.array([0.0999, 0.1, np.nan, 0.01, 0.99]))
    assert out.tolist() == ["lost", "dormant", "dormant", "active", "lost"]


def test_a_customer_who_never_bought_is_no_purchase_yet_never_lost():
    # Acquired 400, 200, 100 and 30 days ago, never bought: "no purchase yet" past the new window (it was
    # lost, dormant, dormant), new within it; one who bought, silent as long, stays lost / dormant.
    out = lifecycle.classify(
        started=np.array([True] * 6), recency_days=np.array([400, 200, 100, 30, 400, 200]),
        days_since_start=np.array([400, 200, 100, 30, 800, 800]), days_since_reactivation=np.full(6, np.nan),
        rules=Rules(), p_alive=np.array([np.nan] * 4 + [0.5, 0.5]),
        bought=np.array([False, False, False, False, True, True]))
    assert out.tolist() == ["no_purchase", "no_purchase", "no_purchase", "new", "lost", "dormant"]
    assert lifecycle.NO_PURCHASE in lifecycle.STAGES and lifecycle.NO_PURCHASE not in lifecycle.CUSTOMER_STAGES


def test_p_alive_from_a_model(life):
    # BG/NBD in days, r = 1, alpha = 10, a = 1, b = 1. On 2024-06-30:
    # DOR: x = 1, t_x = 50, T = 181 → P(alive) = 1 / (1 + (191/60)^2) = 0.0898 < 0.1 → lost.
    # REA: x = 1, t_x = 96, T = 177 → P(alive) = 1 / (1 + (187/106)^2) = 0.2432 → stays dormant.
    m = models.BgNbd(r=1.0, alpha=10.0, a=1.0, b=1.0, log_likelihood=0.0, customers=0, repeat_customers=0,
                  time_unit="days")
    assert stage_of(life, "DOR", "2024-06-30", model=m) == "lost"
    assert stage_of(life, "REA", "2024-06-30", model=m) == "dormant"
    with db.cursor(life) as cur:
        at = lifecycle.stages_at(cur, Filters(), D("2024-06-30"), R, use_p_alive=False)
        grid = lifecycle.stage_grid(cur, Filters(), [D("2024-06-30")], R, m)
    state = grid.state.set_index("customer_id")
    assert state.loc["DOR", "p_alive"] == pytest.approx(1 / (1 + (191 / 60) ** 2))
    assert state.loc["REA", "p_alive"] == pytest.approx(1 / (1 + (187 / 106) ** 2))
    assert state.loc["NEW", "p_alive"] == 1.0  # no repeat purchase: BG/NBD says alive
    assert np.isnan(state.loc["ACQ", "p_alive"])  # never bought: unknown
    # The same model in weeks gives the same probabilities (time units are converted once).
    weeks = m.in_unit("weeks")
    with db.cursor(life) as cur:
        grid_w = lifecycle.stage_grid(cur, Filters(), [D("2024-06-30")], R, weeks)
    assert grid_w.state.set_index("customer_id").loc["DOR", "p_alive"] == pytest.approx(state.loc["DOR", "p_alive"])
    assert at.set_index("entity_id").loc["DOR", "recency_days"] == 131


def test_counts_and_transitions(life):
    with db.cursor(life) as cur:
        at = lifecycle.stages_at(cur, Filters(), D("2024-06-30"), R, use_p_alive=False)
        counts = lifecycle.count_stages(at["stage"])
        trans = lifecycle.transitions(cur, Filters(), D("2024-03-31"), D("2024-06-30"), R, use_p_alive=False)
    assert counts == {"target": 1, "prospect": 1, "opportunity": 1, "new": 1, "active": 1, "reactivated": 0,
                      "dormant": 3, "lost": 1, "no_purchase": 1}
    got = {(a, b): n for a, b, n in trans.itertuples(index=False)}
    # On 2024-03-31: ACT, DOR, LOS active; REA, RET dormant; ACQ no purchase yet; OL opportunity; others not
    # yet known.
    assert got == {
        ("none", "target"): 1, ("none", "prospect"): 1, ("none", "opportunity"): 1, ("none", "new"): 1,
        ("opportunity", "none"): 1, ("active", "active"): 1, ("active", "dormant"): 2,
        ("dormant", "dormant"): 1, ("dormant", "lost"): 1, ("no_purchase", "no_purchase"): 1,
    }
    with pytest.raises(ValueError, match="first date before"), db.cursor(life) as cur:
        lifecycle.transitions(cur, Filters(), D("2024-06-30"), D("2024-03-31"), R)


def test_history_and_filters(life):
    with db.cursor(life) as cur:
        hist = lifecycle.stage_history(cur, Filters("2024-04-01", "2024-06-30"), R, use_p_alive=False)
        seg = lifecycle.stages_at(cur, Filters(segments=("S2",)), D("2024-06-30"), R, use_p_alive=False)
        north = lifecycle.stages_at(cur, Filters(regions=("North",)), D("2024-06-30"), R, use_p_alive=False)
        south = lifecycle.stages_at(cur, Filters(regions=("South",)), D("2024-06-30"), R, use_p_alive=False)
    assert sorted(set(hist["date"])) == [D("2024-04-30"), D("2024-05-31"), D("2024-06-30")]
    june = hist[hist["date"] == D("2024-06-30")].set_index("stage")["count"]
    assert june["dormant"] == 3 and june["no_purchase"] == 1 and june["target"] == 1 and june.sum() == 10
    # 2024-05-31: NEW not yet; ACT active (11 days); DOR dormant (101); REA active (51, past its 30
    # reactivated days); LOS dormant (91 since 2024-03-01); ACQ no purchase yet; RET dormant (151);
    # W opportunity; OT target; OL none (closed 05-15); OP none (created 06-01).
    may = hist[hist["date"] == D("2024-05-31")].set_index("stage")["count"].to_dict()
    assert may == {"target": 1, "prospect": 0, "opportunity": 1, "new": 0, "active": 2, "reactivated": 0,
                   "dormant": 3, "lost": 0, "no_purchase": 1}
    # A segment filter keeps its customers and drops prospects (they have no segment).
    assert seg["entity_id"].tolist() == ["LOS"]
    # A region filter keeps the prospects of that region.
    assert "opportunity:OT" in set(north["entity_id"]) and "opportunity:OP" not in set(north["entity_id"])
    assert set(south["entity_id"]) == {"opportunity:OP"}


def test_rank_dormant():
    at = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e"], "name": list("ABCDE"), "segment": "S",
        "stage": ["dormant", "dormant", "active", "dormant", "dormant"],
        "last_purchase": [D("2024-01-01")] * 5, "recency_days": [100, 200, 10, 100, 150],
        "p_alive": [0.5, 0.9, 0.9, 0.7, 0.5],
    })
    values = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"], "potential_value": [10.0, 50.0, 99.0, 10.0, -5.0],
                           "realized_value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    ranked = lifecycle.rank_dormant(at, values)
    # b has the most potential; a and d tie on potential, d has the higher P(alive); e is negative.
    assert ranked["customer_id"].tolist() == ["b", "d", "a", "e"]
    assert ranked.columns.tolist() == list(lifecycle.WAKE_COLUMNS)
    assert lifecycle.rank_dormant(at, values, limit=2)["customer_id"].tolist() == ["b", "d"]
    # Without values: P(alive) first, then the most recent.
    assert lifecycle.rank_dormant(at, None)["customer_id"].tolist() == ["b", "d", "a", "e"]


def test_month_ends():
    assert lifecycle.month_ends(D("2024-01-15"), D("2024-03-10")) == [D("2024-01-31"), D("2024-02-29"), D("2024-03-10")]
    with pytest.raises(ValueError):
        lifecycle.month_ends(D("2024-03-01"), D("2024-01-01"))


# ------------------------------------------------------------------------------------ payback
@pytest.fixture(scope="module")
def payback_store():
    rates = [{"activity": "call", "unit_cost": 10, "valid_from": D("2020-01-01"), "unit": "call"}]
    customers = [customer("P1", acquired_on=D("2024-01-15"), acquisition_cost=300),
                 customer("P2", acquired_on=D("2024-01-20"), acquisition_cost=100),
                 customer("P3", acquired_on=D("2024-02-10"), acquisition_cost=None),
                 customer("OLD", acquired_on=D("2020-01-01"), acquisition_cost=5000)]
    transactions = [tx("o1", "OLD", "2024-01-02", 1000), tx("1", "P1", "2024-01-15", 200, 100),
                    tx("2", "P1", "2024-02-01", 300, 100), tx("3", "P1", "2024-03-05", 100),
                    tx("4", "P2", "2024-01-20", 50), tx("5", "P3", "2024-02-10", 10, 20)]
    activities = [{"activity_id": "c1", "customer_id": "P1", "activity_date": D("2024-02-02"), "activity": "call",
                   "quantity": 5}]
    con = build_store(customers=customers, transactions=transactions, activities=activities, activity_rates=rates)
    yield con
    con.close()


def test_payback_monthly_cohorts(payback_store):
    # P1: profits 100 (Jan), 300 − 100 − 5 × 10 = 150 (Feb), 100 (Mar); cost 300 → net −200, −50, +50.
    # P2: 50 in Jan; cost 100 → −50, −50, −50.  P3 (Feb): 10 − 20 = −10; cost missing → 0 → −10, −10.
    # OLD was acquired before the data begin (2024-01-02): no cohort.
    with db.cursor(payback_store) as cur:
        pb = lifecycle.payback(cur, Filters("2024-01-01", "2024-03-31"), grain="month")
    c = pb.cohorts.set_index("cohort")
    assert list(c.index) == [D("2024-01-01"), D("2024-02-01")]
    jan, feb = c.loc[D("2024-01-01")], c.loc[D("2024-02-01")]
    assert jan["customers"] == 2 and jan["months_observed"] == 3 and jan["acquisition_cost"] == 200
    assert jan["months_to_payback"] == 3  # mean net: −125, −50, 0 → pays back in month 3
    assert jan["profit_to_date"] == pytest.approx((350 + 50) / 2)
    assert np.isnan(feb["months_to_payback"]) and feb["months_observed"] == 2
    curve = pb.curves[pb.curves["cohort"] == D("2024-01-01")]["net_profit"].tolist()
    assert curve == pytest.approx([-125, -50, 0])
    per = pb.customers.set_index("customer_id")
    assert per.loc["P1", "months_to_payback"] == 3 and np.isnan(per.loc["P2", "months_to_payback"])
    assert pb.missing_cost == 1 and pb.unprofitable_after_year_one is None and pb.year_one_customers == 0
    assert set(per.index) == {"P1", "P2", "P3"}


def test_payback_quarter_cohort_stops_at_shortest_member(payback_store):
    with db.cursor(payback_store) as cur:
        pb = lifecycle.payback(cur, Filters("2024-01-01", "2024-03-31"), grain="quarter")
    curve = pb.curves
    assert curve["cohort"].unique().tolist() == [D("2024-01-01")]
    # P3 has 2 months: mean (−200 − 50 − 10)/3, (−50 − 50 − 10)/3; medians −50, −50.
    assert curve["net_profit"].tolist() == pytest.approx([-260 / 3, -110 / 3])
    assert curve["median_net_profit"].tolist() == pytest.approx([-50, -50])
    with pytest.raises(ValueError, match="grain"), db.cursor(payback_store) as cur:
        lifecycle.payback(cur, Filters(), grain="week")


def test_payback_year_one():
    # Q1 makes 100 a month, Q2 50 a month, both cost 1000, acquired 2023-01-01; Q3 acquired 2023-12-01.
    # After 12 months: Q1 1200 − 1000 = +200, Q2 600 − 1000 = −400 → half unprofitable after year one;
    # Q3 has only 4 months (to 2024-03-31) and does not count.
    months = pd.date_range("2023-01-01", "2024-03-01", freq="MS").date
    rows = [tx(f"q1-{m}", "Q1", m.isoformat(), 100) for m in months]
    rows += [tx(f"q2-{m}", "Q2", m.isoformat(), 50) for m in months]
    rows += [tx(f"q3-{m}", "Q3", m.isoformat(), 10) for m in months if m >= dt.date(2023, 12, 1)]
    con = build_store(customers=[customer("Q1", acquired_on=D("2023-01-01"), acquisition_cost=1000),
                                 customer("Q2", acquired_on=D("2023-01-01"), acquisition_cost=1000),
                                 customer("Q3", acquired_on=D("2023-12-01"), acquisition_cost=0)],
                      transactions=rows)
    with db.cursor(con) as cur:
        pb = lifecycle.payback(cur, Filters("2024-01-01", "2024-03-31"), grain="month")
    c = pb.cohorts.set_index("cohort").loc[D("2023-01-01")]
    assert pb.unprofitable_after_year_one == 0.5 and pb.year_one_customers == 2
    assert c["unprofitable_after_year_one"] == 0.5 and c["months_observed"] == 15
    assert c["months_to_payback"] == 14  # mean 75 a month: 14 × 75 = 1050 ≥ 1000
    per = pb.customers.set_index("customer_id")
    assert per.loc["Q1", "months_to_payback"] == 10 and np.isnan(per.loc["Q2", "months_to_payback"])
    assert per.loc["Q1", "net_profit_year_one"] == 200 and per.loc["Q2", "net_profit_year_one"] == -400
    assert np.isnan(per.loc["Q3", "net_profit_year_one"])
    con.close()


# ------------------------------------------------------------------------------------ properties
@given(st.lists(st.integers(0, 400), min_size=1, max_size=8), st.integers(0, 500))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_stage_follows_recency(offsets, probe):
    """For any purchase history: a customer who bought within dormant_days is never dormant or
    lost; one silent for lost_days or more is always lost; silent in between, always dormant
    (no model). The stage on the day of a purchase is new, reactivated or active."""
    start = D("2024-01-01")
    days = sorted({start + dt.timedelta(days=o) for o in offsets})
    con = build_store(customers=[customer("X", acquired_on=days[0])],
                      transactions=[tx(f"t{i}", "X", d.isoformat()) for i, d in enumerate(days)])
    on = start + dt.timedelta(days=probe)
    stage = stage_of(con, "X", on.isoformat())
    con.close()
    before = [d for d in days if d <= on]
    if not before:
        assert stage == "none"
        return
    recency = (on - before[-1]).days
    if recency >= R.lost_days:
        assert stage == "lost"
    elif recency >= R.dormant_days:
        assert stage == "dormant"
    else:
        assert stage in ("new", "active", "reactivated")
    if recency == 0:
        assert stage in ("new", "reactivated", "active")


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 500)), min_size=1, max_size=30),
       st.lists(st.integers(0, 560), min_size=1, max_size=4), st.integers(5, 120), st.booleans())
@settings(max_examples=60, deadline=None)
def test_stage_grid_matches_the_purchase_days(purchases, probes, dormant, acquired):
    """Whatever the purchase days (several in one month, silences across months) and dormant_days
    (below and above a month), each date's first and last purchase, purchase count, reactivation
    and stage are those worked out from the purchase days one by one."""
    from analytics.lifecycle.stages import classify

    start = D("2024-01-01")
    rules = Rules(new_days=30, dormant_days=dormant, lost_days=dormant + 90, reactivated_days=20)
    acq = {c: start - dt.timedelta(days=40) if acquired else None for c in "XY"}
    con = build_store(customers=[customer(c, acquired_on=acq[c]) for c in "XY"],
                      transactions=[tx(f"t{i}", "XY"[c], (start + dt.timedelta(days=o)).isoformat())
                                    for i, (c, o) in enumerate(purchases)]
                      + [tx("ret", "X", (start + dt.timedelta(days=3)).isoformat(), revenue=-5.0)])
    dates = sorted({start + dt.timedelta(days=o) for o in probes})
    with db.cursor(con) as cur:
        grid = lifecycle.stage_grid(cur, Filters(), dates, rules)
    con.close()
    for row, c in enumerate(grid.entities["customer_id"]):
        bought = sorted({start + dt.timedelta(days=o) for k, o in purchases if "XY"[k] == c})
        gaps = {d: (d - (bought[i - 1] if i else acq[c])).days if (i or acq[c]) else None
                for i, d in enumerate(bought)}
        for j, on in enumerate(dates):
            before = [d for d in bought if d <= on]
            begin = min([d for d in (acq[c], before[0] if before else None) if d is not None], default=None)
            last = before[-1] if before else acq[c]
            react = [d for d in before if gaps[d] is not None and gaps[d] >= dormant]
            expected = classify(
                started=np.array([begin is not None and begin <= on]),
                recency_days=np.array([(on - last).days if last else np.nan]),
                days_since_start=np.array([(on - begin).days if begin else np.nan]),
                days_since_reactivation=np.array([(on - react[-1]).days if react else np.nan]),
                rules=rules, bought=np.array([bool(before)]))[0]
            assert grid.stages.iloc[row, j] == expected, (c, on)
        state = grid.state.set_index("customer_id").loc[c]
        upto = [d for d in bought if d <= dates[-1]]
        assert state["first_purchase"] == (upto[0] if upto else None)
        assert state["last_purchase"] == (upto[-1] if upto else None)


def _window_rows(plan: str) -> int:
    """The rows a query's window operator produced, from DuckDB's EXPLAIN ANALYZE drawing (boxes
    may stand side by side: the box is read in its own columns)."""
    lines = plan.splitlines()
    for i, line in enumerate(lines):
        left = line.find("╭─ Window")
        if left >= 0:
            right = line.index("╮", left)
            for below in lines[i + 1:]:
                found = re.search(r"([\d,]+) rows", below[left:right])
                if found:
                    return int(found.group(1).replace(",", ""))
    raise AssertionError(f"no window operator in the plan:\n{plan}")


def test_purchase_gaps_are_taken_per_month_not_per_purchase_day():
    """The gaps that decide reactivation are taken between monthly spans of purchases (the window
    over every purchase day took twice as long at 10 million transactions): 20 purchase days in
    one month and 2 in another give two rows to the window, and the same stages."""
    days = [f"2024-03-{d:02d}" for d in range(1, 21)] + ["2024-09-10", "2024-09-12"]
    con = build_store(customers=[customer("X", acquired_on=D("2024-03-01"))],
                      transactions=[tx(f"t{i}", "X", d) for i, d in enumerate(days)])
    seen: list[tuple[str, object]] = []

    class Recording:
        def __init__(self, cur: object) -> None:
            self._cur = cur

        def execute(self, sql: str, params: object = None) -> object:
            seen.append((sql, params))
            return self._cur.execute(sql, params)

    with db.cursor(con) as cur:
        grid = lifecycle.stage_grid(Recording(cur), Filters(), [D("2024-06-30"), D("2024-09-30")], R)
        sql, params = next((q, p) for q, p in seen if "lag(" in q.lower())
        plan = "\n".join(str(r[1]) for r in cur.execute("EXPLAIN ANALYZE " + sql, params).fetchall())
    con.close()
    assert _window_rows(plan) == 2
    # silent for 174 days from 2024-03-20: dormant in June, reactivated by the purchase of 09-10
    assert grid.stages.iloc[0].tolist() == ["dormant", "reactivated"]
    assert grid.state.loc[0, "last_purchase"] == D("2024-09-12")


@given(st.lists(st.floats(-500, 500, allow_nan=False), min_size=1, max_size=24), st.floats(0, 2000))
@settings(max_examples=60, deadline=None)
def test_payback_month_is_first_month_at_or_above_zero(profits, cost):
    """Months to payback is the first month the net cumulative curve reaches zero (NaN if never)."""
    n = len(profits)
    months = pd.date_range("2023-01-01", periods=n, freq="MS").date
    rows = [tx(f"t{i}", "X", m.isoformat(), round(p, 2)) for i, (m, p) in enumerate(zip(months, profits, strict=True))
            if round(p, 2) != 0]
    rows.append(tx("first", "X", "2023-01-01", 0.0))
    con = build_store(customers=[customer("X", acquired_on=D("2023-01-01"), acquisition_cost=round(cost, 2))],
                      transactions=rows)
    end = pd.Timestamp(months[-1]).to_period("M").end_time.date()
    with db.cursor(con) as cur:
        pb = lifecycle.payback(cur, Filters(date_to=end), grain="month")
    con.close()
    net = np.cumsum([round(p, 2) for p in profits]) - round(cost, 2)
    hit = np.nonzero(net >= -1e-9)[0]
    got = pb.customers["months_to_payback"].iloc[0]
    if hit.size:
        assert got == hit[0] + 1
    else:
        assert np.isnan(got)


# ------------------------------------------------------------------------------------ demo and report
def test_demo_summary_and_report_agree(demo_con):
    with db.cursor(demo_con) as cur:
        f = Filters("2025-11-01", "2026-10-31")
        s = lifecycle.summary(cur, f)
        section = headline.report_section(cur, f)
        built = report.build(cur, f)
    assert section["stage_counts"] == s.counts == built["stage_counts"]
    assert s.as_of == D("2026-10-31")
    assert s.history[s.history["date"] == s.as_of].set_index("stage")["count"].to_dict() == s.counts
    # Every dormant customer is ranked, the most potential value first.
    assert len(s.dormant) == s.counts["dormant"]
    pv = s.dormant["potential_value"].to_numpy()
    assert (np.diff(pv[~np.isnan(pv)]) <= 1e-9).all()
    # Stages follow the demo's shape: most customers active or lost, a few hundred dormant.
    assert s.counts["active"] > s.counts["dormant"] > 0 and s.counts["lost"] > 0 and s.counts["reactivated"] > 0


def test_payback_at_exact_break_even_counts_as_paid():
    # Revenue 0.30 − one call at 0.10 − acquisition cost 0.20 = 0: paid back in month 1 (in doubles the
    # sum is −2.8e-17, which must not read as "not yet").
    con = build_store(
        customers=[customer("P", acquired_on=D("2024-01-10"), acquisition_cost=0.2)],
        activity_rates=[{"activity": "call", "unit_cost": 0.1, "valid_from": D("2024-01-01"), "unit": "call"}],
        transactions=[tx("t1", "P", "2024-01-10", 0.3)],
        activities=[{"activity_id": "a1", "customer_id": "P", "activity_date": D("2024-01-11"), "activity": "call",
                     "quantity": 1}],
    )
    with db.cursor(con) as cur:
        pb = lifecycle.payback(cur, Filters("2024-01-01", "2024-01-31"), grain="month")
    assert pb.customers.set_index("customer_id").loc["P", "months_to_payback"] == 1
    assert pb.curves["net_profit"].tolist() == [0.0]
    con.close()


def test_dormant_value_splits_who_is_worth_waking():
    d = pd.DataFrame({"customer_id": list("abcde"), "potential_value": [300.0, 0.1 + 0.2, 0.0, -120.5, np.nan]})
    w = lifecycle.dormant_value(d)
    assert (w.customers, w.worth_waking, w.losing) == (5, 2, 1)
    assert w.worth_value == 300.3 and w.losing_value == -120.5 and w.net_value == 179.8
    none = lifecycle.dormant_value(pd.DataFrame({"potential_value": [np.nan, np.nan]}))
    assert (none.worth_waking, none.losing, none.net_value) == (0, 0, None)
    with pytest.raises(ValueError, match="potential_value"):
        lifecycle.dormant_value(pd.DataFrame({"customer_id": ["a"]}))
