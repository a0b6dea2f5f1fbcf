"""Work the harness (``python -m bench``) runs in a fresh process, one task per call.

    python -m bench.child TASK [--memory-limit L] [--threads N] [task options] [-- ARGS]

The harness measures each process's wall time from outside; the task prints one JSON object on its
last line of stdout with what only it can see (the generator's own time, the first call of a view),
and at exit writes its peak resident set (:func:`peak_rss_bytes`) to the file ``$BENCH_PEAK_RSS_FILE``
names. ``--memory-limit`` and ``--threads`` go into every DuckDB connection the
process opens (the store module's ``CONFIG``), so the app's code runs unchanged under them.

Tasks:

* ``demo --db P --customers N --transactions N --seed S``: the demo generator into a new store;
* ``refresh --db P``: the stored model fits for the default view (``analytics.precompute.refresh``), as
  every write of the app and of the command line leaves them;
* ``floor --db P`` / ``pandas --db P``: every customer's profit for the default period, one query or
  the pandas way;
* ``cold --db P --sections a,b --repeat N``: each view's first call in a fresh process: the modules are
  imported once, then every call runs in a process forked from that state (nothing memoised yet);
* ``cli -- report --json --db P``: ``python -m analytics`` itself (run as its ``__main__``);
* ``charts --db P --pages a,b``: each page through Streamlit's AppTest, the size of its Plotly JSON;
* ``streamlit -- run app.py …``: ``streamlit`` itself (the app's server for the browser timings).
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import json
import os
import runpy
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


PEAK_FILE_ENV = "BENCH_PEAK_RSS_FILE"


def peak_rss_bytes() -> int | None:
    """This process's peak resident set (``VmHWM``), counted from its own start. Not getrusage's
    ``ru_maxrss``, nor what ``wait4`` says of a child: Linux keeps there the resident set of the
    process image that ``exec`` replaced, i.e. of the (large) parent that started it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _write_peak() -> None:
    path = os.environ.get(PEAK_FILE_ENV)
    peak = peak_rss_bytes()
    if path and peak is not None:
        Path(path).write_text(str(peak))


def apply_settings(memory_limit: str | None, threads: int | None) -> None:
    """Every DuckDB connection the store module opens from now on gets these settings."""
    from analytics.store import db

    if memory_limit:
        db.CONFIG["memory_limit"] = memory_limit
    if threads:
        db.CONFIG["threads"] = int(threads)


def default_filter(cur: Any) -> Any:
    """The view the app and ``report`` open on (:func:`analytics.precompute.default_filter`)."""
    from analytics import precompute

    return precompute.default_filter(cur)


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write("\n" + json.dumps(obj, default=str) + "\n")
    sys.stdout.flush()


def _demo(a: argparse.Namespace) -> dict[str, Any]:
    from analytics import demo
    from analytics.store import db

    with db.session(a.db, create=True) as con:
        s = demo.generate(con, customers=a.customers, transactions=a.transactions, seed=a.seed)
    return {"seconds": s.seconds, "customers": s.customers, "transactions": s.transactions,
            "activities": s.activities, "feedback": s.feedback, "assessments": s.assessments,
            "opportunities": s.opportunities}


def _refresh(a: argparse.Namespace) -> dict[str, Any]:
    from analytics import precompute
    from analytics.store import db

    with db.session(a.db) as con:
        done = precompute.refresh(con)
    return {"seconds": done.total_seconds, "counts": done.counts, "data_version": done.data_version}


def _query(a: argparse.Namespace, way: str) -> dict[str, Any]:
    from analytics.store import db
    from bench import bench_profit

    with db.session(a.db, read_only=True) as con, db.cursor(con) as cur:
        f = default_filter(cur)
        t0 = time.perf_counter()
        pnl = (bench_profit.floor_pnl if way == "floor" else bench_profit.pandas_pnl)(cur, f)
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "customers": len(pnl), "total_profit": float(pnl.sum())}


def _first_call(db_path: str, module: str) -> dict[str, Any]:
    from analytics.store import db

    with db.session(db_path, read_only=True) as con, db.cursor(con) as cur:
        f = default_filter(cur)
        fn = importlib.import_module(module).report_section
        t0 = time.perf_counter()
        fn(cur, f)
        return {"seconds": time.perf_counter() - t0}


def _cold(a: argparse.Namespace) -> dict[str, Any]:
    """Fork one process per call from a parent that has imported the modules and opened nothing, so
    that each call is the first in its process (no memoised fit, no warm cache), as after an app start,
    without paying the interpreter's start and imports again for every call."""
    modules = [m for m in a.sections.split(",") if m]
    for m in modules:
        importlib.import_module(m)
    out: dict[str, Any] = {m: {"runs": [], "peak_rss_bytes": [], "errors": []} for m in modules}
    for _ in range(a.repeat):
        for m in modules:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: one first call, its result through the pipe, no cleanup handlers
                os.close(r)
                try:
                    msg = _first_call(a.db, m)
                    msg["peak_rss_bytes"] = peak_rss_bytes()  # with the imported modules, as an app's
                except BaseException as exc:  # reported by the parent, which carries on
                    msg = {"error": f"{type(exc).__name__}: {exc}"}
                os.write(w, json.dumps(msg).encode())
                os._exit(0)
            os.close(w)
            with os.fdopen(r, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            try:
                msg = json.loads(data or b"{}")
            except ValueError:
                msg = {}
            if "seconds" in msg:
                out[m]["runs"].append(msg["seconds"])
                out[m]["peak_rss_bytes"].append(msg.get("peak_rss_bytes"))
            else:
                code = os.waitstatus_to_exitcode(status)
                out[m]["errors"].append(msg.get("error") or f"the process ended with status {code}")
    return out


def _charts(a: argparse.Namespace) -> dict[str, Any]:
    """Each page opened through AppTest on ``--db`` (a copy: the app opens its store for writing)."""
    os.environ["CVM_DB"] = str(a.db)
    os.chdir(ROOT)
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    # The app shows visitors no error details; the benchmark wants the real message in its row.
    config.set_option("client.showErrorDetails", "full")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=a.timeout)
    at.query_params["lang"] = a.lang
    t0 = time.perf_counter()
    at.run()
    out: dict[str, Any] = {"first_run_seconds": time.perf_counter() - t0, "pages": {}}
    for page in (p for p in a.pages.split(",") if p):
        try:
            t0 = time.perf_counter()
            at.switch_page(f"views/{page}.py")
            at.run()
            seconds = time.perf_counter() - t0
            errors = [str(e.value) for e in at.exception]
            charts = []
            for el in at.get("plotly_chart"):
                ident = str(el.proto.id)
                # Streamlit element ids end with the user key: "$$ID-<hash>-<key>"
                key = ident.split("-", 2)[-1] if ident.startswith("$$ID-") else ident
                charts.append({"key": key, "bytes": len(el.proto.spec)})
            out["pages"][page] = {"seconds": seconds, "charts": charts,
                                  "bytes": sum(c["bytes"] for c in charts), "errors": errors}
        except Exception as exc:  # one page's failure is reported in its row; the others go on
            out["pages"][page] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    rest: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, rest = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(prog="python -m bench.child")
    ap.add_argument("task", choices=["demo", "refresh", "floor", "pandas", "cold", "cli", "charts", "streamlit"])
    ap.add_argument("--memory-limit")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--db")
    ap.add_argument("--customers", type=int)
    ap.add_argument("--transactions", type=int)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sections", default="")
    ap.add_argument("--pages", default="")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--lang", default="en")
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args(argv)
    atexit.register(_write_peak)
    apply_settings(a.memory_limit, a.threads)
    if a.task == "cli":  # through the entry point users know, wherever the command line's code lives
        sys.argv = ["python -m analytics", *rest]
        runpy.run_module("analytics", run_name="__main__", alter_sys=True)
        return 0
    if a.task == "streamlit":
        os.chdir(ROOT)
        from streamlit.web.cli import main as st_main

        sys.argv = ["streamlit", *rest]
        st_main()
        return 0
    tasks = {"demo": _demo, "refresh": _refresh, "floor": lambda x: _query(x, "floor"), "pandas": lambda x: _query(x, "pandas"),
             "cold": _cold, "charts": _charts}
    _emit(tasks[a.task](a))
    return 0


if __name__ == "__main__":
    sys.exit(main())
