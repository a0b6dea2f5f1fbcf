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
