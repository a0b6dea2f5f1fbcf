"""Many users at once (issue 15): ``python -m bench.load`` drives concurrent browser sessions against
``streamlit run app.py`` on a copy of a demo store and records errors, filter-change-to-chart times,
whether any session saw figures other than its own, and the server's memory over time.

Accounts are created through the command line (``python -m analytics users add``): an admin, an
analyst, and one viewer per other session, every second viewer restricted to one region. Each session
is a Playwright context (own cookies, own Streamlit session) in one Chromium; it signs in, then loops:
switch between the Overview and Profit concentration pages, change a filter (period, segment, or
region within its allowance), wait until the run it caused has completed (the server's
``script_finished`` messages on the websocket, as ``tests/browser/driver.py`` counts them) and the
page's main chart is drawn. On the Overview, the customers and revenue cards must equal
``analytics.overview`` for the filter in the page's URL within that user's allowance, computed here on
copies of the store (before and after the analyst's upload). Session 0 is the analyst: it uploads a
small transactions CSV on the Data page and loads it, then works like the others.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "load-test-pass-1"
PAGES = {"overview": "ov_", "concentration": "conc_"}  # page -> its charts' key prefix (views/*.py)
UPLOAD_CSV = ("transaction_id,customer_id,tx_date,product,quantity,revenue,cogs\n"
              "LOAD-1,C000001,{d},Broadband,1,1234.50,100\n"
              "LOAD-2,C000002,{d},Broadband,2,2469.00,200\n"
              "LOAD-3,C000003,{d},Broadband,1,777.70,50\n")


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    regions: tuple[str, ...] = ()


@dataclass
class Record:
    """Everything the sessions report; one instance shared by the event loop (no locking needed)."""

    times: list[float] = field(default_factory=list)  # filter change -> chart drawn, seconds
    server_times: list[float] = field(default_factory=list)  # filter change -> the server's run finished, seconds
    switches: list[float] = field(default_factory=list)  # page link click -> chart drawn, seconds
    errors: list[str] = field(default_factory=list)
    checks: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    upload: dict[str, Any] = field(default_factory=lambda: {"status": "not run"})
    signed_in: int = 0
    missed_clicks: int = 0  # filter clicks that selected nothing and were tried again
    sockets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # user -> their websockets


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20; at least 2)")
    p.add_argument("--minutes", type=float, default=5.0, help="how long the sessions loop (default 5)")
    p.add_argument("--scale", default="S", help="the cached bench store of this scale (default S, the demo)")
    p.add_argument("--db", type=Path, help="a store to copy instead of the cached one")
    p.add_argument("--seed", type=int, default=7, help="the cached store's seed, and the sessions' random choices")
    p.add_argument("--out", type=Path, default=RESULTS, help="where the JSON and the table go (default bench/results/)")
    p.add_argument("--sample-seconds", type=float, default=3.0, help="server RSS sampling interval (default 3)")
    p.add_argument("--ramp", type=float, default=60.0,
                   help="seconds over which the sessions start, evenly spaced (default 60; 0: all at once); the "
                        "minutes of work count from the last start")
    p.add_argument("--timeout", type=float, default=180.0, help="seconds one step may take before it is an error")
    p.add_argument("--dry-run", action="store_true",
                   help="copy the store and create the accounts, then stop (no server, no browser)")
    args = p.parse_args(argv)
    if args.sessions < 2:
        p.error("--sessions must be at least 2 (the analyst and one viewer)")
    if args.minutes <= 0:
        p.error("--minutes must be positive")
    return args


def source_store(args: argparse.Namespace) -> Path:
    """The store to copy: ``--db``, else the bench's cached store of ``--scale`` (``python -m bench`` makes it)."""
    path = args.db or RESULTS / "stores" / f"{args.scale}-seed{args.seed}" / "store.duckdb"
    if not path.exists():
        raise SystemExit(f"no store at {path}: run `python -m bench --scale {args.scale} --only generation` "
                         "or give --db (e.g. one made by `python -m analytics demo --db FILE`)")
    return path


def accounts(sessions: int, regions: Sequence[str]) -> list[Account]:
    """One account per session: the analyst (session 0, the uploader), the admin, then viewers, every
    second one restricted to one region."""
    out = [Account("ann", "analyst"), Account("boss", "admin")]
    for i in range(sessions - 2):
        restricted = (Account(f"viewer{i:02d}", "viewer", (regions[i // 2 % len(regions)],))
                      if i % 2 == 0 else Account(f"viewer{i:02d}", "viewer"))
        out.append(restricted)
    return out[:sessions]


def create_accounts(db_path: Path, accts: Sequence[Account]) -> None:
    """Each account through ``python -m analytics users add`` (the admin first, as the docs say)."""
    for a in sorted(accts, key=lambda a: a.role != "admin"):
        cmd = [sys.executable, "-m", "analytics", "users", "add", a.name, "--db", str(db_path), "--role", a.role,
               "--password-stdin", "--user", "bench.load"]
        if a.regions:
            cmd += ["--regions", ",".join(a.regions)]
        subprocess.run(cmd, input=PASSWORD + "\n", text=True, check=True, cwd=ROOT, capture_output=True)


def listed_accounts(db_path: Path) -> list[dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "analytics", "users", "list", "--json", "--db", str(db_path)],
                         check=True, cwd=ROOT, capture_output=True, text=True).stdout
    return json.loads(out)


class Expected:
    """The Overview's customers and revenue cards for a filter and allowance, from ``analytics.overview``
    on private copies of the store: before the upload and after it (loaded by ``analytics ingest``)."""

    def __init__(self, before: Path, after: Path) -> None:
        from analytics.store import db

        self._cons = {"before": db.connect(before, read_only=True), "after": db.connect(after, read_only=True)}
        self._memo: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._pool = ThreadPoolExecutor(max_workers=1)  # one computation at a time: DuckDB cursors per call

    def _cards(self, state: str, params: tuple[tuple[str, str], ...], regions: tuple[str, ...]) -> tuple[str, str]:
        from analytics import filters as flt
        from analytics import overview
        from analytics.store import db
        from i18n import Translator

        key = (state, params, regions)
        if key not in self._memo:
            f = flt.Allowance(regions=regions).apply(flt.Filters.from_params(dict(params)))
            with db.cursor(self._cons[state]) as cur:
                o = overview.overview(cur, f)
                t = Translator("en", db.currency(cur))
            self._memo[key] = (t.figure("customers", o.kpis["customers"].value),
                               t.figure("revenue", o.kpis["revenue"].value))
        return self._memo[key]

    async def cards(self, params: tuple[tuple[str, str], ...], regions: tuple[str, ...]) -> dict[str, tuple[str, str]]:
        loop = asyncio.get_running_loop()
        return {s: await loop.run_in_executor(self._pool, self._cards, s, params, regions) for s in self._cons}

    def close(self) -> None:
        self._pool.shutdown()
        for con in self._cons.values():
            con.close()


class Runs:
    """Completed script runs of one session, counted from the server's websocket frames (the driver's way)."""

    def __init__(self, t_start: float = 0.0) -> None:
        self.count = 0
        self._event = asyncio.Event()
        self.t_start = t_start or time.monotonic()
        self.sockets: list[dict[str, Any]] = []  # each websocket: opened/closed (s from the start), frames

    def attach(self, ws: Any) -> None:
        info: dict[str, Any] = {"opened_s": self._now(), "closed_s": None, "frames": 0, "last_frame_s": None,
                                "error": None}
        self.sockets.append(info)
        ws.on("framereceived", lambda payload: self.frame(payload, info))
        ws.on("framesent", lambda payload: self.sent(payload, info))
        ws.on("close", lambda _ws: info.update(closed_s=self._now()))
        ws.on("socketerror", lambda err: info.update(error=str(err)[:200]))

    def _now(self) -> float:
        return round(time.monotonic() - self.t_start, 1)

    def frame(self, payload: str | bytes, info: dict[str, Any] | None = None) -> None:
        kind = _frame_kind(payload)  # each frame decoded once: thousands per session
        if info is not None:
            info["frames"] += 1
            info["last_frame_s"] = self._now()
            info.setdefault("kinds", {})[kind] = info.get("kinds", {}).get(kind, 0) + 1
            if kind.startswith("delta"):  # counted between the lifecycle messages: whether a run drew its page
                pending = info.setdefault("deltas", {})
                pending[kind] = pending.get(kind, 0) + 1
            elif kind not in ("session_status_changed:running", "session_status_changed:idle"):
                log = info.setdefault("log", [])
                for k, n in sorted(info.pop("deltas", {}).items()):
                    log.append((self._now(), f"{k} x{n}"))
                log.append((self._now(), kind))
        if kind in _FINISHED:  # a whole script run's end, as tests/browser/driver.py's _run_finished says
            self.count += 1
            self._event.set()

    def sent(self, payload: str | bytes, info: dict[str, Any]) -> None:
        from google.protobuf.message import DecodeError
        from streamlit.proto.BackMsg_pb2 import BackMsg

        kind = "text"
        if not isinstance(payload, str):
            msg = BackMsg()
            try:
                msg.ParseFromString(payload)
                kind = msg.WhichOneof("type") or "none"
                if kind == "rerun_script":
                    r = msg.rerun_script
                    kind += (":fragment" if r.fragment_id else ":full") + (":widgets" if r.widget_states.widgets else "")
            except DecodeError:
                kind = "undecodable"
        info.setdefault("sent", {})[kind] = info.get("sent", {}).get(kind, 0) + 1
        info.setdefault("sent_log", []).append((self._now(), kind))

    def describe(self) -> str:
        """The session's websockets, for an error message: when each opened, closed and last spoke."""
        return "; ".join(f"ws{n}: open {w['opened_s']} s, closed {w['closed_s']}, {w['frames']} frames, "
                         f"last {w['last_frame_s']}" + (f", error {w['error']}" if w["error"] else "")
                         for n, w in enumerate(self.sockets)) or "no websocket"

    async def wait(self, after: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.count <= after:
            self._event.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no script run completed after run {after} within {timeout_s:.0f} s")
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._event.wait(), left)


def _finished_kinds() -> tuple[str, ...]:
    """The frame kinds that end a whole script run: the driver's own definition (tests/browser/driver.py)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from tests.browser.driver import _DONE

    return tuple("script_finished:" + ForwardMsg.ScriptFinishedStatus.Name(s) for s in _DONE)


_FINISHED = _finished_kinds()


def _frame_kind(payload: str | bytes) -> str:
    """A server frame's Streamlit message type (``script_finished`` with its status), for the session's record."""
    from google.protobuf.message import DecodeError
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if isinstance(payload, str):
        return "text"
    msg = ForwardMsg()
    try:
        msg.ParseFromString(payload)
    except DecodeError:
        return "undecodable"
    kind = msg.WhichOneof("type") or "none"
    if kind == "delta":  # where it draws: main, sidebar, event, bottom (delta_path's root)
        path = list(msg.metadata.delta_path)
        kind += ":" + ({0: "main", 1: "sidebar", 2: "event", 3: "bottom"}.get(path[0], str(path[0])) if path else "?")
    elif kind == "script_finished":
        kind += ":" + ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
    elif kind == "session_status_changed":
        kind += ":running" if msg.session_status_changed.script_is_running else ":idle"
    elif kind == "metadata" or kind == "none":
        pass
    return kind


def chart(page_name: str) -> str:
    return f'[class*="st-key-{PAGES[page_name]}"] .js-plotly-plot .main-svg'


async def settled(page: Any, runs: Runs, before: int, page_name: str, timeout_s: float) -> float:
    """The run after ``before`` completed, no skeleton left, the page's main chart drawn. Returns when (perf
    counter) the server's message that the run finished arrived: the rest is the browser drawing."""
    await runs.wait(before, timeout_s)
    finished = time.perf_counter()
    await page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')",
                                 timeout=timeout_s * 1000)
    await page.locator(chart(page_name)).first.wait_for(state="visible", timeout=timeout_s * 1000)
    return finished


async def check_errors(page: Any, where: str, rec: Record) -> None:
    for text in await page.eval_on_selector_all('[data-testid="stException"]', "els => els.map(e => e.innerText)"):
        rec.errors.append(f"{where}: exception on the page: {text.splitlines()[0] if text else ''}")


async def change_filter(page: Any, rng: random.Random, rec: Record, timeout_s: float) -> tuple[str, float]:
    """One filter change through the sidebar's widgets; returns what was changed and when (``perf_counter``)
    the action that took began."""
    what = rng.choice(["period", "segments", "regions"])
    if what == "period":
        # react-aria's slider: the start thumb is a visually hidden range input
        thumb = page.locator('.st-key-flt_period input[type="range"]').first
        now = int(await thumb.get_attribute("value") or 0)
        low = int(await thumb.get_attribute("min") or 0)
        end = int(await page.locator('.st-key-flt_period input[type="range"]').nth(1).get_attribute("value") or 0)
        t0 = time.perf_counter()
        await thumb.focus()
        # the start month one step earlier or later, staying within the data and before the end
        await thumb.press("ArrowLeft" if now > low and (now >= end or rng.random() < 0.5) else "ArrowRight")
        return what, t0
    tags = f'.st-key-flt_{what} [data-testid="stMultiSelectTagsContainer"]'
    before = await page.locator(tags).first.inner_text()
    for attempt in range(2):
        box = page.locator(f".st-key-flt_{what} input").first
        t0 = time.perf_counter()
        await box.click()
        param = {"segments": "segment", "regions": "region"}[what]
        if dict(parse_qsl(urlparse(page.url).query)).get(param):  # a value is chosen (the URL mirrors the widgets)
            await box.press("Backspace")  # the last chosen value goes: back to all (or fewer)
        else:
            if await box.get_attribute("aria-expanded") != "true":  # a click on a focused box may leave it closed
                await box.press("ArrowDown")
            options = page.locator('[role="option"]')
            await options.first.wait_for(state="visible", timeout=60_000)
            n = await options.count()
            await options.nth(rng.randrange(n)).click()
        await page.keyboard.press("Escape")
        # Under heavy load a click on the list's option now and then selects nothing (the list is
        # still moving into place): the widget's chips did not change, so no run comes. Counted, and
        # tried once more; a second miss is left to time out as an error. The first wait is short (a
        # selection shows in the chips at once on an idle machine, but takes seconds in a browser starved
        # of CPU: 10 s missed real selections at a load average of 20); the second has the step's timeout.
        try:
            await page.wait_for_function("([s, b]) => document.querySelector(s)?.innerText !== b",
                                         arg=[tags, before], timeout=(timeout_s if attempt else 30) * 1000)
            break
        except Exception:
            if attempt:
                raise
            rec.missed_clicks += 1
    return what, t0


async def headline(page: Any) -> tuple[str, str]:
    values = page.locator('[data-testid="stMetricValue"]')
    return (await values.nth(0).inner_text()).strip(), (await values.nth(1).inner_text()).strip()


async def upload(page: Any, runs: Runs, csv: Path, rec: Record, timeout_s: float) -> None:
    """The analyst's upload on the Data page: choose Transactions, the file, check it, load it."""
    t0 = time.perf_counter()
    ms = timeout_s * 1000
    link = page.locator('[data-testid="stSidebarNavLink"][href$="/data"]').first
    before = runs.count
    await link.click()
    await runs.wait(before, timeout_s)
    await page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
    before = runs.count
    await page.get_by_role("option", name="Transactions").click()
    await runs.wait(before, timeout_s)
    before = runs.count
    await page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
    await runs.wait(before, timeout_s)
    before = runs.count
    await page.get_by_role("button", name="Check the file").click()
    await runs.wait(before, timeout_s)
    before = runs.count
    await page.get_by_role("button", name="Load 3 rows").click()
    await runs.wait(before, timeout_s)
    await page.get_by_text("Loaded 3 rows into").first.wait_for(state="visible", timeout=ms)
    rec.upload = {"status": "ok", "seconds": round(time.perf_counter() - t0, 2),
                  "at_s": None}  # at_s filled by the caller (seconds after the sessions started)
    await check_errors(page, "analyst upload", rec)


async def session(i: int, acct: Account, browser: Any, url: str, stop_at: float, rec: Record,
                  expected: Expected, csv: Path | None, t_start: float, timeout_s: float, shots: Path,
                  delay_s: float = 0.0) -> None:
    rng = random.Random(i)
    ms = timeout_s * 1000
    # Users arrive over a minute, not in the same instant: with all 20 at once the browsers on this machine
    # spent the first minutes loading and compiling the front end's JavaScript, 20 times over.
    await asyncio.sleep(delay_s)
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await ctx.new_page()
    runs = Runs(t_start)
    page.on("websocket", runs.attach)
    page.on("pageerror", lambda exc: rec.errors.append(f"{acct.name}: page error: {exc}"))
    step = "sign-in"
    try:
        await page.goto(f"{url}/?lang=en", timeout=ms)
        await page.get_by_role("button", name="Sign in").wait_for(state="visible", timeout=ms)
        await page.get_by_role("textbox", name="User name").fill(acct.name, timeout=ms)
        await page.get_by_role("textbox", name="Password").fill(PASSWORD, timeout=ms)
        before = runs.count
        await page.get_by_role("button", name="Sign in").click()
        await settled(page, runs, before, "overview", timeout_s)
        rec.signed_in += 1
        current = "overview"
        if csv is not None:
            step = "upload"
            try:
                await upload(page, runs, csv, rec, timeout_s)
                rec.upload["at_s"] = round(time.monotonic() - t_start, 1)
            except Exception as exc:
                rec.upload = {"status": "failed", "error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}
                rec.errors.append(f"{acct.name}: upload: {rec.upload['error']}")
            current = "data"
        while time.monotonic() < stop_at:
            target = "overview" if current != "overview" else "concentration"
            step = f"switch to {target}"
            link = page.locator('[data-testid="stSidebarNavLink"]').filter(
                has_text="Overview" if target == "overview" else "Profit concentration").first
            before = runs.count
            t0 = time.perf_counter()
            await link.click()
            await settled(page, runs, before, target, timeout_s)
            rec.switches.append(time.perf_counter() - t0)
            current = target
            for _ in range(2):  # two filter changes per page visit
                if time.monotonic() >= stop_at:
                    break
                step = f"filter change on {current}"
                before = runs.count
                what, t0 = await change_filter(page, rng, rec, timeout_s)
                step = f"filter change ({what}) on {current}"
                finished = await settled(page, runs, before, current, timeout_s)
                rec.times.append(time.perf_counter() - t0)
                rec.server_times.append(finished - t0)
                await check_errors(page, f"{acct.name} {step} ({what})", rec)
                if current == "overview":
                    shown = await headline(page)
                    params = tuple(sorted(parse_qsl(urlparse(page.url).query)))
                    params = tuple((k, v) for k, v in params if k != "lang")
                    want = await expected.cards(params, acct.regions)
                    rec.checks += 1
                    if shown not in want.values():
                        rec.mismatches.append({"user": acct.name, "params": dict(params), "shown": shown,
                                               "expected": want})
    except Exception as exc:
        rec.errors.append(f"{acct.name}: {step}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                          f" [{runs.describe()}]")
        with suppress(Exception):
            await page.screenshot(path=str(shots / f"load-error-{acct.name}.png"))
    finally:
        rec.sockets[acct.name] = runs.sockets
        await ctx.close()


class Sampler(threading.Thread):
    """The server process's RSS (``/proc/PID/status`` VmRSS) every ``interval`` seconds, and what Streamlit's
    caches (the figures; the results cache, ui.cache, is bounded by $CVM_CACHE_MB) and session states hold
    (its ``/_stcore/metrics`` "cache_memory_bytes", by cache) every :data:`CACHE_EVERY` seconds."""

    CACHE_EVERY = 15.0

    def __init__(self, pid: int, interval: float, url: str | None = None) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.url = pid, interval, url
        self.samples: list[tuple[float, int]] = []  # (seconds since start, bytes)
        self.caches: list[tuple[float, dict[str, int]]] = []  # (seconds since start, {cache: bytes})
        self._halt = threading.Event()
        self._t0 = time.monotonic()

    def rss(self) -> int | None:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def cache_bytes(self) -> dict[str, int] | None:
        if self.url is None:
            return None
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/metrics?families=cache_memory_bytes", timeout=10) as r:
                return parse_cache_metrics(r.read().decode())
        except OSError:
            return None

    def run(self) -> None:
        next_cache = 0.0
        while not self._halt.is_set():
            now = time.monotonic() - self._t0
            value = self.rss()
            if value is not None:
                self.samples.append((round(now, 1), value))
            if now >= next_cache and (caches := self.cache_bytes()) is not None:
                self.caches.append((round(now, 1), caches))
                next_cache = now + self.CACHE_EVERY
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def parse_cache_metrics(text: str) -> dict[str, int]:
    """Bytes by cache from OpenMetrics lines like ``cache_memory_bytes{cache_type="st_cache_data",
    cache="ui.cache._run"} 123``: ``{"st_cache_data:ui.cache._run": 123}`` (summed over a cache's entries)."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        m = re.match(r"cache_memory_bytes\{(.*)\}\s+(\d+(?:\.\d+)?)\s*$", line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        key = f"{labels.get('cache_type', '?')}:{labels.get('cache', '?')}"
        out[key] = out.get(key, 0) + int(float(m.group(2)))
    return out


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(-(-q * len(s) // 100)) - 1))]


def slope_mb_per_min(samples: Sequence[tuple[float, int]]) -> float | None:
    """Least-squares slope of RSS over the last half of the samples, in MB per minute."""
    half = samples[len(samples) // 2:]
    if len(half) < 2:
        return None
    xs, ys = [x for x, _ in half], [y / 1e6 for _, y in half]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return None if den == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den * 60


def start_server(db_path: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    from tests.browser.driver import free_port

    port = free_port()
    # as scripts/run.sh starts it: one OpenBLAS thread unless set
    env = {"OPENBLAS_NUM_THREADS": "1", **os.environ, "CVM_DB": str(db_path)}
    out = open(log, "w")  # noqa: SIM115 - the server writes to it until stop_server
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             # as deployed: no reload of modules edited meanwhile (a reload of ui.auth
                             # forgets every sign-in, and one mid-import fails the runs importing it)
                             "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        with suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            if r.status == 200:
                return proc, url
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"streamlit did not start; see {log}")
        time.sleep(0.3)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def drive(url: str, accts: Sequence[Account], args: argparse.Namespace, rec: Record,
                expected: Expected, csv: Path) -> float:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            t_start = time.monotonic()
            step = args.ramp / max(len(accts) - 1, 1)
            stop_at = t_start + args.ramp + args.minutes * 60
            await asyncio.gather(*(session(i, a, browser, url, stop_at, rec, expected, csv if i == 0 else None,
                                           t_start, args.timeout, args.out, delay_s=i * step)
                                   for i, a in enumerate(accts)))
            return time.monotonic() - t_start
        finally:
            await browser.close()


def summary(args: argparse.Namespace, accts: Sequence[Account], rec: Record, samples: Sequence[tuple[float, int]],
            seconds: float, store: Path, caches: Sequence[tuple[float, dict[str, int]]] = ()) -> dict[str, Any]:
    rss = [v for _, v in samples]
    totals = [sum(c.values()) for _, c in caches]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average": list(os.getloadavg())},
        "store": str(store),
        "sessions": args.sessions, "minutes": args.minutes, "seconds": round(seconds, 1),
        "accounts": [{"name": a.name, "role": a.role, "regions": list(a.regions)} for a in accts],
        "signed_in": rec.signed_in,
        "requests": len(rec.times) + len(rec.switches),
        "filter_changes": len(rec.times),
        "page_switches": len(rec.switches),
        "errors": len(rec.errors), "error_list": rec.errors[:50], "missed_clicks": rec.missed_clicks,
        "ramp_seconds": args.ramp,
        "filter_to_chart_seconds": {f"p{q}": percentile(rec.times, q) for q in (50, 95, 99)},
        "filter_to_run_finished_seconds": {f"p{q}": percentile(rec.server_times, q) for q in (50, 95, 99)},
        "switch_to_chart_seconds": {f"p{q}": percentile(rec.switches, q) for q in (50, 95, 99)},
        "figure_checks": rec.checks, "foreign_figures": len(rec.mismatches), "mismatches": rec.mismatches[:20],
        "upload": rec.upload,
        # a websocket that closed before its session ended is a dropped connection (the browser reconnects)
        "websockets": {"opened": sum(len(v) for v in rec.sockets.values()),
                       "sessions_with_reconnects": sum(len(v) > 1 for v in rec.sockets.values()),
                       "per_session": rec.sockets},
        "memory": {"samples": list(samples), "first_bytes": rss[0] if rss else None,
                   "last_bytes": rss[-1] if rss else None, "max_bytes": max(rss) if rss else None,
                   "last_half_slope_mb_per_min": slope_mb_per_min(samples),
                   # Streamlit's caches and session states, by cache (pickled sizes), every Sampler.CACHE_EVERY s
                   "caches": list(caches), "caches_last_bytes": totals[-1] if totals else None,
                   "caches_max_bytes": max(totals) if totals else None,
                   "caches_last_half_slope_mb_per_min": slope_mb_per_min([(t, v) for (t, _), v in zip(caches, totals,
                                                                                                      strict=True)])},
    }


def table(r: dict[str, Any]) -> str:
    def s(v: float | None) -> str:
        return "—" if v is None else f"{v:.2f} s"

    def mb(v: int | None) -> str:
        return "—" if v is None else f"{v / 1e6:,.0f} MB"

    f, w, m = r["filter_to_chart_seconds"], r["switch_to_chart_seconds"], r["memory"]
    fs = r["filter_to_run_finished_seconds"]
    slope = m["last_half_slope_mb_per_min"]
    rows = [
        ("sessions × minutes", f"{r['sessions']} × {r['minutes']:g} after a {r['ramp_seconds']:g} s ramp "
                               f"({r['seconds']:.0f} s; {r['signed_in']} signed in)"),
        ("requests", f"{r['requests']} ({r['filter_changes']} filter changes, {r['page_switches']} page switches)"),
        ("errors", f"{r['errors']} ({r['missed_clicks']} filter clicks that selected nothing, tried again)"),
        ("filter change → chart p50 / p95 / p99", f"{s(f['p50'])} / {s(f['p95'])} / {s(f['p99'])}"),
        ("filter change → server's run finished p50 / p95 / p99",
         f"{s(fs['p50'])} / {s(fs['p95'])} / {s(fs['p99'])}"),
        ("page switch → chart p50 / p95 / p99", f"{s(w['p50'])} / {s(w['p95'])} / {s(w['p99'])}"),
        ("figure checks / another's figures seen", f"{r['figure_checks']} / {r['foreign_figures']}"),
        ("analyst upload", f"{r['upload'].get('status')} ({r['upload'].get('seconds', '—')} s)"),
        ("websockets opened / sessions that reconnected",
         f"{r['websockets']['opened']} / {r['websockets']['sessions_with_reconnects']}"),
        ("server RSS first / max / last", f"{mb(m['first_bytes'])} / {mb(m['max_bytes'])} / {mb(m['last_bytes'])}"),
        ("RSS slope, last half", "—" if slope is None else f"{slope:+.1f} MB/min"),
        ("of which Streamlit's caches (figures) and session states, max / last", f"{mb(m.get('caches_max_bytes'))} / "
                                                                         f"{mb(m.get('caches_last_bytes'))}"),
        ("machine", f"{r['machine']['cpus']} CPUs, load average {r['machine']['load_average'][0]:.1f} at the end"),
    ]
    return "| measure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows) + "\n"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    from analytics import filters as flt
    from analytics.store import db

    src = source_store(args)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cvm-load-") as tmp:
        work = Path(tmp)
        app_db, before_db, after_db = work / "app.duckdb", work / "before.duckdb", work / "after.duckdb"
        shutil.copy(src, app_db)
        con = db.connect(app_db)
        try:
            regions = flt.options(con)["regions"]
            bounds = flt.data_bounds(con)
        finally:
            con.close()
        accts = accounts(args.sessions, regions)
        create_accounts(app_db, accts)
        listed = listed_accounts(app_db)
        if args.dry_run:
            out = {"dry_run": True, "sessions": args.sessions, "minutes": args.minutes, "store": str(src),
                   "accounts": listed}
            print(json.dumps(out, indent=1, default=str))
            return out
        # A normal day: the stored results current. A cached store refreshed by older code would otherwise make the
        # first page start a refresh that every session then polls each second (the sidebar's progress).
        subprocess.run([sys.executable, "-m", "analytics", "refresh", "--db", str(app_db)], check=True, cwd=ROOT,
                       capture_output=True)
        # the upload: three sales in the last month of data, for customers every region may include
        csv = work / "load_sales.csv"
        last = bounds[1] if bounds else dt.date.today()
        csv.write_text(UPLOAD_CSV.format(d=last.replace(day=1).isoformat()))
        shutil.copy(app_db, before_db)
        shutil.copy(app_db, after_db)
        subprocess.run([sys.executable, "-m", "analytics", "ingest", str(csv), "--table", "transactions",
                        "--db", str(after_db), "--quiet"], check=True, cwd=ROOT, capture_output=True)
        expected = Expected(before_db, after_db)
        rec = Record()
        proc, url = start_server(app_db, work / "streamlit.log")
        sampler = Sampler(proc.pid, args.sample_seconds, url)
        sampler.start()
        try:
            seconds = asyncio.run(drive(url, accts, args, rec, expected, csv))
        finally:
            sampler.stop()
            stop_server(proc)
            expected.close()
            shutil.copy(work / "streamlit.log", args.out / "load-streamlit.log")
    report = summary(args, accts, rec, sampler.samples, seconds, src, sampler.caches)
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M")
    (args.out / f"load-{stamp}.json").write_text(json.dumps(report, indent=1, default=str))
    md = table(report)
    (args.out / f"load-{stamp}.md").write_text(md)
    print(md)
    return report


if __name__ == "__main__":
    r = main()
    sys.exit(0 if r.get("dry_run") or (r["errors"] == 0 and r["foreign_figures"] == 0) else 1)
