"""A small in-process memo for results derived from the store, keyed by what identifies them.

Keys start with :func:`analytics.store.db.content_key` (store file, data version), so a write never serves an
old result; the memo keeps the ``size`` most recently used (and, given a ``weigh``, no more than ``budget``
of their weight, e.g. bytes) and is safe to share between threads (each page run is a thread of its own).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    """Least-recently-used results, at most ``size`` of them and, with ``weigh``, at most ``budget`` in all."""

    def __init__(self, size: int, *, weigh: Callable[[V], int] | None = None, budget: int | None = None) -> None:
        if (weigh is None) != (budget is None):
            raise ValueError("a weight budget needs both weigh and budget")
        self._size = size
        self._weigh, self._budget = weigh, budget
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._weights: dict[Hashable, int] = {}
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The result kept for ``key`` (now the most recently used), or None."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` for ``key``, dropping the least recently used beyond the size (and the budget). A value
        heavier than the whole budget is not kept."""
        weight = self._weigh(value) if self._weigh is not None else 0
        with self._lock:
            self._total -= self._weights.pop(key, 0)
            self._items.pop(key, None)
            if self._budget is not None and weight > self._budget:
                return
            self._items[key] = value
            self._weights[key] = weight
            self._total += weight
            while len(self._items) > self._size or (self._budget is not None and self._total > self._budget):
                old, _ = self._items.popitem(last=False)
                self._total -= self._weights.pop(old)

    @property
    def weight(self) -> int:
        """The weight of what is kept (0 without ``weigh``)."""
        with self._lock:
            return self._total

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weights.clear()
            self._total = 0
