"""The stored results (:mod:`analytics.precompute`), recomputed in the background after each write
the app makes, and their progress on screen.

After a load, an undo, a form save, a rate save or the first start's demo data, the page that wrote
calls :func:`after_write`: one thread per process (per store) runs :func:`analytics.precompute.refresh`
on the process's connection (its own cursor, its own transaction), and runs it again if more
writes came meanwhile. Other writes move the data version too (a saved story or plan): the frame
notices, on the next page run, that a store refreshed before is behind, and starts a refresh once
for that version (which then keeps the results when no data changed); so too, at the first page run
of a process, for a store refreshed by other code (an upgrade), whose results are not read. Every open session polls the data version
(:func:`_watch`) and runs again when another session wrote. Until it has finished, every page computes what it needs, exactly as without
stored results, so the figures are current at every moment; only the first visit is slower.
:func:`sidebar_progress` shows the progress on every page while it runs: live, and a toast when it ends, in the
session that wrote; as it stood at each run in the others;
:func:`panel` says on the Data page what is stored for the current data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import duckdb
import streamlit as st

from analytics import precompute
from analytics.store import db, derived
from i18n import Translator
from ui import cache

_SEEN = "refresh_seen"  # session state: the number of finished refreshes this session has been told of
_VERSION = "refresh_data_version"  # session state: the data version this session's last full run showed
_OWN = "refresh_own"  # session state: this session wrote and started the refresh now running (or just ended)
# How often an open session looks for a write made elsewhere (one meta read), and redraws the refresh's progress.
# Each is a fragment run the browser asks for: 20 open sessions make one every ¾ s at 15 s. Such a request reaching
# the server just as a page's full run ended used to lose that run's "finished" (ui/session_handover.py fixes it).
WATCH_SECONDS = 15.0
PROGRESS_SECONDS = 2.0


@dataclass(frozen=True)
class State:
    """Where the background refresh stands: ``finished`` counts the refreshes ended (done or failed)."""

    running: bool = False
    fraction: float = 0.0
    step: str = ""
    finished: int = 0
    error: str | None = None
    result: precompute.Refreshed | None = None


class Refresher:
    """One background refresh at a time on a connection; a request while one runs makes it run again."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._state = State()
        self._tried: set[int] = set()  # data versions already refreshed on noticing them (see catch_up)

    def start(self) -> None:
        """Refresh now, or once more after the refresh that is running (it may have read older data)."""
        with self._lock:
            self._again = True
            if self._thread is not None and self._thread.is_alive():
                return
            self._state = replace(self._state, running=True, fraction=0.0, step="")
            self._thread = threading.Thread(target=self._loop, name="cvm-refresh", daemon=True)
            self._thread.start()

    def catch_up(self, version: int) -> None:
        """Refresh for ``version`` unless that was tried already (a failing refresh is not retried on
        every page run; a new write, or the Data page's button, tries again)."""
        with self._lock:
            if version in self._tried:
                return
            self._tried.add(version)
        self.start()

    def state(self) -> State:
        with self._lock:
            return self._state

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running refresh (tests, and a clean shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _progress(self, fraction: float, step: str) -> None:
        with self._lock:
            self._state = replace(self._state, fraction=fraction, step=step)

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    self._state = replace(self._state, running=False)
                    return
                self._again = False
            try:
                result = precompute.refresh(self._con, self._progress)
            except Exception as exc:  # shown on screen; the pages compute meanwhile, as without stored results
                with self._lock:
                    self._state = replace(self._state, finished=self._state.finished + 1,
                                          error=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            else:
                with self._lock:
                    self._state = replace(self._state, finished=self._state.finished + 1, error=None, result=result)


@st.cache_resource(show_spinner=False)
def _refresher(path: str) -> Refresher:
    return Refresher(cache.connection())


def refresher() -> Refresher:
    """The process's refresher of the app's store."""
    return _refresher(cache.db_path())


def after_write() -> None:
    """Recompute the stored results for the data just written, in the background; the session that wrote
    follows its progress (:func:`sidebar_progress`)."""
    refresher().start()
    st.session_state[_OWN] = True


def _behind() -> int | None:
    """The data version when the store was refreshed before but not for its current data, or by other
    code (an upgrade: its stored results are not read, :func:`analytics.store.derived.get`), else None."""
    with db.cursor(cache.connection()) as cur:
        done, version = derived.refreshed_version(cur), db.data_version(cur)
        current = done == version and derived.is_current(cur)
    return version if done is not None and not current else None


def sidebar_progress(t: Translator) -> None:
    """While a refresh runs: its progress in the sidebar; a toast when it ends. The session that wrote follows it
    live (a fragment run every two seconds); every other session sees where it stood at its last run: 20 open
    sessions polling every two seconds during a refresh of minutes made ten fragment runs a second on the server
    (bench.load). Starts a refresh when a store refreshed before is behind its data (a write other than the data
    pages') or was refreshed by other code (the first page run after an upgrade)."""
    worker = refresher()
    if not worker.state().running and (behind := _behind()) is not None:
        worker.catch_up(behind)
    s = worker.state()
    if _SEEN not in st.session_state:  # a new session: refreshes that ended before it are no news
        st.session_state[_SEEN] = s.finished
    if st.session_state.get(_OWN) and (s.running or st.session_state[_SEEN] != s.finished):
        with st.sidebar:
            _progress(t)
    elif s.running:
        st.sidebar.caption(t("refresh.running", step=_step(s, t)))
    else:
        st.session_state[_SEEN] = s.finished  # another session's refresh: no toast here
    st.session_state[_VERSION] = cache.data_version()
    with st.sidebar:
        _watch()


def _step(s: State, t: Translator) -> str:
    return t(f"refresh.step.{s.step}") if s.step else t("refresh.starting")


@st.fragment(run_every=WATCH_SECONDS)
def _watch() -> None:
    """Run the whole page again when the data changed since this session last drew it: a load, an undo or
    an edit in another session (or another tab) shows here without a click — figures, the default
    period and "Data as of" alike (results are cached by data version, so each is computed once)."""
    if cache.data_version() != st.session_state.get(_VERSION):
        st.rerun(scope="app")


@st.fragment(run_every=PROGRESS_SECONDS)
def _progress(t: Translator) -> None:
    s = refresher().state()
    if s.running:
        st.progress(min(max(s.fraction, 0.0), 1.0), text=t("refresh.running", step=_step(s, t)))
        return
    if st.session_state.get(_SEEN) == s.finished:
        return  # told already; the page's next run no longer draws this fragment, and its polling stops
    st.session_state[_SEEN] = s.finished
    st.session_state[_OWN] = False
    # No rerun of the page from here: it would wipe what the page just said (a load's "Loaded …").
    if s.error:
        st.toast(t.md("refresh.failed", error=s.error), icon=":material/error:")
    elif s.result is not None:
        st.toast(t("refresh.done", s=f"{s.result.total_seconds:.1f}"), icon=":material/check_circle:")


def panel(t: Translator) -> None:
    """The Data page's account of the stored results for the current data, with a button to recompute."""
    st.subheader(t("refresh.title"))
    s = refresher().state()
    with db.cursor(cache.connection()) as cur:
        current = derived.is_current(cur)
        stored = derived.entries(cur)
    if s.running:
        st.info(t("refresh.panel_running"))
    elif current:
        st.success(t("refresh.current", n=len(stored), s=f"{float(stored['seconds'].fillna(0).sum()):.1f}"))
    else:
        st.info(t("refresh.missing"))
    if s.error and not s.running:
        st.error(t.md("refresh.failed", error=s.error))
    st.caption(t("refresh.explain"))
    if st.button(t("refresh.button"), key="refresh_now", disabled=s.running):
        after_write()
        st.rerun()
