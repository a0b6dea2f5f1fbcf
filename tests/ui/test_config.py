"""The server's settings in .streamlit/config.toml: what a visitor may see and send."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from streamlit import config as st_config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".streamlit" / "config.toml"
UPLOAD_DOC = ROOT / "docs" / "ingest.md"


def _settings() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_visitors_never_see_tracebacks():
    """Before the fix the default ("full") showed every visitor the exception and its traceback with file paths."""
    value = _settings()["client"]["showErrorDetails"]
    assert value == "none"
    assert st_config.ShowErrorDetailsConfigOptions(value) is st_config.ShowErrorDetailsConfigOptions.NONE


def test_xsrf_protection_is_on_uploads_are_bounded_and_no_file_watcher_signs_users_out():
    server = _settings()["server"]
    assert server["enableXsrfProtection"] is True
    assert isinstance(server["maxUploadSize"], int) and 0 < server["maxUploadSize"] <= 2048  # MB
    # A watched .py file that changes drops the app's modules: every session lost its sign-in (issue 15;
    # tests/browser/test_file_watcher.py).
    assert server["fileWatcherType"] == "none" and server["runOnSave"] is False


def test_the_upload_limit_is_the_documented_one():
    """docs/ingest.md tells analysts the largest file the page takes; the setting must say the same."""
    found = re.search(r"\*\*(\d+) MB\*\*, `server\.maxUploadSize`", UPLOAD_DOC.read_text(encoding="utf-8"))
    assert found, "docs/ingest.md no longer states the upload limit"
    assert _settings()["server"]["maxUploadSize"] == int(found.group(1))


def test_streamlit_reads_these_settings():
    """What `streamlit run app.py` (from the project folder) resolves, not only what the file says."""
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=ROOT, capture_output=True,
                           text=True, timeout=120, stdin=subprocess.DEVNULL).stdout
    lines = {line.strip() for line in shown.splitlines()}
    assert {'showErrorDetails = "none"', "enableXsrfProtection = true", "maxUploadSize = 2048",
            'fileWatcherType = "none"'} <= lines


def test_no_full_garbage_collection_after_every_run():
    """With the default (true) every script and fragment run ends in gc.collect(2) under the GIL; 20 sessions'
    periodic data-version checks kept the server collecting, and 19 of 20 first pages never finished
    (python -m bench.load, 2026-12-07)."""
    assert _settings()["runner"]["postScriptGC"] is False
    read = subprocess.run([sys.executable, "-c", "from streamlit import config; config.get_config_options(); "
                           "print(config.get_option('runner.postScriptGC'))"],  # a hidden option: not in `config show`
                          cwd=ROOT, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL).stdout
    assert read.strip() == "False"
