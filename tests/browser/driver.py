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

from google.protobuf.message import DecodeError
from playwright.sync_api import Browser, Locator, Page, WebSocket, sync_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

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
def server(db_path: Path, log: Path, root: Path = ROOT) -> Iterator[str]:
    """``streamlit run app.py`` (of ``root``: this checkout, or a copy of it) on ``db_path``; yields its base
    URL; stops it afterwards."""
    port = free_port()
    env = {**os.environ, "CVM_DB": str(db_path)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
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
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see {log}")
                with contextlib.suppress(subprocess.TimeoutExpired):  # the next poll, unless it exits first
                    proc.wait(timeout=0.3)
                    raise RuntimeError(f"streamlit exited on start; see {log}")
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


_DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)


def _run_finished(payload: str | bytes) -> bool:
    """Whether a websocket frame from the server is Streamlit's end of a whole script run (not of a
    fragment's run, not a run cut short for a rerun)."""
    if isinstance(payload, str):
        return False
    msg = ForwardMsg()
    try:
        msg.ParseFromString(payload)
    except DecodeError:
        return False
    return msg.WhichOneof("type") == "script_finished" and msg.script_finished in _DONE


class _Runs:
    """The script runs one tab's session has completed, counted from the server's messages."""

    def __init__(self) -> None:
        self.count = 0
        self.socket: WebSocket | None = None

    def attach(self, ws: WebSocket) -> None:
        self.socket = ws
        ws.on("framereceived", self.frame)

    def frame(self, payload: str | bytes) -> None:
        self.count += _run_finished(payload)


def track(page: Page) -> _Runs:
    """Count the runs of ``page`` from now on (and of the tabs it opens). Called before its first
    navigation by :func:`open_page`."""
    runs = getattr(page, "_cvm_runs", None)
    if runs is None:
        runs = _Runs()
        page._cvm_runs = runs  # type: ignore[attr-defined]
        page.on("websocket", runs.attach)
        page.on("popup", track)
    return runs


def runs(page: Page) -> int:
    """How many script runs of this tab's session have completed."""
    return track(page).count


def wait_run(page: Page, after: int, timeout_s: float = 180) -> None:
    """Wait until more than ``after`` runs have completed and no loading skeleton is left."""
    state = track(page)
    deadline = time.monotonic() + timeout_s
    while state.count <= after:
        left_ms = max(1.0, (deadline - time.monotonic()) * 1000)
        if time.monotonic() > deadline:
            raise TimeoutError(f"no script run completed after run {after} within {timeout_s} s")
        if state.socket is None:
            page.wait_for_event("websocket", timeout=left_ms)
        else:
            state.socket.wait_for_event("framereceived", predicate=_run_finished, timeout=left_ms)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')",
                           timeout=max(1.0, (deadline - time.monotonic()) * 1000))


def rerun(page: Page, action: Callable[[], object], timeout_s: float = 180) -> None:
    """Do ``action`` (a click, a key, a typed value: anything that makes the app run again) and wait
    until the run it caused has completed."""
    before = runs(page)
    action()
    wait_run(page, before, timeout_s)


def wait_rendered(page: Page, timeout_s: float = 240) -> None:
    """After opening a page: wait until its first run has completed (a title, the server's end of the
    run, no loading skeleton). After an action on an open page, use :func:`rerun` instead."""
    page.wait_for_selector("h1", timeout=timeout_s * 1000)
    wait_run(page, 0, timeout_s)


def ready(page: Page, selector: str, count: int = 1, timeout_s: float = 240) -> None:
    """Wait until ``count`` elements match ``selector`` and the page's run has completed: the title
    shows before the page's first (slow, uncached) computation ends."""
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length >= n", arg=[selector, count],
                           timeout=timeout_s * 1000)
    wait_rendered(page, timeout_s)


def navigate(page: Page, base: str, name: str, query: str = "") -> Page:
    """Go to page ``name`` and return at once, its runs counted from the start: for a test that watches the
    page while its first run goes on (then :func:`wait_rendered`); every other test uses :func:`open_page`."""
    state = track(page)
    state.count, state.socket = 0, None  # a new session on a new socket: count its runs from the start
    page.goto(page_url(base, name, query))
    return page


def open_page(page: Page, base: str, name: str, query: str = "", *, until: str | None = None, count: int = 1,
              timeout_s: float = 240) -> Page:
    """The one way tests open a page: go to page ``name`` (a views/ file stem) with ``query`` and wait until
    it is drawn — until ``count`` elements match ``until`` when given, and its first run has completed."""
    navigate(page, base, name, query)
    if until is None:
        wait_rendered(page, timeout_s)
    else:
        ready(page, until, count, timeout_s)
    return page


def box_select_tool(plot: Locator) -> None:
    """Pick the Plotly toolbar's box-select tool of ``plot`` (a ``.js-plotly-plot``): a drag on a chart pans by
    default; the toolbar shows while the mouse is over the chart."""
    plot.hover()
    button = plot.locator('.modebar-btn[data-val="select"][data-attr="dragmode"]').first
    button.wait_for(state="visible", timeout=60_000)
    button.click()


def exceptions(page: Page) -> list[str]:
    """Texts of Streamlit exception boxes and error alerts on the page."""
    return page.eval_on_selector_all('[data-testid="stException"]', "els => els.map(e => e.innerText)")
