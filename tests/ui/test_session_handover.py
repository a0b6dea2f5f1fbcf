"""The session hand-over fix (:mod:`ui.session_handover`) on Streamlit's real AppSession.

A fragment's timed rerun that reaches the session just after a full run ended, before the event loop
handled that run's last events, must not lose the run's "script finished": without it the browser
shows the page as running for good. The ScriptRunner is a stand-in (no script runs); the AppSession,
its event handling and its message queue are Streamlit's own.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import ClassVar
from unittest.mock import MagicMock

import pytest
import streamlit
from blinker import Signal
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime import app_session
from streamlit.runtime.app_session import AppSession, AppSessionState
from streamlit.runtime.script_data import ScriptData
from streamlit.runtime.scriptrunner import RerunData, ScriptRunnerEvent

from ui import session_handover


class _Runner:
    """A ScriptRunner whose script has ended: it refuses reruns, as a stopped one does."""

    made: ClassVar[list[_Runner]] = []

    def __init__(self, **kwargs: object) -> None:
        self.on_event = Signal()
        self.rerun_data = kwargs.get("initial_rerun_data")
        self.queued: list[object] = []
        self.accepts = False
        _Runner.made.append(self)

    def start(self) -> None:
        pass

    def request_rerun(self, data: object) -> bool:
        if self.accepts:
            self.queued.append(data)
        return self.accepts

    def request_stop(self) -> None:
        pass


def _race(create: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fragments: int = 1) -> tuple[list[str], list[_Runner]]:
    """A full run ends (its finish queued from the script thread), then ``fragments`` fragment reruns arrive
    before the loop handles it. Returns the kinds of message queued for the browser and the runners made."""
    monkeypatch.setattr(AppSession, "_create_scriptrunner", create)
    monkeypatch.setattr(app_session, "ScriptRunner", _Runner)
    monkeypatch.setattr(AppSession, "has_fragment", lambda self, fragment_id: True)
    monkeypatch.setattr(AppSession, "register_file_watchers", lambda self: None)
    _Runner.made = []
    script = tmp_path / "app.py"
    script.write_text("")

    async def scenario() -> list[str]:
        session = AppSession(ScriptData(str(script)), MagicMock(), MagicMock(), None, {})
        ended = _Runner(initial_rerun_data=RerunData())
        ended.on_event.connect(session._on_scriptrunner_event)
        session._scriptrunner = ended
        session._state = AppSessionState.APP_IS_RUNNING
        sender = threading.Thread(target=lambda: ended.on_event.send(
            ended, event=ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS))
        sender.start()
        sender.join()
        for i in range(fragments):
            session.request_rerun(ClientState(fragment_id=f"watch{i}", is_auto_rerun=True))
        for _ in range(10):
            await asyncio.sleep(0)
        kinds = [m.WhichOneof("type") for m in session._browser_queue.flush()]
        session._scriptrunner = None
        return kinds

    return asyncio.run(scenario()), _Runner.made


def _original() -> object:
    current = AppSession._create_scriptrunner
    return getattr(current, "__wrapped__", current)


def test_streamlit_loses_the_finish_without_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race as Streamlit 1.67 has it; when this fails, Streamlit fixed it and the fix can go."""
    kinds, made = _race(_original(), tmp_path, monkeypatch)
    assert "script_finished" not in kinds
    assert len(made) == 2  # the ended runner and the fragment's


def test_the_finish_reaches_the_browser_before_the_fragment_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kinds, made = _race(session_handover.deferring(_original()), tmp_path, monkeypatch)
    assert "script_finished" in kinds
    assert len(made) == 2
    assert made[1].rerun_data.fragment_id == "watch0"


def test_two_fragment_reruns_in_the_window_share_one_new_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = _original()

    def create(self: AppSession, data: RerunData) -> None:
        original(self, data)
        self._scriptrunner.accepts = True  # a runner just started takes further requests

    kinds, made = _race(session_handover.deferring(create), tmp_path, monkeypatch, fragments=2)
    assert "script_finished" in kinds
    assert len(made) == 2
    assert [d.fragment_id for d in made[1].queued] == ["watch1"]


def test_installed_on_the_pinned_streamlit_only() -> None:
    """The fix wraps a private method: an upgrade must re-check it (and this test says so)."""
    assert streamlit.__version__ == session_handover.FOR_VERSION, (
        f"Streamlit {streamlit.__version__}: re-check ui/session_handover.py against its AppSession")
    assert session_handover.install()
    assert session_handover.install()  # once only
    wrapped = AppSession._create_scriptrunner
    assert getattr(wrapped, "__wrapped__", None) is not None
    assert getattr(wrapped.__wrapped__, "__wrapped__", None) is None
