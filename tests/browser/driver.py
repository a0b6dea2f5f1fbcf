"""Drive the real app: start ``streamlit run`` on a free port and open it in Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
DEFAULT_PAGE = "overview"  # served at the root URL (the first page of st.navigation)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(db_path: Path, log: Path) -> Iterator[str]:
    """``streamlit run app.py`` on ``db_path``; yields its base URL; stops it afterwards."""
    port = free_port()
    env = {**os.environ, "CVM_DB": str(db_path)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see {log}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def page_url(base: str, name: str, query: str = "") -> str:
    """The URL of the page ``name`` (a views/ file stem) with a query string."""
    return f"{base}/{'' if name == DEFAULT_PAGE else name}?{query}"


@contextlib.contextmanager
def app_on_copy(store: Path, work: Path, prepare: Callable[[Path], None] | None = None) -> Iterator[str]:
    """The app on a private copy of ``store`` (optionally changed by ``prepare``), in folder ``work``."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    db_path = work / "app.duckdb"
    shutil.copy(store, db_path)
    if prepare is not None:
        prepare(db_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with server(db_path, work / "streamlit.log") as url:
        yield url


@contextlib.contextmanager
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def wait_rendered(page: Page, timeout_s: float = 90, quiet_ms: int = 1500) -> None:
    """Wait until the page has a title, no loading skeletons, and its text stopped changing."""
    page.wait_for_selector("h1", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    last, stable_since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => [document.querySelectorAll('[data-testid="stSkeleton"]').length,
                      document.querySelectorAll('[data-stale="true"]').length,
                      document.body.innerText.length,
                      document.querySelectorAll('.js-plotly-plot, [data-testid="stMetric"]').length]""")
        if state != last or state[0] or state[1]:
            last, stable_since = state, time.monotonic()
        elif (time.monotonic() - stable_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(250)
    raise TimeoutError("the page did not finish rendering")


def ready(page: Page, selector: str, count: int = 1, timeout_s: float = 120) -> None:
    """Wait until ``count`` elements match ``selector`` and the page has settled: the title shows
    before the page's first (slow, uncached) computation ends, so a quiet page is not yet a done one."""
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length >= n", arg=[selector, count],
                           timeout=timeout_s * 1000)
    wait_rendered(page, timeout_s)


def open_page(page: Page, base: str, name: str, query: str = "", *, until: str | None = None, count: int = 1,
              timeout_s: float = 120) -> Page:
    """The one way tests open a page: go to page ``name`` (a views/ file stem) with ``query`` and wait until
    it is drawn — until ``count`` elements match ``until`` when given, then until it stopped changing."""
    page.goto(page_url(base, name, query))
    if until is None:
        wait_rendered(page, timeout_s)
    else:
        ready(page, until, count, timeout_s)
    return page


def exceptions(page: Page) -> list[str]:
    """Texts of Streamlit exception boxes and error alerts on the page."""
    return page.eval_on_selector_all('[data-testid="stException"]', "els => els.map(e => e.innerText)")
