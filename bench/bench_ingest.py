"""Benchmark: loading a 10-million-row transactions CSV, four ways, in one run.

    python -m bench.bench_ingest [--rows 10000000] [--customers 100000] [--repeat 3] [--work DIR]

1. DuckDB's own read: ``CREATE TABLE … AS SELECT * FROM read_csv(file)`` (types detected, nothing checked)
   — the floor;
2. DuckDB into the store: ``INSERT INTO transactions SELECT * FROM read_csv(file)`` (typed by the table,
   no validation, no aggregates);
3. the pandas way: ``pandas.read_csv`` (C parser) then ``INSERT INTO transactions SELECT * FROM df``;
4. the ingest engine: :func:`analytics.ingest.load` — hashing and line counting, staging as text,
   detecting date formats, typing and every validation in SQL (required, types, ranges, unknown
   customers, duplicate keys in the file and against the table), the insert, the monthly aggregates of
   every month touched, the load log and the audit row, in one transaction; and :func:`check`, the dry
   run (everything but the write).

Each run starts from a fresh copy of the same store (100,000 customers, no transactions). Prints
medians (seconds), rows per second and ratios against DuckDB's own read, the engine's time per phase,
and writes ``bench/results/ingest.json``. Every way must end with the same row count and revenue sum
(checked). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from analytics import ingest
from analytics.store import db, schema

RESULTS = Path(__file__).resolve().parent / "results"


def make_store(path: Path, customers: int) -> None:
    con = db.connect(path)
    with db.write(con) as cur:
        cur.execute(f"""INSERT INTO {schema.CUSTOMERS} (customer_id, name, customer_type)
                        SELECT 'C' || lpad(CAST(i AS VARCHAR), 6, '0'), 'Customer ' || i,
                               CASE WHEN i % 3 = 0 THEN 'individual' ELSE 'enterprise' END FROM range({customers}) t(i)""")
    con.close()


def make_csv(path: Path, rows: int, customers: int) -> None:
    """A realistic export: ids, ISO dates over three years, products, quantities with returns, amounts."""
    con = duckdb.connect()
    con.execute(f"""COPY (
        SELECT 'T' || lpad(CAST(i AS VARCHAR), 10, '0') AS transaction_id,
               'C' || lpad(CAST((i * 7919) % {customers} AS VARCHAR), 6, '0') AS customer_id,
               DATE '2023-11-01' + CAST(i % 1095 AS INTEGER) AS tx_date,
               (['Mobile plan', 'Broadband', 'Devices', 'Cloud services'])[1 + i % 4] AS product,
               CASE WHEN i % 50 = 0 THEN -1 ELSE 1 + i % 5 END AS quantity,
               round(((i * 37) % 100000) / 100.0, 2) * CASE WHEN i % 50 = 0 THEN -1 ELSE 1 END AS revenue,
               round(((i * 17) % 60000) / 100.0, 2) AS cogs
        FROM range({rows}) t(i)) TO '{path}' (HEADER)""")
    con.close()


def fresh(store: Path, work: Path, name: str) -> Path:
    p = work / f"{name}.duckdb"
    for q in (p, p.with_name(p.name + ".wal")):
        q.unlink(missing_ok=True)
    shutil.copy(store, p)
    return p


def totals(con: duckdb.DuckDBPyConnection, table: str = schema.TRANSACTIONS) -> tuple[int, float]:
    n, s = con.execute(f"SELECT count(*), sum(CAST(revenue AS DOUBLE)) FROM {table}").fetchone()
    return int(n), round(float(s or 0), 2)


def run_duckdb_read(store: Path, work: Path, csv_path: Path) -> tuple[int, float]:
    path = fresh(store, work, "read")
    con = duckdb.connect(str(path), config=db.CONFIG)
    con.execute(f"CREATE TABLE plain AS SELECT * FROM read_csv('{csv_path}')")
    con.close()
    # A table created and filled in one transaction may scan empty in the same connection (DuckDB
    # 2.0.0, >= 122,880 rows) until the file is reopened: count what a reader will see.
    con = duckdb.connect(str(path), config=db.CONFIG)
    out = totals(con, "plain")
    con.close()
    return out


def run_duckdb_insert(store: Path, work: Path, csv_path: Path) -> tuple[int, float]:
    con = db.connect(fresh(store, work, "insert"))
    cols = ", ".join(schema.TABLES[schema.TRANSACTIONS].column_names)
    con.execute(f"INSERT INTO transactions ({cols}) SELECT * FROM read_csv('{csv_path}')")
    out = totals(con)
    con.close()
    return out


def run_pandas(store: Path, work: Path, csv_path: Path) -> tuple[int, float]:
    con = db.connect(fresh(store, work, "pandas"))
    df = pd.read_csv(csv_path, dtype={"transaction_id": str, "customer_id": str, "product": str},
                     parse_dates=["tx_date"])
    cols = ", ".join(schema.TABLES[schema.TRANSACTIONS].column_names)
    con.register("df", df)
    con.execute(f"INSERT INTO transactions ({cols}) SELECT * FROM df")
    out = totals(con)
    con.close()
    return out


def run_engine(store: Path, work: Path, csv_path: Path, phases: list[dict[str, float]], write: bool = True
               ) -> tuple[int, float]:
    con = db.connect(fresh(store, work, "engine"))
    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def progress(phase: str, frac: float) -> None:
        marks.setdefault(phase, time.perf_counter() - t0)

    sn = ingest.sniff(csv_path)
    opts = ingest.Options("transactions", ingest.auto_map("transactions", sn.columns, sn.preview))
    rep = (ingest.load if write else ingest.check)(con, csv_path, sn, opts, progress=progress)
    end = time.perf_counter() - t0
    order = [p for p in ("read", "validate", "write") if p in marks]
    spans = {p: (marks[order[i + 1]] if i + 1 < len(order) else end) - marks[p] for i, p in enumerate(order)}
    phases.append(spans)
    assert rep.rejected == 0, rep.issues.head()
    out = totals(con) if write else (rep.valid, 0.0)
    con.close()
    return out


def timed(fn, repeat: int) -> tuple[float, list[float], object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None, help="folder for the CSV and the stores (default: a temp dir)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path, store = work / "transactions.csv", work / "store.duckdb"
    t0 = time.perf_counter()
    if not csv_path.exists():
        make_csv(csv_path, args.rows, args.customers)
    if store.exists():
        store.unlink()
    make_store(store, args.customers)
    print(f"data: {args.rows:,} rows, {csv_path.stat().st_size / 2**20:,.0f} MB CSV, "
          f"{args.customers:,} customers ({time.perf_counter() - t0:.1f} s to generate)")

    phases: list[dict[str, float]] = []
    check_phases: list[dict[str, float]] = []
    ways = {
        "duckdb_read_csv": lambda: run_duckdb_read(store, work, csv_path),
        "duckdb_insert": lambda: run_duckdb_insert(store, work, csv_path),
        "pandas": lambda: run_pandas(store, work, csv_path),
        "engine_check": lambda: run_engine(store, work, csv_path, check_phases, write=False),
        "engine_load": lambda: run_engine(store, work, csv_path, phases),
    }
    results: dict[str, dict[str, object]] = {}
    for name, fn in ways.items():
        med, times, out = timed(fn, args.repeat)
        results[name] = {"median_s": round(med, 3), "runs_s": [round(x, 3) for x in times], "rows": out[0],
                         "revenue": out[1]}
        print(f"{name:16s} median {med:7.2f} s  ({args.rows / med / 1e6:5.2f} M rows/s)  runs {times}")
    base = results["duckdb_read_csv"]["median_s"]
    for r in results.values():
        r["ratio_to_duckdb_read"] = round(r["median_s"] / base, 2)
    rows = {r["rows"] for r in results.values()}
    revenues = {r["revenue"] for n, r in results.items() if n != "engine_check"}
    assert rows == {args.rows} and len(revenues) == 1, (rows, revenues)
    med_phases = {p: round(statistics.median(x.get(p, 0.0) for x in phases), 3) for p in ("read", "validate", "write")}
    print("ratios to DuckDB's own read: " + ", ".join(f"{n} {r['ratio_to_duckdb_read']}×" for n, r in results.items()))
    print("engine phases (median s): " + ", ".join(f"{p} {s}" for p, s in med_phases.items()))
    out = {"rows": args.rows, "customers": args.customers, "csv_mb": round(csv_path.stat().st_size / 2**20, 1),
           "repeat": args.repeat, "cpus": os.cpu_count(), "machine": platform.machine(),
           "python": platform.python_version(), "duckdb": duckdb.__version__, "pandas": pd.__version__,
           "results": results, "engine_phases_s": med_phases}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(out, indent=2))
    print(f"wrote {RESULTS / 'ingest.json'}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
