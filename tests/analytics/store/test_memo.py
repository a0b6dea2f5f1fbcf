"""analytics.store.memo.Memo: least recently used first out, by count and by weight."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.store.memo import Memo


def test_the_least_recently_used_goes_first() -> None:
    m: Memo[str] = Memo(2)
    m.put("a", "A")
    m.put("b", "B")
    assert m.get("a") == "A"  # a is now the most recently used
    m.put("c", "C")
    assert m.get("b") is None and m.get("a") == "A" and m.get("c") == "C"


def test_a_weight_budget_drops_the_oldest_until_the_rest_fits() -> None:
    m: Memo[bytes] = Memo(100, weigh=len, budget=10)
    m.put("a", b"1234")
    m.put("b", b"1234")
    assert m.weight == 8
    m.put("c", b"12345")  # 13 > 10: a goes
    assert m.get("a") is None and m.get("b") == b"1234" and m.get("c") == b"12345"
    assert m.weight == 9 and len(m) == 2
    m.put("b", b"1")  # replacing a value counts its new weight only
    assert m.weight == 6
    m.put("big", b"x" * 11)  # heavier than the whole budget: not kept, and nothing else dropped for it
    assert m.get("big") is None and len(m) == 2 and m.weight == 6
    m.clear()
    assert len(m) == 0 and m.weight == 0


def test_a_budget_needs_a_weight() -> None:
    with pytest.raises(ValueError, match="weigh and budget"):
        Memo(4, budget=10)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 12)), max_size=40), st.integers(1, 5), st.integers(0, 20))
def test_what_is_kept_fits_and_the_last_put_stays(puts: list[tuple[int, int]], size: int, budget: int) -> None:
    m: Memo[bytes] = Memo(size, weigh=len, budget=budget)
    for key, n in puts:
        m.put(key, b"x" * n)
        assert len(m) <= size and m.weight <= budget
        assert (m.get(key) is not None) == (n <= budget)
    kept = {k: m.get(k) for k, _ in puts}
    assert m.weight == sum(len(v) for v in kept.values() if v is not None)


def test_threads_share_it() -> None:
    m: Memo[bytes] = Memo(50, weigh=len, budget=1000)

    def work(i: int) -> None:
        for j in range(500):
            m.put((i, j % 60), b"x" * (j % 30))
            m.get((i, (j * 7) % 60))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(m) <= 50 and m.weight <= 1000
