"""A warm page call pays DuckDB only: the read layer's relations are built once per filter
(:func:`analytics.query.relations.memo`), not rebuilt by Ibis on every call (issue 13)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import ibis.expr.types.relations as ir_relations
import numpy as np
import pandas as pd
import pytest

from analytics import concentration, filters, overview, precompute, profit
from analytics.concentration.figures import ranked_profits
from analytics.filters import Filters
from analytics.query import relations

BUILDERS = ("filter", "select", "aggregate", "group_by", "join", "left_join", "outer_join", "order_by")


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    """Counts the Ibis relation-building calls (``Table.filter``, ``select`` …) made while the test runs."""
    counts: Counter = Counter()
    for name in BUILDERS:
        original = getattr(ir_relations.Table, name)

        def counting(self, *args, __name=name, __original=original, **kwargs):
            counts[__name] += 1
            return __original(self, *args, **kwargs)

        monkeypatch.setattr(ir_relations.Table, name, counting)
    yield counts


def test_a_warm_overview_builds_no_relation(duck, built):
    f = precompute.default_filter(duck)
    first = overview.overview(duck, f)
    built.clear()
    again = overview.overview(duck, f)
    assert sum(built.values()) == 0, built
    assert again.kpis == first.kpis
    pd.testing.assert_frame_equal(again.monthly, first.monthly)


def test_another_filter_is_built_once_and_gives_its_own_figures(duck, built):
    f = precompute.default_filter(duck)
    east = Filters(f.date_from, f.date_to, regions=("East",))
    whole, only_east = profit.customer_pnl(duck, f), profit.customer_pnl(duck, east)
    assert set(only_east.customers["region"]) == {"East"}
    assert len(only_east.customers) < len(whole.customers)
    built.clear()
    profit.customer_pnl(duck, east)
    assert sum(built.values()) == 0, built


def test_the_same_filter_gives_the_same_expression_and_the_cache_is_bounded():
    f = Filters("2025-01-01", "2025-12-31", segments=("Corporate",))
    tx, act = relations.monthly_facts(f, True)
    again = relations.monthly_facts(Filters("2025-01-01", "2025-12-31", segments=("Corporate",)), True)
    assert again[0] is tx and again[1] is act
    assert profit.pnl_relations(tx, act, f)[0] is profit.pnl_relations(*relations.monthly_facts(f, True), f)[0]
    assert relations.monthly_facts.cache_info().maxsize == relations.MEMO_SIZE


def test_threads_building_one_filter_at_once_get_equal_expressions():
    f = Filters("2024-03-01", "2024-05-31", channels=("Online",))
    got: list[object] = []
    start = threading.Barrier(8)

    def build() -> None:
        start.wait()
        got.append(profit.pnl_relations(*relations.monthly_facts(f, False), f)[0])

    threads = [threading.Thread(target=build) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8 and all(g.equals(got[0]) for g in got)


def test_data_bounds_follow_the_data_though_the_query_is_kept(abc_store):
    from analytics.store import db
    from tests.helpers import D

    with db.cursor(abc_store) as cur:
        before = filters.data_bounds(cur)
        cur.execute("INSERT INTO transactions (transaction_id, customer_id, tx_date, product, quantity, revenue, cogs) "
                    "VALUES ('late', 'A', ?, 'p', 1, 1, 0)", [D("2024-12-30")])
        after = filters.data_bounds(cur)
    assert after == (before[0], D("2024-12-30"))


@pytest.mark.parametrize("settled", [True, False])
def test_figures_rank_profits_without_sorting_the_table_the_same_as_rank(settled):
    rng = np.random.default_rng(3)
    p = np.round(rng.normal(0, 100, 400), 2)
    p[::7] = p[1]  # ties
    if not settled:
        p = p + rng.choice([0.0, 1e-12], p.size)  # float noise that rank() settles
    df = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in rng.permutation(p.size)], "profit": p})
    expected = concentration.rank(df)["profit"].to_numpy()
    np.testing.assert_array_equal(ranked_profits(df), expected)
    got = concentration.figures(df)
    assert got.top20_profit == float(expected[:got.top20_customers].sum())
    assert got.whale_peak_customers == int(np.argmax(np.concatenate([[0.0], np.cumsum(expected)])))
