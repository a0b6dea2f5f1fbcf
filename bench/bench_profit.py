"""Benchmark: customer P&L for a 12-month filter at scale, three ways, in one run.

    python -m bench.bench_profit [--customers 100000] [--transactions 10000000] [--db PATH] [--repeat 5]

1. the app's path: monthly aggregates (refreshed on load) + per-customer SQL;
2. the same query on the fact tables (no aggregates);
3. a plain scan: reading the columns involved once (sum of revenue and of activity quantity) — the
   floor any approach that reads the facts pays;
4. the pandas way: read the facts into DataFrames, price activities with merge_asof, group by.

Prints medians (seconds) and ratios against the plain scan, and writes bench/results/profit.json.
All four must agree on total profit (checked). Generating the demo store is timed too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analytics import demo, profit
from analytics.filters import Filters
from analytics.store import db

RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def floor_sql(f: Filters) -> tuple[str, dict[str, object]]:
    """One query for every customer's profit after activity-based cost to serve in ``f``, from the fact
    tables: the floor any way of computing the app's figures pays. Same scope and figures as
    :func:`analytics.profit.customer_pnl` (customers of the filter with a transaction or an activity in
    the period, priced or not; each activity at the rate valid on its date; money settled to 6 decimals).
    """
    cust_sql, params = f.customer_sql("c")
    tx_period, p = f.period_sql("tx_date")
    params.update(p)
    act_period, p = f.period_sql("a.activity_date")
    params.update(p)
    sql = f"""
        WITH r AS (SELECT activity, CAST(unit_cost AS DOUBLE) AS unit_cost, valid_from,
                          lead(valid_from) OVER (PARTITION BY activity ORDER BY valid_from) AS valid_to
                   FROM activity_rates),
        t AS (SELECT customer_id, sum(revenue) AS revenue, sum(cogs) AS cogs
              FROM transactions WHERE {tx_period} GROUP BY customer_id),
        a AS (SELECT a.customer_id, coalesce(sum(a.quantity * r.unit_cost), 0) AS cost
              FROM activities a LEFT JOIN r ON a.activity = r.activity AND a.activity_date >= r.valid_from
                   AND (r.valid_to IS NULL OR a.activity_date < r.valid_to)
              WHERE {act_period} GROUP BY a.customer_id)
        SELECT c.customer_id,
               round(CAST(coalesce(t.revenue, 0) AS DOUBLE) - CAST(coalesce(t.cogs, 0) AS DOUBLE)
                     - coalesce(a.cost, 0), 6) + 0.0 AS profit
        FROM customers c LEFT JOIN t USING (customer_id) LEFT JOIN a USING (customer_id)
        WHERE {cust_sql} AND (t.customer_id IS NOT NULL OR a.customer_id IS NOT NULL)"""
    return sql, params


def floor_pnl(cur, f: Filters) -> pd.Series:
    """Profit per customer (index ``customer_id``) from :func:`floor_sql`, fetched as NumPy arrays."""
    sql, params = floor_sql(f)
    cols = cur.execute(sql, params).fetchnumpy()
    return pd.Series(cols["profit"], index=pd.Index(cols["customer_id"], name="customer_id"), name="profit")


def pandas_pnl(cur, f: Filters) -> pd.Series:
    """The pandas way: read the period's facts into DataFrames, price activities with ``merge_asof``,
    group by customer. Profit per customer (index ``customer_id``); the filter's period only (the
    benchmarks use the unfiltered default period)."""
    tx = cur.execute("SELECT customer_id, revenue, cogs FROM transactions WHERE tx_date BETWEEN ? AND ?",
                     [f.date_from, f.date_to]).df()
    act = cur.execute("SELECT customer_id, activity_date, activity, quantity FROM activities "
                      "WHERE activity_date BETWEEN ? AND ?", [f.date_from, f.date_to]).df()
    rates = cur.execute("SELECT activity, valid_from, CAST(unit_cost AS DOUBLE) AS unit_cost FROM activity_rates").df()
    act["activity_date"] = pd.to_datetime(act["activity_date"])
    rates["valid_from"] = pd.to_datetime(rates["valid_from"])
    priced = pd.merge_asof(act.sort_values("activity_date"), rates.sort_values("valid_from"),
                           left_on="activity_date", right_on="valid_from", by="activity")
    cost = (priced["quantity"] * priced["unit_cost"].fillna(0)).groupby(priced["customer_id"]).sum()
    g = tx.groupby("customer_id")[["revenue", "cogs"]].sum()
    pnl = g.join(cost.rename("cost"), how="outer").fillna(0)
    return (pnl["revenue"] - pnl["cogs"] - pnl["cost"]).round(6).rename("profit")


def pandas_way(cur, f: Filters) -> float:
    """Total profit the pandas way (:func:`pandas_pnl`)."""
    return float(pandas_pnl(cur, f).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--transactions", type=int, default=10_000_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/cvm_bench.duckdb"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--regenerate", action="store_true")
    args = ap.parse_args()
    con = db.connect(args.db)
    gen_s = None
    with db.cursor(con) as cur:
        n_tx = db.table_counts(cur)["transactions"]
    if args.regenerate or abs(n_tx - args.transactions) > 0.05 * args.transactions:
        gen_s = demo.generate(con, customers=args.customers, transactions=args.transactions).seconds
    f = Filters("2025-11-01", "2026-10-31")
    with db.cursor(con) as cur:
        counts = db.table_counts(cur)
        agg_s, agg = timed(lambda: profit.customer_pnl(cur, f), args.repeat)
        facts_s, facts = timed(lambda: profit.customer_pnl(cur, f, source="facts"), args.repeat)
        scan_s, _ = timed(lambda: (
            cur.execute("SELECT sum(revenue), sum(cogs) FROM transactions WHERE tx_date BETWEEN ? AND ?",
                        [f.date_from, f.date_to]).fetchall(),
            cur.execute("SELECT sum(quantity) FROM activities WHERE activity_date BETWEEN ? AND ?",
                        [f.date_from, f.date_to]).fetchall()), args.repeat)
        pandas_s, pandas_total = timed(lambda: pandas_way(cur, f), max(1, args.repeat // 2))
    totals = {"aggregates": agg.customers["profit"].sum(), "facts": facts.customers["profit"].sum(),
              "pandas": pandas_total}
    assert all(abs(v - totals["facts"]) < 1e-6 * max(1.0, abs(totals["facts"])) for v in totals.values()), totals
    result = {
        "rows": counts, "period": [str(f.date_from), str(f.date_to)], "generate_seconds": gen_s,
        "median_seconds": {"aggregates": agg_s, "facts": facts_s, "plain_scan": scan_s, "pandas": pandas_s},
        "ratio_to_plain_scan": {k: v / scan_s for k, v in
                                {"aggregates": agg_s, "facts": facts_s, "pandas": pandas_s}.items()},
        "total_profit": totals["facts"],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "profit.json").write_text(json.dumps(result, indent=2, default=str))
    print(f"{counts['transactions']:,} transactions, {counts['activities']:,} activities, "
          f"{counts['customers']:,} customers; period {f.date_from}..{f.date_to}")
    if gen_s:
        print(f"demo generation: {gen_s:.1f} s")
    print(f"{'path':<12}{'median s':>10}{'× plain scan':>14}")
    for k, v in result["median_seconds"].items():
        print(f"{k:<12}{v:>10.3f}{v / scan_s:>14.2f}")


if __name__ == "__main__":
    main()
