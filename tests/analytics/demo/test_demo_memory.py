"""The demo generator's memory is capped (DuckDB's memory_limit, spilling beyond it), and the cap
changes nothing in the data: the same seed gives the same store, read back in the same process."""

from __future__ import annotations

import duckdb
import pytest

from analytics import demo
from analytics.store import db

# Seed 1, 2,000 customers, 150,000 transactions, as generated before the cap existed (commit 47d8e3b):
# above DuckDB 2.0.0's 122,880-row threshold, so the rows must be scanned, not only counted.
BEFORE = {"customers": 2000, "transactions": 150179, "activities": 158238, "feedback": 3185,
          "assessments": 2644, "opportunities": 1138, "contracts": 2563}
BEFORE_REVENUE = 761417661.98


def _limit(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])


def _near(setting: str, size: str) -> bool:
    """DuckDB shows its limit rounded to one decimal ('1.8 GiB' for 2GB)."""
    return abs(demo._size_bytes(setting) / demo._size_bytes(size) - 1) < 0.05


def _limits_while_writing(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The connection's memory_limit at each step of the generator that writes the big tables."""
    seen: dict[str, str] = {}
    demo.generate(con, customers=50, transactions=500, seed=2,
                  progress=lambda _, step: seen.setdefault(step, _limit(con)))
    return [seen["transactions"], seen["activities"], seen["aggregates"]]


def test_generation_runs_under_the_default_cap_and_gives_the_limit_back(monkeypatch):
    """Without CVM_MEMORY_LIMIT DuckDB would take 80 % of the machine (20 GiB at 100M transactions)."""
    monkeypatch.delenv(db.ENV_MEMORY_LIMIT, raising=False)
    con = db.connect(":memory:")
    before = _limit(con)
    seen = _limits_while_writing(con)
    assert all(_near(s, demo.MEMORY_LIMIT) for s in seen), seen
    assert _limit(con) == before  # the app goes on with its own limit


def test_cvm_memory_limit_is_the_generators_cap(monkeypatch):
    monkeypatch.setenv(db.ENV_MEMORY_LIMIT, "300MB")
    con = db.connect(":memory:")
    seen = _limits_while_writing(con)
    assert all(_near(s, "300MB") for s in seen), seen
    assert _near(_limit(con), "300MB")


def test_a_lower_default_limit_of_the_connection_is_kept():
    con = duckdb.connect(":memory:", config={"memory_limit": "500MB"})
    assert demo._size_bytes(demo.memory_limit(con)) < demo._size_bytes(demo.MEMORY_LIMIT)


def _content(con: duckdb.DuckDBPyConnection) -> tuple[object, ...]:
    """Rows scanned in this process: counts, sums and three customers' transactions and activities.

    DOUBLE columns are summed as decimals: DuckDB adds doubles in thread order, which varies run to run.
    """
    with db.cursor(con) as cur:
        tx = cur.execute("SELECT count(*), sum(revenue), sum(cogs), sum(quantity::DECIMAL(38, 6)), min(transaction_id), "
                         "max(transaction_id) FROM transactions").fetchone()
        act = cur.execute("SELECT count(*), sum(quantity::DECIMAL(38, 6)), count(DISTINCT activity_id) FROM activities").fetchone()
        rows = cur.execute("SELECT * FROM transactions WHERE customer_id IN ('C000001', 'C001000', 'C002000') "
                           "ORDER BY transaction_id").fetchall()
        acts = cur.execute("SELECT * FROM activities WHERE customer_id IN ('C000001', 'C001000', 'C002000') "
                           "ORDER BY activity_id").fetchall()
        agg = cur.execute("SELECT count(*), sum(tx_count), round(sum(revenue), 2) FROM agg_customer_month").fetchone()
    return tx, act, rows, acts, agg


@pytest.fixture(scope="module")
def spilled(tmp_path_factory: pytest.TempPathFactory):
    """The store generated under a cap small enough to make DuckDB spill to disk."""
    mp = pytest.MonkeyPatch()
    mp.setenv(db.ENV_MEMORY_LIMIT, "48MB")
    try:
        con = db.connect(tmp_path_factory.mktemp("spill") / "s.duckdb")
        summary = demo.generate(con, customers=2000, transactions=150_000, seed=1)
    finally:
        mp.undo()
    yield con, summary
    con.close()


def test_the_cap_changes_nothing_in_the_data(spilled, tmp_path, monkeypatch):
    """Same store as without a cap, and the same figures as the generator gave before the cap existed."""
    con, summary = spilled
    monkeypatch.delenv(db.ENV_MEMORY_LIMIT, raising=False)
    free = db.connect(tmp_path / "free.duckdb")
    demo.generate(free, customers=2000, transactions=150_000, seed=1)
    assert db.fingerprint(con) == db.fingerprint(free)
    assert _content(con) == _content(free)
    counts = db.table_counts(con)
    assert {t: counts[t] for t in BEFORE} == BEFORE
    assert summary.transactions == BEFORE["transactions"] > 122_880


def test_rows_above_the_duckdb_threshold_are_read_back_in_the_same_process(spilled):
    con, _ = spilled
    (n, revenue, _, _, first, last), (n_act, _, distinct_act), rows, acts, (_, agg_tx, agg_revenue) = _content(con)
    assert n == BEFORE["transactions"] and float(revenue) == pytest.approx(BEFORE_REVENUE, abs=0.01)
    assert (first, last) == ("T0000000001", f"T{n:010d}")
    assert n_act == distinct_act == BEFORE["activities"]
    assert agg_tx == n and float(agg_revenue) == pytest.approx(BEFORE_REVENUE, abs=0.01)
    assert rows and acts and {r[1] for r in rows} <= {"C000001", "C001000", "C002000"}
