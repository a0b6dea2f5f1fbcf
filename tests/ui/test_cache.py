"""ui.cache freezes arguments for the cache key and gives them back as the function expects."""

from __future__ import annotations

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
