"""Properties of projections over random plans on the ``abc_store`` data (tests/conftest.py).

The store is shared by every example of a test: a projection never writes (test_project.py checks
the fingerprint), so hypothesis' function-scoped-fixture health check is suppressed on purpose.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import scenario as sc
from analytics.store import db
from tests.analytics.scenario.conftest import Y2024

SHARED_STORE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

DATES = st.sampled_from([None, dt.date(2023, 6, 1), dt.date(2024, 3, 1), dt.date(2024, 7, 1),
                         dt.date(2024, 10, 15), dt.date(2025, 6, 1)])
SHARES = st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 3))
SELECTORS = st.one_of(
    st.just(sc.Selector.everyone()), st.just(sc.Selector.loss_makers()),
    st.builds(sc.Selector, st.just("segment"), st.sampled_from([("S1",), ("S2",), ("S1", "S2")]), st.booleans()),
    st.builds(sc.Selector, st.just("region"), st.just(("North",)), st.booleans()),
    st.lists(st.sampled_from("ABCD"), unique=True).map(lambda ids: sc.Selector("ids", tuple(ids))),
)
ACTIVITIES = st.sampled_from(["visit", "call"])


def _lever(kind, **kw):
    return st.builds(kind, customers=SELECTORS, effective_from=DATES, **kw)


LEVERS = st.one_of(
    _lever(sc.ProcessImprovement, activity=ACTIVITIES, cut=SHARES),
    _lever(sc.ProcessImprovement, activity=ACTIVITIES, unit_cost=st.integers(0, 300)),
    _lever(sc.ActivityPricing, activity=ACTIVITIES, fee=st.integers(0, 50), allowance=st.integers(0, 40),
           behaviour_share=SHARES),
    _lever(sc.ChannelMigration, from_activity=st.just("call"), to_activity=st.just("visit"), share=SHARES,
           units_per_unit=st.sampled_from([0.05, 1.0])),
    _lever(sc.MinimumOrder, minimum=st.sampled_from([250, 400, 600]), consolidate_share=SHARES,
           order_activities=st.sampled_from([(), ("visit",)])),
    _lever(sc.DiscountCap, activity=ACTIVITIES, cap_share=SHARES),
    _lever(sc.PriceChange, change=st.sampled_from([-0.2, 0.1, 0.3]), elasticity=st.sampled_from([0.0, -0.5, -1.5]),
           product=st.sampled_from([None, "P1", "P2"])),
    _lever(sc.RelationshipTransition, mode=st.just("let_go")),
    _lever(sc.RelationshipTransition, mode=st.just("partner"), margin_share=SHARES),
)
NOBODY = st.one_of(st.just(sc.Selector.nobody()), st.just(sc.Selector("ids", ("C",), loss_makers_only=True)))


def project(con, levers):
    with db.cursor(con) as cur:
        return sc.project(cur, Y2024, levers, winwin=False)


def test_no_levers_is_the_baseline(abc_store):
    p = project(abc_store, [])
    assert p.customers["profit_after"].tolist() == p.customers["profit_before"].tolist()
    assert p.figures("scenario") == p.figures("baseline") and p.scenario == p.baseline


@SHARED_STORE
@given(levers=st.lists(LEVERS, max_size=4), nobody=NOBODY)
def test_levers_applied_to_nobody_change_nothing(abc_store, levers, nobody):
    p = project(abc_store, [type(x)(**{**x.__dict__, "customers": nobody}) for x in levers])
    for col in ("revenue", "cogs", "cost_to_serve", "profit"):
        assert p.customers[f"{col}_after"].tolist() == p.customers[f"{col}_before"].tolist()
    assert p.scenario == p.baseline
    assert all(e.profit == 0 and e.changed == 0 for e in p.effects)


@SHARED_STORE
@given(levers=st.lists(LEVERS, max_size=4))
def test_levers_after_the_period_change_nothing(abc_store, levers):
    late = [type(x)(**{**x.__dict__, "effective_from": dt.date(2025, 1, 1)}) for x in levers]
    assert project(abc_store, late).scenario == project(abc_store, []).baseline


@settings(SHARED_STORE, max_examples=60)
@given(levers=st.lists(LEVERS, min_size=1, max_size=5))
def test_effects_sum_to_the_total_change(abc_store, levers):
    p = project(abc_store, levers)
    assert sum(e.profit for e in p.effects) == pytest.approx(p.total_change, abs=1e-6)
    per_customer = p.customers[[f"lever_{i}" for i in range(1, len(levers) + 1)]].sum(axis=1)
    assert per_customer.to_numpy() == pytest.approx(p.customers["change"].to_numpy(), abs=1e-5)
    assert p.scenario.total_profit == pytest.approx(p.customers["profit_after"].sum(), abs=1e-6)
    left = p.customers[p.customers["status"] == "leaves"]
    assert (left["profit_after"] == 0).all() and p.scenario.customers == len(p.customers) - len(left)
