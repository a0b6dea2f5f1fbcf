"""``python -m bench``: the benchmark of issue 13 at one scale, every figure beside the floor and the
pandas way measured in the same run. See bench/README.md for what each section measures.

Each section runs on its own: a failure becomes an error in its rows and the run goes on. Times are
medians of ``--repeat`` runs (time.perf_counter); the data are the seeded demo business, so the same
scale and seed measure the same data. Writes ``<out>/<scale>-<date>.md`` (also printed) and
``<out>/<scale>-<date>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CACHE = RESULTS / "stores"


@dataclass(frozen=True)
class Scale:
    customers: int
    transactions: int
    timeout_s: float  # for one child process (generation at L takes tens of minutes)


SCALES = {
    "tiny": Scale(300, 5_000, 300),  # the smoke test's; not offered in --help
    "S": Scale(5_000, 200_000, 1_800),
    "M": Scale(100_000, 10_000_000, 3_600),
    "L": Scale(1_000_000, 100_000_000, 4 * 3_600),
}
SECTIONS = ("generation", "ingest", "floor", "pandas", "pages", "report", "charts", "browser", "spark")
PEAK_FILE_ENV = "BENCH_PEAK_RSS_FILE"  # bench.child writes its peak RSS there
CHART_BUDGET_BYTES = 300_000  # issue 13: no page sends more than 300 KB of chart JSON
SPARK_NOTE = ("the spark section's time against DuckDB's report in the same run (`report --json --backend pyspark`, local mode, 2 threads); n/a for measures that have no Spark counterpart")


# ----------------------------------------------------------------------------- measuring
def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def peak(values: Sequence[int | None]) -> int | None:
    """The largest of the runs' peak resident sets (None where none was reported)."""
    known = [v for v in values if v]
    return max(known) if known else None


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    """Median seconds of ``repeat`` calls, every run, and the last result."""
    from bench.bench_ingest import timed as _timed

    return _timed(fn, max(1, repeat))


@dataclass
class Child:
    """A finished ``python -m bench.child`` process."""

    wall_s: float
    peak_rss_bytes: int | None
    payload: dict[str, Any]
    stdout: str


def run_child(task: str, args: Sequence[str], ctx: Run, rest: Sequence[str] = (),
              timeout: float | None = None) -> Child:
    """Run one task in a fresh interpreter: its wall time, measured here, and its peak RSS, which it
    reports itself (``bench.child.peak_rss_bytes``: the rusage of a child started from this process
    would count this process's resident set too)."""
    cmd = [sys.executable, "-m", "bench.child", task, *ctx.child_settings(), *args]
    if rest:
        cmd += ["--", *rest]
    limit = timeout or ctx.scale.timeout_s
    killed = threading.Event()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as peak:
        env = {**os.environ, PEAK_FILE_ENV: peak.name,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):  # the group this call started (forked children too)
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(limit, kill)
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        text = Path(peak.name).read_text().strip()
        peak_rss = int(text) if text.isdigit() else None
    if killed.is_set():
        raise TimeoutError(f"{task} took longer than {limit:.0f} s and was stopped")
    if proc.returncode != 0:
        tail = [ln for ln in stderr.strip().splitlines() if ln.strip()][-1:] or [f"exit {proc.returncode}"]
        raise RuntimeError(f"{task} failed: {tail[0]}")
    payload: dict[str, Any] = {}
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    if task not in ("cli", "streamlit") and lines:
        payload = json.loads(lines[-1])
    return Child(wall, peak_rss, payload, stdout)


# ----------------------------------------------------------------------------- a run
@dataclass
class Row:
    """One line of the table."""

    section: str
    measure: str
    value: float | None = None
    x_floor: float | None = None
    x_pandas: float | None = None
    peak_rss_bytes: int | None = None
    spark: str = ""
    note: str = ""
    unit: str = "s"  # or "B"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Run:
    args: argparse.Namespace
    scale_name: str
    scale: Scale
    cache_dir: Path
    store: Path | None = None
    store_source: str = ""
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    period: tuple[str, str] | None = None
    browser: bool = False
    spark: bool = False
    floor_pnl: Any = None  # the floor's profit per customer, which the pandas section compares with
    floor_rows: dict[str, Row] = field(default_factory=dict)  # their × pandas is known after the pandas section

    def child_settings(self) -> list[str]:
        out = []
        if self.args.memory_limit:
            out += ["--memory-limit", str(self.args.memory_limit)]
        if self.args.threads:
            out += ["--threads", str(self.args.threads)]
        return out

    @property
    def repeat(self) -> int:
        return max(1, int(self.args.repeat))

    def ref(self, section: str, key: str) -> float | None:
        """A reference time (the floor's or the pandas way's) measured earlier in this run."""
        value = self.sections.get(section, {}).get(key)
        return value if isinstance(value, (int, float)) and value > 0 else None

    def ratios(self, seconds: float | None, key: str) -> tuple[float | None, float | None]:
        """``seconds`` against the floor's and the pandas way's ``key`` time of this run."""
        if seconds is None:
            return None, None
        f, p = self.ref("floor", key), self.ref("pandas", key)
        return (seconds / f if f else None), (seconds / p if p else None)


def _connect(path: Path) -> Any:
    from analytics.store import db

    return db.connect(path, read_only=True)


@contextmanager
def store_cursor(run: Run) -> Iterator[tuple[Any, Any]]:
    """A read-only cursor on the run's store and the default filter; closed afterwards (the app and
    other processes may need the file)."""
    from analytics.store import db
    from bench.child import default_filter

    con = _connect(run.store)
    try:
        with db.cursor(con) as cur:
            f = default_filter(cur)
            run.period = (str(f.date_from), str(f.date_to))
            yield cur, f
    finally:
        con.close()


# ----------------------------------------------------------------------------- the store
def _files_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + ".wal")) if p.exists())


def _discard(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def cached_store(run: Run) -> Path | None:
    """The store generated earlier at this scale and seed, when complete (its summary is written last)."""
    path, meta = run.cache_dir / "store.duckdb", run.cache_dir / "store.json"
    if not (path.exists() and meta.exists()):
        return None
    try:
        info = json.loads(meta.read_text())
    except ValueError:
        return None
    want = {"customers": run.scale.customers, "transactions": run.scale.transactions, "seed": run.args.seed}
    return path if all(info.get(k) == v for k, v in want.items()) else None


def generate_store(run: Run) -> tuple[Child, Path]:
    """The demo generator in a fresh process into a scratch file of the cache folder."""
    run.cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = run.cache_dir / "generating.duckdb"
    _discard(scratch)
    child = run_child("demo", ["--db", str(scratch), "--customers", str(run.scale.customers),
                               "--transactions", str(run.scale.transactions), "--seed", str(run.args.seed)], run)
    return child, scratch


def keep_store(run: Run, scratch: Path, child: Child) -> Path:
    """Make a freshly generated store the cache's (same scale and seed: the same data)."""
    path = run.cache_dir / "store.duckdb"
    (run.cache_dir / "store.json").unlink(missing_ok=True)
    _discard(path)
    os.replace(scratch, path)
    wal = scratch.with_name(scratch.name + ".wal")
    if wal.exists():
        os.replace(wal, path.with_name(path.name + ".wal"))
    info = {"customers": run.scale.customers, "transactions": run.scale.transactions, "seed": run.args.seed,
            "generated": dt.datetime.now().isoformat(timespec="seconds"), "summary": child.payload}
    (run.cache_dir / "store.json").write_text(json.dumps(info, indent=2))
    return path


def code_hash() -> str:
    """The analytics code's fingerprint (:func:`analytics.precompute.code_version`): the stored results of a
    refresh made by other code are not read by any page."""
    from analytics import precompute

    return precompute.code_version()


def _note(path: Path) -> Path:
    """The JSON note beside a store (the cache's ``store.json``): what generated and refreshed it."""
    return path.with_suffix(".json")


def stored_fits(path: Path) -> bool:
    """Whether the store holds the model fits of its current data (:mod:`analytics.precompute`),
    computed by this code when its note says which code refreshed it (the cache's stores: a store
    refreshed before the code changed has a refresh marker, but every page would miss its results and
    fit on each call)."""
    from analytics.store import db, derived

    try:
        note = json.loads(_note(path).read_text())
        refreshed_by = note.get("fits_code", "") if isinstance(note, dict) else None
    except (OSError, ValueError):
        refreshed_by = None  # a --db store: who refreshed it is not known
    if refreshed_by is not None and refreshed_by != code_hash():
        return False
    con = _connect(path)
    try:
        with db.cursor(con) as cur:
            return derived.is_current(cur)
    finally:
        con.close()


def refresh_store(run: Run, path: Path) -> None:
    """Store the model fits of a generated or cached store, as every write of the app and of the
    command line leaves them (a store cached by an older harness, or refreshed by other code, has none
    that the pages read), time it, and note the code that computed them."""
    if stored_fits(path):
        return
    code = code_hash()
    child = run_child("refresh", ["--db", str(path)], run)
    note = _note(path)
    with contextlib.suppress(OSError, ValueError):
        note.write_text(json.dumps({**json.loads(note.read_text()), "fits_code": code}, indent=2))
    n = sum(child.payload.get("counts", {}).values())
    run.rows.append(Row("refresh", "stored model fits for the default view (analytics.precompute.refresh)",
                        child.payload["seconds"], peak_rss_bytes=child.peak_rss_bytes,
                        note=f"{n} results; process {child.wall_s:.3g} s; what the app and the command line "
                             "run after each write"))


def ensure_store(run: Run) -> Path:
    """The store the sections read: ``--db``, else the cached one, else one generated now (these two
    with their model fits stored, as after any write)."""
    if run.store is not None:
        return run.store
    if run.args.db:
        path = Path(run.args.db)
        if not path.exists():
            raise FileNotFoundError(f"no store at {path}")
        run.store, run.store_source = path, "--db"
        return path
    path = cached_store(run)
    if path is not None:
        refresh_store(run, path)
        run.store, run.store_source = path, "cache"
        return path
    child, scratch = generate_store(run)
    run.store, run.store_source = keep_store(run, scratch, child), f"generated for this run in {child.wall_s:.1f} s"
    refresh_store(run, run.store)
    return run.store


# ----------------------------------------------------------------------------- sections
def sec_generation(run: Run) -> dict[str, Any]:
    if run.args.db:
        run.rows.append(Row("generation", "demo generator", note="skipped: --db given, the store was not generated"))
        return {"status": "skipped", "reason": "--db given"}
    # A generation at M or L takes minutes: once there, repeat at the small scales only.
    n = run.repeat if run.scale.transactions <= 1_000_000 else 1
    gen, wall, rss, size, child = [], [], [], 0, None
    scratch = None
    for _ in range(n):
        child, scratch = generate_store(run)
        gen.append(child.payload["seconds"])
        wall.append(child.wall_s)
        rss.append(child.peak_rss_bytes)
        size = _files_size(scratch)
    run.store, run.store_source = keep_store(run, scratch, child), "generated by the generation section"
    refresh_store(run, run.store)
    sc = run.scale
    out = {"status": "ok", "seconds": median(gen), "runs": gen, "process_wall_seconds": median(wall),
           "peak_rss_bytes": peak(rss), "store_bytes": size, "rows": {k: v for k, v in child.payload.items()
                                                                       if k != "seconds"}}
    run.rows.append(Row("generation", f"demo generator, {sc.customers:,} customers / {sc.transactions:,} transactions",
                        out["seconds"], peak_rss_bytes=peak(rss),
                        note=f"store {fmt_bytes(size)} on disk; process {median(wall):.3g} s; {n} run(s); "
                             f"{child.payload.get('activities', 0):,} activities"))
    return out


def sec_ingest(run: Run) -> dict[str, Any]:
    from bench import bench_ingest
    from bench.child import apply_settings

    apply_settings(run.args.memory_limit, run.args.threads)
    work = run.cache_dir / "ingest"
    work.mkdir(parents=True, exist_ok=True)
    csv_path, store = work / "transactions.csv", work / "customers.duckdb"
    rows, customers = run.scale.transactions, run.scale.customers
    if not csv_path.exists():  # deterministic, so kept between runs like the store
        partial = work / "transactions.partial.csv"
        bench_ingest.make_csv(partial, rows, customers)
        os.replace(partial, csv_path)
    _discard(store)
    bench_ingest.make_store(store, customers)
    ways = {
        "duckdb_read_csv": ("DuckDB read_csv into a table (the ingest floor)",
                            lambda: bench_ingest.run_duckdb_read(store, work, csv_path)),
        "engine_load": ("the app's ingest: validate, write, aggregates, one transaction",
                        lambda: bench_ingest.run_engine(store, work, csv_path, [])),
        "engine_check": ("the app's ingest dry run (validate only)",
                         lambda: bench_ingest.run_engine(store, work, csv_path, [], write=False)),
        "pandas": ("pandas read_csv + insert", lambda: bench_ingest.run_pandas(store, work, csv_path)),
    }
    out: dict[str, Any] = {"status": "ok", "rows": rows, "csv_bytes": csv_path.stat().st_size, "ways": {}}
    for name, (_, fn) in ways.items():
        try:
            med, runs, res = timed(fn, run.repeat)
            out["ways"][name] = {"seconds": med, "runs": runs, "rows": res[0], "revenue": res[1]}
        except Exception as exc:
            out["ways"][name] = {"error": _err(exc)}
            out["status"] = "partial"
    for name in ("read", "insert", "pandas", "engine"):
        _discard(work / f"{name}.duckdb")
    w = out["ways"]
    base = w.get("duckdb_read_csv", {}).get("seconds")
    pandas_s = w.get("pandas", {}).get("seconds")
    out["seconds"] = w.get("engine_load", {}).get("seconds")
    loaded = {v["rows"] for k, v in w.items() if "rows" in v}
    revenues = {v["revenue"] for k, v in w.items() if "revenue" in v and k != "engine_check"}
    out["agree"] = loaded == {rows} and len(revenues) == 1
    for name, (label, _) in ways.items():
        r = w[name]
        if "error" in r:
            run.rows.append(Row("ingest", label, note=f"error: {r['error']}"))
            continue
        s = r["seconds"]
        run.rows.append(Row("ingest", label, s, x_floor=s / base if base else None,
                            x_pandas=s / pandas_s if pandas_s else None,
                            note=f"{rows:,} rows, {fmt_bytes(out['csv_bytes'])} CSV; {rows / s / 1e6:.2f} M rows/s"
                            + ("" if out["agree"] else "; the ways DISAGREE on rows or revenue")))
    return out


def _compare(a: Any, b: Any) -> dict[str, Any]:
    """Two per-customer profit Series: same customers, and the largest difference (doubles summed in
    another order may differ in the last bits)."""
    same_customers = set(a.index) == set(b.index)
    if not same_customers:
        return {"same_customers": False, "max_abs_diff": None, "agree": False}
    diff = float((a - b.reindex(a.index)).abs().max()) if len(a) else 0.0
    scale = max(1.0, float(a.abs().max()) if len(a) else 1.0)
    return {"same_customers": True, "max_abs_diff": diff, "agree": bool(diff <= 1e-9 * scale + 1e-6)}


def _fresh(run: Run, task: str) -> tuple[list[float], list[int], dict[str, Any]]:
    walls, rss, payload = [], [], {}
    for _ in range(run.repeat):
        child = run_child(task, ["--db", str(run.store)], run)
        walls.append(child.wall_s)
        rss.append(child.peak_rss_bytes)
        payload = child.payload
    return walls, rss, payload


def sec_floor(run: Run) -> dict[str, Any]:
    from analytics import profit
    from bench import bench_profit

    ensure_store(run)
    with store_cursor(run) as (cur, f):
        t0 = time.perf_counter()
        pnl = bench_profit.floor_pnl(cur, f)
        first = time.perf_counter() - t0
        med, runs, pnl = timed(lambda: bench_profit.floor_pnl(cur, f), run.repeat)
        app_s, app_runs, app = timed(lambda: profit.customer_pnl(cur, f), run.repeat)
    app_pnl = app.customers.set_index("customer_id")["profit"]
    check = _compare(pnl, app_pnl)
    run.floor_pnl = pnl
    walls, rss, _ = _fresh(run, "floor")
    out = {"status": "ok" if check["agree"] else "error", "seconds": med, "runs": runs, "first_call_seconds": first,
           "fresh_process_seconds": median(walls), "fresh_process_runs": walls, "peak_rss_bytes": peak(rss),
           "customers": len(pnl), "total_profit": float(pnl.sum()), "agrees_with_app": check["agree"],
           "max_abs_diff_vs_app": check["max_abs_diff"], "app_pnl_seconds": app_s, "app_pnl_runs": app_runs}
    if not check["agree"]:
        out["error"] = "the floor's per-customer profit differs from analytics.profit.customer_pnl"
    agree = "equals" if check["agree"] else "DIFFERS from"
    rows = [Row("floor", "one DuckDB query: every customer's profit after cost to serve, in-process",
                med, 1.0, spark="n/a", note=f"{len(pnl):,} customers; {agree} analytics.profit per customer "
                                            f"(max diff {_num(check['max_abs_diff'])})"),
            Row("floor", "the same query in a fresh process (start, import, open, query)",
                median(walls), 1.0, peak_rss_bytes=peak(rss), spark="n/a"),
            Row("floor", "the app's P&L (analytics.profit.customer_pnl, monthly aggregates), in-process",
                app_s, app_s / med, note="the function every page starts from")]
    run.rows += rows
    run.floor_rows = {"in": rows[0], "fresh": rows[1], "app": rows[2]}
    return out


def sec_pandas(run: Run) -> dict[str, Any]:
    from analytics import profit
    from bench import bench_profit

    ensure_store(run)
    with store_cursor(run) as (cur, f):
        med, runs, pnl = timed(lambda: bench_profit.pandas_pnl(cur, f), run.repeat)
        ref = run.floor_pnl
        against = "floor"
        if ref is None:
            ref, against = profit.customer_pnl(cur, f).customers.set_index("customer_id")["profit"], "app"
    check = _compare(pnl, ref)
    walls, rss, _ = _fresh(run, "pandas")
    out = {"status": "ok" if check["agree"] else "error", "seconds": med, "runs": runs,
           "fresh_process_seconds": median(walls), "fresh_process_runs": walls, "peak_rss_bytes": peak(rss),
           "customers": len(pnl), "total_profit": float(pnl.sum()), f"agrees_with_{against}": check["agree"],
           "max_abs_diff": check["max_abs_diff"]}
    if not check["agree"]:
        out["error"] = f"the pandas way's per-customer profit differs from the {against}'s"
    floor_s, floor_fresh = run.ref("floor", "seconds"), run.ref("floor", "fresh_process_seconds")
    # The floor ran first: its rows get their ratio to the pandas way now.
    for key, ref_s in (("in", med), ("fresh", median(walls)), ("app", med)):
        row = run.floor_rows.get(key)
        if row is not None and row.value is not None:
            row.x_pandas = row.value / ref_s
    agree = "equals" if check["agree"] else "DIFFERS from"
    run.rows.append(Row("pandas", "read the facts, merge_asof the rates, group by customer; in-process", med,
                        med / floor_s if floor_s else None, 1.0,
                        note=f"{agree} the {against} per customer (max diff {_num(check['max_abs_diff'])})"))
    run.rows.append(Row("pandas", "the same in a fresh process", median(walls),
                        median(walls) / floor_fresh if floor_fresh else None, 1.0, peak_rss_bytes=peak(rss)))
    return out


# The analysis pages (views/ file stems), whose figures ``report --json`` computes, in page order.
PAGES = ("overview", "concentration", "delivered_value", "word_of_mouth", "customer_value", "lifecycle")
# A report section's page where the module's name is not the page's (modules are moving into packages).
PAGE_ALIASES = {"clv": "customer_value", "contracts": "customer_value"}  # contract customers are a section of it


def page_of(module: str) -> str:
    """The page (views/ file stem) a report section belongs to: ``analytics.word_of_mouth.headline`` →
    ``word_of_mouth``, ``analytics.clv.value`` → ``customer_value``."""
    top = module.removeprefix("analytics.").split(".")[0]
    return PAGE_ALIASES.get(top, top)


def pages() -> list[str]:
    """The analysis pages that exist in views/."""
    return [p for p in PAGES if (ROOT / "views" / f"{p}.py").exists()]


def page_title(page: str) -> str:
    """The page's English name in the app's navigation."""
    try:
        from i18n import Translator

        title = Translator("en")(f"nav.{page}")
        if title and title != f"nav.{page}":
            return title
    except Exception:  # a label is not worth failing a section for
        pass
    return page.replace("_", " ").capitalize()


def section_labels(modules: Sequence[str]) -> dict[str, str]:
    """The row label of each report section: its page's English name, and the section's module when
    the page has several (Customer value: its values, their ranges, the contract customers)."""
    per_page: dict[str, int] = {}
    for m in modules:
        per_page[page_of(m)] = per_page.get(page_of(m), 0) + 1
    return {m: page_title(page_of(m)) + (f" ({m.removeprefix('analytics.')})" if per_page[page_of(m)] > 1 else "")
            for m in modules}


def report_sections() -> list[str]:
    from analytics import report

    return report.sections()


def sec_pages(run: Run) -> dict[str, Any]:
    import importlib

    ensure_store(run)
    modules = report_sections()
    out: dict[str, Any] = {"status": "ok", "pages": {}, "stored_fits": stored_fits(run.store)}
    fits = "" if out["stored_fits"] else "; no stored model fits: the first call fits them"
    cold: dict[str, Any] = {}
    try:
        cold = run_child("cold", ["--db", str(run.store), "--sections", ",".join(modules),
                                  "--repeat", str(run.repeat)], run).payload
    except Exception as exc:
        cold = {m: {"errors": [_err(exc)]} for m in modules}
    order = {p: i for i, p in enumerate(PAGES)}
    modules.sort(key=lambda m: order.get(page_of(m), len(order)))  # stable: a page's sections in the report's order
    labels = section_labels(modules)
    with store_cursor(run) as (cur, f):
        for m in modules:
            page = page_of(m) if page_of(m) not in out["pages"] else m  # two sections of one page
            r: dict[str, Any] = {"module": m, "label": labels[m]}
            c = cold.get(m, {})
            if c.get("runs"):
                r.update(cold_seconds=median(c["runs"]), cold_runs=c["runs"], cold_peak_rss_bytes=peak(c["peak_rss_bytes"]))
            if c.get("errors"):
                r["cold_error"] = c["errors"][0]
            try:
                fn = importlib.import_module(m).report_section
                t0 = time.perf_counter()
                fn(cur, f)
                r["first_in_process_seconds"] = time.perf_counter() - t0
                r["warm_seconds"], r["warm_runs"], _ = timed(lambda fn=fn: fn(cur, f), run.repeat)
            except Exception as exc:
                r["warm_error"] = _err(exc)
            if "cold_error" in r or "warm_error" in r:
                out["status"] = "partial"
            out["pages"][page] = r
    warm = [r["warm_seconds"] for r in out["pages"].values() if "warm_seconds" in r]
    colds = [r["cold_seconds"] for r in out["pages"].values() if "cold_seconds" in r]
    out["seconds"] = sum(warm) if warm else None
    out["cold_seconds"] = sum(colds) if colds else None
    for r in out["pages"].values():
        title = r["label"]
        for kind, label in (("cold", "cold: first call in a fresh process"), ("warm", f"warm: median of {run.repeat}")):
            key = f"{kind}_seconds"
            if key in r:
                xf, xp = run.ratios(r[key], "seconds")
                run.rows.append(Row("page", f"{title}, {label}", r[key], xf, xp,
                                    peak_rss_bytes=r.get("cold_peak_rss_bytes") if kind == "cold" else None,
                                    spark="n/a", note=r["module"] + fits))
            else:
                run.rows.append(Row("page", f"{title}, {label}", note=f"error: {r.get(kind + '_error')}"))
    return out


def sec_report(run: Run) -> dict[str, Any]:
    ensure_store(run)
    walls, rss, sizes, profits = [], [], [], []
    for _ in range(run.repeat):
        child = run_child("cli", [], run, rest=["report", "--json", "--db", str(run.store)])
        walls.append(child.wall_s)
        rss.append(child.peak_rss_bytes)
        sizes.append(len(child.stdout))
        profits.append(json.loads(child.stdout).get("profit"))
    med = median(walls)
    floor_total = run.sections.get("floor", {}).get("total_profit")
    matches = None
    if floor_total is not None and profits[-1] is not None:
        matches = math.isclose(profits[-1], floor_total, rel_tol=1e-9, abs_tol=1e-4)
    out = {"status": "ok" if matches is not False else "error", "seconds": med, "runs": walls,
           "peak_rss_bytes": peak(rss), "json_bytes": sizes[-1], "profit": profits[-1],
           "profit_matches_floor": matches, "_stdout": child.stdout}
    if matches is False:
        out["error"] = f"report profit {profits[-1]} differs from the floor's total {floor_total}"
    xf, xp = run.ratios(med, "fresh_process_seconds")
    check = {True: "profit equals the floor's total", False: "profit DIFFERS from the floor's total",
             None: "not compared (no floor in this run)"}[matches]
    run.rows.append(Row("report", "python -m analytics report --json, fresh process (wall)", med, xf, xp,
                        peak_rss_bytes=peak(rss), spark="n/a", note=f"ratios to the fresh-process floor and pandas; {check}"))
    return out


def sec_charts(run: Run) -> dict[str, Any]:
    ensure_store(run)
    with tempfile.TemporaryDirectory(prefix="cvm_bench_charts_") as tmp:
        copy = Path(tmp) / "app.duckdb"  # the app opens its store for writing: never the cached one
        shutil.copy(run.store, copy)
        child = run_child("charts", ["--db", str(copy), "--pages", ",".join(pages()),
                                     "--timeout", str(run.scale.timeout_s)], run)
    out: dict[str, Any] = {"status": "ok", "pages": child.payload.get("pages", {}),
                           "first_run_seconds": child.payload.get("first_run_seconds"),
                           "peak_rss_bytes": child.peak_rss_bytes}
    sizes = []
    for page, r in out["pages"].items():
        if "error" in r or r.get("errors"):
            out["status"] = "partial"
            run.rows.append(Row("charts", f"{page_title(page)} chart JSON",
                                note=f"error: {r.get('error') or r['errors'][0]}"))
            continue
        sizes.append(r["bytes"])
        big = max(r["charts"], key=lambda c: c["bytes"], default={"key": "-", "bytes": 0})
        ok = "≤ 300 KB" if r["bytes"] <= CHART_BUDGET_BYTES else "OVER 300 KB"
        run.rows.append(Row("charts", f"{page_title(page)} chart JSON (Plotly specs, AppTest)", r["bytes"], unit="B",
                            note=f"{len(r['charts'])} charts, largest {big['key']} {fmt_bytes(big['bytes'])}; {ok}; "
                                 f"page run {r['seconds']:.2f} s"))
    out["seconds"] = sum(r.get("seconds", 0.0) for r in out["pages"].values())
    out["max_page_bytes"] = max(sizes) if sizes else None
    return out


def sec_browser(run: Run) -> dict[str, Any]:
    if not run.browser:
        run.rows.append(Row("browser", "page switch in Chromium", note="skipped: pass --browser"))
        return {"status": "skipped", "reason": "pass --browser"}
    from bench import browser

    ensure_store(run)
    with tempfile.TemporaryDirectory(prefix="cvm_bench_browser_") as tmp:
        copy = Path(tmp) / "app.duckdb"
        shutil.copy(run.store, copy)
        out = browser.measure(copy, pages(), run.repeat, Path(tmp), run.child_settings(),
                              timeout_s=min(run.scale.timeout_s, 900))
    out["seconds"] = out["first_page_seconds"]
    run.rows.append(Row("browser", "first page after a server start: open the URL to the Overview's main chart",
                        out["first_page_seconds"],
                        note=f"settled {out['first_page_settled_seconds']:.2f} s; streamlit run on a copy of the store"))
    for page, r in out["pages"].items():
        if "error" in r:
            out["status"] = "partial"
            run.rows.append(Row("browser", f"switch to {page_title(page)}", note=f"error: {r['error']}"))
            continue
        first = "back from the last page" if page == pages()[0] else "first visit"
        run.rows.append(Row("browser", f"switch to {page_title(page)}: click to main chart drawn, warm median of "
                                       f"{len(r['warm_runs'])}", r["warm_seconds"],
                            note=f"settled {r['warm_settled_seconds']:.2f} s; {first} {r['first_seconds']:.2f} s "
                                 f"(settled {r['first_settled_seconds']:.2f} s); chart .st-key-{r['chart_key']}"))
    return out


def _differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Where two reports differ: numbers beyond 1e-6 relative, anything else when unequal."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} against {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{where}[{i}]")]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return [] if math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9) else [f"{where}: {a} against {b}"]
    return [] if a == b else [f"{where}: {a!r} against {b!r}"]


def sec_spark(run: Run) -> dict[str, Any]:
    """``report --json --backend pyspark`` in a fresh process (Spark local mode, 2 threads, over the
    store's Parquet export), against DuckDB's report of the same run: time and equality of every key."""
    if not run.spark:
        run.rows.append(Row("spark", "Spark local mode vs DuckDB (report --json --backend pyspark)",
                            note="skipped: pass --spark"))
        return {"status": "skipped", "reason": "pass --spark"}
    ensure_store(run)
    duck = run.sections.get("report", {})
    if "_stdout" not in duck:
        child = run_child("cli", [], run, rest=["report", "--json", "--db", str(run.store)])
        duck = {"seconds": child.wall_s, "_stdout": child.stdout}
    with tempfile.TemporaryDirectory(prefix="cvm_bench_spark_") as tmp:
        copy = Path(tmp) / "store.duckdb"  # the export is written beside the store: never beside the cached one
        shutil.copy(run.store, copy)
        child = run_child("cli", [], run, rest=["report", "--json", "--backend", "pyspark", "--db", str(copy)])
    diffs = _differences(json.loads(child.stdout), json.loads(duck["_stdout"]))
    ratio = child.wall_s / duck["seconds"] if duck.get("seconds") else None
    out = {"status": "ok" if not diffs else "error", "seconds": child.wall_s, "duckdb_seconds": duck.get("seconds"),
           "ratio": ratio, "peak_rss_bytes": child.peak_rss_bytes, "differences": diffs[:20]}
    note = ("every key equal to DuckDB's (1e-6 relative)" if not diffs
            else f"{len(diffs)} keys DIFFER, e.g. {diffs[0]}")
    run.rows.append(Row("spark", "python -m analytics report --json --backend pyspark, fresh process (wall; "
                                 "export to Parquet and Spark start included)", child.wall_s,
                        peak_rss_bytes=child.peak_rss_bytes, spark=fmt_ratio(ratio), note=note))
    return out


RUNNERS: dict[str, Callable[[Run], dict[str, Any]]] = {
    "generation": sec_generation, "ingest": sec_ingest, "floor": sec_floor, "pandas": sec_pandas,
    "pages": sec_pages, "report": sec_report, "charts": sec_charts, "browser": sec_browser, "spark": sec_spark,
}


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.1g}"


def _err(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


# ----------------------------------------------------------------------------- output
def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "–"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def fmt_rss(n: int | None) -> str:
    if not n:
        return "–"
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def fmt_value(row: Row) -> str:
    if row.value is None:
        return "n/a" if row.spark == "n/a" and row.section == "spark" else "–"
    if row.unit == "B":
        return fmt_bytes(row.value)
    return f"{row.value:.3g} s" if row.value < 100 else f"{row.value:.0f} s"


def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f}×" if x < 10 else f"{x:.0f}×"


def markdown(report: dict[str, Any], rows: list[Row]) -> str:
    m, sc = report["machine"], report
    settings = ", ".join(f"{k} {v}" for k, v in report["settings"].items() if v) or "DuckDB defaults"
    lines = [
        f"### `python -m bench --scale {sc['scale']}`: {sc['customers']:,} customers / {sc['transactions']:,} "
        f"transactions, {sc['date']}",
        "",
        f"{m['cpus']} CPUs ({m['machine']}, load average {m['load_average'][0]:.1f} at the start), Python "
        f"{m['python']}, DuckDB {m['duckdb']}, pandas {m['pandas']}; {settings}; medians of {sc['repeat']}; "
        f"seed {sc['seed']}; period {' – '.join(sc['period']) if sc['period'] else '–'}; store: {sc['store']['source']}.",
        "",
        "| section | measure | median | × floor | × pandas | peak RSS | Spark local vs DuckDB | note |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        note = r.note.replace("|", "\\|")
        lines.append(f"| {r.section} | {r.measure} | {fmt_value(r)} | {fmt_ratio(r.x_floor)} | {fmt_ratio(r.x_pandas)} "
                     f"| {fmt_rss(r.peak_rss_bytes)} | {r.spark or '–'} | {note} |")
    lines += [
        "",
        "× floor: against the floor measured the same way in this run (in-process against in-process, "
        "fresh process against fresh process; ingest against DuckDB's own read_csv). × pandas: likewise "
        f"against the pandas way. Spark local vs DuckDB: {SPARK_NOTE}. Errors appear in the note.",
    ]
    return "\n".join(lines) + "\n"


def machine() -> dict[str, Any]:
    import duckdb
    import pandas as pd

    return {"cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "machine": platform.machine(), "system": platform.platform(), "python": platform.python_version(),
            "duckdb": duckdb.__version__, "pandas": pd.__version__, "load_average": list(os.getloadavg())}


# ----------------------------------------------------------------------------- entry point
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scale", required=True, type=lambda s: s if s in SCALES else s.upper(),
                    help="S: 5,000 customers / 200,000 transactions (the demo); M: 100,000 / 10 million; "
                         "L: 1 million / 100 million")
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder for the table and JSON (default bench/results)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; medians reported (default 3)")
    ap.add_argument("--only", default="", metavar="SECTION[,…]", help=f"sections to run: {', '.join(SECTIONS)}")
    ap.add_argument("--db", type=Path, help="an existing generated store of this scale (no generation)")
    ap.add_argument("--cache", type=Path, default=CACHE,
                    help="folder of generated stores, one per scale and seed (default bench/results/stores)")
    ap.add_argument("--seed", type=int, default=7, help="the demo's seed (default 7)")
    ap.add_argument("--memory-limit", help="DuckDB memory_limit for every connection, e.g. 6GB")
    ap.add_argument("--threads", type=int, help="DuckDB threads for every connection")
    ap.add_argument("--browser", action="store_true", help="also time page switches in Chromium (slow)")
    ap.add_argument("--spark", action="store_true", help="also run report --json on Spark local mode (slow)")
    args = ap.parse_args(argv)
    if args.scale not in SCALES:
        ap.error(f"--scale must be S, M or L, got {args.scale!r}")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    return args


def selected_sections(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The sections to run, in order, and notes on what was added (ratios need the floor and pandas)."""
    if not args.only:
        return list(SECTIONS), []
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = wanted - set(SECTIONS)
    if unknown:
        raise SystemExit(f"python -m bench: error: unknown section(s) {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(SECTIONS)}")
    notes = []
    if wanted & {"pages", "report"} and not {"floor", "pandas"} <= wanted:
        notes.append("floor and pandas added: the ratios need them")
        wanted |= {"floor", "pandas"}
    return [s for s in SECTIONS if s in wanted], notes


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns what it wrote to the JSON file."""
    args = parse_args(argv)
    names, notes = selected_sections(args)
    scale = SCALES[args.scale]
    run = Run(args, args.scale, scale, Path(args.cache) / f"{args.scale}-seed{args.seed}")
    run.browser = args.browser or ("browser" in names and bool(args.only))
    run.spark = args.spark or ("spark" in names and bool(args.only))
    from bench.child import apply_settings

    apply_settings(args.memory_limit, args.threads)
    started = dt.datetime.now()
    info = machine()
    for name in names:
        t0 = time.perf_counter()
        n_rows = len(run.rows)
        print(f"[bench] {name} …", file=sys.stderr, flush=True)
        try:
            result = RUNNERS[name](run)
        except Exception as exc:
            result = {"status": "error", "error": _err(exc), "traceback": traceback.format_exc(limit=5)}
            del run.rows[n_rows:]
            run.rows.append(Row(name, "—", note=f"error: {_err(exc)}"))
        result["section_wall_seconds"] = time.perf_counter() - t0
        run.sections[name] = result
        print(f"[bench] {name}: {result['status']} in {result['section_wall_seconds']:.1f} s", file=sys.stderr,
              flush=True)
    store_info: dict[str, Any] = {"source": run.store_source or "none", "path": str(run.store) if run.store else None,
                                  "bytes": _files_size(run.store) if run.store else None}
    report = {
        "scale": args.scale, "customers": scale.customers, "transactions": scale.transactions, "seed": args.seed,
        "repeat": run.repeat, "date": started.date().isoformat(), "started": started.isoformat(timespec="seconds"),
        "wall_seconds": (dt.datetime.now() - started).total_seconds(), "machine": info,
        "settings": {"memory_limit": args.memory_limit, "threads": args.threads}, "store": store_info,
        "period": list(run.period) if run.period else None, "notes": notes,
        "sections": {name: {k: v for k, v in sec.items() if not k.startswith("_")}  # _: kept for other sections
                     for name, sec in run.sections.items()},
        "table": [r.as_dict() for r in run.rows],
    }
    text = markdown(report, run.rows)
    if notes:
        text += "\n" + "; ".join(notes) + ".\n"
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{args.scale}-{report['date']}"
    (args.out / f"{stem}.md").write_text(text, encoding="utf-8")
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(text)
    print(f"wrote {args.out / (stem + '.md')} and {stem}.json", file=sys.stderr)
    return report
