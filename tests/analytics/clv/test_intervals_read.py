"""The Customer value page's ranges are read from the store, never bootstrapped on a read, once a
refresh stored them (issue 13: ``clv.intervals`` was slower warm than cold, 1.97 s a call, while the
benchmark's store held results of older code). What is stored equals a recomputation:
tests/analytics/test_precompute.py."""

from __future__ import annotations

import json

import pytest

from analytics import demo, precompute
from analytics.clv import intervals
from analytics.store import db, derived


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory):
    con = db.connect(tmp_path_factory.mktemp("ranges") / "store.duckdb")
    demo.generate(con, customers=400, transactions=12_000, seed=3)
    precompute.refresh(con)
    yield con
    con.close()


def test_the_default_ranges_are_read_not_bootstrapped(refreshed, monkeypatch):
    with db.cursor(refreshed) as cur:
        f = precompute.default_filter(cur)
        computed = json.dumps(intervals.report_section(cur, f), default=str)
        with monkeypatch.context() as m:  # as without stored results: the same figures
            m.setattr(derived, "get", lambda *a, **k: None)
            assert json.dumps(intervals.report_section(cur, f), default=str) == computed

        def boom(*a: object, **k: object) -> None:
            raise AssertionError("bootstrapped on a read although the ranges are stored")

        monkeypatch.setattr(intervals, "bootstrap", boom)
        for _ in range(2):  # the first call and every later one
            assert json.dumps(intervals.report_section(cur, f), default=str) == computed
