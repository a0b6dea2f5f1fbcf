"""The customer P&L of the opening view is stored by the refresh and read by the pages (issue 13:
nothing expensive when a page opens): the stored rows give exactly the P&L a computation gives, for
the period, the period before it and the history up to its end; other views and what-if rates
are computed as before, and a write makes the stored rows miss until the next refresh."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analytics import precompute, profit, rates
from analytics.filters import Filters
from analytics.store import db, derived


@pytest.fixture
def store(small_refreshed_path: Path, tmp_path: Path):
    path = tmp_path / "store.duckdb"
    shutil.copy(small_refreshed_path, path)
    con = db.connect(path)
    yield con
    con.close()


def views(cur) -> dict[str, Filters]:
    """The filters the pages open on: the period, the one before it, the history Customer value values."""
    f = precompute.default_filter(cur)
    return {"period": f, "previous": f.previous(), "history": f.with_period(None, f.date_to)}


def assert_same_pnl(a: profit.CustomerPnL, b: profit.CustomerPnL) -> None:
    for name in ("customers", "costs", "unpriced"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert a.currency == b.currency and a.rates_override == b.rates_override


def no_query(*_a, **_k):
    raise AssertionError("the P&L was computed although the refresh stored it")


def test_the_opening_view_s_p_and_l_is_read_from_the_store_and_equals_a_computation(store, monkeypatch):
    with db.cursor(store) as cur:
        fs = views(cur)
        # "aggregates" never reads stored rows: the same monthly figures, computed now
        expected = {k: profit.customer_pnl(cur, f, source="aggregates") for k, f in fs.items()}
        assert all(len(p.customers) > 50 and len(p.costs) > 50 for p in expected.values())
        monkeypatch.setattr(profit, "pnl_relations", no_query)
        for k, f in fs.items():
            assert_same_pnl(profit.customer_pnl(cur, f), expected[k])
            # the resolved filter the pages pass is the same view
            assert_same_pnl(profit.customer_pnl(cur, f.resolved((f.date_from, f.date_to))), expected[k])


def test_what_if_rates_apply_to_the_stored_rows_as_to_computed_ones(store, monkeypatch):
    with db.cursor(store) as cur:
        f = views(cur)["period"]
        what_if = {a: r * 1.5 + 0.25 for a, r in profit.current_rates(cur).items()}
        expected = profit.customer_pnl(cur, f, rates=what_if, source="aggregates")
        monkeypatch.setattr(profit, "pnl_relations", no_query)
        got = profit.customer_pnl(cur, f, rates=what_if)
        saved = profit.customer_pnl(cur, f)
    assert_same_pnl(got, expected)
    # the what-if rates were applied: every customer with activities costs more to serve
    assert got.customers["cost_to_serve"].sum() > saved.customers["cost_to_serve"].sum()


def test_the_stored_rows_are_decoded_once_per_data_version_and_each_caller_gets_its_own(store, monkeypatch):
    reads: list[str] = []
    real_get = derived.get

    def counting_get(cur, kind, *args, **kwargs):
        reads.append(kind)
        return real_get(cur, kind, *args, **kwargs)

    monkeypatch.setattr(derived, "get", counting_get)
    with db.cursor(store) as cur:
        f = views(cur)["period"]
        expected = profit.customer_pnl(cur, f, source="aggregates")
        first = profit.customer_pnl(cur, f)
        first.customers["profit"] = 0.0  # a caller's own frame: changing it changes nobody else's
        profit.customer_pnl(cur, f, rates={a: 99.0 for a in profit.current_rates(cur)})  # changes its costs
        again = profit.customer_pnl(cur, f)
    assert reads.count(profit.PNL_KIND) == 1
    assert_same_pnl(again, expected)


def test_another_view_is_computed_and_nothing_is_stored_by_a_read(store):
    with db.cursor(store) as cur:
        rows = len(derived.entries(cur))
        f = views(cur)["period"]
        seg = cur.execute("SELECT min(segment) FROM customers").fetchone()[0]
        g = dataclasses.replace(f, segments=(seg,))
        assert derived.get(cur, profit.PNL_KIND, profit.pnl_params(g, True)) is None
        assert_same_pnl(profit.customer_pnl(cur, g), profit.customer_pnl(cur, g, source="aggregates"))
        assert len(derived.entries(cur)) == rows


def test_a_write_makes_the_stored_rows_miss_until_the_next_refresh(store):
    with db.cursor(store) as cur:
        f = views(cur)["period"]
        assert derived.get(cur, profit.PNL_KIND, profit.pnl_params(f, True)) is not None
        before = profit.customer_pnl(cur, f)  # read, and kept decoded for this data version
        activity, rate = sorted(profit.current_rates(cur).items())[0]
    # every customer with that activity costs more to serve from the period's start
    assert rates.save(store, [{"activity": activity, "unit_cost": rate + 7.0, "valid_from": f.date_from}]).changed
    with db.cursor(store) as cur:
        assert derived.get(cur, profit.PNL_KIND, profit.pnl_params(f, True)) is None
        computed = profit.customer_pnl(cur, f)
        assert_same_pnl(computed, profit.customer_pnl(cur, f, source="aggregates"))
        assert computed.customers["cost_to_serve"].sum() > before.customers["cost_to_serve"].sum()
    precompute.refresh(store)
    with db.cursor(store) as cur:
        stored = derived.get(cur, profit.PNL_KIND, profit.pnl_params(f, True))
        assert stored is not None
        pd.testing.assert_frame_equal(stored["costs"], profit.pnl_frames(cur, f, "aggregates")[1], check_exact=True)
        assert_same_pnl(profit.customer_pnl(cur, f), computed)
