"""``python -m bench.load --dry-run``: the load test's argument handling and the accounts it creates
through the command line, without a server or a browser (the real run is by hand: bench/README.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import load

ROOT = Path(__file__).resolve().parents[2]


def test_arguments_are_checked() -> None:
    args = load.parse_args([])
    assert (args.sessions, args.minutes, args.scale) == (20, 5.0, "S")
    for bad in (["--sessions", "1"], ["--minutes", "0"]):
        with pytest.raises(SystemExit) as exc:
            load.parse_args(bad)
        assert exc.value.code == 2


def test_accounts_cover_every_role_and_restrict_every_second_viewer() -> None:
    accts = load.accounts(6, ["East", "North", "West"])
    assert [(a.name, a.role, a.regions) for a in accts] == [
        ("ann", "analyst", ()), ("boss", "admin", ()), ("viewer00", "viewer", ("East",)),
        ("viewer01", "viewer", ()), ("viewer02", "viewer", ("North",)), ("viewer03", "viewer", ())]


def test_dry_run_creates_the_accounts_on_a_copy(tmp_path: Path) -> None:
    store = tmp_path / "tiny.duckdb"
    subprocess.run([sys.executable, "-m", "analytics", "demo", "--db", str(store), "--customers", "200",
                    "--transactions", "2000", "--quiet"], check=True, cwd=ROOT, capture_output=True)
    out = load.main(["--db", str(store), "--sessions", "3", "--dry-run", "--out", str(tmp_path / "results")])
    listed = {a["name"]: (a["role"], a["regions"]) for a in out["accounts"]}
    assert listed["ann"] == ("analyst", []) and listed["boss"] == ("admin", [])
    role, regions = listed["viewer00"]
    assert role == "viewer" and len(regions) == 1
    assert len(listed) == 3
    assert load.listed_accounts(store) == []  # the store given is copied, never changed


def test_cache_metrics_are_summed_by_cache() -> None:
    """What Streamlit's /_stcore/metrics says its caches hold (one line per entry), summed by cache."""
    from bench.load import parse_cache_metrics

    text = ("# TYPE cache_memory_bytes gauge\n"
            'cache_memory_bytes{cache_type="st_cache_data",cache="ui.cache._run"} 1000\n'
            'cache_memory_bytes{cache_type="st_cache_data",cache="ui.cache._run"} 24\n'
            'cache_memory_bytes{cache_type="st_session_state",cache="abc"} 7\n'
            "active_sessions 3\n# EOF\n")
    assert parse_cache_metrics(text) == {"st_cache_data:ui.cache._run": 1024, "st_session_state:abc": 7}


def test_a_delta_is_recorded_with_where_it_draws() -> None:
    """Deltas are counted by container between the lifecycle messages: whether a run drew its page's main area."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from bench.load import Runs, _frame_kind

    def delta(root: int) -> bytes:
        msg = ForwardMsg()
        msg.metadata.delta_path.extend([root, 0])
        msg.delta.new_element.markdown.body = "x"
        return msg.SerializeToString()

    finished = ForwardMsg()
    finished.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    assert _frame_kind(delta(0)) == "delta:main" and _frame_kind(delta(1)) == "delta:sidebar"
    runs, info = Runs(), {"frames": 0}
    for payload in (delta(1), delta(0), delta(0), finished.SerializeToString()):
        runs.frame(payload, info)
    assert [k for _, k in info["log"]] == ["delta:main x2", "delta:sidebar x1", "script_finished:FINISHED_SUCCESSFULLY"]
    assert runs.count == 1
