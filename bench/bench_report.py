"""Benchmark: what each view costs to compute at scale (the first, uncached load of its page).

    python -m bench.bench_report [--customers 100000] [--transactions 10000000] [--db PATH] [--repeat 3]

Times every ``report_section`` (the figures each page shows, from the same functions the page calls)
for the default 12-month filter on the demo store, and, as the floor, a plain scan that reads every
fact table once. The first call of each section in the process is timed on its own ("cold": it also
pays one-off work such as the turning-point test's null simulation, cached per series length), then
the median of the repeats ("warm"). Prints both and the warm ratio against the plain scan, and writes
``bench/results/report.json``. A page also draws charts and tables from the same results; their
cost does not grow with the transactions. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import time
from pathlib import Path

import duckdb

from analytics import demo, report
from analytics.filters import Filters
from analytics.store import db, schema
from bench.bench_profit import RESULTS, timed

SCAN = {
    schema.TRANSACTIONS: "sum(revenue), sum(cogs), count(DISTINCT customer_id)",
    schema.ACTIVITIES: "sum(quantity), count(DISTINCT customer_id)",
    schema.FEEDBACK: "count(*), avg(nps_score)",
    schema.ASSESSMENTS: "count(*), count(DISTINCT customer_id)",
}


def plain_scan(cur: duckdb.DuckDBPyConnection) -> None:
    for table, cols in SCAN.items():
        cur.execute(f"SELECT {cols} FROM {table}").fetchall()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--transactions", type=int, default=10_000_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/cvm_bench.duckdb"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    con = db.connect(args.db)
    with db.cursor(con) as cur:
        n_tx = db.table_counts(cur)["transactions"]
    if abs(n_tx - args.transactions) > 0.05 * args.transactions:
        demo.generate(con, customers=args.customers, transactions=args.transactions)
    f = Filters("2025-11-01", "2026-10-31")
    medians: dict[str, float] = {}
    cold: dict[str, float] = {}
    with db.cursor(con) as cur:
        counts = db.table_counts(cur)
        for spec in ["plain_scan", *report.sections()]:
            name = spec.removeprefix("analytics.")
            fn = plain_scan if spec == "plain_scan" else importlib.import_module(spec).report_section
            call = (lambda fn=fn: fn(cur)) if spec == "plain_scan" else (lambda fn=fn: fn(cur, f))
            t0 = time.perf_counter()
            call()
            cold[name] = time.perf_counter() - t0
            medians[name], _ = timed(call, args.repeat)
    scan = medians["plain_scan"]
    sections = {k: v for k, v in medians.items() if k != "plain_scan"}
    result = {
        "rows": counts, "period": [str(f.date_from), str(f.date_to)], "repeat": args.repeat,
        "cpus": os.cpu_count(), "machine": platform.machine(), "duckdb": duckdb.__version__,
        "cold_seconds": cold, "median_seconds": medians, "all_sections_seconds": sum(sections.values()),
        "all_sections_cold_seconds": sum(v for k, v in cold.items() if k != "plain_scan"),
        "ratio_to_plain_scan": {k: v / scan for k, v in sections.items()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "report.json").write_text(json.dumps(result, indent=2, default=str))
    print(f"{counts['transactions']:,} transactions, {counts['customers']:,} customers; "
          f"period {f.date_from}..{f.date_to}; {os.cpu_count()} CPUs")
    print(f"{'section':<18}{'cold s':>10}{'warm s':>10}{'warm × scan':>13}")
    for k, v in medians.items():
        print(f"{k:<18}{cold[k]:>10.3f}{v:>10.3f}{v / scan:>13.1f}")
    print(f"{'all sections':<18}{result['all_sections_cold_seconds']:>10.3f}{result['all_sections_seconds']:>10.3f}")


if __name__ == "__main__":
    main()
