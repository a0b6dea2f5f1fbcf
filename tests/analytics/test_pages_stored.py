"""Delivered value and Lifecycle read what the refresh stored for the opening view (issue 13: nothing expensive
when a page opens): Delivered value's latest assessments and main products (``dv_scores``), Lifecycle's customers
and opportunities with the purchase buckets (``lc_buckets``), each decoded once per data version; the pages'
results equal a computation without the store, and other views are computed as before."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics import filters, precompute
from analytics.delivered_value import headline as dv_headline
from analytics.delivered_value import scores, winwin
from analytics.lifecycle import history, stages
from analytics.store import db, derived


@pytest.fixture
def store(small_refreshed_path: Path, tmp_path: Path):
    path = tmp_path / "store.duckdb"
    shutil.copy(small_refreshed_path, path)
    con = db.connect(path)
    scores._DECODED.clear()
    stages._DECODED.clear()
    yield con
    con.close()


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kinds read from the store from now on."""
    reads: list[str] = []
    real = derived.get

    def get(cur: Any, kind: str, *a: Any, **k: Any) -> Any:
        reads.append(kind)
        return real(cur, kind, *a, **k)

    monkeypatch.setattr(derived, "get", get)
    return reads


def no_query(*_a: Any, **_k: Any) -> None:
    raise AssertionError("computed although the refresh stored it")


def assert_same(a: Any, b: Any, where: str) -> None:
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k}]")
    else:
        assert a == b, (where, a, b)


def computed(cur: Any, fn: Any, *args: Any) -> Any:
    """``fn(cur, *args)`` as without a refresh (nothing read from the store, no memo)."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(derived, "get", lambda *a, **k: None)
        m.setattr(derived, "get_all", lambda *a, **k: [])
        m.setattr(scores, "_DECODED", scores.Memo(8))
        m.setattr(stages, "_DECODED", stages.Memo(4))
        return fn(cur, *args)


def test_delivered_value_reads_the_stored_assessments_and_products_once(store, monkeypatch):
    with db.cursor(store) as cur:
        f = precompute.default_filter(cur)
        expected = computed(cur, dv_headline.delivered_value, f)
        expected_points = computed(cur, winwin.winwin_points, f)
        assert len(expected.customers) > 50 and expected.previous is not None  # the test can tell
        assert expected.customers["product"].notna().sum() > 50
        reads = counting(monkeypatch)
        monkeypatch.setattr(scores, "latest_assessments", no_query)
        monkeypatch.setattr(scores, "main_products", no_query)
        first = dv_headline.delivered_value(cur, f)
        first.customers["delivered_value"] = 0.0  # a caller's own frame: the stored rows stay as they were
        again = dv_headline.delivered_value(cur, f)
        points = winwin.winwin_points(cur, f)  # the map of the opening view: the rows stored with the products
    assert reads.count(scores.SCORES_KIND) == 2  # the period and the one before it, each decoded once
    assert_same(again, expected, "delivered_value")
    assert_same(points, expected_points, "winwin_points")


def test_another_delivered_value_view_is_computed_and_nothing_is_stored_by_a_read(store):
    with db.cursor(store) as cur:
        rows = len(derived.entries(cur))
        f = precompute.default_filter(cur)
        seg = cur.execute("SELECT min(segment) FROM customers").fetchone()[0]
        g = dataclasses.replace(f, segments=(seg,))
        assert derived.get(cur, scores.SCORES_KIND, scores.scores_params(g, True)) is None
        got = dv_headline.delivered_value(cur, g)
        assert set(got.customers["segment"]) == {seg}
        assert_same(got, computed(cur, dv_headline.delivered_value, g), "segment")
        assert len(derived.entries(cur)) == rows


def test_lifecycle_reads_the_stored_customers_opportunities_and_buckets_once(store, monkeypatch):
    with db.cursor(store) as cur:
        f = precompute.default_filter(cur)
        on = stages.as_of_date(cur, f)
        model = stages.p_alive_model(cur, f, True)
        expected = computed(cur, stages.stage_grid, f, [on], None, model)
        expected_at = computed(cur, history.stages_at, f)
        assert (expected.entities["kind"] == "prospect").any() and len(expected.entities) > 300
        reads = counting(monkeypatch)
        for name in ("_customers", "_opportunities", "_buckets"):
            monkeypatch.setattr(stages, name, no_query)
        first = stages.stage_grid(cur, f, [on], None, model)
        counts = history.stage_counts(cur, f)
        at = history.stages_at(cur, f)
    assert reads.count(stages.BUCKETS_KIND) == 1
    assert_same(first, expected, "stage_grid")
    assert_same(at, expected_at, "stages_at")
    # the counts from the grid's stages are those of the rows on the as-of date
    assert counts == history.count_stages(expected_at["stage"]) and sum(counts.values()) > 300


def test_lifecycle_counts_without_data_are_zero():
    con = db.connect(":memory:")
    try:
        with db.cursor(con) as cur:
            assert filters.data_bounds(cur) is None
            assert history.stage_counts(cur, filters.Filters()) == dict.fromkeys(stages.STAGES, 0)
    finally:
        con.close()


def test_word_of_mouth_reads_the_stored_null_distributions_in_one_query(store, monkeypatch):
    """The turning points' tests draw on about 15 stored null distributions at 10M; each derived.get scanned every
    stored payload (about 25 ms each): they are read together, once, and equal what get() gives one by one."""
    from analytics.word_of_mouth import turning

    with db.cursor(store) as cur:
        f = precompute.default_filter(cur)
        stored = [(k, p) for k, p in derived.entries(cur)[["kind", "params"]].itertuples(index=False)
                  if k == turning.NULL_KIND]
        assert len(stored) >= 2  # the test can tell one query from several
        turning._LOADED.clear()
        expected = computed(cur, turning.turning_points, f)
        turning._LOADED.clear()
        reads = counting(monkeypatch)
        real_all = derived.get_all
        monkeypatch.setattr(derived, "get_all", lambda cur, kind, *a: reads.append(f"all:{kind}") or real_all(cur, kind, *a))
        monkeypatch.setattr(turning, "_null_sup_f", no_query)
        got = turning.turning_points(cur, f)
        loaded = dict(turning._LOADED)
        for (n, h, ar, draws), values in loaded.items():
            one = derived.get(cur, turning.NULL_KIND, turning.null_params(n, h, ar, draws))
            assert one.dtype == values.dtype and (one == values).all()
    assert reads[:1] == [f"all:{turning.NULL_KIND}"] and turning.NULL_KIND not in reads[1:-len(loaded)]
    assert len(loaded) == len(stored)
    assert_same(got, expected, "turning_points")
