"""ui.cache freezes arguments for the cache key and gives them back as the function expects."""

from __future__ import annotations

import threading

import pytest

from analytics.filters import Filters
from ui import cache


def test_freeze_and_thaw_nested_arguments():
    value = {"rates": [{"activity": "visit", "unit_cost": 1.5}], "f": Filters(segments=("a",))}
    frozen = cache._freeze(value)
    hash(frozen)  # usable as a cache key
    assert cache._thaw(frozen) == {"rates": ({"activity": "visit", "unit_cost": 1.5},), "f": Filters(segments=("a",))}
    assert cache._thaw(cache._freeze(("x", 1))) == ("x", 1)


CALLS: list[int] = []


def counted(cur) -> int:
    """An analytics-like function: how many times it ran."""
    CALLS.append(1)
    return len(CALLS)


def test_a_write_drops_the_results_of_the_data_before_it(tmp_path, monkeypatch):
    """After a write, results cached for the older data version are dropped, not kept for the cache's 6 hours
    beside the new ones (memory that grew with every load under many sessions)."""
    from analytics.store import db

    path = tmp_path / "s.duckdb"
    monkeypatch.setenv("CVM_DB", str(path))
    monkeypatch.setattr(cache, "db_path", lambda: str(path))
    cache.clear()
    CALLS.clear()
    con = cache.connection()
    old = cache.data_version()
    assert cache.run(counted) == 1 and cache.run(counted) == 1  # cached for this version
    with db.write(con):
        pass  # a write: the version moves
    assert cache.data_version() == old + 1
    assert cache.run(counted) == 2  # the new data's result
    # the old version's entry is gone: asking for it computes again instead of answering from memory
    assert cache._run(str(path), old, f"{__name__}:counted", (), ()) == 3
    assert cache.run(counted) == 2  # the current version's result stays cached
    cache.clear()


def heavy(cur, n: int) -> bytes:
    """An analytics-like function whose result weighs about ``n`` bytes."""
    CALLS.append(1)
    return b"x" * n


def frame(cur):
    import pandas as pd

    CALLS.append(1)
    return pd.DataFrame({"profit": [1.0, 2.0]})


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    monkeypatch.setenv("CVM_DB", str(path))
    monkeypatch.setattr(cache, "db_path", lambda: str(path))
    monkeypatch.setattr(cache, "_results", None)  # a memo made with this test's budget
    CALLS.clear()
    yield path
    cache.clear()


def test_the_results_cache_holds_no_more_than_its_budget(store, monkeypatch):
    """Kept by bytes, not by count: a company's results weigh 25 times the demo's (issue 15's flat memory)."""
    monkeypatch.setenv(cache.ENV_CACHE_MB, "1")
    for n in range(6):
        cache.run(heavy, 300_000 + n)  # six results of ~0.3 MB: only three fit in 1 MB
    assert 900_000 <= cache.results_bytes() <= 2**20
    assert len(CALLS) == 6
    cache.run(heavy, 300_005)  # the most recent are kept
    assert len(CALLS) == 6
    cache.run(heavy, 300_000)  # the oldest went
    assert len(CALLS) == 7
    assert len(cache.run(heavy, 2**21)) == 2**21  # heavier than the whole budget: answered, not kept
    assert cache.results_bytes() <= 2**20


def test_every_reader_gets_its_own_copy(store):
    a = cache.run(frame)
    a.loc[0, "profit"] = -99.0  # a page that changes its frame
    b = cache.run(frame)
    assert b["profit"].tolist() == [1.0, 2.0] and len(CALLS) == 1


GATE = threading.Event()


def slow(cur) -> int:
    """An analytics-like function that takes until GATE opens."""
    GATE.wait(30)
    CALLS.append(1)
    return 42


def test_sessions_asking_at_once_compute_once(store):
    """Sessions opening the same page at once wait for one computation instead of each running it."""
    GATE.clear()
    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(cache.run(slow))) for _ in range(8)]
    for t in threads:
        t.start()
    GATE.set()
    for t in threads:
        t.join(60)
    assert got == [42] * 8 and len(CALLS) == 1


def test_a_malformed_budget_is_named(monkeypatch):
    from analytics.store import db

    monkeypatch.setenv(cache.ENV_CACHE_MB, "lots")
    with pytest.raises(db.DatabaseError, match="CVM_CACHE_MB='lots'"):
        cache.cache_budget()
    monkeypatch.setenv(cache.ENV_CACHE_MB, "256")
    assert cache.cache_budget() == 256 * 2**20
