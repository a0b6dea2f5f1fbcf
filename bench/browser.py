"""Page switches in Chromium: ``streamlit run app.py`` on a store, driven by Playwright.

Measures the first page after a server start (opening the root URL until the Overview's main chart
is drawn) and, for every analysis page, the time from a click on its link in the sidebar until its
main chart is drawn: the first visit after the start, then the median of the later visits ("warm":
the app's result cache holds the page's figures). "Settled" adds the wait until no element is stale
and no skeleton or running indicator is left.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The element keys of each page's charts start with its prefix (views/*.py); the first chart drawn
# with that prefix is the page's main chart.
CHART_PREFIX = {"overview": "ov_", "concentration": "conc_", "delivered_value": "dv_", "word_of_mouth": "wom_",
                "customer_value": "cv_", "lifecycle": "lc_"}
SETTLED_JS = """() => !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')
    && !document.querySelector('[data-testid^="stStatusWidgetRunning"], [data-testid="stStatusWidgetNewYearsIcon"]')"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(db_path: Path, log: Path, settings: Sequence[str], timeout_s: float = 120) -> Iterator[str]:
    """``streamlit run app.py`` on ``db_path`` through ``python -m bench.child streamlit`` (so that the
    DuckDB settings apply); yields the base URL; stops the process group it started."""
    port = free_port()
    env = {**os.environ, "CVM_DB": str(db_path),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "bench.child", "streamlit", *settings, "--", "run", "app.py",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                with suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see {log}")
                time.sleep(0.2)
            yield url
        finally:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _main_chart(page: str) -> str:
    return f'[class*="st-key-{CHART_PREFIX.get(page, page + "_")}"] .js-plotly-plot .main-svg'


def _nav_link(pw_page: Any, page: str) -> Any:
    """The sidebar link of ``page`` (the first page's link is the root URL)."""
    links = pw_page.locator('[data-testid="stSidebarNavLink"]')
    for i in range(links.count()):
        path = urlparse(links.nth(i).get_attribute("href") or "").path.strip("/")
        if path == page or (page == "overview" and path == ""):
            return links.nth(i)
    raise LookupError(f"no sidebar link to {page}")


def _switch(pw_page: Any, page: str, timeout_ms: float) -> tuple[float, float]:
    """Seconds from the click on ``page``'s link to its main chart drawn, and to the page settled."""
    link = _nav_link(pw_page, page)
    t0 = time.perf_counter()
    link.click()
    pw_page.locator(_main_chart(page)).first.wait_for(state="visible", timeout=timeout_ms)
    shown = time.perf_counter() - t0
    pw_page.wait_for_function(SETTLED_JS, timeout=timeout_ms, polling=50)
    return shown, time.perf_counter() - t0


def measure(store: Path, pages: Sequence[str], repeat: int, work: Path, settings: Sequence[str],
            timeout_s: float = 300, lang: str = "en") -> dict[str, Any]:
    """The app on ``store`` (a copy it may write to): first page after the start, then every page's
    switch time, first visit and warm median of ``repeat`` visits."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium")
    timeout_ms = timeout_s * 1000
    out: dict[str, Any] = {"status": "ok", "pages": {p: {"runs": [], "settled_runs": []} for p in pages}}
    with server(store, work / "streamlit.log", settings, timeout_s) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            t0 = time.perf_counter()
            page.goto(f"{url}/?lang={lang}")
            page.locator(_main_chart(pages[0])).first.wait_for(state="visible", timeout=timeout_ms)
            out["first_page_seconds"] = time.perf_counter() - t0
            page.wait_for_function(SETTLED_JS, timeout=timeout_ms, polling=50)
            out["first_page_settled_seconds"] = time.perf_counter() - t0
            # Round 0 is every page's first visit; the next rounds are warm. Each round ends on the
            # first page, so that every switch leaves another page.
            order = [*pages[1:], pages[0]]
            for _ in range(1 + max(1, repeat)):
                for name in order:
                    r = out["pages"][name]
                    if "error" in r:
                        continue
                    try:
                        shown, settled = _switch(page, name, timeout_ms)
                        r["runs"].append(shown)
                        r["settled_runs"].append(settled)
                    except Exception as exc:  # this page fails; the others are still measured
                        r["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                        out["status"] = "partial"
                        page.goto(f"{url}/?lang={lang}")
                        page.locator(_main_chart(pages[0])).first.wait_for(state="visible", timeout=timeout_ms)
        finally:
            browser.close()
    for name, r in out["pages"].items():
        r["chart_key"] = CHART_PREFIX.get(name, name + "_") + "*"
        if r["runs"]:
            r["first_seconds"], r["first_settled_seconds"] = r["runs"][0], r["settled_runs"][0]
            warm, settled = r["runs"][1:] or r["runs"], r["settled_runs"][1:] or r["settled_runs"]
            r["warm_runs"], r["warm_seconds"] = warm, statistics.median(warm)
            r["warm_settled_seconds"] = statistics.median(settled)
        elif "error" not in r:
            r["error"] = "not measured"
    return out
