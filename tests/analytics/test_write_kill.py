"""Every write path killed with SIGKILL leaves the store before or after, never in between (issue 15).

The load has its own kill test (tests/analytics/ingest/test_ingest_kill.py); this one kills a form edit
(:func:`analytics.ingest.records.correct`), an undo (:func:`analytics.ingest.undo_last`), a demo
generation (:func:`analytics.demo.generate`) and a rate save (:func:`analytics.rates.save`). Each runs in
a process forked from a fork server that has already imported the code, on a fresh copy of the same
store. The child reports when it starts the write and when the write returned (then it waits to be
killed, without closing the store). Per write: one kill right at the start, one after the write
returned, and three at seeded random moments across the write's measured duration. The store is then
reopened (DuckDB replays or discards its WAL) and its state (data tables' fingerprint, data version,
load and audit log sizes, whether the aggregates are current) must equal the state before the write
or after a complete one.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import random
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

from analytics import demo, ingest, rates
from analytics.ingest import records
from analytics.store import aggregates, db

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")
SEED = 20261207
RANDOM_KILLS = 3
OPS = ("edit", "undo", "demo", "rates")


def write(op: str, con, params: dict) -> None:
    """The write ``op`` on ``con``, the same in the child and in the fixture that computes the after state."""
    if op == "edit":
        assert records.correct(con, "transactions", params["tid"], {"revenue": params["revenue"]}, user="k").ok
    elif op == "undo":
        ingest.undo_last(con, user="k")
    elif op == "demo":
        demo.generate(con, customers=150, transactions=6000, seed=11)
    elif op == "rates":
        assert rates.save(con, [{"activity": params["activity"], "unit_cost": params["cost"],
                                 "valid_from": params["valid_from"]}], user="k").changed
    else:
        raise AssertionError(op)


def child(db_path: str, op: str, params: dict, events) -> None:
    """Run in the forked child: open the store, say so, write, say so, then wait to be killed."""
    con = db.connect(db_path)
    events.put("start")
    write(op, con, params)
    events.put("done")
    threading.Event().wait()  # no close, no checkpoint: the kill finds the write committed to the WAL only


def state(path: Path) -> tuple:
    con = db.connect(path)
    try:
        logs = con.execute("SELECT (SELECT count(*) FROM ingest_log), (SELECT count(*) FROM audit_log)").fetchone()
        return db.fingerprint(con), db.data_version(con), logs, aggregates.is_fresh(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    work = tmp_path_factory.mktemp("writekill")
    base = work / "base.duckdb"
    con = db.connect(base)
    demo.generate(con, customers=300, transactions=30_000, seed=5)
    tid, revenue = con.execute("SELECT transaction_id, revenue FROM transactions ORDER BY transaction_id "
                               "LIMIT 1").fetchone()
    activity, cost, valid_from = con.execute("SELECT activity, unit_cost, valid_from FROM activity_rates "
                                             "ORDER BY activity, valid_from DESC LIMIT 1").fetchone()
    csv_path = work / "tx.csv"
    con.execute(f"""COPY (SELECT 'K' || i AS transaction_id, customer_id, DATE '2025-03-01' AS tx_date, 'P' AS product,
                          1 AS quantity, 10.5 AS revenue, 4 AS cogs
                   FROM (SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1), range(20000) t(i))
                   TO '{csv_path}' (HEADER)""")
    con.close()
    params = {"tid": tid, "revenue": float(revenue) * 3 + 1, "activity": activity, "cost": float(cost) * 2 + 1,
              "valid_from": valid_from + dt.timedelta(days=1) if isinstance(valid_from, dt.date) else valid_from}
    # The undo's store: the base with one load of 20,000 rows to undo.
    loaded = work / "loaded.duckdb"
    shutil.copy(base, loaded)
    con = db.connect(loaded)
    sn = ingest.sniff(csv_path)
    ingest.load(con, csv_path, sn, ingest.Options("transactions", ingest.auto_map("transactions", sn.columns)))
    con.close()
    pristine = {op: (loaded if op == "undo" else base) for op in OPS}
    before, after, seconds = {}, {}, {}
    for op in OPS:
        before[op] = state(pristine[op])
        p = work / f"after_{op}.duckdb"
        shutil.copy(pristine[op], p)
        con = db.connect(p)
        t0 = time.perf_counter()
        write(op, con, params)
        seconds[op] = time.perf_counter() - t0
        con.close()
        after[op] = state(p)
        assert after[op] != before[op], op
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["analytics.ingest", "analytics.demo", "analytics.rates", __name__])
    return work, pristine, params, before, after, seconds, ctx


def _wait(proc, events, want: str, limit: float = 60.0) -> str:
    """Wait for the child's message ``want``; ``died``/``silent`` when it ends or hangs without it."""
    deadline = time.monotonic() + limit
    while True:
        while not events.empty():
            got = events.get()
            if got == want:
                return got
        if not proc.is_alive():
            return "died"
        if time.monotonic() > deadline:
            return "silent"
        proc.join(0.01)  # wait on the child itself


@pytest.mark.parametrize("op", OPS)
def test_a_killed_write_leaves_the_store_before_or_after(world, op):
    work, pristine, params, before, after, seconds, ctx = world
    rng = random.Random(f"{SEED}-{op}")
    # Right at the start, after the write returned, and at random moments across its duration.
    moments = [0.0, "done", *(rng.uniform(0.0, seconds[op] * 3) for _ in range(RANDOM_KILLS))]
    seen = []
    for i, moment in enumerate(moments):
        target = work / f"{op}{i}.duckdb"
        shutil.copy(pristine[op], target)
        events = ctx.SimpleQueue()
        proc = ctx.Process(target=child, args=(str(target), op, params, events), daemon=True)
        proc.start()
        try:
            assert _wait(proc, events, "start") == "start"
            if moment == "done":
                assert _wait(proc, events, "done") == "done"
            else:
                proc.join(moment)
        finally:
            proc.kill()
            proc.join()
        now = state(target)
        assert now in (before[op], after[op]), (op, i, moment, now, before[op], after[op])
        seen.append("after" if now == after[op] else "before")
        for p in (target, target.with_name(target.name + ".wal")):
            p.unlink(missing_ok=True)
    assert seen[0] == "before" and seen[1] == "after", seen  # both sides of the commit were reached
