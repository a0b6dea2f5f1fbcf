"""A fix for a race in Streamlit 1.67's session handling that left a page marked as running forever.

Every open page asks the server for fragment runs on a timer (:mod:`ui.refresh` watches for writes
made elsewhere). When such a request reaches :class:`~streamlit.runtime.app_session.AppSession` just
after a full run's script has ended, but before the event loop has handled that run's last events
(its final deltas and "script finished"), the ended ScriptRunner refuses the rerun and AppSession
starts a new one at once. From then on it ignores every event of the ended runner, as events "of a
non-current ScriptRunner": the browser never hears that the full run finished, its spinner keeps
turning, and the page's stale elements are never cleared. Streamlit narrows the race for fragments a
full run removed (``request_rerun``'s ``has_fragment`` check, streamlit/streamlit#9921), not for
fragments that live on. ``python -m bench.load`` met it a few times in five minutes with 20 sessions.

The ended runner has queued all those events on the session's event loop before it refused the
request (it ends its script, sends the events, then marks itself stopped), so starting the new runner
from a callback queued behind them lets them through first. :func:`install` makes
``AppSession._create_scriptrunner`` do that when a previous runner is still attached; a first run, or
a full rerun (which detaches the old runner itself), starts at once as before.

Installed only on the Streamlit version it was written against: the private method it wraps may
change. ``tests/ui/test_session_handover.py`` fails on another version, so an upgrade re-checks it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit
from streamlit.runtime.app_session import AppSession, AppSessionState

FOR_VERSION = "1.67.0"
_MARK = "_cvm_deferred_handover"
_LOG = logging.getLogger(__name__)


def deferring(create: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """``create`` (AppSession._create_scriptrunner), made to wait for an ended runner's queued events."""

    def _create_scriptrunner(self: Any, initial_rerun_data: Any) -> None:
        ended = self._scriptrunner
        if ended is None:  # nothing attached: the first run, or a full rerun that detached the old runner
            create(self, initial_rerun_data)
            return

        def later() -> None:
            if self._state == AppSessionState.SHUTDOWN_REQUESTED:
                return  # the tab closed meanwhile
            current = self._scriptrunner
            if current is not None and current is not ended:
                # Another request started a runner meanwhile: this run joins its queue, or, if that one
                # has ended too, waits for its events in turn.
                if not current.request_rerun(initial_rerun_data):
                    _create_scriptrunner(self, initial_rerun_data)
                return
            create(self, initial_rerun_data)

        self._event_loop.call_soon(later)

    setattr(_create_scriptrunner, _MARK, True)
    _create_scriptrunner.__wrapped__ = create  # type: ignore[attr-defined]
    return _create_scriptrunner


def install() -> bool:
    """Wrap AppSession's runner hand-over once per process; False (and a warning) on another Streamlit."""
    if getattr(AppSession._create_scriptrunner, _MARK, False):
        return True
    if streamlit.__version__ != FOR_VERSION:
        _LOG.warning("Streamlit %s: the session hand-over fix (written for %s) is not installed",
                     streamlit.__version__, FOR_VERSION)
        return False
    AppSession._create_scriptrunner = deferring(AppSession._create_scriptrunner)  # type: ignore[method-assign]
    return True
